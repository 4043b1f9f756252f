package gateway

import (
	"bytes"
	"encoding/json"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// openAIHead is what the gateway reads of a chat request to decide whether it can be
// forwarded untranslated. Fallbacks is kept raw: any "fallbacks" member, even null,
// is sluice's and sends the request through translation.
type openAIHead struct {
	Model         string          `json:"model"`
	Stream        bool            `json:"stream"`
	StreamOptions json.RawMessage `json:"stream_options"`
	Fallbacks     json.RawMessage `json:"fallbacks"`
}

// chatPath is OpenAI's chat completions path; see openai.Provider.Forward.
const chatPath = "/v1/chat/completions"

// streamUsageOption is the member added to a forwarded stream request that has no
// stream_options, so that the provider reports usage in its last chunk, as a
// translated stream always asks it to.
const streamUsageOption = `"stream_options":{"include_usage":true},`

// chatNative answers a chat request for openai without translating it, when it can:
// the engine forwards, the model resolves to openai, and no fallbacks are named
// (they may lead to providers of other shapes). It reports false, having done
// nothing, when the request must be translated; a body that does not decode is left
// to the translation path too, whose errors name the field.
func (s *Server) chatNative(x *exchange, data []byte, def schemas.ModelProvider) bool {
	if !s.forwards {
		return false
	}
	var head openAIHead
	if json.Unmarshal(data, &head) != nil || head.Fallbacks != nil {
		return false
	}
	p, model, ok := s.cat.resolve(head.Model, def)
	if !ok || p != schemas.OpenAI {
		return false
	}
	body, ok := s.nativeChatBody(data, &head, model)
	if !ok {
		return false
	}
	defer body.release()
	if err := checkUTF8(data); err != nil {
		x.fail(err)
		return true
	}

	x.provider, x.model = p, model
	if head.Stream {
		x.route = routeChatStream
	}
	req := &schemas.RawRequest{Provider: p, Model: model, Path: chatPath, Body: body.data,
		Stream: head.Stream}
	s.forwardRaw(x, req, openAIWire{})
	return true
}

// nativeBody is a forwarded request body, in the caller's memory or in pooled buffers.
type nativeBody struct {
	s    *Server
	data []byte
	bufs [2]*buffer
}

func (b *nativeBody) release() {
	for _, buf := range b.bufs {
		if buf != nil {
			b.s.putBuffer(buf)
		}
	}
}

// nativeChatBody returns data as it goes upstream: the model's provider prefix
// removed, and usage asked for in a stream. ok is false when the member named exactly
// "model" does not hold the model that routed the request: encoding/json matches
// member names case-insensitively, the provider need not, so such a body is left to
// translation, which sends what encoding/json read.
func (s *Server) nativeChatBody(data []byte, head *openAIHead, model string) (
	*nativeBody, bool) {
	start, end, ok := memberValue(data, "model")
	var named string
	if !ok || json.Unmarshal(data[start:end], &named) != nil || named != head.Model {
		return nil, false
	}
	body := &nativeBody{s: s, data: data}
	if head.Model != model {
		body.bufs[0] = s.bufs.Get()
		out, ok := withModel(body.bufs[0].AvailableBuffer(), body.data, model)
		if !ok {
			body.release()
			return nil, false
		}
		body.data = out
	}
	if head.Stream && head.StreamOptions == nil {
		body.bufs[1] = s.bufs.Get()
		body.data = withMember(body.bufs[1].AvailableBuffer(), body.data, streamUsageOption)
	}
	return body, true
}

// withMember appends to dst the JSON object data with member ("name":value,) put
// first. data must be an object with at least one member.
func withMember(dst, data []byte, member string) []byte {
	i := bytes.IndexByte(data, '{') + 1
	dst = append(dst, data[:i]...)
	dst = append(dst, member...)
	return append(dst, data[i:]...)
}

// openAIWire reads OpenAI's answers as they pass (see wire).
type openAIWire struct{}

// usageOnly is the part of an answer or a chunk the gateway reads.
type usageOnly struct {
	Usage *schemas.Usage  `json:"usage"`
	Error json.RawMessage `json:"error"`
}

func (openAIWire) usage(body []byte) *schemas.Usage {
	var u usageOnly
	if json.Unmarshal(body, &u) != nil {
		return nil
	}
	return u.Usage
}

func (openAIWire) watcher() streamWatcher { return &openAIWatcher{} }

func (openAIWire) failEvent(b *buffer, e *schemas.Error) { openAIStream{}.fail(b, e) }

func (openAIWire) unfinished() string {
	return "the upstream stream ended before data: [DONE]"
}

// openAIWatcher reads usage from the chunks that carry it. The stream ends with
// "data: [DONE]", or with an error object, which some servers send as an event named
// error. A chunk that is not JSON is not passed on: the stream fails there, as a
// translated one does.
type openAIWatcher struct{ u *schemas.Usage }

func (o *openAIWatcher) watch(name, data []byte) (relayVerdict, *schemas.Error) {
	data = bytes.TrimSpace(data)
	switch {
	case bytes.Equal(data, []byte("[DONE]")):
		return relayLast, nil
	case len(data) == 0:
		return relayOn, nil // a comment or a keep-alive
	case string(name) == "error":
		return relayLast, providers.StreamError(schemas.OpenAI, data, nil)
	}
	var c usageOnly
	if err := json.Unmarshal(data, &c); err != nil {
		return relayRefused, providers.MalformedError(schemas.OpenAI, err)
	}
	if len(c.Error) > 0 && !bytes.Equal(c.Error, []byte("null")) {
		return relayLast, providers.StreamError(schemas.OpenAI, data, nil)
	}
	if c.Usage != nil {
		o.u = c.Usage
	}
	return relayOn, nil
}

func (o *openAIWatcher) usage() *schemas.Usage { return o.u }
