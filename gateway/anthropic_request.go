package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"

	"github.com/sluicegw/sluice/providers/anthropic"
	"github.com/sluicegw/sluice/schemas"
)

// anthropicHead is what the gateway reads of every Messages request to route it. The
// rest of the body is decoded only when the request is translated.
type anthropicHead struct {
	Model     string   `json:"model"`
	Stream    bool     `json:"stream"`
	Fallbacks []string `json:"fallbacks"`
}

// anthropicBody is a Messages request to translate, plus sluice's "fallbacks".
type anthropicBody struct {
	anthropic.MessagesRequest
	Fallbacks []string `json:"fallbacks"`
}

// anthropicKeys are the top-level members a translated request may have; any other
// is refused by name rather than dropped.
var anthropicKeys = jsonKeys(reflect.TypeFor[anthropicBody]())

// anthropicTarget is where a Messages request goes.
type anthropicTarget struct {
	provider  schemas.ModelProvider
	model     string
	fallbacks []schemas.Fallback
	// native: the request goes to Anthropic as it is, byte for byte.
	native bool
}

// anthropicTarget routes a request: a model whose prefix is a configured provider goes
// there, any other name (claude-…) to anthropic. A request for anthropic is forwarded
// untranslated when the engine can forward and no fallback is named: fallbacks may
// lead to other providers, so a request that names them is translated.
func (s *Server) anthropicTarget(head *anthropicHead) (anthropicTarget, *schemas.Error) {
	p, model, err := resolveModel(s.cat, head.Model, schemas.Anthropic)
	if err != nil {
		return anthropicTarget{}, err
	}
	fbs, err := resolveFallbacks(s.cat, head.Fallbacks, schemas.Anthropic)
	if err != nil {
		return anthropicTarget{}, err
	}
	// Any "fallbacks" member, even an empty one, is sluice's and must not reach
	// Anthropic, which would refuse it.
	_, canForward := s.engine.(Forwarder)
	return anthropicTarget{provider: p, model: model, fallbacks: fbs,
		native: p == schemas.Anthropic && head.Fallbacks == nil && canForward}, nil
}

// decodeHead reads the routing members of a Messages request body.
func decodeHead(data []byte, head *anthropicHead) *schemas.Error {
	if err := json.Unmarshal(data, head); err != nil {
		return decodeError(err)
	}
	return nil
}

// request translates b into a unified request for t. Anthropic requires max_tokens;
// the gateway does too, so that a request means the same whichever provider serves it.
func (b *anthropicBody) request(t anthropicTarget) (*schemas.ChatRequest, *schemas.Error) {
	switch {
	case len(b.Messages) == 0:
		return nil, badRequest("messages", "messages: at least one message is required")
	case b.MaxTokens < 1:
		return nil, badRequest("max_tokens", "max_tokens: required, and at least 1")
	}
	req, err := anthropic.RequestToUnified(&b.MessagesRequest)
	if err != nil {
		return nil, toError(err)
	}
	req.Provider, req.Model, req.Fallbacks = t.provider, t.model, t.fallbacks
	return req, nil
}

// forwardedHeaders are the client headers a native request takes upstream: the API
// version and the beta features it opts into. Credentials are the gateway's own.
var forwardedHeaders = []string{"Anthropic-Version", "Anthropic-Beta"}

// nativeHeader returns the client headers to forward, or nil when there are none.
func nativeHeader(in http.Header) http.Header {
	var out http.Header
	for _, name := range forwardedHeaders {
		if v, ok := in[name]; ok {
			if out == nil {
				out = make(http.Header, len(forwardedHeaders))
			}
			out[name] = v
		}
	}
	return out
}

// withModel returns data, a JSON object, with the value of its top-level "model"
// member replaced by model; everything else keeps its bytes. When the member appears
// more than once, the last one is replaced, since that is the one a JSON decoder
// keeps. ok is false when data has no such member.
func withModel(dst, data []byte, model string) (out []byte, ok bool) {
	start, end, ok := memberValue(data, "model")
	if !ok {
		return dst, false
	}
	quoted, err := json.Marshal(model)
	if err != nil {
		return dst, false
	}
	return spliceValue(dst, data, start, end, quoted), true
}

// spliceValue appends to dst data with the bytes at data[start:end] replaced by value.
func spliceValue(dst, data []byte, start, end int, value []byte) []byte {
	dst = append(dst, data[:start]...)
	dst = append(dst, value...)
	return append(dst, data[end:]...)
}

// memberValue returns the span of the value of the last top-level member named key in
// the JSON object data, which must be valid JSON. It scans like unknownKey, but
// compares names as decoded, escape sequences included.
func memberValue(data []byte, key string) (start, end int, ok bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return 0, 0, false
	}
	i++
	for {
		i = skipSpace(data, i)
		if i >= len(data) || data[i] != '"' {
			return start, end, ok
		}
		kend := stringEnd(data, i)
		match := keyIs(data[i:kend], key)
		i = skipSpace(data, kend) + 1 // past the colon
		vstart := skipSpace(data, i)
		vend := skipValue(data, vstart)
		if match {
			start, end, ok = vstart, vend, true
		}
		i = skipSpace(data, vend)
		if i >= len(data) || data[i] != ',' {
			return start, end, ok
		}
		i++
	}
}

// keyIs reports whether quoted, a JSON string with its quotes, is key once decoded.
func keyIs(quoted []byte, key string) bool {
	if bytes.IndexByte(quoted, '\\') < 0 {
		return string(quoted[1:len(quoted)-1]) == key
	}
	var s string
	return json.Unmarshal(quoted, &s) == nil && s == key
}
