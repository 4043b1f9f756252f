package azure_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	oai "github.com/openai/openai-go/v3"
	oaiazure "github.com/openai/openai-go/v3/azure"
	"github.com/openai/openai-go/v3/option"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/providers/azure"
	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/providers/internal/wiretest"
	"github.com/sluicegw/sluice/schemas"
)

const apiKey = "0123456789abcdef0123456789abcdef"

// resourceKey addresses the Azure resource at endpoint, mapping two models to
// deployments.
func resourceKey(endpoint string) *schemas.Key {
	return &schemas.Key{ID: "az-1", Value: apiKey, AzureKeyConfig: &schemas.AzureKeyConfig{
		Endpoint: endpoint + "/",
		Deployments: map[string]string{"gpt-4o": "prod-gpt4o",
			"text-embedding-3-small": "embed-small"},
		APIVersion: "2024-10-21",
	}}
}

// newProvider returns an adapter with baseURL as its configured base_url ("" for none).
func newProvider(t *testing.T, baseURL string) providers.Provider {
	t.Helper()
	p, err := azure.New(providers.Options{Config: &schemas.ProviderConfig{
		NetworkConfig: schemas.NetworkConfig{BaseURL: baseURL}}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func toolsRequest() *schemas.ChatRequest {
	return &schemas.ChatRequest{
		Model: "gpt-4o",
		Messages: []schemas.Message{
			{Role: "system", Content: schemas.Text("You answer with tools.")},
			{Role: "user", Content: schemas.Text("Weather in Paris?")},
		},
		Params: &schemas.ChatParams{
			MaxTokens: ptr(200),
			Tools: []schemas.Tool{{Type: "function", Function: schemas.ToolFunction{
				Name: "get_weather", Parameters: json.RawMessage(
					`{"type":"object","properties":{"city":{"type":"string"}}}`)}}},
			ToolChoice: &schemas.ToolChoice{Mode: schemas.ToolChoiceAuto},
		},
	}
}

func ptr[T any](v T) *T { return &v }

// TestChatGolden checks the deployment URL built from the key's endpoint, the api-key
// header, the body as sent (testdata/chat_request.json) and the unified reading of an
// Azure answer with its content-filter annotations (chat_response*.json).
func TestChatGolden(t *testing.T) {
	u := wiretest.New(t, wiretest.JSON(http.StatusOK, golden.Read(t, "chat_response.json")))
	resp, err := newProvider(t, "").ChatCompletion(context.Background(), resourceKey(u.URL),
		toolsRequest())
	if err != nil {
		t.Fatal(err)
	}
	got := u.Last()
	if got.Path != "/openai/deployments/prod-gpt4o/chat/completions" ||
		got.Query != "api-version=2024-10-21" {
		t.Errorf("sent to %s?%s", got.Path, got.Query)
	}
	if got.Header.Get("Api-Key") != apiKey || got.Header.Get("Authorization") != "" {
		t.Errorf("api-key %q, authorization %q", got.Header.Get("Api-Key"),
			got.Header.Get("Authorization"))
	}
	golden.Check(t, "chat_request.json", golden.Indent(t, got.Body))
	if resp.Provider != schemas.Azure {
		t.Errorf("provider %q", resp.Provider)
	}
	golden.JSON(t, "chat_response.unified.json", resp)
}

// TestStreamGolden replays an Azure stream, whose first event carries only prompt
// filter results, and checks the chunks (stream.chunks.json) and the clean end.
func TestStreamGolden(t *testing.T) {
	u := wiretest.New(t, wiretest.SSE(golden.Read(t, "stream.sse")))
	s, err := newProvider(t, "").(providers.ChatStreamer).ChatCompletionStream(
		context.Background(), resourceKey(u.URL), toolsRequest())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if a := u.Last().Header.Get("Accept"); a != "text/event-stream" {
		t.Errorf("Accept %q", a)
	}
	var chunks []*schemas.ChatStreamChunk
	for {
		c, err := s.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		chunks = append(chunks, c)
	}
	if last := chunks[len(chunks)-1]; last.Usage == nil || last.Usage.TotalTokens != 20 {
		t.Errorf("the last chunk carries no usage: %+v", last)
	}
	golden.JSON(t, "stream.chunks.json", chunks)
}

// TestEmbeddingsAndCompletions checks the other two deployment endpoints.
func TestEmbeddingsAndCompletions(t *testing.T) {
	u := wiretest.New(t, wiretest.JSON(http.StatusOK, golden.Read(t, "embeddings_response.json")))
	p := newProvider(t, "")
	emb, err := p.(providers.Embedder).Embedding(context.Background(), resourceKey(u.URL),
		&schemas.EmbeddingRequest{Model: "text-embedding-3-small", Input: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Last(); got.Path != "/openai/deployments/embed-small/embeddings" {
		t.Errorf("embeddings sent to %s", got.Path)
	}
	if len(emb.Data) != 2 || emb.Data[1].Embedding[1] != float32(0.0312012) ||
		emb.Usage.PromptTokens != 7 {
		t.Errorf("embeddings read as %+v", emb)
	}

	u = wiretest.New(t, wiretest.JSON(http.StatusOK, []byte(`{"id":"cmpl-1",`+
		`"object":"text_completion","created":1,"model":"gpt-35-turbo-instruct",`+
		`"choices":[{"index":0,"text":" world","finish_reason":"stop"}]}`)))
	tc, err := p.(providers.TextCompleter).TextCompletion(context.Background(),
		resourceKey(u.URL), &schemas.TextCompletionRequest{Model: "gpt-35-turbo-instruct",
			Prompt: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Last(); got.Path != "/openai/deployments/gpt-35-turbo-instruct/completions" ||
		tc.Choices[0].Text != " world" {
		t.Errorf("completion sent to %s, read %+v", got.Path, tc.Choices)
	}
}

// TestRouting covers the choices the adapter makes about URLs: a model without a
// deployment is called under its own name, the default api-version, a base_url that
// replaces every key's endpoint, and a key with no endpoint at all.
func TestRouting(t *testing.T) {
	ok := wiretest.JSON(http.StatusOK, golden.Read(t, "chat_response.json"))
	chat := &schemas.ChatRequest{Model: "gpt-4o-mini",
		Messages: []schemas.Message{{Role: "user", Content: schemas.Text("hi")}}}

	u := wiretest.New(t, ok)
	bare := &schemas.Key{Value: apiKey, AzureKeyConfig: &schemas.AzureKeyConfig{Endpoint: u.URL}}
	if _, err := newProvider(t, "").ChatCompletion(context.Background(), bare, chat); err != nil {
		t.Fatal(err)
	}
	if got := u.Last(); got.Path != "/openai/deployments/gpt-4o-mini/chat/completions" ||
		got.Query != "api-version="+azure.DefaultAPIVersion {
		t.Errorf("unmapped model sent to %s?%s", got.Path, got.Query)
	}

	proxy := wiretest.New(t, ok)
	elsewhere := resourceKey("https://unreachable.openai.azure.com")
	if _, err := newProvider(t, proxy.URL+"/").ChatCompletion(context.Background(), elsewhere,
		chat); err != nil {
		t.Fatal(err)
	}
	if got := proxy.Last(); got.Path != "/openai/deployments/gpt-4o-mini/chat/completions" {
		t.Errorf("base_url did not replace the endpoint: %s", got.Path)
	}

	noEndpoint := &schemas.Key{ID: "az-x", Value: apiKey,
		AzureKeyConfig: &schemas.AzureKeyConfig{}}
	_, err := newProvider(t, "").ChatCompletion(context.Background(), noEndpoint, chat)
	if !errors.Is(err, schemas.ErrNoKey) ||
		!strings.Contains(err.Error(), "azure_key_config.endpoint") {
		t.Errorf("key without endpoint: %v, want ErrNoKey naming the field", err)
	}
}

// TestAuth checks the two credential styles and a missing key.
func TestAuth(t *testing.T) {
	u := wiretest.New(t, wiretest.JSON(http.StatusOK, golden.Read(t, "chat_response.json")))
	p := newProvider(t, "")
	token := "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJjb2duaXRpdmUifQ.c2lnbmF0dXJl"
	key := resourceKey(u.URL)
	key.Value = token
	if _, err := p.ChatCompletion(context.Background(), key, toolsRequest()); err != nil {
		t.Fatal(err)
	}
	if got := u.Last().Header; got.Get("Authorization") != "Bearer "+token ||
		got.Get("Api-Key") != "" {
		t.Errorf("Entra token sent as authorization %q, api-key %q", got.Get("Authorization"),
			got.Get("Api-Key"))
	}

	key.Value = ""
	if _, err := p.ChatCompletion(context.Background(), key, toolsRequest()); !errors.Is(err,
		schemas.ErrNoKey) {
		t.Errorf("empty key: %v, want ErrNoKey", err)
	}
	if u.Count() != 1 {
		t.Errorf("%d requests sent, want 1", u.Count())
	}
}

// TestMatchesSDK sends one chat request with openai-go configured for Azure and the
// same request through the adapter: both must reach the same path and query with the
// same credential header, and the SDK must read the recorded answer.
func TestMatchesSDK(t *testing.T) {
	u := wiretest.New(t, wiretest.JSON(http.StatusOK, golden.Read(t, "chat_response.json")))
	client := oai.NewClient(oaiazure.WithEndpoint(u.URL, "2024-10-21"),
		oaiazure.WithAPIKey(apiKey), oaiazure.WithUnsafeAllowHTTP(), option.WithMaxRetries(0))
	out, err := client.Chat.Completions.New(context.Background(), oai.ChatCompletionNewParams{
		Model:    "prod-gpt4o",
		Messages: []oai.ChatCompletionMessageParamUnion{oai.UserMessage("Weather in Paris?")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Choices) != 1 ||
		out.Choices[0].Message.ToolCalls[0].Function.Name != "get_weather" {
		t.Errorf("SDK read %+v", out.Choices)
	}
	sdk := u.Last()

	if _, err := newProvider(t, "").ChatCompletion(context.Background(), resourceKey(u.URL),
		toolsRequest()); err != nil {
		t.Fatal(err)
	}
	ours := u.Last()
	if ours.Path != sdk.Path || ours.Query != sdk.Query ||
		ours.Header.Get("Api-Key") != sdk.Header.Get("Api-Key") {
		t.Errorf("adapter sent %s?%s api-key %q; SDK %s?%s api-key %q", ours.Path, ours.Query,
			ours.Header.Get("Api-Key"), sdk.Path, sdk.Query, sdk.Header.Get("Api-Key"))
	}
}

// TestErrors checks that Azure's error envelope maps to the unified error.
func TestErrors(t *testing.T) {
	cases := []struct {
		status int
		header string
		body   string
		kind   error
		code   string
		after  time.Duration
	}{
		{429, "2", `{"error":{"code":"429","message":"Requests to the ChatCompletions_Create ` +
			`Operation have exceeded call rate limit. Please retry after 2 seconds."}}`,
			schemas.ErrRateLimited, "429", 2 * time.Second},
		{400, "", `{"error":{"code":"content_filter","message":"The response was filtered ` +
			`due to the prompt triggering Azure OpenAI's content management policy.",` +
			`"param":"prompt","status":400}}`, schemas.ErrBadRequest, "content_filter", 0},
		{401, "", `{"error":{"code":"401","message":"Access denied due to invalid ` +
			`subscription key or wrong API endpoint."}}`, schemas.ErrAuth, "401", 0},
		{404, "", `{"error":{"code":"DeploymentNotFound","message":"The API deployment ` +
			`for this resource does not exist."}}`, schemas.ErrNotFound, "DeploymentNotFound", 0},
	}
	for _, tc := range cases {
		u := wiretest.New(t, func(w http.ResponseWriter, r *http.Request) {
			if tc.header != "" {
				w.Header().Set("Retry-After", tc.header)
			}
			wiretest.JSON(tc.status, []byte(tc.body))(w, r)
		})
		_, err := newProvider(t, "").ChatCompletion(context.Background(), resourceKey(u.URL),
			toolsRequest())
		var e *schemas.Error
		if !errors.As(err, &e) || !errors.Is(err, tc.kind) || e.Code != tc.code ||
			e.RetryAfter != tc.after || e.StatusCode != tc.status ||
			strings.Contains(e.Message, apiKey) || e.Message == "" {
			t.Errorf("%d: got %#v", tc.status, err)
		}
	}
}
