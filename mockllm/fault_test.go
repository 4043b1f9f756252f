package mockllm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

const chatBody = `{"model":"m","messages":[{"role":"user","content":"hi"}]}`

var (
	sigV4 = "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/bedrock/" +
		"aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("ab", 32)
	amzDateHeader = "X-Amz-Date: 20250101T000000Z"
)

// streamRoutes is one streamed chat request per wire format, with the text that only
// the end of a complete stream contains.
var streamRoutes = []struct {
	name, path, body, end string
	headers               []string
}{
	{"openai", "/v1/chat/completions", `{"model":"m","stream":true,` +
		`"messages":[{"role":"user","content":"hi"}]}`, "[DONE]",
		[]string{"Authorization: Bearer k"}},
	{"azure", "/openai/deployments/d/chat/completions?api-version=2024-10-21",
		`{"stream":true,"messages":[{"role":"user","content":"hi"}]}`, "[DONE]",
		[]string{"api-key: k"}},
	{"anthropic", "/v1/messages", `{"model":"c","max_tokens":50,"stream":true,` +
		`"messages":[{"role":"user","content":"hi"}]}`, "message_stop",
		[]string{"x-api-key: k", "anthropic-version: 2023-06-01"}},
	{"gemini", "/v1beta/models/g:streamGenerateContent?alt=sse",
		`{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`, "finishReason",
		[]string{"x-goog-api-key: k"}},
	{"bedrock", "/model/m/converse-stream", `{"messages":[{"role":"user",` +
		`"content":[{"text":"hi"}]}]}`, "messageStop", []string{sigV4, amzDateHeader}},
	{"cohere", "/v2/chat", `{"model":"c","stream":true,` +
		`"messages":[{"role":"user","content":"hi"}]}`, "message-end",
		[]string{"Authorization: Bearer k"}},
}

func TestStreamFaultsInEveryFormat(t *testing.T) {
	_, srv := serve(t, Options{StallCap: 50 * time.Millisecond})
	for _, rt := range streamRoutes {
		t.Run(rt.name, func(t *testing.T) {
			send := func(fault string) (*http.Response, string, error) {
				h := append([]string{"x-mock-fault: " + fault}, rt.headers...)
				resp := post(t, srv.URL+rt.path, rt.body, h...)
				body, err := readAll(resp)
				return resp, body, err
			}

			resp, whole, err := send("")
			if err != nil || resp.StatusCode != 200 || !strings.Contains(whole, rt.end) {
				t.Fatalf("no fault: %d %v\n%s", resp.StatusCode, err, whole)
			}

			// cut and stall end cleanly with part of the stream and no terminator.
			for _, f := range []string{"cut", "stall"} {
				_, body, err := send(f)
				if err != nil || strings.Contains(body, rt.end) || len(body) == 0 ||
					len(body) >= len(whole) {
					t.Errorf("%s: err %v, %d of %d bytes, terminator present: %v", f, err,
						len(body), len(whole), strings.Contains(body, rt.end))
				}
			}

			_, body, _ := send("malformed")
			if !strings.Contains(body, malformedJSON) {
				t.Errorf("malformed: no malformed event in\n%q", body)
			}

			_, body, err = send("reset-mid-body")
			if err == nil || len(body) == 0 {
				t.Errorf("reset-mid-body: read %d bytes, err %v", len(body), err)
			}

			resp, body, _ = send("error-event")
			if resp.StatusCode != 200 || strings.Contains(body, rt.end) && rt.name != "cohere" {
				t.Errorf("error-event: %d\n%s", resp.StatusCode, body)
			}

			resp, body, _ = send("503")
			if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" || body == "" {
				t.Errorf("503: %d retry-after %q", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
		})
	}
}

func TestPlainBodyFaults(t *testing.T) {
	_, srv := serve(t, Options{StallCap: 50 * time.Millisecond})
	send := func(headers ...string) (*http.Response, string, error) {
		resp := post(t, srv.URL+"/v1/chat/completions", chatBody,
			append(headers, "Authorization: Bearer k")...)
		body, err := readAll(resp)
		return resp, body, err
	}

	for _, status := range []int{500, 502, 503, 429} {
		resp, body, _ := send("x-mock-fault: " + itoa(status))
		var e struct {
			Error struct {
				Message string `json:"message"`
				Type    string `json:"type"`
			} `json:"error"`
		}
		if resp.StatusCode != status || json.Unmarshal([]byte(body), &e) != nil ||
			e.Error.Type == "" {
			t.Errorf("fault %d: got %d %s", status, resp.StatusCode, body)
		}
	}

	_, body, err := send("x-mock-fault: malformed")
	if err != nil || json.Valid([]byte(body)) || body == "" {
		t.Errorf("malformed: valid JSON or error (%v): %s", err, body)
	}

	// cut and stall promise a Content-Length they do not deliver.
	for _, f := range []string{"cut", "stall"} {
		_, _, err = send("x-mock-fault: " + f)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: read error %v, want unexpected EOF", f, err)
		}
	}

	resp, _, err := send("x-mock-fault: reset-mid-body")
	if resp.StatusCode != 200 || err == nil {
		t.Errorf("reset-mid-body: %d, read error %v", resp.StatusCode, err)
	}

	resp, _, _ = send("x-mock-fault: error-event")
	if resp.StatusCode != 500 {
		t.Errorf("error-event without a stream: %d, want 500", resp.StatusCode)
	}

	resp, body, _ = send("x-mock-fault: teapot")
	if resp.StatusCode != 400 || !strings.Contains(body, "teapot") {
		t.Errorf("unknown fault: %d %s", resp.StatusCode, body)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestResetBeforeHeaders(t *testing.T) {
	_, srv := serve(t, Options{})
	req, _ := http.NewRequestWithContext(testCtx(t), http.MethodPost,
		srv.URL+"/v1/messages", strings.NewReader(chatBody))
	req.Header.Set("x-mock-fault", "reset")
	req.Header.Set("x-api-key", "k")
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("reset: got status %d, want a transport error", resp.StatusCode)
	}
}

func TestDelayFault(t *testing.T) {
	_, srv := serve(t, Options{})
	start := time.Now()
	resp := post(t, srv.URL+"/v1/chat/completions", chatBody, "Authorization: Bearer k",
		"x-mock-fault: delay", "x-mock-delay-ms: 120")
	if resp.StatusCode != 200 || time.Since(start) < 120*time.Millisecond {
		t.Errorf("delay: %d after %v", resp.StatusCode, time.Since(start))
	}
}

func TestStallUntilClientLeaves(t *testing.T) {
	m, srv := serve(t, Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	stream := openaiClient(srv.URL, "k").Chat.Completions.NewStreaming(ctx, chatParams(),
		option.WithHeader("x-mock-fault", "stall"))
	n := 0
	for stream.Next() {
		n++
	}
	if n == 0 || !errors.Is(stream.Err(), context.DeadlineExceeded) {
		t.Errorf("stall: %d chunks, err %v", n, stream.Err())
	}
	waitFor(t, func() bool { return m.Stats().Canceled == 1 && m.Stats().InFlight == 0 })
}

func TestStreamFaultsThroughTheOpenAISDK(t *testing.T) {
	_, srv := serve(t, Options{})
	client := openaiClient(srv.URL, "k")
	read := func(fault string) (openai.ChatCompletionAccumulator, error) {
		s := client.Chat.Completions.NewStreaming(testCtx(t), chatParams(),
			option.WithHeader("x-mock-fault", fault))
		var acc openai.ChatCompletionAccumulator
		for s.Next() {
			acc.AddChunk(s.Current())
		}
		return acc, s.Err()
	}
	if _, err := read("malformed"); err == nil {
		t.Error("malformed event: no error")
	}
	if _, err := read("error-event"); err == nil ||
		!strings.Contains(err.Error(), "injected fault") {
		t.Errorf("error event: %v", err)
	}
	acc, err := read("cut")
	if err != nil || acc.Choices[0].FinishReason != "" || acc.Choices[0].Message.Content == "" {
		t.Errorf("cut: err %v, finish %q", err, acc.Choices[0].FinishReason)
	}
}

func TestFaultAttemptsLetARetrySucceed(t *testing.T) {
	m, srv := serve(t, Options{})
	client := openai.NewClient(option.WithBaseURL(srv.URL+"/v1"), option.WithAPIKey("k"),
		option.WithMaxRetries(2), option.WithHeader("x-mock-fault", "503"),
		option.WithHeader("x-mock-fault-attempts", "1"),
		option.WithHeader("x-mock-attempt-key", t.Name()),
		option.WithHeader("x-mock-retry-after", "0"))
	resp, err := client.Chat.Completions.New(testCtx(t), chatParams())
	if err != nil || resp.Choices[0].Message.Content == "" {
		t.Fatalf("retry after one fault: %v", err)
	}
	if s := m.Stats(); s.Requests != 2 || s.Faults["503"] != 1 {
		t.Errorf("stats %+v, want 2 requests and one 503", s)
	}
}

func TestArmAndControlRoutes(t *testing.T) {
	m, srv := serve(t, Options{})
	m.Arm(Fault500, 2)
	codes := ""
	for range 3 {
		codes += itoa(post(t, srv.URL+"/v1/chat/completions", chatBody,
			"Authorization: Bearer k").StatusCode) + " "
	}
	if codes != "500 500 200 " {
		t.Errorf("armed: %s", codes)
	}

	resp := post(t, srv.URL+"/mock/faults?kind=429&count=1", "")
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("arm over HTTP: %d", resp.StatusCode)
	}
	if got := post(t, srv.URL+"/v1/chat/completions", chatBody,
		"Authorization: Bearer k").StatusCode; got != 429 {
		t.Errorf("armed over HTTP: %d", got)
	}

	r, err := http.Get(srv.URL + "/mock/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var s Stats
	if err := json.NewDecoder(r.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	if s.Requests != 4 || s.Faults["500"] != 2 || s.Faults["429"] != 1 ||
		s.Providers["openai"] != 4 || s.CompletionTokens != 12 {
		t.Errorf("stats over HTTP %+v", s)
	}
}

func TestFaultRateIsExact(t *testing.T) {
	_, srv := serve(t, Options{FaultRate: 0.25, FaultKind: Fault502})
	failed := 0
	for range 40 {
		if post(t, srv.URL+"/v1/chat/completions", chatBody,
			"Authorization: Bearer k").StatusCode == 502 {
			failed++
		}
	}
	if failed != 10 {
		t.Errorf("%d of 40 failed, want 10", failed)
	}
}

func TestLatencyAndCancel(t *testing.T) {
	m, srv := serve(t, Options{Latency: 80 * time.Millisecond})
	start := time.Now()
	post(t, srv.URL+"/v1/chat/completions", chatBody, "Authorization: Bearer k")
	if time.Since(start) < 80*time.Millisecond {
		t.Errorf("answered after %v, want at least the latency", time.Since(start))
	}

	// A streamed answer spreads the same latency over its deltas.
	start = time.Now()
	body, _ := readAll(post(t, srv.URL+"/v1/chat/completions",
		`{"model":"m","stream":true,"messages":[]}`, "Authorization: Bearer k"))
	if time.Since(start) < 80*time.Millisecond || !strings.Contains(body, "[DONE]") {
		t.Errorf("stream took %v", time.Since(start))
	}

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err := openaiClient(srv.URL, "k").Chat.Completions.New(ctx, chatParams())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v", err)
	}
	waitFor(t, func() bool { return m.Stats().Canceled == 1 })
}

// waitFor polls cond for up to two seconds: the server notices a departed client a
// moment after the client has left.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Error("condition not met within 2s")
}
