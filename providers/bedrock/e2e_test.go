package bedrock_test

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
	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/providers/internal/wiretest"
	"github.com/sluicegw/sluice/schemas"
)

// These tests run the whole path a user takes: sluice.Init with an Account, the
// engine's queue and workers, this adapter, and the project's mock Bedrock (mockllm),
// which checks the shape of the SigV4 Authorization header and the access key ID.

// account serves one Bedrock provider with the given keys.
type account struct {
	cfg  *schemas.ProviderConfig
	keys []schemas.Key
}

func (a account) GetConfiguredProviders() ([]schemas.ModelProvider, error) {
	return []schemas.ModelProvider{schemas.Bedrock}, nil
}

func (a account) GetKeysForProvider(context.Context, schemas.ModelProvider) ([]schemas.Key,
	error) {
	return a.keys, nil
}

func (a account) GetConfigForProvider(schemas.ModelProvider) (*schemas.ProviderConfig, error) {
	return a.cfg, nil
}

// e2e starts a mock Bedrock accepting only accessKey and a client whose Bedrock
// provider is that mock, reached with key. headers are sent on every request.
func e2e(t *testing.T, key schemas.Key, headers map[string]string) (*sluice.Client,
	*mockllm.Mock) {
	t.Helper()
	mock := mockllm.New(mockllm.Options{Keys: []string{accessKey}})
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	return engine(t, srv.URL, key, headers), mock
}

// engine returns a client whose Bedrock provider is at baseURL, reached with key.
func engine(t *testing.T, baseURL string, key schemas.Key,
	headers map[string]string) *sluice.Client {
	t.Helper()
	c, err := sluice.Init(schemas.Config{Logger: slog.New(slog.DiscardHandler), Account: account{
		cfg: &schemas.ProviderConfig{
			NetworkConfig: schemas.NetworkConfig{BaseURL: baseURL, ExtraHeaders: headers,
				DefaultRequestTimeoutInSeconds: 10},
			ConcurrencyAndBufferSize: schemas.ConcurrencyAndBufferSize{Concurrency: 4,
				BufferSize: 16},
		},
		keys: []schemas.Key{key},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Cleanup)
	return c
}

func ask(text string, prm *schemas.ChatParams) *schemas.ChatRequest {
	return &schemas.ChatRequest{Provider: schemas.Bedrock, Model: "claude", Params: prm,
		Messages: []schemas.Message{{Role: "user", Content: schemas.Text(text)}}}
}

var weather = []schemas.Tool{{Type: "function", Function: schemas.ToolFunction{
	Name: "get_weather", Parameters: []byte(`{"type":"object"}`)}}}

func TestE2EChat(t *testing.T) {
	c, mock := e2e(t, *staticKey, nil)
	resp, err := c.ChatCompletion(context.Background(), ask("three words here", nil))
	if err != nil {
		t.Fatal(err)
	}
	ch := resp.Choices[0]
	if n := len(strings.Fields(ch.Message.Content.String())); n != 12 ||
		ch.FinishReason != schemas.FinishStop || resp.Usage.PromptTokens != 3 ||
		resp.Usage.CompletionTokens != 12 || resp.Provider != schemas.Bedrock {
		t.Errorf("answer %q, finish %q, usage %+v", ch.Message.Content.String(), ch.FinishReason,
			resp.Usage)
	}
	rec, _ := mock.LastRequest()
	if rec.Provider != "bedrock" || rec.Key != accessKey ||
		rec.Path != "/model/anthropic.claude-3-5-sonnet-20240620-v1:0/converse" {
		t.Errorf("mock saw %s %s with key %q", rec.Provider, rec.Path, rec.Key)
	}
}

// TestE2EEcho checks what reached Bedrock after translation, as the mock read it.
func TestE2EEcho(t *testing.T) {
	c, _ := e2e(t, *staticKey, map[string]string{"x-mock-echo": "1"})
	req := ask("weather?", &schemas.ChatParams{MaxTokens: ptr(50), Temperature: ptr(0.3),
		TopP: ptr(0.8), Stop: []string{"END"}, Tools: weather,
		ToolChoice: &schemas.ToolChoice{Mode: schemas.ToolChoiceRequired}})
	// The conversation ends with a tool result, so the mock answers with its echo
	// rather than with another call.
	call := schemas.ToolCall{ID: "tooluse_1", Type: "function",
		Function: schemas.ToolCallFunction{Name: "get_weather", Arguments: `{"city":"Paris"}`}}
	req.Messages = []schemas.Message{
		{Role: "system", Content: schemas.Text("be brief")},
		req.Messages[0],
		{Role: "assistant", ToolCalls: []schemas.ToolCall{call}},
		{Role: "tool", ToolCallID: "tooluse_1", Content: schemas.Text("18C")},
	}
	resp, err := c.ChatCompletion(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	e, err := mockllm.ParseEcho(resp.Choices[0].Message.Content.String())
	if err != nil {
		t.Fatal(err)
	}
	if e.Model != "anthropic.claude-3-5-sonnet-20240620-v1:0" || e.Messages != 3 || !e.System ||
		len(e.Tools) != 1 || e.ToolChoice != "required" || *e.MaxTokens != 50 ||
		*e.Temperature != 0.3 || *e.TopP != 0.8 || len(e.Stop) != 1 || e.Stream {
		t.Errorf("Bedrock saw %+v", e)
	}
}

func TestE2EStream(t *testing.T) {
	c, _ := e2e(t, *staticKey, nil)
	ch, err := c.ChatCompletionStream(context.Background(), ask("two words", nil))
	if err != nil {
		t.Fatal(err)
	}
	got := wiretest.Collect(t, ch)
	if got.Err != nil || len(strings.Fields(got.Text)) != 12 || got.Finish != "stop" ||
		got.Usage == nil || got.Usage.PromptTokens != 2 || got.Usage.CompletionTokens != 12 {
		t.Errorf("streamed %+v", got)
	}
}

func TestE2ETools(t *testing.T) {
	c, _ := e2e(t, *staticKey, nil)
	prm := &schemas.ChatParams{Tools: weather}
	resp, err := c.ChatCompletion(context.Background(), ask("Paris", prm))
	if err != nil {
		t.Fatal(err)
	}
	ch := resp.Choices[0]
	if len(ch.Message.ToolCalls) != 1 || ch.FinishReason != schemas.FinishToolCalls ||
		ch.Message.ToolCalls[0].Function.Name != "get_weather" ||
		ch.Message.ToolCalls[0].Function.Arguments != `{"text":"Paris"}` {
		t.Errorf("answer %+v", ch)
	}

	// The call goes back with its result; the mock then answers in text.
	next := ask("Paris", prm)
	next.Messages = append(next.Messages, ch.Message, schemas.Message{Role: "tool",
		ToolCallID: ch.Message.ToolCalls[0].ID, Content: schemas.Text("18C and sunny")})
	resp, err = c.ChatCompletion(context.Background(), next)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Choices[0].FinishReason != schemas.FinishStop {
		t.Errorf("after the tool result: %+v", resp.Choices[0])
	}

	stream, err := c.ChatCompletionStream(context.Background(), ask("Paris", prm))
	if err != nil {
		t.Fatal(err)
	}
	got := wiretest.Collect(t, stream)
	if got.Err != nil || got.ToolName != "get_weather" || got.ToolArgs != `{"text":"Paris"}` ||
		got.Finish != schemas.FinishToolCalls {
		t.Errorf("streamed call %+v", got)
	}
}

// TestE2EErrors checks the errors a caller sees for refusals before and during a
// stream, for credentials Bedrock rejects, and for an operation Bedrock lacks.
func TestE2EErrors(t *testing.T) {
	c, mock := e2e(t, *staticKey, nil)

	mock.Arm(mockllm.Fault429, 1)
	_, err := c.ChatCompletion(context.Background(), ask("hi", nil))
	var e *schemas.Error
	if !errors.As(err, &e) || !errors.Is(err, schemas.ErrRateLimited) || e.StatusCode != 429 ||
		e.Code != "ThrottlingException" || e.RetryAfter != time.Second {
		t.Errorf("throttled: %#v", err)
	}

	mock.Arm(mockllm.FaultErrorEvent, 1)
	ch, err := c.ChatCompletionStream(context.Background(), ask("hi", nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := wiretest.Collect(t, ch); !errors.Is(got.Err, schemas.ErrUpstream) {
		t.Errorf("exception mid-stream ended with %v", got.Err)
	}

	mock.Arm(mockllm.FaultCut, 1)
	ch, err = c.ChatCompletionStream(context.Background(), ask("hi", nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := wiretest.Collect(t, ch); !errors.Is(got.Err, schemas.ErrUpstream) {
		t.Errorf("stream cut short ended with %v", got.Err)
	}

	_, err = c.ChatCompletion(context.Background(), ask("hi",
		&schemas.ChatParams{TopK: ptr(5)}))
	if !errors.Is(err, schemas.ErrUnsupported) || !strings.Contains(err.Error(), "top_k") {
		t.Errorf("top_k: %v", err)
	}

	_, err = c.Embedding(context.Background(), &schemas.EmbeddingRequest{
		Provider: schemas.Bedrock, Model: "cohere.embed-english-v3", Input: []string{"x"}})
	if !errors.As(err, &e) || !errors.Is(err, schemas.ErrUnsupported) || e.StatusCode != 400 ||
		e.Param != "model" || !strings.Contains(e.Message, "Titan") {
		t.Errorf("embeddings with a model other than Titan: %v", err)
	}

	other := *staticKey
	cfg := *other.BedrockKeyConfig
	cfg.AccessKey = "AKIDUNKNOWN"
	other.BedrockKeyConfig = &cfg
	c, _ = e2e(t, other, nil)
	_, err = c.ChatCompletion(context.Background(), ask("hi", nil))
	if !errors.As(err, &e) || !errors.Is(err, schemas.ErrAuth) || e.StatusCode != 403 ||
		e.Code != "UnrecognizedClientException" {
		t.Errorf("unknown access key: %v", err)
	}
}

// TestE2EEmbeddings runs Titan embeddings through the engine. mockllm serves no
// InvokeModel route, so a loopback server answers as Titan does, after checking the
// signature's credential scope.
func TestE2EEmbeddings(t *testing.T) {
	titan := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		signed := strings.Contains(r.Header.Get("Authorization"), "Credential="+accessKey+"/")
		if !signed || r.URL.Path != "/model/amazon.titan-embed-text-v2:0/invoke" {
			serveJSON(http.StatusForbidden, "AccessDeniedException",
				[]byte(`{"message":"denied"}`))(w, r)
			return
		}
		serveJSON(http.StatusOK, "", golden.Read(t, "embed_response.json"))(w, r)
	})
	c := engine(t, titan.URL, *titanKey, nil)
	resp, err := c.Embedding(context.Background(), &schemas.EmbeddingRequest{
		Provider: schemas.Bedrock, Model: "titan-v2", Input: []string{"a", "b", "c"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != 3 || resp.Data[2].Index != 2 || resp.Usage.PromptTokens != 15 ||
		resp.Provider != schemas.Bedrock || titan.count() != 3 {
		t.Errorf("embeddings %+v after %d calls", resp, titan.count())
	}
}
