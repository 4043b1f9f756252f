package mockllm

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark measures the
// mock rather than a recorder.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
func (d *discardWriter) Flush()                      {}

func benchServe(b *testing.B, path, body string, headers ...string) {
	m := New(Options{Record: -1})
	req := httptest.NewRequest(http.MethodPost, path, nil)
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Set(name, strings.TrimSpace(value))
	}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req.Body = readCloser{strings.NewReader(body)}
		clear(w.h)
		m.ServeHTTP(w, req)
	}
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

func BenchmarkServeOpenAIChat(b *testing.B) {
	benchServe(b, "/v1/chat/completions", chatBody, "Authorization: Bearer k")
}

func BenchmarkServeOpenAIChatStream(b *testing.B) {
	benchServe(b, "/v1/chat/completions", `{"model":"m","stream":true,`+
		`"messages":[{"role":"user","content":"hi"}]}`, "Authorization: Bearer k")
}

func BenchmarkServeAnthropic(b *testing.B) {
	benchServe(b, "/v1/messages", `{"model":"c","max_tokens":50,`+
		`"messages":[{"role":"user","content":"hi"}]}`, "x-api-key: k",
		"anthropic-version: 2023-06-01")
}

func BenchmarkServeBedrockStream(b *testing.B) {
	benchServe(b, "/model/m/converse-stream", `{"messages":[{"role":"user",`+
		`"content":[{"text":"hi"}]}]}`, sigV4, amzDateHeader)
}

// FuzzServe sends arbitrary bodies to every route: whatever arrives, the mock answers
// with a status and never panics.
func FuzzServe(f *testing.F) {
	for _, rt := range streamRoutes {
		f.Add(rt.path, rt.body)
	}
	f.Add("/v1/embeddings", `{"model":"e","input":["a",1]}`)
	f.Add("/v2/embed", `{"model":"e","texts":null}`)
	f.Add("/v1beta/models/g:batchEmbedContents", `{"requests":[{}]}`)
	m := New(Options{Record: -1})
	f.Fuzz(func(t *testing.T, path, body string) {
		if !strings.HasPrefix(path, "/") {
			return
		}
		req, err := http.NewRequest(http.MethodPost, "http://mock"+path, strings.NewReader(body))
		if err != nil {
			return // not a URL a client could send; httptest.NewRequest would panic
		}
		for _, h := range []string{"Authorization: Bearer k", "x-api-key: k",
			"anthropic-version: 2023-06-01", "x-goog-api-key: k", "api-key: k"} {
			name, value, _ := strings.Cut(h, ": ")
			req.Header.Set(name, value)
		}
		w := httptest.NewRecorder()
		m.ServeHTTP(w, req)
		if w.Code < 200 || w.Code > 599 {
			t.Fatalf("status %d", w.Code)
		}
	})
}
