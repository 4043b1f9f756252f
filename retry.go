package sluice

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// retryDelay decides whether the failed attempt number n (0 for the first) is tried
// again, and after how long.
//
// Only failures that may succeed later are retried: 429, 5xx, timeouts and broken
// connections (schemas.Error.Retryable). Input errors, auth errors and the caller's
// cancellation never are, and no retry is made that could not finish before the
// caller's deadline.
//
// A Retry-After from the provider is obeyed exactly, never undercut. When it asks for
// more than RetryBackoffMax, the retries at this provider end at once instead, so that
// the fallbacks answer without delay; the error keeps RetryAfter for the caller.
func (l *lane) retryDelay(ctx context.Context, err error, n int) (time.Duration, bool) {
	var ge *schemas.Error
	if n >= l.maxRetries || ctx.Err() != nil || !errors.As(err, &ge) || !ge.Retryable() {
		return 0, false
	}
	wait := ge.RetryAfter
	if wait > l.backoffMax {
		return 0, false
	}
	if wait <= 0 {
		wait = backoff(n, l.backoffMin, l.backoffMax, rand.Float64())
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
		return 0, false
	}
	return wait, true
}

// backoff returns the wait before retry n+1: exponential growth from lo, capped at hi,
// with "equal jitter" (a uniformly random point in the upper half of the step) so that
// callers failing together do not retry together. The result always lies in [lo, hi];
// the first retry waits exactly lo. r is a random number in [0, 1).
func backoff(n int, lo, hi time.Duration, r float64) time.Duration {
	step := lo
	for range n {
		if step >= hi/2 {
			step = hi
			break
		}
		step *= 2
	}
	step = min(step, hi)
	floor := max(lo, step/2)
	return floor + time.Duration(r*float64(step-floor))
}

// logRetry records a retry at debug level; the guard keeps the attributes free when
// debug logging is off.
func (l *lane) logRetry(ctx context.Context, err error, attempt int, wait time.Duration) {
	if !l.c.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	l.c.log.LogAttrs(ctx, slog.LevelDebug, "retrying upstream call",
		slog.String("provider", string(l.name)),
		slog.Int("attempt", attempt),
		slog.Duration("wait", wait),
		slog.String("error", err.Error()))
}

// shouldFallback reports whether a call that failed with err goes on to its next
// fallback. Everything that is the provider's trouble does: retryable failures, auth
// and not-found answers, a full queue, a missing key or capability, a provider that is
// not configured. A request the provider judged invalid (ErrBadRequest) does not,
// since another provider would refuse it too, and neither does a call whose caller
// has gone.
func shouldFallback(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	return !errors.Is(err, schemas.ErrBadRequest) && !errors.Is(err, schemas.ErrCanceled) &&
		!errors.Is(err, schemas.ErrClosed)
}
