package sluice

import (
	"log/slog"
	"runtime/debug"

	"github.com/sluicegw/sluice/schemas"
)

// try is once with a panic in the adapter turned into a failure of this attempt. A bug
// in one adapter, met by one request, must neither end the process nor kill the worker
// and with it a share of the provider's concurrency.
func (l *lane) try(e *envelope, key *schemas.Key) (r result) {
	defer func() {
		if v := recover(); v != nil {
			r = result{err: l.panicked(v)}
		}
	}()
	return l.once(e, key)
}

// panicked logs a recovered panic with its stack and returns the error the caller
// sees. The error is retryable, so that another provider can still answer.
func (l *lane) panicked(v any) error {
	l.c.log.Error("provider adapter panicked", slog.String("provider", string(l.name)),
		slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
	return schemas.NewError(schemas.ErrUpstream, l.name,
		"BUG: the provider's adapter failed unexpectedly; the gateway's log has the details")
}
