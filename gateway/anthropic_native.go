package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/sluicegw/sluice"
	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/providers/anthropic"
	"github.com/sluicegw/sluice/schemas"
)

// Forwarder is implemented by engines that can send a request in its provider's own
// wire format (see sluice.Client.Forward). When the Engine implements it, requests for
// anthropic on the /anthropic routes are forwarded byte for byte; otherwise they are
// translated like those for any other provider, and count_tokens is refused.
type Forwarder interface {
	Forward(ctx context.Context, req *schemas.RawRequest) (*schemas.RawResponse, error)
}

var _ Forwarder = (*sluice.Client)(nil)

// passedHeaders are the upstream response headers a native answer carries back: the
// request id that Anthropic's support asks for. Rate-limit and organization headers
// describe the gateway's own account and stay behind.
var passedHeaders = []string{"Request-Id"}

// forwardNative sends body, a request in Anthropic's shape whose model member is
// asked, to path of t's provider, and relays the answer untranslated.
func (s *Server) forwardNative(x *exchange, body []byte, asked string, t anthropicTarget,
	path string, stream bool) {
	if asked != t.model {
		// Only the model changes: "anthropic/claude-…" loses its prefix.
		b := s.bufs.Get()
		defer s.putBuffer(b)
		var ok bool
		if body, ok = withModel(b.AvailableBuffer(), body, t.model); !ok {
			// encoding/json matched the member case-insensitively ("Model").
			x.fail(badRequest("model", "model: name the member \"model\", in lower case"))
			return
		}
	}
	req := &schemas.RawRequest{Provider: t.provider, Model: t.model, Path: path, Body: body,
		Header: nativeHeader(x.r.Header), Stream: stream}

	called := time.Now()
	resp, err := s.engine.(Forwarder).Forward(x.traced(x.r.Context()), req)
	if err != nil {
		x.fail(err)
		return
	}
	defer resp.Body.Close()
	h := x.w.Header()
	for _, name := range passedHeaders {
		if v, ok := resp.Header[name]; ok {
			h[name] = v
		}
	}
	if stream {
		s.relayNative(x, resp, called)
		return
	}
	s.wholeNative(x, resp)
}

// wholeNative answers with a whole upstream answer, reading its usage for metrics.
func (s *Server) wholeNative(x *exchange, resp *schemas.RawResponse) {
	b := s.bufs.Get()
	defer s.putBuffer(b)
	if _, err := b.ReadFrom(resp.Body); err != nil {
		x.fail(err)
		return
	}
	// The engine read the answer whole before Forward returned; closing the body now
	// gives its buffer back before the answer is written.
	resp.Body.Close()
	x.tokens.set(anthropic.ResponseUsage(b.Bytes()))
	x.write(resp.StatusCode, b)
}

// relayNative relays an upstream event stream event by event, each flushed as it
// arrives and passed on byte for byte. It reads the usage from message_start and
// message_delta as they pass. A stream that does not end with message_stop or with
// the upstream's own error event is ended with an error event of the gateway's, so a
// client never takes a cut stream for a whole one.
func (s *Server) relayNative(x *exchange, resp *schemas.RawResponse, called time.Time) {
	// As in streamChat, the header counts the gateway's time before the engine call.
	x.overhead = called.Sub(x.start)
	x.streamed = true
	x.stamp(http.StatusOK)
	h := x.w.Header()
	h["Content-Type"] = sseContentType
	h["Cache-Control"] = noCache
	h["X-Accel-Buffering"] = noBuffering
	x.w.WriteHeader(http.StatusOK)

	b := s.bufs.Get()
	defer s.putBuffer(b)
	n := nativeRelay{x: x, rc: http.NewResponseController(x.w),
		sc: newEventScanner(resp.Body, &b.Buffer)}
	defer n.sc.Close()
	n.flush()
	err := n.run()
	// Closing the body frees the worker and makes the trace final for x.end.
	resp.Body.Close()
	x.tokens.set(n.usage.Unified())
	if err != nil && !n.gone {
		n.fail(toError(err))
	}
}

// nativeRelay is the state of one untranslated stream.
type nativeRelay struct {
	x       *exchange
	rc      *http.ResponseController
	sc      *eventScanner
	scratch []byte
	usage   anthropic.StreamUsage
	gone    bool // the client left
}

// run relays events until the stream ends. It returns nil when the stream ended as
// Anthropic ends one (message_stop, or an error event, which it records), and the
// failure otherwise.
func (n *nativeRelay) run() error {
	for {
		ev, err := n.sc.Next()
		if err != nil {
			return n.cut(err)
		}
		name, data := eventFields(ev, &n.scratch)
		switch string(name) {
		case "message_start", "message_delta":
			n.usage.Observe(string(name), data)
		case "error":
			e := providers.StreamError(n.x.trace.Provider, data, nil)
			n.x.err, n.x.status = e, statusOf(e)
		}
		if !n.send(ev) {
			return nil
		}
		if string(name) == "message_stop" || string(name) == "error" {
			return nil
		}
	}
}

// cut describes a stream that ended without its end.
func (n *nativeRelay) cut(err error) error {
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return schemas.NewError(schemas.ErrUpstream, n.x.trace.Provider,
			"the upstream stream ended before message_stop")
	case errors.Is(err, errEventTooLarge):
		return schemas.NewError(schemas.ErrUpstream, n.x.trace.Provider, "%v", err)
	}
	return err
}

// send writes one event and flushes it; it reports false when the client has left.
func (n *nativeRelay) send(ev []byte) bool {
	if _, err := n.x.w.Write(ev); err != nil {
		n.leave()
		return false
	}
	return n.flush()
}

func (n *nativeRelay) flush() bool {
	if err := n.rc.Flush(); err != nil {
		n.leave()
		return false
	}
	return true
}

func (n *nativeRelay) leave() {
	n.gone = true
	n.x.status = schemas.StatusClientClosedRequest
}

// fail ends the stream with an Anthropic error event, or records a client that left.
func (n *nativeRelay) fail(e *schemas.Error) {
	if n.x.clientGone(e) {
		n.leave()
		return
	}
	n.x.err, n.x.status = e, statusOf(e)
	b := n.x.s.bufs.Get()
	defer n.x.s.putBuffer(b)
	appendAnthropicErrorEvent(b, e)
	n.send(b.Bytes())
}
