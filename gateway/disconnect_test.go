package gateway

import (
	"bufio"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicegw/sluice/mockllm"
	"github.com/sluicegw/sluice/schemas"
)

// upstreamWatch records, for every request that reaches the mock, when it arrived and
// when its context ended: the moment the upstream saw the call abandoned.
type upstreamWatch struct {
	arrived chan struct{}
	ended   chan time.Time
}

func newUpstreamWatch() *upstreamWatch {
	return &upstreamWatch{arrived: make(chan struct{}, 16), ended: make(chan time.Time, 16)}
}

func (u *upstreamWatch) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.arrived <- struct{}{}
		// The server cancels r's context at the latest when the handler returns, so
		// this goroutine ends with the request.
		go func() {
			<-r.Context().Done()
			u.ended <- time.Now()
		}()
		h.ServeHTTP(w, r)
	})
}

// wait returns the next value of ch, failing the test after a generous bound.
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("%s did not happen within 5 s", what)
	}
	panic("unreachable")
}

// TestClientDisconnectCancelsUpstreamWithin100ms measures the time from a client
// closing its connection to the upstream seeing its request end, for a whole answer
// being waited for and for a stream being relayed, five times each: every trial must
// take under 100 ms. It takes about a millisecond on a busy machine.
func TestClientDisconnectCancelsUpstreamWithin100ms(t *testing.T) {
	watch := newUpstreamWatch()
	st := startStack(t, stackOptions{
		mock: mockllm.Options{Latency: 5 * time.Second, AnswerWords: 40, TokensPerChunk: 1},
		wrap: watch.wrap,
	})
	for _, stream := range []bool{false, true} {
		var gaps []time.Duration
		for range 5 {
			gaps = append(gaps, disconnectGap(t, st.url, watch, stream))
		}
		slices.Sort(gaps)
		t.Logf("stream=%v: client close to upstream cancel: %v", stream, gaps)
		if gaps[len(gaps)-1] > 100*time.Millisecond {
			t.Errorf("stream=%v: gaps %v; want all under 100 ms", stream, gaps)
		}
	}
}

// disconnectGap sends one request, closes it once the upstream is working on it (for
// a stream, once the first chunk has arrived), and returns how long the upstream took
// to see it end.
func disconnectGap(t *testing.T, url string, watch *upstreamWatch, stream bool) time.Duration {
	t.Helper()
	body := `{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}]`
	if stream {
		body += `,"stream":true`
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/chat/completions",
		strings.NewReader(body+"}"))
	if err != nil {
		t.Fatal(err)
	}
	answered := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			resp = nil // canceled before the headers, as intended for a whole answer
		}
		answered <- resp
	}()

	wait(t, watch.arrived, "the upstream call")
	if stream {
		resp := wait(t, answered, "the stream's headers")
		if resp == nil {
			t.Fatal("the stream failed before its headers")
		}
		line, err := bufio.NewReader(resp.Body).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "data: {") {
			t.Fatalf("first line %q, %v; want a chunk", line, err)
		}
		defer resp.Body.Close()
	} else {
		time.Sleep(50 * time.Millisecond) // the mock is now inside its latency
	}
	closed := time.Now()
	cancel()
	gap := wait(t, watch.ended, "the upstream cancellation").Sub(closed)
	if !stream {
		wait(t, answered, "the client's return")
	}
	return gap
}

// TestStreamIdleTimeoutEndsUpstreamCall checks that a stream whose upstream goes
// silent is ended by the idle timeout: the client gets the timeout as the last
// event, and the upstream call is closed rather than left open.
func TestStreamIdleTimeoutEndsUpstreamCall(t *testing.T) {
	watch := newUpstreamWatch()
	st := startStack(t, stackOptions{
		mock:    mockllm.Options{StallCap: 10 * time.Second, AnswerWords: 12},
		network: schemas.NetworkConfig{StreamIdleTimeoutInSeconds: 1},
		wrap:    watch.wrap,
	})
	st.mock.Arm(mockllm.FaultStall, 1)
	start := time.Now()
	resp, body := post(t, st.url+"/v1/chat/completions", `{"model":"openai/gpt-4o-mini",`+
		`"stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	took := time.Since(start)

	events := sseData(body)
	last := events[len(events)-1]
	if resp.StatusCode != 200 || len(events) < 2 ||
		!strings.Contains(last, "stream_idle_timeout_in_seconds") ||
		!strings.Contains(last, `"type":"timeout_error"`) {
		t.Fatalf("status %d, events %q; want chunks, then the idle timeout", resp.StatusCode,
			events)
	}
	if took < time.Second || took > 5*time.Second {
		t.Errorf("the stream ended after %v; want the 1 s idle timeout", took)
	}
	wait(t, watch.ended, "the end of the upstream call")
	// The watch sees the request context end as soon as the connection closes; the
	// mock's handler counts the abandoned call a moment later, when it wakes.
	deadline := time.Now().Add(2 * time.Second)
	for st.mock.Stats().Canceled == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if s := st.mock.Stats(); s.Canceled != 1 {
		t.Errorf("mock counted %d abandoned calls, want 1: the stalled call must be closed",
			s.Canceled)
	}
}
