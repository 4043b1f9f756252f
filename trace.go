package sluice

import (
	"context"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// Trace lets a caller, typically the HTTP gateway, learn what the engine did for one
// call without any allocation beyond the context value. Put a zero Trace in the call's
// context with WithTrace; the engine sets Provider and Model and adds to the counters
// before the call returns.
//
// For a stream, Upstream keeps growing until the stream ends, so read the Trace only
// after the stream's channel is closed. A call that returned because its context ended
// stops updating the Trace at that moment.
type Trace struct {
	// Provider is the provider that answered, or the last one tried.
	Provider schemas.ModelProvider
	// Model is the model asked of Provider.
	Model string
	// Attempts counts upstream attempts across all providers, retries included.
	Attempts int
	// Fallbacks counts the fallbacks tried.
	Fallbacks int
	// QueueWait is the total time spent waiting in provider queues.
	QueueWait time.Duration
	// Upstream is the total time spent inside adapter calls.
	Upstream time.Duration
}

type traceKey struct{}

// WithTrace returns a copy of ctx that carries t. A nil t is allowed and traces nothing.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

// traceFrom returns the Trace carried by ctx, or nil.
func traceFrom(ctx context.Context) *Trace {
	t, _ := ctx.Value(traceKey{}).(*Trace)
	return t
}
