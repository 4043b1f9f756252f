package sluice

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// failing answers each call with the next status of statuses, then "ok"; it records
// the time of every call.
type failing struct {
	mu       sync.Mutex
	statuses []int
	header   http.Header
	times    []time.Time
}

func (f *failing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.times = append(f.times, time.Now())
	n := len(f.times)
	f.mu.Unlock()
	if n <= len(f.statuses) {
		for k, v := range f.header {
			w.Header()[k] = v
		}
		http.Error(w, "upstream says no", f.statuses[n-1])
		return
	}
	w.Write([]byte("ok"))
}

func (f *failing) gaps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var g []time.Duration
	for i := 1; i < len(f.times); i++ {
		g = append(g, f.times[i].Sub(f.times[i-1]))
	}
	return g
}

func retryClient(t *testing.T, f *failing, maxRetries int, lo, hi time.Duration) *Client {
	up := newUpstream(t, f.ServeHTTP)
	acct := newAccount()
	cfg := acct.add(schemas.OpenAI, up.URL, 1, 1)
	cfg.NetworkConfig.MaxRetries = maxRetries
	cfg.NetworkConfig.RetryBackoffInitial = lo
	cfg.NetworkConfig.RetryBackoffMax = hi
	return newTestClient(t, acct, false)
}

func TestRetries(t *testing.T) {
	const lo, hi = 20 * time.Millisecond, 60 * time.Millisecond
	cases := []struct {
		name       string
		statuses   []int
		maxRetries int
		wantCalls  int
		wantKind   error // nil: success
	}{
		{"5xx then success", []int{500, 502}, 2, 3, nil},
		{"429 then success", []int{429}, 1, 2, nil},
		{"retries exhausted", []int{503, 503, 503}, 2, 3, schemas.ErrUpstream},
		{"no retries configured", []int{500}, 0, 1, schemas.ErrUpstream},
		{"bad request is final", []int{400}, 3, 1, schemas.ErrBadRequest},
		{"auth error is final", []int{401}, 3, 1, schemas.ErrAuth},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &failing{statuses: tc.statuses}
			c := retryClient(t, f, tc.maxRetries, lo, hi)
			var tr Trace
			_, err := c.ChatCompletion(WithTrace(context.Background(), &tr),
				chatReq(schemas.OpenAI, "hi"))
			failed := tc.wantKind == nil && err != nil ||
				tc.wantKind != nil && !errors.Is(err, tc.wantKind)
			if failed {
				t.Fatalf("err = %v, want kind %v", err, tc.wantKind)
			}
			gaps := f.gaps()
			if len(gaps)+1 != tc.wantCalls || tr.Attempts != tc.wantCalls {
				t.Fatalf("upstream calls %d, trace attempts %d, want %d",
					len(gaps)+1, tr.Attempts, tc.wantCalls)
			}
			if got := c.Stats().Retries; got != uint64(tc.wantCalls-1) {
				t.Errorf("Stats.Retries = %d, want %d", got, tc.wantCalls-1)
			}
			for i, g := range gaps {
				// The first retry waits exactly lo; later ones at most hi. Loopback
				// round trips, and a loaded machine, add a little on top.
				if g < lo || g > hi+250*time.Millisecond {
					t.Errorf("wait before retry %d = %s, want within [%s, %s]", i+1, g, lo, hi)
				}
			}
		})
	}
}

func TestRetryAfterIsObeyed(t *testing.T) {
	f := &failing{statuses: []int{429}, header: http.Header{"Retry-After": {"1"}}}
	c := retryClient(t, f, 2, time.Millisecond, 2*time.Second)
	if _, err := ask(c, schemas.OpenAI); err != nil {
		t.Fatal(err)
	}
	gaps := f.gaps()
	if len(gaps) != 1 || gaps[0] < time.Second || gaps[0] > 2*time.Second {
		t.Fatalf("waits %v, want one wait of about the 1s Retry-After", gaps)
	}
}

func TestRetryAfterBeyondMaxEndsRetries(t *testing.T) {
	f := &failing{statuses: []int{429, 429}, header: http.Header{"Retry-After": {"30"}}}
	c := retryClient(t, f, 3, time.Millisecond, time.Second)
	start := time.Now()
	_, err := c.ChatCompletion(context.Background(), chatReq(schemas.OpenAI, "hi"))
	if !errors.Is(err, schemas.ErrRateLimited) ||
		schemas.AsError(err).RetryAfter != 30*time.Second {
		t.Fatalf("err = %v, want ErrRateLimited carrying Retry-After 30s", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond || len(f.gaps()) != 0 {
		t.Fatalf("took %s with %d retries; a long Retry-After must end the retries", d,
			len(f.gaps()))
	}
}

func TestNoRetryPastCallerDeadline(t *testing.T) {
	f := &failing{statuses: []int{500, 500}}
	c := retryClient(t, f, 2, 300*time.Millisecond, time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.ChatCompletion(ctx, chatReq(schemas.OpenAI, "hi"))
	if !errors.Is(err, schemas.ErrUpstream) || len(f.gaps()) != 0 {
		t.Fatalf("err = %v after %d retries; a retry that cannot fit the deadline is not made",
			err, len(f.gaps()))
	}
}

func TestBackoffBounds(t *testing.T) {
	const lo, hi = 100 * time.Millisecond, 1500 * time.Millisecond
	for n := range 8 {
		var low, high time.Duration = hi, 0
		for range 1000 {
			d := backoff(n, lo, hi, rand.Float64())
			low, high = min(low, d), max(high, d)
		}
		if low < lo || high > hi {
			t.Fatalf("retry %d: waits in [%s, %s], outside [%s, %s]", n, low, high, lo, hi)
		}
		// The step doubles until it reaches hi; jitter spreads the upper half of it.
		step := min(lo<<n, hi)
		if high < step*9/10 || low > max(lo, step/2)*11/10 {
			t.Errorf("retry %d: waits in [%s, %s], want to spread over [%s, %s]", n, low,
				high, max(lo, step/2), step)
		}
	}
	if d := backoff(0, lo, hi, 0.99); d != lo {
		t.Errorf("first retry waits %s, want exactly %s", d, lo)
	}
}
