package gemini_test

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
// engine's queues and workers, this adapter, and the project's mock Gemini and Vertex
// AI (mockllm), which accepts only the Gemini API key and the first access token the
// test's token endpoint mints for the service account.

// account serves fixed providers with fixed keys.
type account map[schemas.ModelProvider]accountEntry

type accountEntry struct {
	cfg  *schemas.ProviderConfig
	keys []schemas.Key
}

func (a account) GetConfiguredProviders() ([]schemas.ModelProvider, error) {
	var ps []schemas.ModelProvider
	for p := range a {
		ps = append(ps, p)
	}
	return ps, nil
}

func (a account) GetKeysForProvider(_ context.Context, p schemas.ModelProvider) (
	[]schemas.Key, error) {
	return a[p].keys, nil
}

func (a account) GetConfigForProvider(p schemas.ModelProvider) (*schemas.ProviderConfig, error) {
	return a[p].cfg, nil
}

func providerConfig(baseURL string) *schemas.ProviderConfig {
	return &schemas.ProviderConfig{
		NetworkConfig: schemas.NetworkConfig{BaseURL: baseURL,
			DefaultRequestTimeoutInSeconds: 10},
		ConcurrencyAndBufferSize: schemas.ConcurrencyAndBufferSize{Concurrency: 4,
			BufferSize: 16},
	}
}

// e2eSetup is a client whose gemini provider is the mock's Gemini API and whose
// vertex provider is the mock's Vertex AI, reached with a service account.
type e2eSetup struct {
	client *sluice.Client
	mock   *mockllm.Mock
	vertex *vertexSetup
}

func newE2E(t *testing.T) *e2eSetup {
	t.Helper()
	vs := newVertexSetup(t)
	mock := mockllm.New(mockllm.Options{Keys: []string{testKey, "ya29.token-1"}})
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	c, err := sluice.Init(schemas.Config{Logger: slog.New(slog.DiscardHandler),
		Account: account{
			schemas.Gemini: {providerConfig(srv.URL + "/v1beta"), []schemas.Key{*key}},
			schemas.Vertex: {providerConfig(srv.URL + "/v1"), []schemas.Key{*vs.key}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Cleanup)
	return &e2eSetup{client: c, mock: mock, vertex: vs}
}

func ask(p schemas.ModelProvider, text string, prm *schemas.ChatParams) *schemas.ChatRequest {
	return &schemas.ChatRequest{Provider: p, Model: model, Params: prm,
		Messages: []schemas.Message{userText(text)}}
}

var weather = []schemas.Tool{{Type: "function", Function: schemas.ToolFunction{
	Name: "get_weather", Parameters: []byte(`{"type":"object"}`)}}}

var both = []schemas.ModelProvider{schemas.Gemini, schemas.Vertex}

func TestE2EChat(t *testing.T) {
	e := newE2E(t)
	for _, p := range both {
		resp, err := e.client.ChatCompletion(context.Background(), ask(p, "three words here", nil))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		ch := resp.Choices[0]
		if n := len(strings.Fields(ch.Message.Content.String())); n != 12 ||
			ch.FinishReason != schemas.FinishStop || resp.Usage.PromptTokens != 3 ||
			resp.Usage.CompletionTokens != 12 || resp.Provider != p {
			t.Errorf("%s: response %+v, usage %+v", p, resp, resp.Usage)
		}
	}
	if n := len(e.vertex.tokens.tokens()); n != 1 {
		t.Errorf("%d tokens minted", n)
	}
}

func TestE2EParametersArrive(t *testing.T) {
	// The mock's echo states what it understood of the request.
	prm := &schemas.ChatParams{MaxTokens: ptr(50), Temperature: ptr(0.5), TopP: ptr(0.8),
		TopK: ptr(20), Stop: []string{"END"}, Tools: weather,
		ToolChoice: &schemas.ToolChoice{Mode: schemas.ToolChoiceNone}}
	req := ask(schemas.Gemini, "hi", prm)
	req.Messages = append([]schemas.Message{{Role: schemas.RoleSystem,
		Content: schemas.Text("Be brief.")}}, req.Messages...)
	c := newEchoClient(t)
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

// newEchoClient is a client of a mock Gemini API that echoes every request.
func newEchoClient(t *testing.T) *sluice.Client {
	t.Helper()
	srv := httptest.NewServer(mockllm.New(mockllm.Options{Echo: true}))
	t.Cleanup(srv.Close)
	c, err := sluice.Init(schemas.Config{Logger: slog.New(slog.DiscardHandler),
		Account: account{schemas.Gemini: {providerConfig(srv.URL + "/v1beta"),
			[]schemas.Key{*key}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Cleanup)
	return c
}

func TestE2EStream(t *testing.T) {
	e := newE2E(t)
	for _, p := range both {
		ch, err := e.client.ChatCompletionStream(context.Background(), ask(p, "a b c d", nil))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		got := wiretest.Collect(t, ch)
		if got.Err != nil || len(strings.Fields(got.Text)) != 12 ||
			got.Finish != schemas.FinishStop || got.Usage == nil || got.Usage.PromptTokens != 4 {
			t.Errorf("%s: stream %+v", p, got)
		}
	}
}

func TestE2ETools(t *testing.T) {
	e := newE2E(t)
	for _, p := range both {
		// The mock calls the offered tool with the user's text as argument.
		req := ask(p, "weather in Paris", &schemas.ChatParams{Tools: weather})
		resp, err := e.client.ChatCompletion(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		ch := resp.Choices[0]
		if ch.FinishReason != schemas.FinishToolCalls || len(ch.Message.ToolCalls) != 1 ||
			ch.Message.ToolCalls[0].Function.Name != "get_weather" ||
			ch.Message.ToolCalls[0].Function.Arguments != `{"text":"weather in Paris"}` {
			t.Fatalf("%s: choice %+v", p, ch)
		}

		// The result goes back; the mock answers in text once it has a tool result.
		call := ch.Message.ToolCalls[0]
		req.Messages = append(req.Messages, ch.Message, schemas.Message{
			Role: schemas.RoleTool, ToolCallID: call.ID, Content: schemas.Text("18C")})
		resp, err = e.client.ChatCompletion(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if resp.Choices[0].FinishReason != schemas.FinishStop ||
			resp.Choices[0].Message.Content.String() == "" {
			t.Errorf("%s: after the tool result %+v", p, resp.Choices[0])
		}

		ch2, err := e.client.ChatCompletionStream(context.Background(),
			ask(p, "weather in Rome", &schemas.ChatParams{Tools: weather}))
		if err != nil {
			t.Fatal(err)
		}
		got := wiretest.Collect(t, ch2)
		if got.Err != nil || got.ToolName != "get_weather" || got.ToolID == "" ||
			got.ToolArgs != `{"text":"weather in Rome"}` || got.Finish != schemas.FinishToolCalls {
			t.Errorf("%s: streamed call %+v", p, got)
		}
	}
}

func TestE2EEmbedding(t *testing.T) {
	e := newE2E(t)
	resp, err := e.client.Embedding(context.Background(), &schemas.EmbeddingRequest{
		Provider: schemas.Gemini, Model: "text-embedding-004",
		Input: []string{"one", "two words"}, Dimensions: ptr(8)})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != 2 || len(resp.Data[1].Embedding) != 8 || resp.Data[1].Index != 1 ||
		resp.Provider != schemas.Gemini {
		t.Errorf("response %+v", resp)
	}
}

// TestE2EVertexEmbedding runs through a loopback Vertex AI of the test's own: the
// mock does not serve :predict, the method Vertex AI embeds text with.
func TestE2EVertexEmbedding(t *testing.T) {
	vs := newVertexSetup(t)
	up := bearerUpstream(t, vs.tokens, wiretest.JSON(200, golden.Read(t, "predict_response.json")))
	c, err := sluice.Init(schemas.Config{Logger: slog.New(slog.DiscardHandler),
		Account: account{schemas.Vertex: {providerConfig(up.URL + "/v1"),
			[]schemas.Key{*vs.key}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Cleanup)
	resp, err := c.Embedding(context.Background(), &schemas.EmbeddingRequest{
		Provider: schemas.Vertex, Model: "text-embedding-005", Input: []string{"a b c", "d e f g"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != 2 || resp.Usage.PromptTokens != 7 || resp.Provider != schemas.Vertex ||
		!strings.HasSuffix(up.Last().Path, "/models/text-embedding-005:predict") {
		t.Errorf("response %+v", resp)
	}
}

func TestE2EErrors(t *testing.T) {
	e := newE2E(t)
	ctx := context.Background()
	for _, p := range both {
		e.mock.Arm(mockllm.Fault429, 1)
		_, err := e.client.ChatCompletion(ctx, ask(p, "hi", nil))
		var se *schemas.Error
		if !errors.As(err, &se) || !errors.Is(err, schemas.ErrRateLimited) ||
			se.StatusCode != http.StatusTooManyRequests || se.RetryAfter != time.Second {
			t.Errorf("%s: a 429 came back as %v", p, err)
		}

		e.mock.Arm(mockllm.FaultErrorEvent, 1)
		ch, err := e.client.ChatCompletionStream(ctx, ask(p, "hi", nil))
		if err != nil {
			t.Fatal(err)
		}
		if got := wiretest.Collect(t, ch); got.Err == nil || got.Finish != "" {
			t.Errorf("%s: a stream failing mid-way ended with %+v", p, got)
		}

		e.mock.Arm(mockllm.FaultCut, 1)
		ch, err = e.client.ChatCompletionStream(ctx, ask(p, "hi", nil))
		if err != nil {
			t.Fatal(err)
		}
		if got := wiretest.Collect(t, ch); !errors.Is(got.Err, schemas.ErrUpstream) {
			t.Errorf("%s: a cut stream ended with %+v", p, got)
		}
	}
}

func TestE2EBadCredentials(t *testing.T) {
	srv := httptest.NewServer(mockllm.New(mockllm.Options{Keys: []string{"another-key"}}))
	t.Cleanup(srv.Close)
	vs := newVertexSetup(t)
	c, err := sluice.Init(schemas.Config{Logger: slog.New(slog.DiscardHandler),
		Account: account{
			schemas.Gemini: {providerConfig(srv.URL + "/v1beta"), []schemas.Key{*key}},
			schemas.Vertex: {providerConfig(srv.URL + "/v1"), []schemas.Key{*vs.key}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Cleanup)
	for _, p := range both {
		_, err := c.ChatCompletion(context.Background(), ask(p, "hi", nil))
		var se *schemas.Error
		if !errors.As(err, &se) || !errors.Is(err, schemas.ErrAuth) ||
			se.StatusCode != http.StatusUnauthorized || strings.Contains(se.Error(), testKey) {
			t.Errorf("%s: refused credentials came back as %v", p, err)
		}
	}
}
