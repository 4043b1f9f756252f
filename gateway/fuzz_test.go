package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sluicegw/sluice/schemas"
)

// The request fuzzers send arbitrary bodies through the whole handler of one OpenAI
// route, over an engine that answers everything, and check what a client would see:
// no panic (which ServeHTTP would turn into a 500), a status from the documented set,
// an OpenAI error body on every refusal, and success only for a body that is valid
// UTF-8 JSON naming a provider and model. Seeds live in testdata/fuzz/<name>; run one
// with go test ./gateway -run '^$' -fuzz '^FuzzChatRequest$' -fuzztime 60s.

func FuzzChatRequest(f *testing.F) {
	fuzzRoute(f, "/v1/chat/completions", func(t *testing.T, e *fakeEngine) {
		if r := e.lastChat(); r == nil || len(r.Messages) == 0 {
			t.Fatalf("200 without a chat request with messages reaching the engine: %+v", r)
		}
	})
}

func FuzzCompletionRequest(f *testing.F) {
	fuzzRoute(f, "/openai/v1/completions", func(t *testing.T, e *fakeEngine) {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.text == nil {
			t.Fatal("200 without a completion request reaching the engine")
		}
	})
}

func FuzzEmbeddingRequest(f *testing.F) {
	fuzzRoute(f, "/v1/embeddings", func(t *testing.T, e *fakeEngine) {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.emb == nil || len(e.emb.Input) == 0 {
			t.Fatal("200 without an embedding request with input reaching the engine")
		}
	})
}

// fuzzStatuses are the answers a request body alone can lead to.
var fuzzStatuses = map[int]bool{200: true, 400: true, 404: true, 413: true}

// fuzzRoute fuzzes POST path; reached checks the engine after a 200.
func fuzzRoute(f *testing.F, path string, reached func(*testing.T, *fakeEngine)) {
	f.Add([]byte(`{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`))
	engine := &fakeEngine{vector: []float32{0.25, -1},
		events: []schemas.StreamEvent{chunk("a"), chunk("b")}}
	s := fuzzServer(f, engine)
	f.Fuzz(func(t *testing.T, body []byte) {
		engine.mu.Lock()
		engine.chat, engine.text, engine.emb = nil, nil, nil
		engine.mu.Unlock()
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body)))

		status, answer := w.Code, w.Body.Bytes()
		if !fuzzStatuses[status] {
			t.Fatalf("status %d for %q:\n%s", status, body, answer)
		}
		if status != 200 {
			checkFuzzError(t, w, body)
			return
		}
		if !utf8.Valid(body) || !json.Valid(body) {
			t.Fatalf("accepted a body that is not UTF-8 JSON: %q", body)
		}
		reached(t, engine)
		checkFuzzSuccess(t, w, body)
	})
}

// fuzzServer returns a gateway over engine with small pools and a 64 KiB body limit.
func fuzzServer(f *testing.F, engine Engine) *Server {
	account := testFile("http://127.0.0.1:1", schemas.ConcurrencyAndBufferSize{}).Account()
	s, err := New(Options{Engine: engine, Account: account, Logger: quietLogger(),
		PoolSize: 2, MaxBodyBytes: 64 << 10})
	if err != nil {
		f.Fatal(err)
	}
	return s
}

func checkFuzzError(t *testing.T, w *httptest.ResponseRecorder, body []byte) {
	var e openAIError
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error.Message == "" ||
		e.Error.Type == "" {
		t.Fatalf("refusal %d of %q is not an OpenAI error (%v):\n%s", w.Code, body, err,
			w.Body.Bytes())
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("refusal with Content-Type %q", ct)
	}
}

func checkFuzzSuccess(t *testing.T, w *httptest.ResponseRecorder, body []byte) {
	answer := w.Body.String()
	if strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream") {
		if !strings.HasSuffix(answer, "data: [DONE]\n\n") {
			t.Fatalf("stream for %q does not end with [DONE]:\n%s", body, answer)
		}
		return
	}
	if !json.Valid(w.Body.Bytes()) {
		t.Fatalf("answer to %q is not JSON:\n%s", body, answer)
	}
}
