package azure_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sluicegw/sluice"
	"github.com/sluicegw/sluice/mockllm"
	"github.com/sluicegw/sluice/providers/internal/wiretest"
	"github.com/sluicegw/sluice/schemas"
)

// These tests run the whole path a user takes: sluice.Init with an Account, the
// engine's queue and workers, this adapter, and the project's mock Azure OpenAI
// (mockllm), which requires an api-version and checks the api-key.

// account serves one Azure provider with one key.
type account struct{ key schemas.Key }

func (a account) GetConfiguredProviders() ([]schemas.ModelProvider, error) {
	return []schemas.ModelProvider{schemas.Azure}, nil
}

func (a account) GetKeysForProvider(context.Context, schemas.ModelProvider) ([]schemas.Key,
	error) {
	return []schemas.Key{a.key}, nil
}

func (a account) GetConfigForProvider(schemas.ModelProvider) (*schemas.ProviderConfig, error) {
	return &schemas.ProviderConfig{ConcurrencyAndBufferSize: schemas.ConcurrencyAndBufferSize{
		Concurrency: 4, BufferSize: 16}}, nil
}

// e2e starts a mock accepting only apiKey, and a client whose Azure key points at it
// through its endpoint: no base_url is configured.
func e2e(t *testing.T, value string) (*sluice.Client, *mockllm.Mock) {
	t.Helper()
	mock := mockllm.New(mockllm.Options{Keys: []string{apiKey}})
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	key := *resourceKey(srv.URL)
	key.Value = value
	c, err := sluice.Init(schemas.Config{Account: account{key},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Cleanup)
	return c, mock
}

func ask(text string, prm *schemas.ChatParams) *schemas.ChatRequest {
	return &schemas.ChatRequest{Provider: schemas.Azure, Model: "gpt-4o", Params: prm,
		Messages: []schemas.Message{{Role: "user", Content: schemas.Text(text)}}}
}

func TestE2EChatAndStream(t *testing.T) {
	c, mock := e2e(t, apiKey)
	resp, err := c.ChatCompletion(context.Background(), ask("three words here", nil))
	if err != nil {
		t.Fatal(err)
	}
	ch := resp.Choices[0]
	if n := len(strings.Fields(ch.Message.Content.String())); n != 12 ||
		ch.FinishReason != schemas.FinishStop || resp.Usage.PromptTokens != 3 ||
		resp.Provider != schemas.Azure {
		t.Errorf("answer %q, finish %q, usage %+v", ch.Message.Content.String(),
			ch.FinishReason, resp.Usage)
	}
	rec, _ := mock.LastRequest()
	if rec.Provider != "azure" || rec.Path != "/openai/deployments/prod-gpt4o/chat/completions" ||
		rec.Query.Get("api-version") != "2024-10-21" || rec.Key != apiKey {
		t.Errorf("mock saw %s %s?%v", rec.Provider, rec.Path, rec.Query)
	}

	stream, err := c.ChatCompletionStream(context.Background(), ask("two words", nil))
	if err != nil {
		t.Fatal(err)
	}
	got := wiretest.Collect(t, stream)
	if got.Err != nil || len(strings.Fields(got.Text)) != 12 || got.Finish != "stop" ||
		got.Usage == nil || got.Usage.PromptTokens != 2 {
		t.Errorf("streamed %+v", got)
	}
}

func TestE2ETools(t *testing.T) {
	c, _ := e2e(t, apiKey)
	prm := &schemas.ChatParams{Tools: []schemas.Tool{{Type: "function",
		Function: schemas.ToolFunction{Name: "get_weather",
			Parameters: []byte(`{"type":"object"}`)}}}}
	resp, err := c.ChatCompletion(context.Background(), ask("Paris", prm))
	if err != nil {
		t.Fatal(err)
	}
	ch := resp.Choices[0]
	if len(ch.Message.ToolCalls) != 1 || ch.FinishReason != schemas.FinishToolCalls ||
		ch.Message.ToolCalls[0].Function.Arguments != `{"text":"Paris"}` {
		t.Errorf("answer %+v", ch)
	}
	stream, err := c.ChatCompletionStream(context.Background(), ask("Paris", prm))
	if err != nil {
		t.Fatal(err)
	}
	if got := wiretest.Collect(t, stream); got.Err != nil || got.ToolName != "get_weather" ||
		got.ToolArgs != `{"text":"Paris"}` || got.Finish != schemas.FinishToolCalls {
		t.Errorf("streamed call %+v", got)
	}
}

func TestE2EEmbeddings(t *testing.T) {
	c, mock := e2e(t, apiKey)
	resp, err := c.Embedding(context.Background(), &schemas.EmbeddingRequest{
		Provider: schemas.Azure, Model: "text-embedding-3-small", Input: []string{"a b", "c"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != 2 || len(resp.Data[0].Embedding) == 0 || resp.Provider != schemas.Azure {
		t.Errorf("embeddings %+v", resp)
	}
	if rec, _ := mock.LastRequest(); rec.Path != "/openai/deployments/embed-small/embeddings" {
		t.Errorf("mock saw %s", rec.Path)
	}
}

func TestE2EErrors(t *testing.T) {
	c, mock := e2e(t, apiKey)
	mock.Arm(mockllm.Fault429, 1)
	_, err := c.ChatCompletion(context.Background(), ask("hi", nil))
	var e *schemas.Error
	if !errors.As(err, &e) || !errors.Is(err, schemas.ErrRateLimited) ||
		e.RetryAfter != time.Second {
		t.Errorf("throttled: %#v", err)
	}

	mock.Arm(mockllm.FaultCut, 1)
	stream, err := c.ChatCompletionStream(context.Background(), ask("hi", nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := wiretest.Collect(t, stream); !errors.Is(got.Err, schemas.ErrUpstream) {
		t.Errorf("stream cut short ended with %v", got.Err)
	}

	c, _ = e2e(t, "ffffffffffffffffffffffffffffffff")
	_, err = c.ChatCompletion(context.Background(), ask("hi", nil))
	if !errors.As(err, &e) || !errors.Is(err, schemas.ErrAuth) || e.StatusCode != 401 {
		t.Errorf("wrong key: %v", err)
	}
}
