package cohere_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
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
// engine's queue and workers, this adapter, and the project's mock Cohere (mockllm),
// which accepts only the test's key.

// account serves one Cohere provider with one key.
type account struct{ cfg *schemas.ProviderConfig }

func (a account) GetConfiguredProviders() ([]schemas.ModelProvider, error) {
	return []schemas.ModelProvider{schemas.Cohere}, nil
}

func (a account) GetKeysForProvider(context.Context, schemas.ModelProvider) ([]schemas.Key,
	error) {
	return []schemas.Key{*key}, nil
}

func (a account) GetConfigForProvider(schemas.ModelProvider) (*schemas.ProviderConfig, error) {
	return a.cfg, nil
}

// e2e starts a mock Cohere accepting only the keys given (testKey when none) and a
// client whose Cohere provider is that mock.
func e2e(t *testing.T, opts mockllm.Options) (*sluice.Client, *mockllm.Mock) {
	t.Helper()
	if opts.Keys == nil {
		opts.Keys = []string{testKey}
	}
	mock := mockllm.New(opts)
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	c, err := sluice.Init(schemas.Config{Logger: slog.New(slog.DiscardHandler),
		Account: account{cfg: &schemas.ProviderConfig{
			NetworkConfig: schemas.NetworkConfig{BaseURL: srv.URL,
				DefaultRequestTimeoutInSeconds: 10},
			ConcurrencyAndBufferSize: schemas.ConcurrencyAndBufferSize{Concurrency: 4,
				BufferSize: 16},
		}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Cleanup)
	return c, mock
}

func ask(text string, prm *schemas.ChatParams) *schemas.ChatRequest {
	return &schemas.ChatRequest{Provider: schemas.Cohere, Model: model, Params: prm,
		Messages: []schemas.Message{userText(text)}}
}

var weather = []schemas.Tool{{Type: "function", Function: schemas.ToolFunction{
	Name: "get_weather", Parameters: []byte(`{"type":"object"}`)}}}

func TestE2EChat(t *testing.T) {
	c, _ := e2e(t, mockllm.Options{})
	resp, err := c.ChatCompletion(context.Background(), ask("three words here", nil))
	if err != nil {
		t.Fatal(err)
	}
	ch := resp.Choices[0]
	if n := len(strings.Fields(ch.Message.Content.String())); n != 12 ||
		ch.FinishReason != schemas.FinishStop || resp.Usage.PromptTokens != 3 ||
		resp.Usage.CompletionTokens != 12 || resp.Provider != schemas.Cohere {
		t.Errorf("response %+v, usage %+v", resp, resp.Usage)
	}
}

func TestE2EParametersArrive(t *testing.T) {
	c, _ := e2e(t, mockllm.Options{Echo: true})
	req := ask("hi", &schemas.ChatParams{MaxTokens: ptr(50), Temperature: ptr(0.5),
		TopP: ptr(0.8), TopK: ptr(20), Stop: []string{"END"}, Tools: weather,
		ToolChoice: &schemas.ToolChoice{Mode: schemas.ToolChoiceNone}})
	req.Messages = append([]schemas.Message{{Role: schemas.RoleSystem,
		Content: schemas.Text("Be brief.")}}, req.Messages...)
	resp, err := c.ChatCompletion(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	echo, err := mockllm.ParseEcho(resp.Choices[0].Message.Content.String())
	if err != nil {
		t.Fatal(err)
	}
	if echo.Model != model || echo.Messages != 1 || !echo.System || *echo.MaxTokens != 50 ||
		*echo.Temperature != 0.5 || *echo.TopP != 0.8 || *echo.TopK != 20 ||
		strings.Join(echo.Stop, ",") != "END" || strings.Join(echo.Tools, ",") != "get_weather" ||
		echo.ToolChoice != "none" {
		t.Errorf("the mock understood %+v", echo)
	}
}

func TestE2EStream(t *testing.T) {
	c, _ := e2e(t, mockllm.Options{})
	ch, err := c.ChatCompletionStream(context.Background(), ask("a b c d", nil))
	if err != nil {
		t.Fatal(err)
	}
	got := wiretest.Collect(t, ch)
	if got.Err != nil || len(strings.Fields(got.Text)) != 12 || got.Finish != schemas.FinishStop ||
		got.Usage == nil || got.Usage.PromptTokens != 4 || got.Usage.CompletionTokens != 12 {
		t.Errorf("stream %+v", got)
	}
}

func TestE2ETools(t *testing.T) {
	c, _ := e2e(t, mockllm.Options{})
	req := ask("weather in Paris", &schemas.ChatParams{Tools: weather})
	resp, err := c.ChatCompletion(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	ch := resp.Choices[0]
	if ch.FinishReason != schemas.FinishToolCalls || len(ch.Message.ToolCalls) != 1 ||
		ch.Message.ToolCalls[0].Function.Name != "get_weather" || ch.Message.ToolCalls[0].ID == "" ||
		ch.Message.ToolCalls[0].Function.Arguments != `{"text":"weather in Paris"}` {
		t.Fatalf("choice %+v", ch)
	}

	req.Messages = append(req.Messages, ch.Message, schemas.Message{Role: schemas.RoleTool,
		ToolCallID: ch.Message.ToolCalls[0].ID, Content: schemas.Text("18C")})
	resp, err = c.ChatCompletion(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Choices[0].FinishReason != schemas.FinishStop {
		t.Errorf("after the tool result %+v", resp.Choices[0])
	}

	stream, err := c.ChatCompletionStream(context.Background(),
		ask("weather in Rome", &schemas.ChatParams{Tools: weather}))
	if err != nil {
		t.Fatal(err)
	}
	got := wiretest.Collect(t, stream)
	if got.Err != nil || got.ToolName != "get_weather" || got.ToolID == "" ||
		got.ToolArgs != `{"text":"weather in Rome"}` || got.Finish != schemas.FinishToolCalls {
		t.Errorf("streamed call %+v", got)
	}
}

func TestE2EEmbedding(t *testing.T) {
	c, _ := e2e(t, mockllm.Options{})
	resp, err := c.Embedding(context.Background(), &schemas.EmbeddingRequest{
		Provider: schemas.Cohere, Model: "embed-v4.0", Input: []string{"one", "two words"},
		Dimensions: ptr(8)})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != 2 || len(resp.Data[1].Embedding) != 8 || resp.Usage == nil ||
		resp.Usage.PromptTokens != 3 || resp.Provider != schemas.Cohere {
		t.Errorf("response %+v", resp)
	}
}

func TestE2EErrors(t *testing.T) {
	c, mock := e2e(t, mockllm.Options{})
	ctx := context.Background()

	mock.Arm(mockllm.Fault429, 1)
	_, err := c.ChatCompletion(ctx, ask("hi", nil))
	var se *schemas.Error
	if !errors.As(err, &se) || !errors.Is(err, schemas.ErrRateLimited) ||
		se.StatusCode != http.StatusTooManyRequests || se.RetryAfter != time.Second {
		t.Errorf("a 429 came back as %v", err)
	}

	mock.Arm(mockllm.FaultErrorEvent, 1)
	ch, err := c.ChatCompletionStream(ctx, ask("hi", nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := wiretest.Collect(t, ch); !errors.Is(got.Err, schemas.ErrUpstream) || got.Finish != "" {
		t.Errorf("a stream ended by ERROR came back as %+v", got)
	}

	mock.Arm(mockllm.FaultCut, 1)
	ch, err = c.ChatCompletionStream(ctx, ask("hi", nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := wiretest.Collect(t, ch); !errors.Is(got.Err, schemas.ErrUpstream) {
		t.Errorf("a cut stream ended with %+v", got)
	}

	bad, _ := e2e(t, mockllm.Options{Keys: []string{"another-key"}})
	_, err = bad.ChatCompletion(ctx, ask("hi", nil))
	if !errors.As(err, &se) || !errors.Is(err, schemas.ErrAuth) ||
		se.StatusCode != http.StatusUnauthorized || strings.Contains(se.Error(), testKey) {
		t.Errorf("a refused key came back as %v", err)
	}
}
