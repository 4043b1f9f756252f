package sluice

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// limited is an adapter whose type implements every optional operation but whose
// provider offers only those not in lacks. calls counts the calls that reached it.
type limited struct {
	name  schemas.ModelProvider
	lacks map[providers.Op]bool
	calls atomic.Int32
}

func (a *limited) Supports(op providers.Op) bool { return !a.lacks[op] }

func (a *limited) ChatCompletion(context.Context, *schemas.Key, *schemas.ChatRequest) (
	*schemas.ChatResponse, error) {
	a.calls.Add(1)
	return &schemas.ChatResponse{ID: string(a.name)}, nil
}

func (a *limited) ChatCompletionStream(context.Context, *schemas.Key, *schemas.ChatRequest) (
	providers.Stream, error) {
	a.calls.Add(1)
	return nil, errors.New("not used by these tests")
}

func (a *limited) Embedding(context.Context, *schemas.Key, *schemas.EmbeddingRequest) (
	*schemas.EmbeddingResponse, error) {
	a.calls.Add(1)
	return &schemas.EmbeddingResponse{Provider: a.name}, nil
}

func (a *limited) TextCompletion(context.Context, *schemas.Key, *schemas.TextCompletionRequest) (
	*schemas.TextCompletionResponse, error) {
	a.calls.Add(1)
	return &schemas.TextCompletionResponse{ID: string(a.name)}, nil
}

// limitedClient serves groq with an adapter lacking every optional operation and
// openai with one lacking none.
func limitedClient(t *testing.T) (*Client, *limited, *limited) {
	t.Helper()
	groq := &limited{name: schemas.Groq, lacks: map[providers.Op]bool{providers.OpStream: true,
		providers.OpEmbedding: true, providers.OpTextCompletion: true, providers.OpTools: true}}
	full := &limited{name: schemas.OpenAI}
	acct := newAccount()
	acct.add(schemas.Groq, "", 1, 1)
	acct.add(schemas.OpenAI, "", 1, 1)
	c, err := newClient(schemas.Config{Account: acct, Logger: quiet},
		func(p schemas.ModelProvider, _ providers.Options) (providers.Provider, error) {
			if p == schemas.Groq {
				return groq, nil
			}
			return full, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Cleanup)
	return c, groq, full
}

func TestCapabilitiesRefuseWhatTheProviderLacks(t *testing.T) {
	c, groq, _ := limitedClient(t)
	ctx := context.Background()
	weather := []schemas.Tool{{Type: "function",
		Function: schemas.ToolFunction{Name: "get_weather"}}}
	withTools := chatReq(schemas.Groq, "hi")
	withTools.Params = &schemas.ChatParams{Tools: weather}
	forced := chatReq(schemas.Groq, "hi")
	forced.Params = &schemas.ChatParams{ToolChoice: &schemas.ToolChoice{
		Mode: schemas.ToolChoiceRequired}}

	cases := []struct {
		name, msg, param string
		call             func() error
	}{
		{"stream", "provider groq does not support streaming", "", func() error {
			_, err := c.ChatCompletionStream(ctx, chatReq(schemas.Groq, "hi"))
			return err
		}},
		{"embedding", "provider groq does not support embeddings", "", func() error {
			_, err := c.Embedding(ctx, &schemas.EmbeddingRequest{Provider: schemas.Groq,
				Model: "e", Input: []string{"x"}})
			return err
		}},
		{"text", "provider groq does not support text completions", "", func() error {
			_, err := c.TextCompletion(ctx, &schemas.TextCompletionRequest{
				Provider: schemas.Groq, Model: "m", Prompt: "x"})
			return err
		}},
		{"tools", "provider groq does not support tools", "tools", func() error {
			_, err := c.ChatCompletion(ctx, withTools)
			return err
		}},
		{"tool_choice", "provider groq does not support tools", "tool_choice", func() error {
			_, err := c.ChatCompletion(ctx, forced)
			return err
		}},
	}
	for _, tc := range cases {
		var e *schemas.Error
		err := tc.call()
		if !errors.As(err, &e) || !errors.Is(err, schemas.ErrUnsupported) ||
			e.StatusCode != http.StatusBadRequest || e.Message != tc.msg || e.Param != tc.param {
			t.Errorf("%s: %#v, want a 400 saying %q", tc.name, err, tc.msg)
		}
	}
	if n := groq.calls.Load(); n != 0 {
		t.Errorf("the adapter was called %d times for refused operations", n)
	}

	// What the provider offers still passes: chat, and a tool_choice asking for none.
	plain := chatReq(schemas.Groq, "hi")
	plain.Params = &schemas.ChatParams{ToolChoice: &schemas.ToolChoice{
		Mode: schemas.ToolChoiceNone}}
	if _, err := c.ChatCompletion(ctx, plain); err != nil || groq.calls.Load() != 1 {
		t.Errorf("plain chat: %v after %d calls", err, groq.calls.Load())
	}
}

func TestCapabilitiesRefusalMovesToFallback(t *testing.T) {
	c, _, full := limitedClient(t)
	resp, err := c.Embedding(context.Background(), &schemas.EmbeddingRequest{
		Provider: schemas.Groq, Model: "e", Input: []string{"x"},
		Fallbacks: []schemas.Fallback{{Provider: schemas.OpenAI, Model: "e"}}})
	if err != nil || resp.Provider != schemas.OpenAI || full.calls.Load() != 1 {
		t.Fatalf("embedding with a fallback: %+v, %v", resp, err)
	}

	// A provider offering tools takes them.
	req := chatReq(schemas.OpenAI, "hi")
	req.Params = &schemas.ChatParams{Tools: []schemas.Tool{{Type: "function",
		Function: schemas.ToolFunction{Name: "f"}}}}
	if _, err := c.ChatCompletion(context.Background(), req); err != nil {
		t.Fatalf("tools to a provider offering them: %v", err)
	}
}
