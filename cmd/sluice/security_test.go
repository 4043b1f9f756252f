package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Distinctive secrets, so that finding one anywhere can only mean a leak.
const (
	canaryKey   = "sk-canary-7f3e9a1c5b2d4e6f8a0b"
	canaryToken = "metrics-canary-4d2a6c8e0f1b3a5c"
)

// leakyUpstream is an OpenAI-shaped provider that answers each request by its prompt
// and quotes the credential it received in every failure, as real providers do
// ("Incorrect API key provided: sk-…"). It counts the requests that carried the key.
func leakyUpstream(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var keyed atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if key == canaryKey {
			keyed.Add(1)
		}
		prompt := string(body)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.Contains(prompt, "auth"):
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s.",`+
				`"type":"invalid_request_error","code":"invalid_api_key"}}`, key)
		case strings.Contains(prompt, "boom"):
			w.WriteHeader(500)
			fmt.Fprintf(w, `{"error":{"message":"internal failure serving %s"}}`, key)
		case strings.Contains(prompt, "proxy"):
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			fmt.Fprintf(w, "<html>bad gateway for Bearer %s</html>", key)
		case strings.Contains(prompt, "midstream"):
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, `data: {"id":"c","object":"chat.completion.chunk","model":"m",`+
				`"choices":[{"index":0,"delta":{"content":"hi"}}]}`+"\n\n")
			fmt.Fprintf(w, `data: {"error":{"message":"key %s was revoked",`+
				`"type":"invalid_request_error"}}`+"\n\n", key)
		default:
			fmt.Fprint(w, `{"id":"c","object":"chat.completion","model":"m","choices":[`+
				`{"index":0,"message":{"role":"assistant","content":"ok"},`+
				`"finish_reason":"stop"}]}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &keyed
}

// TestNoSecretInLogsOrErrorBodies runs the binary at debug level with a distinctive
// provider key and metrics token, drives every kind of failure, and searches every
// answer and every log line for either secret.
func TestNoSecretInLogsOrErrorBodies(t *testing.T) {
	upstream, keyed := leakyUpstream(t)
	conf := filepath.Join(t.TempDir(), "config.json")
	doc := fmt.Sprintf(`{"providers": {"openai": {
  "keys": [{"value": "env.LEAK_TEST_KEY", "models": ["gpt-4o-mini"], "weight": 1}],
  "network_config": {"base_url": %q}}}}`, upstream.URL)
	if err := os.WriteFile(conf, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, []string{"LEAK_TEST_KEY=" + canaryKey, "APP_METRICS_TOKEN=" + canaryToken},
		"-config", conf, "-log-level", "debug")

	chat := func(prompt string, stream bool) string {
		return fmt.Sprintf(`{"model":"openai/gpt-4o-mini","stream":%v,`+
			`"messages":[{"role":"user","content":%q}]}`, stream, prompt)
	}
	requests := []struct {
		method, path, body, auth string
		status                   int
	}{
		{"POST", "/v1/chat/completions", chat("auth", false), "", 401},
		{"POST", "/v1/chat/completions", chat("auth", true), "", 401},
		{"POST", "/v1/chat/completions", chat("boom", false), "", 502},
		{"POST", "/v1/chat/completions", chat("proxy", false), "", 502},
		{"POST", "/v1/chat/completions", chat("midstream", true), "", 200},
		{"POST", "/v1/chat/completions", chat("fine", false), "", 200},
		{"POST", "/v1/chat/completions", `{"model":`, "", 400},
		{"POST", "/v1/chat/completions", chat("x", false)[:20] + "\xff\"}", "", 400},
		{"POST", "/v1/embeddings", `{"model":"nosuch/m","input":"a"}`, "", 404},
		{"GET", "/metrics", "", "", 401},
		{"GET", "/metrics", "", "Bearer " + canaryToken[:10], 401},
		{"GET", "/metrics", "", "Bearer " + canaryToken, 200},
	}
	var answers strings.Builder
	for _, rq := range requests {
		req, err := http.NewRequest(rq.method, p.url+rq.path, strings.NewReader(rq.body))
		if err != nil {
			t.Fatal(err)
		}
		if rq.auth != "" {
			req.Header.Set("Authorization", rq.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != rq.status {
			t.Errorf("%s %s %.40s: %d, want %d: %s", rq.method, rq.path, rq.body,
				resp.StatusCode, rq.status, b)
		}
		fmt.Fprintf(&answers, "%v\n%s\n", resp.Header, b)
	}
	if keyed.Load() < 5 {
		t.Fatalf("the upstream saw the key %d times; the test must use it", keyed.Load())
	}

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("sluice did not exit")
	}
	logs := p.output()
	if !strings.Contains(logs, `"level":"DEBUG"`) || !strings.Contains(logs, "request failed") {
		t.Fatalf("the logs lack debug lines or failures; nothing was tested:\n%s", logs)
	}
	for name, text := range map[string]string{"answers": answers.String(), "logs": logs} {
		for _, secret := range []string{canaryKey, canaryToken, canaryKey[3:15],
			canaryToken[8:20]} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contain the secret %q:\n%s", name, secret, text)
			}
		}
	}
}
