package anthropic

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sluicegw/sluice/schemas"
)

func TestForwardKeepsBodyAndCallerVersion(t *testing.T) {
	type seen struct{ body, key, version, beta string }
	got := make(chan seen, 2)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{string(b), r.Header.Get("X-Api-Key"), r.Header.Get("Anthropic-Version"),
			r.Header.Get("Anthropic-Beta")}
		io.WriteString(w, `{"input_tokens":3}`)
	}))
	defer up.Close()
	p := newTestProvider(t, up.URL, nil)

	body := `{"model":"claude-x", "messages":[]}`
	h := http.Header{}
	h.Set("Anthropic-Version", "2024-01-01")
	h.Set("Anthropic-Beta", "tools-2024")
	h.Set("X-Api-Key", "client-key")
	resp, err := p.Forward(context.Background(), key, &schemas.RawRequest{
		Path: "/v1/messages/count_tokens", Body: []byte(body), Header: h})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	s := <-got
	if s.body != body || s.key != testKey || s.version != "2024-01-01" || s.beta != "tools-2024" {
		t.Errorf("upstream saw %+v", s)
	}

	// Without the caller's version, the adapter's own is sent.
	resp, err = p.Forward(context.Background(), key, &schemas.RawRequest{
		Path: "/v1/messages", Body: []byte(body)})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := <-got; s.version != Version {
		t.Errorf("version %q, want %q", s.version, Version)
	}
}

func TestStreamUsage(t *testing.T) {
	var s StreamUsage
	if s.Unified() != nil {
		t.Fatal("usage before any event")
	}
	s.Observe("message_start", []byte(`{"type":"message_start","message":{"usage":`+
		`{"input_tokens":10,"output_tokens":1,"cache_read_input_tokens":5,`+
		`"cache_creation_input_tokens":2}}}`))
	s.Observe("content_block_delta", []byte(`{"usage":{"output_tokens":99}}`))
	s.Observe("message_delta", []byte(`{"type":"message_delta","usage":{"output_tokens":7}}`))
	s.Observe("message_delta", []byte(`{not json`))
	u := s.Unified()
	if u.PromptTokens != 17 || u.CompletionTokens != 7 || u.TotalTokens != 24 ||
		u.PromptTokensDetails.CachedTokens != 5 ||
		u.PromptTokensDetails.CacheCreationTokens != 2 {
		t.Errorf("usage = %+v %+v", u, u.PromptTokensDetails)
	}
}

func TestResponseUsage(t *testing.T) {
	u := ResponseUsage([]byte(`{"id":"m","usage":{"input_tokens":4,"output_tokens":6}}`))
	if u == nil || u.PromptTokens != 4 || u.CompletionTokens != 6 || u.TotalTokens != 10 {
		t.Errorf("usage = %+v", u)
	}
	if ResponseUsage([]byte(`{"input_tokens":4}`)) != nil {
		t.Error("count_tokens answer read as usage")
	}
}
