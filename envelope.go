package sluice

import (
	"bytes"
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// op is the operation an envelope asks of a provider.
type op uint8

const (
	opChat op = iota
	opStream
	opEmbedding
	opText
	opForward // a raw request; see forward.go
)

// result is what a worker hands back for one envelope. Exactly one of the answer
// fields or err is set. live is internal: the worker keeps it to pump a stream.
type result struct {
	chat   *schemas.ChatResponse
	emb    *schemas.EmbeddingResponse
	text   *schemas.TextCompletionResponse
	stream <-chan schemas.StreamEvent
	live   *liveStream
	raw    *schemas.RawResponse
	held   *heldBody // internal, like live: a raw stream the worker holds
	err    error
}

// envelope carries one request to one provider's worker and its result back.
//
// Two parties own an envelope once it is queued: the caller waiting for the result and
// the worker serving it. Each gives up its share with Client.release; the last one
// returns the envelope to the pool. This lets a caller whose context ended return at
// once while its envelope is still queued, without the worker touching a recycled
// envelope later.
type envelope struct {
	ctx   context.Context
	op    op
	model string
	chat  *schemas.ChatRequest
	emb   *schemas.EmbeddingRequest
	text  *schemas.TextCompletionRequest
	raw   *schemas.RawRequest

	// trace is the caller's Trace, or nil. queuedAt is set only when trace is not nil,
	// so that untraced calls do not pay for reading the clock.
	trace    *Trace
	queuedAt time.Time

	// done has room for one result, so a worker never blocks delivering it, even to
	// a caller that has gone.
	done   chan result
	owners atomic.Int32

	// mu orders the worker's writes to trace with the caller giving up on the call:
	// after abandon returns, the worker no longer writes to trace.
	mu        sync.Mutex
	abandoned bool
}

func newEnvelope() *envelope {
	return &envelope{done: make(chan result, 1)}
}

// resetEnvelope clears e for reuse, dropping a result nobody collected.
func resetEnvelope(e *envelope) {
	select {
	case <-e.done:
	default:
	}
	e.ctx = nil
	e.op = opChat
	e.model = ""
	e.chat, e.emb, e.text, e.raw = nil, nil, nil, nil
	e.trace = nil
	e.queuedAt = time.Time{}
	e.abandoned = false
}

// abandon records that the caller returned without the result.
func (e *envelope) abandon() {
	if e.trace == nil {
		return
	}
	e.mu.Lock()
	e.abandoned = true
	e.mu.Unlock()
}

// report adds one worker's share of the work to the caller's Trace, unless the
// caller has gone.
func (e *envelope) report(attempts int, queueWait, upstream time.Duration) {
	if e.trace == nil {
		return
	}
	e.mu.Lock()
	if !e.abandoned {
		e.trace.Attempts += attempts
		e.trace.QueueWait += queueWait
		e.trace.Upstream += upstream
	}
	e.mu.Unlock()
}

// release gives up one share of e; the last share returns e to the pool.
func (c *Client) release(e *envelope) {
	if e.owners.Add(-1) == 0 {
		c.envelopes.Put(e)
	}
}

// maxKeptBuffer is the largest body buffer the pool keeps. A rare huge body should not
// pin its memory for the life of the process.
const maxKeptBuffer = 256 << 10

func newBuffer() *bytes.Buffer { return new(bytes.Buffer) }

func resetBuffer(b *bytes.Buffer) {
	if b.Cap() > maxKeptBuffer {
		*b = bytes.Buffer{}
		return
	}
	b.Reset()
}
