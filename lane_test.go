package sluice

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

const latency = 200 * time.Millisecond

func TestDropExcessRequests(t *testing.T) {
	up := newUpstream(t, answerAfter(latency))
	acct := newAccount()
	acct.add(schemas.OpenAI, up.URL, 1, 1)
	c := newTestClient(t, acct, true)

	var ok, full atomic.Int32
	parallel(5, func(int) {
		start := time.Now()
		_, err := c.ChatCompletion(context.Background(), chatReq(schemas.OpenAI, "hi"))
		switch {
		case err == nil:
			ok.Add(1)
		case errors.Is(err, schemas.ErrQueueFull):
			full.Add(1)
			if d := time.Since(start); d > 100*time.Millisecond {
				t.Errorf("refusal took %s, want under 100ms", d)
			}
			if ge := schemas.AsError(err); ge.StatusCode != http.StatusServiceUnavailable ||
				ge.RetryAfter <= 0 {
				t.Errorf("refusal: status %d, retry after %s", ge.StatusCode, ge.RetryAfter)
			}
		default:
			t.Errorf("unexpected error: %v", err)
		}
	})
	if ok.Load() != 2 || full.Load() != 3 {
		t.Fatalf("got %d answers and %d refusals, want 2 and 3", ok.Load(), full.Load())
	}
	if s := c.Stats(); len(s.Providers) != 1 || s.Providers[0].Dropped != 3 {
		t.Fatalf("stats = %+v, want 3 drops", s.Providers)
	}
}

func TestWaitForRoomServesOneAtATime(t *testing.T) {
	up := newUpstream(t, answerAfter(latency))
	acct := newAccount()
	acct.add(schemas.OpenAI, up.URL, 1, 1)
	c := newTestClient(t, acct, false)

	start := time.Now()
	parallel(4, func(int) {
		if _, err := ask(c, schemas.OpenAI); err != nil {
			t.Errorf("queued request failed: %v", err)
		}
	})
	elapsed := time.Since(start)
	if m := up.maxInFlight.Load(); m != 1 {
		t.Errorf("upstream saw %d calls at once, want 1", m)
	}
	if elapsed < 4*latency-20*time.Millisecond || elapsed > 4*latency+time.Second {
		t.Errorf("4 requests at concurrency 1 took %s, want about %s", elapsed, 4*latency)
	}
}

func TestConcurrencyLimit(t *testing.T) {
	up := newUpstream(t, answerAfter(latency))
	acct := newAccount()
	acct.add(schemas.OpenAI, up.URL, 3, 20)
	c := newTestClient(t, acct, false)

	start := time.Now()
	parallel(9, func(int) {
		if _, err := ask(c, schemas.OpenAI); err != nil {
			t.Errorf("request failed: %v", err)
		}
	})
	elapsed := time.Since(start)
	if m := up.maxInFlight.Load(); m != 3 {
		t.Errorf("upstream saw at most %d calls at once, want 3", m)
	}
	if elapsed < 3*latency-20*time.Millisecond || elapsed > 3*latency+time.Second {
		t.Errorf("9 requests at concurrency 3 took %s, want about %s", elapsed, 3*latency)
	}
}

// A provider whose queue is full and whose calls hang must not slow another down.
func TestProvidersAreIsolated(t *testing.T) {
	release := make(chan struct{})
	slow := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	fast := newUpstream(t, answerAfter(0))
	acct := newAccount()
	acct.add(schemas.OpenAI, slow.URL, 1, 1)
	acct.add(schemas.Anthropic, fast.URL, 1, 1)
	c := newTestClient(t, acct, false)
	defer close(release)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range 3 { // one in flight, one queued, one waiting for room
		go c.ChatCompletion(ctx, chatReq(schemas.OpenAI, "stuck"))
	}
	waitFor(t, func() bool { return slow.calls.Load() == 1 })

	start := time.Now()
	for range 5 {
		_, err := c.ChatCompletion(context.Background(), chatReq(schemas.Anthropic, "hi"))
		if err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("healthy provider took %s for 5 calls", d)
	}
}

func TestCancelFreesWorkerAndUpstream(t *testing.T) {
	upstreamGone := make(chan struct{}, 1)
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if body, _ := io.ReadAll(r.Body); string(body) == "m-openai|quick" {
			w.Write([]byte("ok"))
			return
		}
		<-r.Context().Done()
		upstreamGone <- struct{}{}
	})
	acct := newAccount()
	acct.add(schemas.OpenAI, up.URL, 1, 0)
	c := newTestClient(t, acct, true)

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.ChatCompletion(ctx, chatReq(schemas.OpenAI, "hang"))
		errc <- err
	}()
	waitFor(t, func() bool { return up.calls.Load() == 1 })
	cancel()

	select {
	case err := <-errc:
		if !errors.Is(err, schemas.ErrCanceled) || !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want ErrCanceled wrapping context.Canceled", err)
		}
	case <-time.After(time.Second):
		t.Fatal("cancelled call did not return")
	}
	select {
	case <-upstreamGone:
	case <-time.After(time.Second):
		t.Fatal("upstream handler never saw the cancellation")
	}

	// With concurrency 1 and no waiting room, the next call is only admitted if
	// the worker was freed.
	waitFor(t, func() bool { return providerStats(c).BusyWorkers == 0 })
	resp, err := c.ChatCompletion(context.Background(), chatReq(schemas.OpenAI, "quick"))
	if err != nil || answerText(resp) != "ok" {
		t.Fatalf("after cancel: %v", err)
	}
}

func TestCancelledWhileQueuedNeverReachesUpstream(t *testing.T) {
	up := newUpstream(t, answerAfter(latency))
	acct := newAccount()
	acct.add(schemas.OpenAI, up.URL, 1, 5)
	c := newTestClient(t, acct, false)

	done := make(chan error, 1)
	go func() {
		_, err := c.ChatCompletion(context.Background(), chatReq(schemas.OpenAI, "first"))
		done <- err
	}()
	waitFor(t, func() bool { return up.calls.Load() == 1 })

	ctx, cancel := context.WithCancel(context.Background())
	queued := make(chan error, 1)
	go func() {
		_, err := c.ChatCompletion(ctx, chatReq(schemas.OpenAI, "second"))
		queued <- err
	}()
	waitFor(t, func() bool { return providerStats(c).QueueDepth == 1 })
	cancel()
	start := time.Now()
	if err := <-queued; !errors.Is(err, schemas.ErrCanceled) {
		t.Fatalf("queued call: %v, want ErrCanceled", err)
	}
	if d := time.Since(start); d > latency/2 {
		t.Errorf("queued call returned %s after cancel; it should not wait for a worker", d)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return providerStats(c).QueueDepth == 0 })
	if n := up.calls.Load(); n != 1 {
		t.Fatalf("upstream got %d calls, want 1: the cancelled one must be skipped", n)
	}
}

// waitFor polls cond for up to two seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 2s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestWorkersStartOnDemand checks both sides of starting workers as work arrives: calls
// made one after another start few workers, and a burst up to Concurrency is
// served all at once. The upstream of the burst answers only when every call of the
// burst has reached it, so a call left in the queue without a worker would hold the
// whole burst until its timeout.
//
// Calls made one after another start a worker or two: the next call can arrive
// between a worker's answer and its return to the idle count.
func TestWorkersStartOnDemand(t *testing.T) {
	const conc = 16
	var arrived atomic.Int32
	all := make(chan struct{})
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte("burst")) {
			if arrived.Add(1) == conc {
				close(all)
			}
			select {
			case <-all:
			case <-time.After(5 * time.Second):
				http.Error(w, "the burst never arrived whole", http.StatusGatewayTimeout)
				return
			}
		}
		io.WriteString(w, "ok")
	})
	acct := newAccount()
	acct.add(schemas.OpenAI, up.URL, conc, 0)
	c := newTestClient(t, acct, false)

	for range 5 {
		if _, err := ask(c, schemas.OpenAI); err != nil {
			t.Fatal(err)
		}
	}
	l, err := c.laneFor(context.Background(), schemas.OpenAI)
	if err != nil {
		t.Fatal(err)
	}
	if n := l.started.Load(); n > 2 {
		t.Errorf("5 calls one after another started %d workers, want 1 or 2", n)
	}

	start := time.Now()
	parallel(conc, func(int) {
		req := chatReq(schemas.OpenAI, "burst")
		if _, err := c.ChatCompletion(context.Background(), req); err != nil {
			t.Errorf("burst call: %v", err)
		}
	})
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("the burst took %s: some call waited for a worker", d)
	}
	if n := l.started.Load(); n != conc {
		t.Errorf("a burst of %d started %d workers in all, want %d", conc, n, conc)
	}
}
