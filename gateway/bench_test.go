package gateway

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/sluicegw/sluice/schemas"
)

// discardWriter is a ResponseWriter that keeps nothing but the status, so that the
// benchmarks below count the gateway's own allocations and not a recorder's.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }
func (w *discardWriter) Flush()                      {}

// benchServe runs one request per iteration through the gateway's handler, with the
// fake engine answering at once: what remains is the gateway's cost per request.
func benchServe(b *testing.B, eng Engine, path string, body []byte) {
	s, err := New(Options{Engine: eng, Account: testFile("http://127.0.0.1:1",
		schemas.ConcurrencyAndBufferSize{}).Account(), Logger: quietLogger(), PoolSize: 64})
	if err != nil {
		b.Fatal(err)
	}
	rd := bytes.NewReader(body)
	req, _ := http.NewRequest(http.MethodPost, path, io.NopCloser(rd))
	req.ContentLength = int64(len(body))
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		rd.Reset(body)
		clear(w.h)
		s.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
	}
}

func BenchmarkChatCompletion(b *testing.B) {
	benchServe(b, &fakeEngine{}, "/v1/chat/completions", []byte(
		`{"model":"openai/gpt-4o-mini","max_tokens":64,"temperature":0.2,`+
			`"messages":[{"role":"system","content":"You are terse."},`+
			`{"role":"user","content":"Say hello to the benchmark."}]}`))
}

func BenchmarkChatCompletionStream(b *testing.B) {
	eng := &fakeEngine{events: []schemas.StreamEvent{chunk("Hello"), chunk(" to"),
		chunk(" the"), chunk(" benchmark.")}}
	benchServe(b, eng, "/openai/v1/chat/completions", []byte(
		`{"model":"gpt-4o-mini","stream":true,`+
			`"messages":[{"role":"user","content":"Say hello to the benchmark."}]}`))
}

func BenchmarkUnknownKey(b *testing.B) {
	body := []byte(`{"model":"openai/gpt-4o-mini","max_tokens":64,"temperature":0.2,` +
		`"messages":[{"role":"system","content":"You are terse."},` +
		`{"role":"user","content":"Say hello to the benchmark."}],"stream":false}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := unknownKey(body, chatKeys); ok {
			b.Fatal("unknown key")
		}
	}
}
