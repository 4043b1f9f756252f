package gateway

import (
	"net/http"

	"github.com/sluicegw/sluice/providers/anthropic"
	"github.com/sluicegw/sluice/schemas"
)

// anthropicPrefix is where the Anthropic dialect is served: an Anthropic SDK whose
// base URL is {gateway}/anthropic reaches {gateway}/anthropic/v1/messages.
const anthropicPrefix = "/anthropic"

// anthropicRoutes serves Anthropic's Messages API. Errors on these routes, unknown
// paths and methods included, are written in Anthropic's shape.
func (s *Server) anthropicRoutes() {
	s.handleAnthropic(http.MethodPost, anthropicPrefix+"/v1/messages", s.anthropicMessages)
	s.handleAnthropic(http.MethodPost, anthropicPrefix+"/v1/messages/count_tokens",
		s.anthropicCountTokens)
	s.mux.HandleFunc(anthropicPrefix+"/", func(w http.ResponseWriter, r *http.Request) {
		x := s.beginAnthropic(w, r, routeNone)
		defer x.end()
		x.fail(schemas.NewError(schemas.ErrNotFound, "", "no route %s %s", r.Method,
			r.URL.Path))
	})
}

// handleAnthropic is handle with the 405 answer in Anthropic's shape.
func (s *Server) handleAnthropic(method, path string, h http.HandlerFunc) {
	s.mux.HandleFunc(method+" "+path, h)
	s.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		x := s.beginAnthropic(w, r, routeNone)
		defer x.end()
		w.Header()["Allow"] = []string{method}
		e := badRequest("", "%s is not allowed on %s; use %s", r.Method, path, method)
		e.StatusCode = http.StatusMethodNotAllowed
		x.fail(e)
	})
}

// beginAnthropic starts an exchange whose errors are written in Anthropic's shape.
func (s *Server) beginAnthropic(w http.ResponseWriter, r *http.Request, rt route) *exchange {
	x := s.begin(w, r, rt)
	x.encodeError = encodeAnthropicError
	return x
}

// anthropicMessages serves POST /anthropic/v1/messages: natively for anthropic (see
// anthropicTarget), translated for every other provider, streamed when the body says
// "stream": true.
func (s *Server) anthropicMessages(w http.ResponseWriter, r *http.Request) {
	x := s.beginAnthropic(w, r, routeChat)
	defer x.end()
	b, err := s.readBody(w, r)
	if err != nil {
		x.fail(err)
		return
	}
	defer s.putBuffer(b)
	var head anthropicHead
	if err := decodeHead(b.Bytes(), &head); err != nil {
		x.fail(err)
		return
	}
	t, err := s.anthropicTarget(&head)
	if err != nil {
		x.fail(err)
		return
	}
	x.provider, x.model = t.provider, t.model
	if head.Stream {
		x.route = routeChatStream
	}
	if t.native {
		s.forwardNative(x, b.Bytes(), head.Model, t, "/v1/messages", head.Stream)
		return
	}
	s.translateMessages(x, b.Bytes(), t, head.Stream)
}

// translateMessages answers a Messages request through the unified types.
func (s *Server) translateMessages(x *exchange, data []byte, t anthropicTarget, stream bool) {
	var body anthropicBody
	if err := decodeBody(data, &body, anthropicKeys); err != nil {
		x.fail(err)
		return
	}
	req, err := body.request(t)
	if err != nil {
		x.fail(err)
		return
	}
	if stream {
		s.streamChat(x, req, &anthropicStream{})
		return
	}
	resp, cerr := s.engine.ChatCompletion(x.traced(x.r.Context()), req)
	if cerr != nil {
		x.fail(cerr)
		return
	}
	x.tokens.set(resp.Usage)
	out, cerr := anthropic.ResponseFromUnified(resp)
	if cerr != nil {
		x.fail(cerr)
		return
	}
	x.writeJSON(out)
}

// anthropicCountTokens serves POST /anthropic/v1/messages/count_tokens. Only Anthropic
// counts a Messages request's tokens, so the request is forwarded there as it is; for
// any other provider it is refused with a 400 rather than answered with an estimate
// that a client would take for the real count.
func (s *Server) anthropicCountTokens(w http.ResponseWriter, r *http.Request) {
	x := s.beginAnthropic(w, r, routeNone)
	defer x.end()
	b, err := s.readBody(w, r)
	if err != nil {
		x.fail(err)
		return
	}
	defer s.putBuffer(b)
	var head anthropicHead
	if err := decodeHead(b.Bytes(), &head); err != nil {
		x.fail(err)
		return
	}
	t, err := s.anthropicTarget(&head)
	if err != nil {
		x.fail(err)
		return
	}
	x.provider, x.model = t.provider, t.model
	if err := countable(t); err != nil {
		x.fail(err)
		return
	}
	s.forwardNative(x, b.Bytes(), head.Model, t, "/v1/messages/count_tokens", false)
}

// countable refuses a count_tokens request that cannot be forwarded to anthropic.
func countable(t anthropicTarget) *schemas.Error {
	var e *schemas.Error
	switch {
	case t.native:
		return nil
	case t.provider != schemas.Anthropic:
		e = schemas.NewError(schemas.ErrUnsupported, t.provider, "count_tokens is only "+
			"available for anthropic models; provider %s cannot count a request's tokens",
			t.provider)
		e.Param = "model"
	case len(t.fallbacks) > 0:
		e = badRequest("fallbacks", "count_tokens takes no fallbacks")
	default:
		e = schemas.NewError(schemas.ErrUnsupported, t.provider,
			"count_tokens needs an engine that forwards requests untranslated")
	}
	return e
}
