package openai

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/schemas"
)

func TestChatCompletion(t *testing.T) {
	up := newUpstream(t, serve(200, golden.Read(t, "chat_response.json")))
	p := newTestProvider(t, up.URL)

	resp, err := p.ChatCompletion(context.Background(), key, richRequest())
	if err != nil {
		t.Fatal(err)
	}

	got := up.Last()
	if got.Method != "POST" || got.Path != "/v1/chat/completions" {
		t.Errorf("request to %s %s", got.Method, got.Path)
	}
	if got.Header.Get("Authorization") != "Bearer "+testKey ||
		got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("headers: %v", got.Header)
	}
	golden.Check(t, "chat_request.json", golden.Indent(t, got.Body))
	golden.JSON(t, "chat_response.unified.json", resp)

	if resp.Provider != schemas.OpenAI || len(resp.Choices) != 1 {
		t.Fatalf("provider %q, %d choices", resp.Provider, len(resp.Choices))
	}
	calls := resp.Choices[0].Message.ToolCalls
	if len(calls) != 2 || calls[1].Function.Arguments != `{"city":"Tokyo"}` ||
		resp.Choices[0].FinishReason != schemas.FinishToolCalls {
		t.Errorf("parallel tool calls: %+v", resp.Choices[0])
	}
	if u := resp.Usage; u == nil || u.TotalTokens != 123 || u.PromptTokensDetails.CachedTokens != 64 {
		t.Errorf("usage: %+v", resp.Usage)
	}
}

func TestChatCompletionMinimalRequest(t *testing.T) {
	up := newUpstream(t, serve(200, golden.Read(t, "chat_response.json")))
	p := newTestProvider(t, up.URL+"/")
	_, err := p.ChatCompletion(context.Background(), key, &schemas.ChatRequest{
		Model: "gpt-4o-mini", Messages: []schemas.Message{{Role: "user", Content: schemas.Text("hi")}}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}` + "\n"
	if got := up.Last(); string(got.Body) != want || got.Path != "/v1/chat/completions" {
		t.Fatalf("sent %s %s, want only model and messages", got.Path, got.Body)
	}
}

func TestChatCompletionErrors(t *testing.T) {
	body := `{"error":{"message":"Incorrect API key provided: ` + testKey +
		`","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`
	up := newUpstream(t, serve(401, []byte(body)))
	p := newTestProvider(t, up.URL)
	_, err := p.ChatCompletion(context.Background(), key, richRequest())
	var e *schemas.Error
	if !errors.As(err, &e) || !errors.Is(err, schemas.ErrAuth) || e.Code != "invalid_api_key" {
		t.Fatalf("err = %#v", err)
	}
	if strings.Contains(e.Message, testKey) || e.Provider != schemas.OpenAI {
		t.Fatalf("message %q leaks the key or lacks the provider", e.Message)
	}

	up = newUpstream(t, serve(200, []byte(`{"id":"x","choices":[{"index":0,"message":`)))
	p = newTestProvider(t, up.URL)
	_, err = p.ChatCompletion(context.Background(), key, richRequest())
	if !errors.Is(err, schemas.ErrUpstream) {
		t.Fatalf("truncated JSON: err = %v, want ErrUpstream", err)
	}
}

func TestEmbedding(t *testing.T) {
	answer := `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.25,-0.5]},` +
		`{"object":"embedding","index":1,"embedding":[1,0]}],"model":"text-embedding-3-small",` +
		`"usage":{"prompt_tokens":4,"total_tokens":4}}`
	up := newUpstream(t, serve(200, []byte(answer)))
	p := newTestProvider(t, up.URL)
	resp, err := p.Embedding(context.Background(), key, &schemas.EmbeddingRequest{
		Model: "text-embedding-3-small", Input: []string{"a", "b"}, Dimensions: ptr(2)})
	if err != nil {
		t.Fatal(err)
	}
	got := up.Last()
	want := `{"model":"text-embedding-3-small","input":["a","b"],"dimensions":2,` +
		`"encoding_format":"float"}` + "\n"
	if got.Path != "/v1/embeddings" || string(got.Body) != want {
		t.Errorf("sent %s %s", got.Path, got.Body)
	}
	if len(resp.Data) != 2 || resp.Data[0].Embedding[1] != -0.5 || resp.Usage.PromptTokens != 4 ||
		resp.Provider != schemas.OpenAI {
		t.Errorf("decoded %+v", resp)
	}
}

func TestTextCompletion(t *testing.T) {
	answer := `{"id":"cmpl-1","object":"text_completion","created":1,` +
		`"model":"gpt-3.5-turbo-instruct",` +
		`"choices":[{"text":" world","index":0,"logprobs":null,"finish_reason":"length"}],` +
		`"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`
	up := newUpstream(t, serve(200, []byte(answer)))
	p := newTestProvider(t, up.URL)
	resp, err := p.TextCompletion(context.Background(), key, &schemas.TextCompletionRequest{
		Model: "gpt-3.5-turbo-instruct", Prompt: "hello",
		Params: &schemas.ChatParams{MaxTokens: ptr(1)}})
	if err != nil {
		t.Fatal(err)
	}
	got := up.Last()
	want := `{"model":"gpt-3.5-turbo-instruct","prompt":"hello","max_tokens":1}` + "\n"
	if got.Path != "/v1/completions" || string(got.Body) != want {
		t.Errorf("sent %s %s", got.Path, got.Body)
	}
	if resp.Choices[0].Text != " world" || resp.Choices[0].FinishReason != "length" {
		t.Errorf("decoded %+v", resp)
	}

	_, err = p.TextCompletion(context.Background(), key, &schemas.TextCompletionRequest{
		Model: "m", Prompt: "p", Params: &schemas.ChatParams{Tools: richRequest().Params.Tools}})
	var e *schemas.Error
	if !errors.As(err, &e) || !errors.Is(err, schemas.ErrUnsupported) || e.Param != "tools" ||
		e.StatusCode != 400 {
		t.Fatalf("tools on a text completion: err = %v", err)
	}
	if up.Count() != 1 {
		t.Fatal("a refused request reached the upstream")
	}
}

func TestCompatibleDialects(t *testing.T) {
	up := newUpstream(t, serve(200, golden.Read(t, "chat_response.json")))
	req := func(params *schemas.ChatParams) *schemas.ChatRequest {
		return &schemas.ChatRequest{Model: "m", Params: params, Messages: []schemas.Message{
			{Role: schemas.RoleDeveloper, Content: schemas.Text("be brief")},
			{Role: schemas.RoleUser, Content: schemas.Text("hi")}}}
	}
	topK := &schemas.ChatParams{TopK: ptr(40)}

	tests := []struct {
		provider schemas.ModelProvider
		base     string // appended to the server URL, as a configured base_url
		key      *schemas.Key
		path     string
		role     string
		auth     string
		topK     bool
	}{
		{schemas.OpenAI, "", key, "/v1/chat/completions", "developer", "Bearer " + testKey, false},
		{schemas.Groq, "/openai", key, "/openai/v1/chat/completions", "system",
			"Bearer " + testKey, false},
		{schemas.Perplexity, "", key, "/chat/completions", "system", "Bearer " + testKey, true},
		{schemas.Ollama, "", nil, "/v1/chat/completions", "system", "", false},
		{schemas.VLLM, "", nil, "/v1/chat/completions", "system", "", true},
	}
	for _, tt := range tests {
		t.Run(string(tt.provider), func(t *testing.T) {
			p, err := NewCompatible(options(tt.provider, up.URL+tt.base), Dialects[tt.provider])
			if err != nil {
				t.Fatal(err)
			}
			resp, err := p.ChatCompletion(context.Background(), tt.key, req(nil))
			if err != nil {
				t.Fatal(err)
			}
			got := up.Last()
			var body struct{ Messages []schemas.Message }
			json.Unmarshal(got.Body, &body)
			if got.Path != tt.path || got.Header.Get("Authorization") != tt.auth ||
				body.Messages[0].Role != tt.role || resp.Provider != tt.provider {
				t.Errorf("path %s, auth %q, first role %q, provider %q", got.Path,
					got.Header.Get("Authorization"), body.Messages[0].Role, resp.Provider)
			}

			n := up.Count()
			_, err = p.ChatCompletion(context.Background(), tt.key, req(topK))
			if tt.topK != (err == nil) {
				t.Errorf("top_k accepted = %v, want %v (err %v)", err == nil, tt.topK, err)
			}
			if !tt.topK && (!errors.Is(err, schemas.ErrUnsupported) || up.Count() != n) {
				t.Errorf("top_k refusal: %v, sent anyway: %v", err, up.Count() != n)
			}
		})
	}
}

func TestDeveloperAsSystemKeepsCallersSlice(t *testing.T) {
	msgs := []schemas.Message{{Role: schemas.RoleDeveloper}, {Role: schemas.RoleUser}}
	out := developerAsSystem(msgs)
	if msgs[0].Role != schemas.RoleDeveloper || out[0].Role != schemas.RoleSystem {
		t.Fatalf("caller's %q, sent %q", msgs[0].Role, out[0].Role)
	}
	same := []schemas.Message{{Role: schemas.RoleUser}}
	if out := developerAsSystem(same); &out[0] != &same[0] {
		t.Fatal("a slice without developer messages was copied")
	}
}

func TestDialectTable(t *testing.T) {
	for p, d := range Dialects {
		if d.DefaultBaseURL == "" {
			if d.Auth != AuthOptional {
				t.Errorf("%s: no default base URL, yet a key is required", p)
			}
			if _, err := NewCompatible(options(p, ""), d); err == nil {
				t.Errorf("%s: built without any base URL", p)
			}
			continue
		}
		u, err := url.Parse(d.DefaultBaseURL)
		if err != nil || u.Scheme != "https" || strings.HasSuffix(u.Path, "/") ||
			strings.HasSuffix(u.Path, "/v1") {
			t.Errorf("%s: default base URL %q is not a root https URL", p, d.DefaultBaseURL)
		}
	}
	if _, ok := Dialects[schemas.OpenAI]; !ok {
		t.Fatal("the table lacks openai")
	}
}

func TestMissingKeyRefusedBeforeSending(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {})
	p := newTestProvider(t, up.URL)
	_, err := p.ChatCompletion(context.Background(), nil, richRequest())
	if !errors.Is(err, schemas.ErrNoKey) || up.Count() != 0 {
		t.Fatalf("err = %v, requests sent %d", err, up.Count())
	}
}
