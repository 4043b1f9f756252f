package sluice

import (
	"context"
	"errors"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// Causes given to the contexts of upstream calls, so that a timeout of the engine's
// own is told apart from the caller's cancellation.
var (
	errRequestTimeout = errors.New("sluice: request timeout")
	errStreamIdle     = errors.New("sluice: stream idle timeout")
)

// serve answers one envelope: it skips a request whose caller has gone, then runs the
// attempts, and delivers the result or, for a stream, pumps it.
func (l *lane) serve(e *envelope) {
	var queueWait time.Duration
	if e.trace != nil {
		queueWait = time.Since(e.queuedAt)
	}
	if e.ctx.Err() != nil {
		l.finish(e, result{err: canceled(e.ctx, l.name)}, 0, queueWait, 0)
		return
	}
	r, attempts, upstream := l.run(e)
	if r.live != nil {
		l.stream(e, r.live, attempts, queueWait, upstream)
		return
	}
	if r.held != nil {
		l.hold(e, r, attempts, queueWait, upstream)
		return
	}
	l.finish(e, r, attempts, queueWait, upstream)
}

// finish reports to the trace, gives the admission token back and delivers r. The
// token goes back first, so that a caller who sends its next request as soon as it has
// this answer finds room.
func (l *lane) finish(e *envelope, r result, attempts int, queueWait, upstream time.Duration) {
	e.report(attempts, queueWait, upstream)
	<-l.room
	e.done <- r
	l.c.release(e)
}

// run makes the attempts for e, retrying as retryDelay allows. It returns the last
// result, the number of attempts and the time spent in them.
func (l *lane) run(e *envelope) (r result, attempts int, upstream time.Duration) {
	for {
		key, err := l.pickKey(e.ctx, e.model)
		if err != nil {
			return result{err: err}, attempts, upstream
		}
		var start time.Time
		if e.trace != nil {
			start = time.Now()
		}
		r = l.try(e, key)
		attempts++
		if e.trace != nil {
			upstream += time.Since(start)
		}
		if r.err == nil {
			return r, attempts, upstream
		}
		wait, ok := l.retryDelay(e.ctx, r.err, attempts-1)
		if !ok {
			return r, attempts, upstream
		}
		l.logRetry(e.ctx, r.err, attempts, wait)
		if !sleep(e.ctx, wait) {
			return result{err: canceled(e.ctx, l.name)}, attempts, upstream
		}
		l.c.retries.Add(1)
	}
}

// once makes one upstream attempt under the request timeout.
func (l *lane) once(e *envelope, key *schemas.Key) result {
	switch e.op {
	case opStream:
		return l.openStream(e, key)
	case opForward:
		return l.forward(e, key)
	}
	ctx, cancel := context.WithTimeoutCause(e.ctx, l.timeout, errRequestTimeout)
	defer cancel()

	var r result
	switch e.op {
	case opChat:
		r.chat, r.err = l.adapter.ChatCompletion(ctx, key, e.chat)
		if r.err == nil && r.chat.Provider == "" {
			r.chat.Provider = l.name
		}
	case opEmbedding:
		r.emb, r.err = l.embedder.Embedding(ctx, key, e.emb)
		if r.err == nil && r.emb.Provider == "" {
			r.emb.Provider = l.name
		}
	case opText:
		r.text, r.err = l.texter.TextCompletion(ctx, key, e.text)
		if r.err == nil && r.text.Provider == "" {
			r.text.Provider = l.name
		}
	}
	if r.err != nil {
		r.err = l.classify(e.ctx, ctx, r.err)
	}
	return r
}

// classify turns an adapter's failure into the *schemas.Error the caller sees. The
// contexts decide first: a caller that has gone gets ErrCanceled, and an attempt cut
// by the engine's own timer gets ErrTimeout, whatever the adapter made of the
// resulting broken connection. The timer is then the cause, not the adapter's error:
// that error says the call was canceled, and chaining it would make the timeout
// match ErrCanceled too, which would stop the fallbacks.
func (l *lane) classify(caller, attempt context.Context, err error) error {
	if caller.Err() != nil {
		return canceled(caller, l.name)
	}
	switch cause := context.Cause(attempt); cause {
	case errRequestTimeout:
		return l.timeoutError(cause, "no complete answer within %s "+
			"(default_request_timeout_in_seconds)", l.timeout)
	case errStreamIdle:
		return l.timeoutError(cause, "stream was silent for %s "+
			"(stream_idle_timeout_in_seconds)", l.idle)
	}
	ge := schemas.AsError(err)
	if ge.Provider == "" {
		ge.Provider = l.name
	}
	return ge
}

func (l *lane) timeoutError(cause error, format string, d time.Duration) error {
	e := schemas.NewError(schemas.ErrTimeout, l.name, format, d)
	e.Cause = cause
	return e
}

// canceled is the error of a call whose caller's context ended.
func canceled(ctx context.Context, p schemas.ModelProvider) error {
	cause := context.Cause(ctx)
	e := schemas.NewError(schemas.ErrCanceled, p, "request abandoned: %v", cause)
	e.Cause = cause
	return e
}

// sleep waits for d or for ctx to end, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
