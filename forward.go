package sluice

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// Forward sends req to its provider in the provider's own wire format, byte for byte,
// through the provider's queue and workers, with its key selection and retries; see
// schemas.RawRequest. The provider's adapter must implement providers.RawForwarder,
// otherwise the call fails with schemas.ErrUnsupported. A raw request has no fallbacks.
//
// A failed answer (non-2xx) is returned as a *schemas.Error carrying the provider's
// status, type and message; so is a whole answer that is not JSON (a 502, retried like
// a translated answer that does not decode). A stream is committed once the upstream
// has answered 2xx: a failure after that reaches the caller as an error from the
// body's Read. The caller must close the returned body; a stream holds one of the
// provider's workers until the body is closed or ctx ends.
func (c *Client) Forward(ctx context.Context, req *schemas.RawRequest) (
	*schemas.RawResponse, error) {
	if req == nil {
		return nil, badRequest("", "request is nil")
	}
	if err := checkTarget(req.Provider, req.Model, nil); err != nil {
		return nil, err
	}
	if req.Path == "" || req.Path[0] != '/' {
		e := badRequest(req.Provider, "path %q must start with a slash", req.Path)
		e.Param = "path"
		return nil, e
	}
	r := c.do(ctx, call{op: opForward, provider: req.Provider, model: req.Model, raw: req},
		nil)
	return r.raw, r.err
}

// forward is one upstream attempt of a raw request. A whole answer is read here,
// under the request timeout, so that a body cut short is retried like any failure; a
// stream is handed over as soon as the upstream has accepted it.
func (l *lane) forward(e *envelope, key *schemas.Key) result {
	if e.raw.Stream {
		return l.openRaw(e, key)
	}
	ctx, cancel := context.WithTimeoutCause(e.ctx, l.timeout, errRequestTimeout)
	defer cancel()
	resp, err := l.forwarder.Forward(ctx, key, e.raw)
	if err != nil {
		return result{err: l.classify(e.ctx, ctx, err)}
	}
	defer resp.Body.Close()

	buf := l.c.buffers.Get()
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, providers.MaxResponseBytes+1))
	switch {
	case err != nil:
		l.c.buffers.Put(buf)
		err = l.classify(e.ctx, ctx, providers.NetworkError(ctx, l.name, err))
		return result{err: err}
	case n > providers.MaxResponseBytes:
		l.c.buffers.Put(buf)
		return result{err: schemas.NewError(schemas.ErrUpstream, l.name,
			"upstream answer is larger than %d bytes", providers.MaxResponseBytes)}
	case !json.Valid(buf.Bytes()):
		// Every API forwarded to answers JSON; one that does not is broken, and is
		// retried like a translated answer that does not decode.
		l.c.buffers.Put(buf)
		return result{err: providers.MalformedError(l.name,
			errors.New("the answer is not valid JSON"))}
	}
	return result{raw: &schemas.RawResponse{Provider: l.name, StatusCode: resp.StatusCode,
		Header: resp.Header, Body: &bufferedBody{c: l.c, buf: buf}}}
}

// openRaw is one attempt at a raw stream: it waits for the upstream's answer within
// the request timeout and hands its body over, live.
func (l *lane) openRaw(e *envelope, key *schemas.Key) result {
	ctx, cancel := context.WithCancelCause(e.ctx)
	headers := time.AfterFunc(l.timeout, func() { cancel(errRequestTimeout) })
	resp, err := l.forwarder.Forward(ctx, key, e.raw)
	headers.Stop()
	if err != nil {
		err = l.classify(e.ctx, ctx, err)
		cancel(nil)
		return result{err: err}
	}
	h := &heldBody{l: l, caller: e.ctx, ctx: ctx, cancel: cancel, body: resp.Body,
		closed: make(chan struct{}), final: make(chan struct{})}
	// The idle timer runs only inside Read: time the caller spends writing to its own
	// client is not the upstream's silence.
	h.idle = time.AfterFunc(l.idle, func() { cancel(errStreamIdle) })
	h.idle.Stop()
	return result{held: h, raw: &schemas.RawResponse{Provider: l.name,
		StatusCode: resp.StatusCode, Header: resp.Header, Body: h,
		Redact: func(s string) string { return providers.Redact(s, key) }}}
}

// hold delivers an opened raw stream and keeps this worker until the caller closes the
// body or its context ends, so that a raw stream counts against Concurrency for as
// long as it lasts, like a chat stream.
func (l *lane) hold(e *envelope, r result, attempts int, queueWait, upstream time.Duration) {
	h := r.held
	e.report(attempts, queueWait, upstream)
	var start time.Time
	if e.trace != nil {
		start = time.Now()
	}
	e.done <- result{raw: r.raw}

	select {
	case <-h.closed:
	case <-e.ctx.Done():
	}
	h.release()
	// As in finish, the token goes back before the caller can see the end.
	<-l.room
	if e.trace != nil {
		e.report(0, 0, time.Since(start))
	}
	close(h.final)
	l.c.release(e)
}

// heldBody is the body of a raw stream. Its worker waits for Close; Close waits for
// the worker's last report, so that the caller's Trace is final when Close returns.
type heldBody struct {
	l      *lane
	caller context.Context // the caller's context
	ctx    context.Context // the attempt's context, canceled by the idle timer
	cancel context.CancelCauseFunc
	body   io.ReadCloser
	idle   *time.Timer

	once   sync.Once
	closed chan struct{} // closed by Close
	final  chan struct{} // closed by the worker once it has reported
}

// Read reads the upstream body. A failure other than the end of the body is returned
// as a *schemas.Error: ErrTimeout when the upstream was silent for longer than the idle
// timeout, ErrCanceled when the caller's context ended, ErrUpstream otherwise.
func (h *heldBody) Read(p []byte) (int, error) {
	h.idle.Reset(h.l.idle)
	n, err := h.body.Read(p)
	h.idle.Stop()
	if err != nil && err != io.EOF {
		err = h.l.classify(h.caller, h.ctx, providers.NetworkError(h.ctx, h.l.name, err))
	}
	return n, err
}

// Close ends the upstream call and frees the worker. It is safe to call more than once.
func (h *heldBody) Close() error {
	h.once.Do(func() { close(h.closed) })
	<-h.final
	return nil
}

// release stops the timer and the upstream call; the worker calls it once.
func (h *heldBody) release() {
	h.idle.Stop()
	h.body.Close()
	h.cancel(nil)
}

// bufferedBody is a whole answer held in a pooled buffer, returned to the pool on
// Close.
type bufferedBody struct {
	c   *Client
	buf *bytes.Buffer
}

func (b *bufferedBody) Read(p []byte) (int, error) {
	if b.buf == nil {
		return 0, io.ErrClosedPipe
	}
	return b.buf.Read(p)
}

// WriteTo lets io.Copy write the answer in one call, without an intermediate buffer.
func (b *bufferedBody) WriteTo(w io.Writer) (int64, error) {
	if b.buf == nil {
		return 0, io.ErrClosedPipe
	}
	return b.buf.WriteTo(w)
}

// Close returns the buffer to the pool. It is safe to call more than once, but not
// concurrently with Read.
func (b *bufferedBody) Close() error {
	if b.buf != nil {
		b.c.buffers.Put(b.buf)
		b.buf = nil
	}
	return nil
}
