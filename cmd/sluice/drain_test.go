package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The shape of TestSIGTERMDrainsUnderLoad: 500 requests accepted, of which 50 are
// with a worker and up to 450 queued, at 300 ms per upstream call.
const (
	drainRequests    = 500
	drainConcurrency = 50
	drainLatency     = 300 * time.Millisecond
)

// TestSIGTERMDrainsUnderLoad sends SIGTERM to the built binary while 500 requests are
// in flight or queued, and keeps sending new ones during the drain. Every accepted
// request must complete with 200 and a whole answer; every later one must be refused
// before acceptance, with a refused connection or a 503 and Retry-After, never cut;
// the process must exit 0.
func TestSIGTERMDrainsUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("drains 500 requests through the built binary for about 3 s")
	}
	mock, base := startMock(t, drainLatency)
	conf := writeConfig(t, base, drainConcurrency, 2*drainRequests, "")
	p := start(t, nil, "-config", conf, "-shutdown-grace", "30s")

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: drainRequests}}
	defer client.CloseIdleConnections()
	accepted := make(chan outcome, drainRequests)
	for i := range drainRequests {
		body := chatBody
		if i%5 == 0 {
			body = strings.Replace(chatBody, `{"model"`, `{"stream":true,"model"`, 1)
		}
		go func() { accepted <- send(client, p.url, body) }()
	}
	// Accepted means upstream already or queued. Answers come back every 300 ms, so
	// on a slow machine a few may be done before the last request is in.
	var queued, inFlight int
	waitFor(t, "all requests accepted, many queued", func() bool {
		s := mock.Stats()
		queued, inFlight = queueDepth(t, p.url), int(s.InFlight)
		return int(s.Requests)+queued == drainRequests && queued >= drainConcurrency
	})

	signaled := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	late := sendDuringDrain(p.url)

	ok := 0
	for range drainRequests {
		o := <-accepted
		if o.status == 200 && complete(o.body) {
			ok++
			continue
		}
		t.Errorf("accepted request lost in the drain: %d %.200s", o.status, o.body)
	}
	var exitErr error
	select {
	case exitErr = <-p.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("sluice did not exit after the drain")
	}
	drained := time.Since(signaled)
	if exitErr != nil {
		t.Errorf("exit: %v, want status 0", exitErr)
	}
	time.Sleep(100 * time.Millisecond) // a few more attempts after the exit
	refused := late.stop(t)
	t.Logf("SIGTERM with %d in flight and %d queued: %d × 200, exit after %v; "+
		"during the drain %d new requests: %d connections refused, %d × 503",
		inFlight, queued, ok, drained.Round(time.Millisecond),
		refused.sent, refused.connRefused, refused.unavailable)
	if ok != drainRequests {
		t.Errorf("%d of %d accepted requests completed", ok, drainRequests)
	}
}

// send posts body and reads the whole answer.
func send(client *http.Client, url, body string) outcome {
	resp, err := client.Post(url+"/v1/chat/completions", "application/json",
		strings.NewReader(body))
	if err != nil {
		return outcome{body: err.Error()}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return outcome{status: resp.StatusCode, body: "cut after " + string(b)}
	}
	return outcome{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"),
		body: string(b)}
}

// complete reports whether body is a whole chat completion, or a stream that ended
// with [DONE].
func complete(body string) bool {
	if strings.HasPrefix(body, "data:") {
		return strings.Contains(body, `"choices"`) && strings.HasSuffix(body, "data: [DONE]\n\n")
	}
	return strings.Contains(body, `"choices"`)
}

// queueDepth reads sluice_queue_depth of openai, or -1 when /metrics cannot be read.
func queueDepth(t *testing.T, url string) int {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, `sluice_queue_depth{provider="openai"} `); ok {
			var n int
			if _, err := fmt.Sscan(strings.TrimSpace(v), &n); err == nil {
				return n
			}
		}
	}
	t.Logf("no openai queue depth in /metrics yet")
	return -1
}

// lateRequests are the requests sent while the gateway drains.
type lateRequests struct {
	cancel                         context.CancelFunc
	wg                             sync.WaitGroup
	mu                             sync.Mutex
	sent, connRefused, unavailable int
	others                         []string
}

// sendDuringDrain sends a new request on a new connection every 20 ms until stop.
func sendDuringDrain(url string) *lateRequests {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	ctx, cancel := context.WithCancel(context.Background())
	l := &lateRequests{cancel: cancel}
	l.wg.Go(func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			l.wg.Go(func() { l.record(send(client, url, chatBody)) })
		}
	})
	return l
}

func (l *lateRequests) record(o outcome) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent++
	switch {
	case o.status == 0 && strings.Contains(o.body, "connection refused"):
		l.connRefused++
	case o.status == http.StatusServiceUnavailable && o.retryAfter != "":
		l.unavailable++
	case o.status == 200 && complete(o.body):
		// Accepted before the listener closed, and served: also fine.
	default:
		l.others = append(l.others, o.body)
	}
}

// stop ends the late requests, waits for their answers and fails the test for any
// that was neither served nor refused cleanly.
func (l *lateRequests) stop(t *testing.T) *lateRequests {
	t.Helper()
	l.cancel()
	l.wg.Wait()
	for _, o := range l.others {
		t.Errorf("a request sent during the drain was neither served nor refused: %.200s", o)
	}
	if l.connRefused+l.unavailable == 0 {
		t.Error("no request sent during the drain was refused; the test proved nothing")
	}
	return l
}
