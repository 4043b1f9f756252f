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

// openAIPrefix is how a model of openai is named on routes where it needs a prefix.
var openAIPrefix = []byte(`"openai/`)

// chatNative answers a chat request for openai without translating it, when it can:
// the engine forwards, the model resolves to openai, and no fallbacks are named
// (they may lead to providers of other shapes). It reports false, having done
// nothing, when the request must be translated; a body that does not decode is left
// to the translation path too, whose errors name the field.
func (s *Server) chatNative(x *exchange, data []byte, def schemas.ModelProvider) bool {
	// Where openai models need their prefix, a body without it goes to translation at
	// once, which then reads the body only once. A prefix written with escapes misses
	// this test and is translated, which is correct, only slower.
	if !s.forwards || (def != schemas.OpenAI && !bytes.Contains(data, openAIPrefix)) {
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
	// encoding/json matches member names case-insensitively and keeps the last of
	// duplicates, the provider need not: unless the member named exactly "model" holds
	// what routed the request ("Model" does not), translation sends what was read.
	start, end, ok := memberValue(data, "model")
	if !ok || !keyIs(data[start:end], head.Model) {
		return false
	}
	if err := checkUTF8(data); err != nil {
		x.fail(err)
		return true
	}

	x.provider, x.model = p, model
	if head.Stream {
		x.route = routeChatStream
	}
	body := data
	addUsage := head.Stream && head.StreamOptions == nil
	if model != head.Model || addUsage {
		value := data[start:end]
		if model != head.Model {
			value, _ = json.Marshal(model) // a string always encodes
		}
		b := s.bufs.Get()
		defer s.putBuffer(b)
		body = nativeChatBody(b.AvailableBuffer(), data, start, end, value, addUsage)
	}
	req := &schemas.RawRequest{Provider: p, Model: model, Path: chatPath, Body: body,
		Stream: head.Stream}
	s.forwardRaw(x, req, openAIWire{})
	return true
}

// nativeChatBody appends to dst the JSON object data as it goes upstream: the value at
// data[start:end] (the model) replaced by value, which removes a provider prefix, and,
// with addUsage, streamUsageOption put first, before any other member.
func nativeChatBody(dst, data []byte, start, end int, value []byte, addUsage bool) []byte {
	if addUsage {
		open := bytes.IndexByte(data, '{') + 1 // before start: data is an object
		dst = append(dst, data[:open]...)
		dst = append(dst, streamUsageOption...)
		data, start, end = data[open:], start-open, end-open
	}
	return spliceValue(dst, data, start, end, value)
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
