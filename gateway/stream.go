package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// streamDialect writes a chat stream in a client's wire format. Each method appends
// whole events to b; the relay sends and flushes them. An implementation may keep
// state across the events of one stream.
type streamDialect interface {
	// chunk appends the events that carry c.
	chunk(b *buffer, c *schemas.ChatStreamChunk) error
	// done appends the end of a stream that completed.
	done(b *buffer)
	// fail appends the end of a stream that failed with e.
	fail(b *buffer, e *schemas.Error)
}

// streamChat answers req with a stream of events in dialect d.
//
// The answer's status is settled only once the engine has returned: until the upstream
// accepts the stream, a failure (queue full, bad request, retries exhausted) is still
// an ordinary error answer with its own status. After that, the status is 200 and a
// failure can only be reported in-band, as the stream's last event.
func (s *Server) streamChat(x *exchange, req *schemas.ChatRequest, d streamDialect) {
	// The relay cancels the call itself when the client stops reading, so that the
	// engine ends the upstream call even if the connection lingers.
	ctx, cancel := context.WithCancel(x.r.Context())
	defer cancel()

	called := time.Now()
	events, err := s.engine.ChatCompletionStream(x.traced(ctx), req)
	if err != nil {
		x.fail(err)
		return
	}

	x.beginStream(called)
	b := s.bufs.Get()
	defer s.putBuffer(b)
	r := relay{x: x, d: d, b: b, rc: http.NewResponseController(x.w), cancel: cancel}
	r.run(events)
}

// beginStream writes the headers of an event stream; they go out at the relay's first
// flush. called is when the gateway handed the request to the engine. The engine's queue and
// upstream times are final only when the stream ends, and reading them earlier would
// race with the engine, so x-sluice-overhead counts the gateway's own time before the
// engine call; the metric gets the whole figure when the stream has ended (see
// overheadTotal).
func (x *exchange) beginStream(called time.Time) {
	x.overhead = called.Sub(x.start)
	x.streamed = true
	x.stamp(http.StatusOK)
	h := x.w.Header()
	h["Content-Type"] = sseContentType
	h["Cache-Control"] = noCache
	h["X-Accel-Buffering"] = noBuffering // ask proxies such as nginx not to buffer
	x.w.WriteHeader(http.StatusOK)
}

// relay copies a stream's events to the client.
type relay struct {
	x      *exchange
	d      streamDialect
	b      *buffer
	rc     *http.ResponseController
	cancel context.CancelFunc
	ended  bool // nothing more may be written: the stream failed or the client left
}

// run sends every event of events, then the end of the stream. It always drains
// events, as the engine requires, even after it stopped writing.
func (r *relay) run(events <-chan schemas.StreamEvent) {
	r.flush()
	for ev := range events {
		if r.ended {
			continue
		}
		r.b.Reset()
		if ev.Err != nil {
			r.failed(ev.Err)
			continue
		}
		r.x.tokens.set(ev.Chunk.Usage)
		if err := r.d.chunk(r.b, ev.Chunk); err != nil {
			r.b.Reset()
			r.failed(schemas.NewError(schemas.ErrUpstream, r.x.trace.Provider,
				"cannot encode a stream chunk: %v", err))
			continue
		}
		r.send()
	}
	if !r.ended {
		r.b.Reset()
		r.d.done(r.b)
		r.send()
	}
}

// failed ends the stream with err's event, or records a client that left.
func (r *relay) failed(err error) {
	e := toError(err)
	if r.x.clientGone(e) {
		r.gone()
		return
	}
	r.x.err, r.x.status = e, statusOf(e)
	r.d.fail(r.b, e)
	r.send()
	r.ended = true
	r.cancel()
}

// send writes and flushes b; a write that fails means the client left.
func (r *relay) send() {
	if _, err := r.x.w.Write(r.b.Bytes()); err != nil {
		r.gone()
		return
	}
	r.flush()
}

func (r *relay) flush() {
	if err := r.rc.Flush(); err != nil {
		r.gone()
	}
}

// gone records that the client left and cancels the upstream call.
func (r *relay) gone() {
	if !r.ended {
		r.x.status = schemas.StatusClientClosedRequest
	}
	r.ended = true
	r.cancel()
}
