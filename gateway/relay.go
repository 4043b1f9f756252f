package gateway

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// A native call sends a request to a provider that speaks the client's dialect, as
// the client wrote it (only a provider prefix on the model is removed), and relays
// the answer as the provider wrote it: nothing is decoded but the routing members of
// the request and the usage of the answer. The dialect's part is a wire.

// wire is what a native call needs to know of one dialect's answers.
type wire interface {
	// usage reads the token usage of a whole answer; nil when it has none.
	usage(body []byte) *schemas.Usage
	// watcher returns the state of one stream's relay.
	watcher() streamWatcher
	// failEvent appends the event that ends a stream with e, in the dialect's shape.
	failEvent(b *buffer, e *schemas.Error)
	// unfinished is the message of a stream that ended before the dialect's last event.
	unfinished() string
}

// streamWatcher reads a relayed stream's events as they pass.
type streamWatcher interface {
	// watch reads one event before it is passed on, and says what to do with it.
	// A failure that watch returns is the upstream's: with relayLast the event is
	// passed on as the stream's end (the upstream's own error event); with
	// relayRefused it is not, and the stream ends with the gateway's error event.
	watch(name, data []byte) (relayVerdict, *schemas.Error)
	// usage is the token usage seen so far, or nil.
	usage() *schemas.Usage
}

// relayVerdict says what a relay does with one event.
type relayVerdict int

const (
	relayOn      relayVerdict = iota // pass it on; more events follow
	relayLast                        // pass it on; it ends the stream
	relayRefused                     // do not pass it on; the stream has failed
)

// passedHeaders are the upstream response headers a native answer carries back, each
// under the name it is given to the client: the request ids that the providers'
// support asks for (OpenAI's x-request-id renamed, since x-request-id is the
// gateway's own). Rate-limit and organization headers describe the gateway's own
// account and stay behind.
var passedHeaders = []struct{ upstream, client string }{
	{"Request-Id", "Request-Id"},
	{"X-Request-Id", "X-Upstream-Request-Id"},
}

// forwardRaw sends req through the engine and relays the answer in w's dialect.
func (s *Server) forwardRaw(x *exchange, req *schemas.RawRequest, w wire) {
	called := time.Now()
	resp, err := s.engine.(Forwarder).Forward(x.traced(x.r.Context()), req)
	if err != nil {
		x.fail(err)
		return
	}
	defer resp.Body.Close()
	h := x.w.Header()
	for _, p := range passedHeaders {
		if v, ok := resp.Header[p.upstream]; ok {
			h[p.client] = v
		}
	}
	if req.Stream {
		s.relayStream(x, resp, w, called)
		return
	}
	s.relayWhole(x, resp, w)
}

// relayWhole answers with a whole upstream answer, reading its usage for metrics.
func (s *Server) relayWhole(x *exchange, resp *schemas.RawResponse, w wire) {
	b := s.bufs.Get()
	defer s.putBuffer(b)
	if _, err := b.ReadFrom(resp.Body); err != nil {
		x.fail(err)
		return
	}
	// The engine read the answer whole before Forward returned; closing the body now
	// gives its buffer back before the answer is written.
	resp.Body.Close()
	x.tokens.set(w.usage(b.Bytes()))
	x.write(resp.StatusCode, b)
}

// relayStream relays an upstream event stream event by event, each flushed as it
// arrives and passed on byte for byte, while the wire's watcher reads usage and
// failures. A stream that ends without the dialect's last event is ended with an
// error event of the gateway's, so a client never takes a cut stream for a whole one.
func (s *Server) relayStream(x *exchange, resp *schemas.RawResponse, w wire,
	called time.Time) {
	x.beginStream(called)
	b := s.bufs.Get()
	defer s.putBuffer(b)
	r := rawRelay{x: x, w: w, watch: w.watcher(), redact: resp.Redact,
		rc: http.NewResponseController(x.w), sc: newEventScanner(resp.Body, &b.Buffer)}
	defer r.sc.Close()
	// The headers leave with the first event, in one write: a flush of its own would
	// cost the client a packet and a wake-up before the event it waits for.
	err := r.run()
	// Closing the body frees the worker and makes the trace final for x.end.
	resp.Body.Close()
	x.tokens.set(r.watch.usage())
	if err != nil && !r.gone {
		r.fail(toError(err))
	}
}

// rawRelay is the state of one untranslated stream.
type rawRelay struct {
	x       *exchange
	w       wire
	watch   streamWatcher
	redact  func(string) string // see schemas.RawResponse.Redact; may be nil
	rc      *http.ResponseController
	sc      *eventScanner
	scratch []byte
	gone    bool // the client left
}

// run relays events until the stream ends. It returns nil when the stream ended as
// its dialect ends one, its own error event included (recorded in x), and the
// failure otherwise.
func (r *rawRelay) run() error {
	for {
		ev, err := r.sc.Next()
		if err != nil {
			return r.cut(err)
		}
		name, data := eventFields(ev, &r.scratch)
		verdict, failure := r.watch.watch(name, data)
		if failure != nil && r.redact != nil {
			failure.Message = r.redact(failure.Message)
			if verdict == relayLast && r.redact(string(ev)) != string(ev) {
				// The upstream's error event quotes the key: the client gets the
				// gateway's own event, made from the redacted failure.
				verdict = relayRefused
			}
		}
		if verdict == relayRefused {
			return failure
		}
		if failure != nil {
			r.x.err, r.x.status = failure, statusOf(failure)
		}
		if !r.send(ev) || verdict == relayLast {
			return nil
		}
	}
}

// cut describes a stream that ended without its end.
func (r *rawRelay) cut(err error) error {
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return schemas.NewError(schemas.ErrUpstream, r.x.trace.Provider, "%s",
			r.w.unfinished())
	case errors.Is(err, errEventTooLarge):
		return schemas.NewError(schemas.ErrUpstream, r.x.trace.Provider, "%v", err)
	}
	return err
}

// send writes one event and flushes it; it reports false when the client has left.
func (r *rawRelay) send(ev []byte) bool {
	if _, err := r.x.w.Write(ev); err != nil {
		r.leave()
		return false
	}
	return r.flush()
}

func (r *rawRelay) flush() bool {
	if err := r.rc.Flush(); err != nil {
		r.leave()
		return false
	}
	return true
}

func (r *rawRelay) leave() {
	r.gone = true
	r.x.status = schemas.StatusClientClosedRequest
}

// fail ends the stream with the dialect's error event, or records a client that left.
func (r *rawRelay) fail(e *schemas.Error) {
	if r.x.clientGone(e) {
		r.leave()
		return
	}
	r.x.err, r.x.status = e, statusOf(e)
	b := r.x.s.bufs.Get()
	defer r.x.s.putBuffer(b)
	r.w.failEvent(b, e)
	r.send(b.Bytes())
}
