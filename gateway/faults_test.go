package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluicegw/sluice/mockllm"
	"github.com/sluicegw/sluice/schemas"
)

// The fault matrix: every fault mockllm can inject, answered without and with a
// stream, under three policies. Each subtest is one cell, named
// TestFaultMatrix/<fault>/<stream|whole>/<policy>, and the README's fault table
// cites these names.
//
// Timeouts are one second (the JSON unit), so the cells that wait for one run in
// parallel; the others take milliseconds.

// policy is how hard the gateway tries after a fault.
type policy string

const (
	noRetry  policy = "none"     // max_retries 0, no fallback
	retry    policy = "retry"    // max_retries 2, the fault strikes once
	fallback policy = "fallback" // max_retries 0, fallback anthropic/claude-sonnet-4-5
)

// faultRow is what one fault does to a client, without retries or fallbacks.
type faultRow struct {
	fault mockllm.Fault
	// status is the answer to a whole request, and to a stream whose fault strikes
	// before its first chunk.
	status int
	// midStream: in a stream the fault strikes after the first chunk, so the client
	// gets 200, some chunks and an error event, and the gateway neither retries nor
	// falls back, since part of the answer is already out.
	midStream bool
	// streamStatus is the status counted in metrics for a failed stream (the answer
	// itself was 200 by then).
	streamStatus int
	retryAfter   string // Retry-After on the error answer
	errType      string // the error body's type
	// waits: the upstream asks for Retry-After: 1, which a retry must honour.
	waits bool
}

var faultRows = []faultRow{
	{fault: mockllm.Fault500, status: 502, errType: "server_error"},
	{fault: mockllm.Fault502, status: 502, errType: "server_error"},
	{fault: mockllm.Fault503, status: 502, errType: "server_error", waits: true},
	{fault: mockllm.Fault429, status: 429, retryAfter: "1", errType: "requests", waits: true},
	{fault: mockllm.FaultReset, status: 502, errType: schemas.TypeUpstream},
	{fault: mockllm.FaultResetMidBody, status: 502, midStream: true, streamStatus: 502,
		errType: schemas.TypeUpstream},
	{fault: mockllm.FaultDelay, status: 504, errType: schemas.TypeTimeout},
	{fault: mockllm.FaultStall, status: 504, midStream: true, streamStatus: 504,
		errType: schemas.TypeTimeout},
	{fault: mockllm.FaultMalformed, status: 502, midStream: true, streamStatus: 502,
		errType: schemas.TypeUpstream},
	{fault: mockllm.FaultCut, status: 502, midStream: true, streamStatus: 502,
		errType: schemas.TypeUpstream},
	{fault: mockllm.FaultErrorEvent, status: 502, midStream: true, streamStatus: 502,
		errType: "server_error"},
}

func TestFaultMatrix(t *testing.T) {
	for _, row := range faultRows {
		t.Run(string(row.fault), func(t *testing.T) {
			for _, stream := range []bool{false, true} {
				name := "whole"
				if stream {
					name = "stream"
				}
				t.Run(name, func(t *testing.T) {
					for _, p := range []policy{noRetry, retry, fallback} {
						t.Run(string(p), func(t *testing.T) {
							t.Parallel()
							runFaultCell(t, row, stream, p)
						})
					}
				})
			}
		})
	}
}

// faultStack starts a gateway over a fresh mock configured for policy p, with
// one-second timeouts and a fast backoff that still honours a one-second Retry-After.
func faultStack(t *testing.T, p policy) *stack {
	network := schemas.NetworkConfig{
		DefaultRequestTimeoutInSeconds: 1,
		StreamIdleTimeoutInSeconds:     1,
		RetryBackoffInitial:            10 * time.Millisecond,
		RetryBackoffMax:                2 * time.Second,
	}
	if p == retry {
		network.MaxRetries = 2
	}
	return startStack(t, stackOptions{
		mock: mockllm.Options{FaultDelay: 3 * time.Second, StallCap: 5 * time.Second,
			AnswerWords: 12, TokensPerChunk: 2},
		network: network,
	})
}

// runFaultCell arms the fault for the first upstream request, sends one request and
// checks the answer, the attempts the mock saw, and the metrics.
func runFaultCell(t *testing.T, row faultRow, stream bool, p policy) {
	st := faultStack(t, p)
	st.mock.Arm(row.fault, 1)
	body := `{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}]`
	if stream {
		body += `,"stream":true`
	}
	if p == fallback {
		body += `,"fallbacks":["anthropic/claude-sonnet-4-5"]`
	}
	start := time.Now()
	resp, got := post(t, st.url+"/v1/chat/completions", body+"}")
	if took := time.Since(start); p == retry && row.waits && took < time.Second {
		t.Errorf("answered after %v: the retry did not wait for Retry-After: 1", took)
	}

	want := expectCell(row, stream, p)
	checkAnswer(t, resp, got, want)
	stats := st.mock.Stats()
	if n := stats.Providers["openai"]; n != uint64(want.openaiCalls) {
		t.Errorf("openai was called %d times, want %d", n, want.openaiCalls)
	}
	if n := stats.Providers["anthropic"]; n != uint64(want.fallbackCalls) {
		t.Errorf("the fallback was called %d times, want %d", n, want.fallbackCalls)
	}
	checkCounted(t, st.url, want)
}

// cellWant is what one cell of the matrix must show.
type cellWant struct {
	stream     bool   // the request asked for a stream
	status     int    // HTTP status of the answer
	sse        bool   // the answer is a stream of events
	failed     bool   // the answer (or the stream's end) is an error
	errType    string // the error's type
	retryAfter string
	provider   string // x-sluice-provider

	openaiCalls, fallbackCalls int
	counted                    int    // the code label of sluice_requests_total
	countedFor                 string // its provider label
	retries, fallbacks         float64
}

// expectCell derives a cell's expectations from the row: mid-stream faults are final;
// every other fault is retried, or falls back, and then succeeds.
func expectCell(row faultRow, stream bool, p policy) cellWant {
	w := cellWant{status: row.status, failed: true, errType: row.errType,
		retryAfter: row.retryAfter, provider: "openai", openaiCalls: 1,
		counted: row.status, countedFor: "openai", stream: stream}
	if stream && row.midStream {
		w.status, w.sse, w.retryAfter, w.counted = 200, true, "", row.streamStatus
		return w // no policy changes a stream that has begun
	}
	switch p {
	case retry:
		w = cellWant{status: 200, sse: stream, provider: "openai", openaiCalls: 2,
			counted: 200, countedFor: "openai", retries: 1}
	case fallback:
		w = cellWant{status: 200, sse: stream, provider: "anthropic", openaiCalls: 1,
			fallbackCalls: 1, counted: 200, countedFor: "anthropic", fallbacks: 1}
	}
	w.stream = stream
	return w
}

// checkAnswer checks the status, headers and body a client got.
func checkAnswer(t *testing.T, resp *http.Response, body string, w cellWant) {
	t.Helper()
	if resp.StatusCode != w.status {
		t.Fatalf("status %d, want %d; body:\n%s", resp.StatusCode, w.status, body)
	}
	if got := resp.Header.Get("X-Sluice-Provider"); got != w.provider {
		t.Errorf("x-sluice-provider %q, want %q", got, w.provider)
	}
	if got := resp.Header.Get("Retry-After"); got != w.retryAfter {
		t.Errorf("Retry-After %q, want %q", got, w.retryAfter)
	}
	ct := resp.Header.Get("Content-Type")
	if w.sse != strings.HasPrefix(ct, "text/event-stream") {
		t.Errorf("Content-Type %q for sse=%v", ct, w.sse)
	}
	switch {
	case w.sse:
		checkEvents(t, body, w)
	case w.failed:
		checkErrorBody(t, []byte(body), w.errType)
	case !strings.Contains(body, `"choices"`):
		t.Errorf("a whole answer without choices:\n%s", body)
	}
}

// checkEvents checks an SSE answer: chunks, then [DONE] when it succeeded, or one
// error event and no [DONE] when it failed.
func checkEvents(t *testing.T, body string, w cellWant) {
	t.Helper()
	events := sseData(body)
	if len(events) < 2 {
		t.Fatalf("%d events, want chunks and an end:\n%s", len(events), body)
	}
	last := events[len(events)-1]
	for _, ev := range events[:len(events)-1] {
		if !strings.Contains(ev, `"choices"`) {
			t.Errorf("event before the end is not a chunk: %s", ev)
		}
	}
	if !w.failed {
		if last != "[DONE]" {
			t.Errorf("a complete stream ends with %q, want [DONE]", last)
		}
		return
	}
	for _, ev := range events {
		if ev == "[DONE]" {
			t.Errorf("a failed stream carries [DONE]:\n%s", body)
		}
	}
	checkErrorBody(t, []byte(last), w.errType)
}

// checkErrorBody checks OpenAI's error shape and the error's type.
func checkErrorBody(t *testing.T, data []byte, errType string) {
	t.Helper()
	var e openAIError
	if err := json.Unmarshal(data, &e); err != nil || e.Error.Message == "" {
		t.Errorf("not an OpenAI error (%v): %s", err, data)
		return
	}
	if e.Error.Type != errType {
		t.Errorf("error type %q, want %q: %s", e.Error.Type, errType, data)
	}
}

// sseData returns the data of each event of an SSE body.
func sseData(body string) []string {
	var out []string
	for ev := range strings.SplitSeq(body, "\n\n") {
		if d, ok := strings.CutPrefix(ev, "data: "); ok {
			out = append(out, d)
		}
	}
	return out
}

// checkCounted checks that metrics counted the outcome, the retries and fallbacks.
func checkCounted(t *testing.T, url string, w cellWant) {
	t.Helper()
	fams := scrape(t, url)
	route := "chat"
	if w.stream {
		route = "chat_stream"
	}
	labels := map[string]string{"provider": w.countedFor, "route": route,
		"code": fmt.Sprint(w.counted)}
	if v, _ := metricValue(fams, "sluice_requests_total", labels); v != 1 {
		t.Errorf("sluice_requests_total%v = %v, want 1", labels, v)
	}
	if v, _ := metricValue(fams, "sluice_retries_total", nil); v != w.retries {
		t.Errorf("sluice_retries_total = %v, want %v", v, w.retries)
	}
	if v, _ := metricValue(fams, "sluice_fallbacks_total", nil); v != w.fallbacks {
		t.Errorf("sluice_fallbacks_total = %v, want %v", v, w.fallbacks)
	}
}
