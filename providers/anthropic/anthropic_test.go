package anthropic

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/providers/internal/wiretest"
	"github.com/sluicegw/sluice/schemas"
)

func TestChatCompletion(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(200, golden.Read(t, "response.json")))
	p := newTestProvider(t, up.URL, map[string]string{"anthropic-beta": "prompt-caching"})

	resp, err := p.ChatCompletion(context.Background(), key, richRequest())
	if err != nil {
		t.Fatal(err)
	}

	got := up.Last()
	h := got.Header
	if got.Path != "/v1/messages" || h.Get("X-Api-Key") != testKey ||
		h.Get("Anthropic-Version") != "2023-06-01" || h.Get("Authorization") != "" ||
		h.Get("Anthropic-Beta") != "prompt-caching" {
		t.Errorf("request %s with headers %v", got.Path, h)
	}
	golden.Check(t, "request.json", golden.Indent(t, got.Body))

	if resp.Created == 0 || resp.Provider != schemas.Anthropic {
		t.Errorf("created %d, provider %q", resp.Created, resp.Provider)
	}
	resp.Created = 0
	golden.JSON(t, "response.unified.json", resp)
}

func TestVersionFromExtraHeaders(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(200, golden.Read(t, "response.json")))
	p := newTestProvider(t, up.URL, map[string]string{"anthropic-version": "2099-01-01",
		"x-api-key": "stolen"})
	if _, err := p.ChatCompletion(context.Background(), key, richRequest()); err != nil {
		t.Fatal(err)
	}
	if h := up.Last().Header; h.Get("Anthropic-Version") != "2099-01-01" ||
		h.Get("X-Api-Key") != testKey {
		t.Fatalf("headers %v", h)
	}
}

func TestDefaultMaxTokens(t *testing.T) {
	up, p := serving(t, "response.json")
	req := &schemas.ChatRequest{Model: "claude-haiku-4-5",
		Messages: []schemas.Message{text("user", "hi")}}
	if _, err := p.ChatCompletion(context.Background(), key, req); err != nil {
		t.Fatal(err)
	}
	want := `{"model":"claude-haiku-4-5","max_tokens":4096,"messages":[{"role":"user",` +
		`"content":"hi"}]}` + "\n"
	if got := string(up.Last().Body); got != want {
		t.Fatalf("sent %s", got)
	}
}

func TestChatCompletionErrors(t *testing.T) {
	tests := []struct {
		status int
		body   string
		kind   error
		typ    string
	}{
		{400, `{"type":"error","error":{"type":"invalid_request_error",` +
			`"message":"max_tokens: must be at most 64000"}}`, schemas.ErrBadRequest,
			"invalid_request_error"},
		{401, `{"type":"error","error":{"type":"authentication_error",` +
			`"message":"invalid x-api-key"}}`, schemas.ErrAuth, "authentication_error"},
		{529, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`,
			schemas.ErrUpstream, "overloaded_error"},
	}
	for _, tt := range tests {
		up := wiretest.New(t, wiretest.JSON(tt.status, []byte(tt.body)))
		p := newTestProvider(t, up.URL, nil)
		_, err := p.ChatCompletion(context.Background(), key, richRequest())
		var e *schemas.Error
		if !errors.As(err, &e) || !errors.Is(err, tt.kind) || e.Type != tt.typ ||
			e.Provider != schemas.Anthropic || !strings.Contains(tt.body, e.Message) {
			t.Errorf("%d: err = %#v", tt.status, err)
		}
	}

	_, err := newTestProvider(t, "http://127.0.0.1:1", nil).ChatCompletion(
		context.Background(), nil, richRequest())
	if !errors.Is(err, schemas.ErrNoKey) {
		t.Errorf("nil key: %v", err)
	}
}

func TestRefusedBeforeSending(t *testing.T) {
	up, p := serving(t, "response.json")
	req := richRequest()
	req.Params.Seed = ptr(1)
	_, err := p.ChatCompletion(context.Background(), key, req)
	var e *schemas.Error
	if !errors.As(err, &e) || !errors.Is(err, schemas.ErrUnsupported) || e.Param != "seed" ||
		e.StatusCode != 400 || up.Count() != 0 {
		t.Fatalf("seed: err = %v, sent %d", err, up.Count())
	}
	_, err = p.ChatCompletionStream(context.Background(), key, req)
	if !errors.As(err, &e) || e.Param != "seed" || up.Count() != 0 {
		t.Fatalf("seed on a stream: err = %v", err)
	}
}
