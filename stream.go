package sluice

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// streamBuffer is the number of events a stream's channel holds, so that the worker
// reading upstream and the caller writing downstream do not wait on each other for
// every chunk.
const streamBuffer = 16

// liveStream is an upstream stream whose first chunk has arrived.
type liveStream struct {
	up     providers.Stream
	ctx    context.Context
	cancel context.CancelCauseFunc
	idle   *time.Timer
	first  *schemas.ChatStreamChunk // nil when the stream ended before any chunk
}

// close releases the upstream connection and the timer.
func (s *liveStream) close() {
	s.idle.Stop()
	s.up.Close()
	s.cancel(nil)
}

// openStream is one attempt at a stream: it waits for the upstream to accept the
// stream within the request timeout, then for the first chunk within the idle timeout.
// Failing before the first chunk leaves the attempt free to be retried or to fall
// back; once a chunk is out, the stream is committed to this provider.
func (l *lane) openStream(e *envelope, key *schemas.Key) result {
	ctx, cancel := context.WithCancelCause(e.ctx)
	headers := time.AfterFunc(l.timeout, func() { cancel(errRequestTimeout) })
	up, err := l.streamer.ChatCompletionStream(ctx, key, e.chat)
	headers.Stop()
	if err != nil {
		err = l.classify(e.ctx, ctx, err)
		cancel(nil)
		return result{err: err}
	}

	s := &liveStream{up: up, ctx: ctx, cancel: cancel}
	s.idle = time.AfterFunc(l.idle, func() { cancel(errStreamIdle) })
	first, err := up.Next()
	s.idle.Stop()
	switch {
	case err == nil:
		s.first = first
	case errors.Is(err, io.EOF):
	default:
		err = l.classify(e.ctx, ctx, err)
		s.close()
		return result{err: err}
	}
	return result{live: s}
}

// stream delivers an opened stream: it hands the caller a channel holding the first
// chunk, then pumps the rest while holding this worker, so that a stream counts
// against Concurrency for as long as it lasts.
func (l *lane) stream(e *envelope, s *liveStream, attempts int,
	queueWait, upstream time.Duration) {
	out := make(chan schemas.StreamEvent, streamBuffer)
	if s.first != nil {
		out <- schemas.StreamEvent{Chunk: s.first}
	}
	e.report(attempts, queueWait, upstream)
	e.done <- result{stream: out}

	var start time.Time
	if e.trace != nil {
		start = time.Now()
	}
	if s.first != nil {
		l.pump(e.ctx, s, out)
	}
	s.close()

	// As in finish, the token goes back before the caller can see the end.
	<-l.room
	if e.trace != nil {
		e.report(0, 0, time.Since(start))
	}
	close(out)
	l.c.release(e)
}

// pump forwards chunks until the upstream ends, fails, goes silent for longer than
// the idle timeout, or the caller's context ends. A failure becomes the last event.
func (l *lane) pump(caller context.Context, s *liveStream, out chan<- schemas.StreamEvent) {
	defer func() {
		if v := recover(); v != nil {
			sendLast(caller, out, schemas.StreamEvent{Err: l.panicked(v)})
		}
	}()
	for {
		s.idle.Reset(l.idle)
		chunk, err := s.up.Next()
		s.idle.Stop()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			sendLast(caller, out, schemas.StreamEvent{Err: l.classify(caller, s.ctx, err)})
			return
		}
		select {
		case out <- schemas.StreamEvent{Chunk: chunk}:
		case <-caller.Done():
			sendLast(caller, out, schemas.StreamEvent{Err: canceled(caller, l.name)})
			return
		}
	}
}

// sendLast delivers a stream's final error event. It waits for room while the caller
// is there; a caller that has gone gets the event only if the buffer has room, so
// that one who drains the channel later still learns why the stream ended.
func sendLast(caller context.Context, out chan<- schemas.StreamEvent, ev schemas.StreamEvent) {
	select {
	case out <- ev:
	case <-caller.Done():
		select {
		case out <- ev:
		default:
		}
	}
}
