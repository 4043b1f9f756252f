package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/sluicegw/sluice/schemas"
)

// recordingForwarder is a fake engine that forwards: it keeps the last raw request
// and answers it with a whole OpenAI answer or a stream, as asked.
type recordingForwarder struct {
	fakeEngine
	mu   sync.Mutex
	last *schemas.RawRequest
}

const (
	fuzzNativeAnswer = `{"id":"c","object":"chat.completion","choices":[],` +
		`"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}`
	fuzzNativeStream = "data: {\"id\":\"c\",\"choices\":[]}\n\ndata: [DONE]\n\n"
)

func (f *recordingForwarder) Forward(_ context.Context, req *schemas.RawRequest) (
	*schemas.RawResponse, error) {
	f.mu.Lock()
	cp := *req
	cp.Body = bytes.Clone(req.Body)
	f.last = &cp
	f.mu.Unlock()
	body := fuzzNativeAnswer
	if req.Stream {
		body = fuzzNativeStream
	}
	return &schemas.RawResponse{Provider: req.Provider, StatusCode: http.StatusOK,
		Body: io.NopCloser(bytes.NewReader([]byte(body)))}, nil
}

func (f *recordingForwarder) take() *schemas.RawRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.last
	f.last = nil
	return r
}

// FuzzChatNative sends arbitrary bodies to the OpenAI chat route over an engine that
// forwards, and checks what reaches the provider when a body is forwarded
// untranslated: valid JSON, the bare model in its model member, the stream flag it
// asked for, and usage asked for in a stream that set no stream_options.
func FuzzChatNative(f *testing.F) {
	for _, seed := range []string{
		`{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`,
		`{"model":"gpt-4o-mini","stream":true,"n":2,"messages":[]}`,
		` {"stream":true, "model" : "openai/gpt-4o-mini","model":"openai/o3"}`,
		`{"model":"openai/gpt-4o-mini","stream":true,"stream_options":null}`,
		`{"Model":"openai/gpt-4o-mini","messages":[]}`,
		`{"mod\u0065l":"openai/x","fallbacks":null}`,
	} {
		f.Add([]byte(seed))
	}
	engine := &recordingForwarder{}
	s := fuzzServer(f, engine)
	f.Fuzz(func(t *testing.T, body []byte) {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/openai/v1/chat/completions",
			bytes.NewReader(body)))
		if !fuzzStatuses[w.Code] {
			t.Fatalf("status %d for %q:\n%s", w.Code, body, w.Body.Bytes())
		}
		sent := engine.take()
		if w.Code != 200 {
			checkFuzzError(t, w, body)
		}
		if sent == nil {
			return // refused, or translated
		}
		checkForwarded(t, body, sent)
		if w.Code != 200 {
			t.Fatalf("forwarded %q but answered %d", body, w.Code)
		}
		checkFuzzSuccess(t, w, body)
	})
}

// checkForwarded checks a forwarded request against the body the client sent.
func checkForwarded(t *testing.T, body []byte, sent *schemas.RawRequest) {
	t.Helper()
	var head openAIHead
	if !json.Valid(sent.Body) || json.Unmarshal(sent.Body, &head) != nil {
		t.Fatalf("forwarded a body that is not JSON: %q from %q", sent.Body, body)
	}
	start, end, ok := memberValue(sent.Body, "model")
	var model string
	if !ok || json.Unmarshal(sent.Body[start:end], &model) != nil || model != sent.Model ||
		sent.Provider != schemas.OpenAI || sent.Path != chatPath {
		t.Fatalf("forwarded model %q (%v) to %s %s as %q; client sent %q", model, ok,
			sent.Provider, sent.Path, sent.Model, body)
	}
	var asked openAIHead
	_ = json.Unmarshal(body, &asked)
	if head.Stream != sent.Stream || asked.Stream != sent.Stream {
		t.Fatalf("stream %v forwarded as %v (raw %v): %q", asked.Stream, head.Stream,
			sent.Stream, body)
	}
	if sent.Stream && asked.StreamOptions == nil &&
		!bytes.Equal(head.StreamOptions, []byte(`{"include_usage":true}`)) {
		t.Fatalf("stream without stream_options forwarded with %s: %q", head.StreamOptions,
			sent.Body)
	}
}
