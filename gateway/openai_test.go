package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/sluicegw/sluice/schemas"
)

func TestModelNamesPerRoute(t *testing.T) {
	eng := &fakeEngine{}
	_, ts := startGateway(t, eng, nil)
	cases := []struct {
		path, model string
		fallbacks   string // JSON array, or ""
		provider    schemas.ModelProvider
		want        string
		wantFB      []schemas.Fallback
		badParam    string // the 400's param when the name is refused
	}{
		{path: "/v1", model: "openai/gpt-4o-mini", provider: "openai", want: "gpt-4o-mini"},
		{path: "/v1", model: "groq/llama-3.1-8b", provider: "groq", want: "llama-3.1-8b"},
		{path: "/v1", model: "openrouter/meta-llama/llama-3", provider: "openrouter",
			want: "meta-llama/llama-3"},
		{path: "/v1", model: "gpt-4o-mini", badParam: "model"},
		{path: "/v1", model: "openai/", badParam: "model"},
		{path: "/openai/v1", model: "gpt-4o-mini", provider: "openai", want: "gpt-4o-mini"},
		{path: "/openai", model: "gpt-4o-mini", provider: "openai", want: "gpt-4o-mini"},
		{path: "/openai/v1", model: "anthropic/claude-sonnet-4-5", provider: "anthropic",
			want: "claude-sonnet-4-5"},
		{path: "/openai/v1", model: "ft/custom", provider: "openai", want: "ft/custom"},
		{path: "/v1", model: "openai/gpt-4o-mini", fallbacks: `["anthropic/claude-sonnet-4-5"]`,
			provider: "openai", want: "gpt-4o-mini",
			wantFB: []schemas.Fallback{{Provider: "anthropic", Model: "claude-sonnet-4-5"}}},
		{path: "/openai/v1", model: "gpt-4o", fallbacks: `["gpt-4o-mini"]`, provider: "openai",
			want: "gpt-4o", wantFB: []schemas.Fallback{{Provider: "openai", Model: "gpt-4o-mini"}}},
		{path: "/v1", model: "openai/gpt-4o", fallbacks: `["gpt-4o-mini"]`,
			badParam: "fallbacks[0]"},
	}
	for _, c := range cases {
		body := `{"model":"` + c.model + `","messages":[{"role":"user","content":"hi"}]`
		if c.fallbacks != "" {
			body += `,"fallbacks":` + c.fallbacks
		}
		resp, got := post(t, ts.URL+c.path+"/chat/completions", body+"}")
		if c.badParam != "" {
			var e openAIError
			_ = json.Unmarshal([]byte(got), &e)
			if resp.StatusCode != 400 || e.Error.Param == nil || *e.Error.Param != c.badParam {
				t.Errorf("%s %s: got %d %s, want 400 naming %s", c.path, c.model,
					resp.StatusCode, got, c.badParam)
			}
			continue
		}
		req := eng.lastChat()
		if resp.StatusCode != 200 || req.Provider != c.provider || req.Model != c.want ||
			!slices.Equal(req.Fallbacks, c.wantFB) {
			t.Errorf("%s %s: status %d, engine got %s/%s %v; want %s/%s %v", c.path, c.model,
				resp.StatusCode, req.Provider, req.Model, req.Fallbacks, c.provider, c.want,
				c.wantFB)
		}
	}
}

func TestChatParametersReachTheEngine(t *testing.T) {
	eng := &fakeEngine{}
	_, ts := startGateway(t, eng, nil)
	client := sdk(ts.URL + "/openai/v1")
	_, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model: chatModel,
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("be brief"), openai.UserMessage("hello")},
		MaxCompletionTokens: openai.Int(42),
		Temperature:         openai.Float(0.25),
		Stop:                openai.ChatCompletionNewParamsStopUnion{OfString: openai.String("END")},
		Seed:                openai.Int(7),
		Tools: []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(
			openai.FunctionDefinitionParam{Name: "lookup",
				Parameters: openai.FunctionParameters{"type": "object"}})},
	})
	if err != nil {
		t.Fatal(err)
	}
	req := eng.lastChat()
	p := req.Params
	if len(req.Messages) != 2 || req.Messages[0].Role != "system" ||
		req.Messages[1].Content.String() != "hello" {
		t.Errorf("messages = %+v", req.Messages)
	}
	if p == nil || p.MaxTokens == nil || *p.MaxTokens != 42 || *p.Temperature != 0.25 ||
		!slices.Equal(p.Stop, []string{"END"}) || *p.Seed != 7 || len(p.Tools) != 1 ||
		p.Tools[0].Function.Name != "lookup" {
		t.Errorf("params = %+v", p)
	}
}

func TestBadRequestsNameTheField(t *testing.T) {
	_, ts := startGateway(t, &fakeEngine{}, nil)
	msgs := `"messages":[{"role":"user","content":"hi"}]`
	cases := []struct{ path, body, param string }{
		{"/v1/chat/completions", `{"model":"openai/x",` + msgs + `,"logit_bias":{"1":2}}`,
			"logit_bias"},
		{"/v1/chat/completions", `{"model":"openai/x",` + msgs + `,"n":3}`, "n"},
		{"/v1/chat/completions", `{"model":"openai/x",` + msgs + `,"n":"x"}`, "n"},
		{"/v1/chat/completions", `{"model":"openai/x","messages":[{"role":5}]}`,
			"messages.role"},
		{"/v1/chat/completions", `{"model":"openai/x","messages":[]}`, "messages"},
		{"/v1/chat/completions", `{"model":"openai/x","messages":"hi"}`, "messages"},
		{"/v1/chat/completions", `{` + msgs + `}`, "model"},
		{"/v1/chat/completions", `{"model":"openai/x",` + msgs + `,"stop":5}`, "stop"},
		{"/v1/chat/completions", `{"model":"openai/x",` + msgs + `,"temperature":"hot"}`,
			"temperature"},
		{"/v1/completions", `{"model":"openai/x","prompt":"p","stream":true}`, "stream"},
		{"/v1/completions", `{"model":"openai/x","prompt":[1,2]}`, "prompt"},
		{"/v1/embeddings", `{"model":"openai/x","input":[[1,2]]}`, "input"},
		{"/v1/embeddings", `{"model":"openai/x","input":"a","encoding_format":"int8"}`,
			"encoding_format"},
		{"/v1/chat/completions", `{"model":`, ""},
		{"/v1/chat/completions", `[1]`, ""},
	}
	for _, c := range cases {
		resp, body := post(t, ts.URL+c.path, c.body)
		var e openAIError
		if err := json.Unmarshal([]byte(body), &e); err != nil || resp.StatusCode != 400 {
			t.Errorf("%s %s: got %d %s, want a 400 in OpenAI's shape", c.path, c.body,
				resp.StatusCode, body)
			continue
		}
		got := ""
		if e.Error.Param != nil {
			got = *e.Error.Param
		}
		if got != c.param || e.Error.Type != schemas.TypeInvalidRequest || e.Error.Message == "" {
			t.Errorf("%s %s: error %+v with param %q, want param %q", c.path, c.body,
				e.Error, got, c.param)
		}
	}
}

func TestEngineErrorsBecomeStatuses(t *testing.T) {
	eng := &fakeEngine{}
	_, ts := startGateway(t, eng, nil)
	client := sdk(ts.URL + "/v1")
	limited := schemas.NewError(schemas.ErrRateLimited, "openai", "slow down")
	limited.RetryAfter = 2500 * time.Millisecond
	cases := []struct {
		err        error
		status     int
		retryAfter string
		code       string
	}{
		{schemas.NewError(schemas.ErrQueueFull, "openai", "queue full"), 503, "1", ""},
		{schemas.NewError(schemas.ErrClosed, "", "closing"), 503, "1", ""},
		{limited, 429, "3", ""},
		{schemas.NewError(schemas.ErrTimeout, "openai", "slow"), 504, "", ""},
		{schemas.NewError(schemas.ErrUpstream, "openai", "boom"), 502, "", ""},
		{schemas.NewError(schemas.ErrAuth, "openai", "bad key"), 401, "", ""},
		{schemas.NewError(schemas.ErrProviderNotConfigured, "groq", "no groq"), 404, "", ""},
		{schemas.NewError(schemas.ErrNoKey, "openai", "no key"), 404, "", "model_not_found"},
		{errors.New("something odd"), 502, "", ""},
	}
	for _, c := range cases {
		eng.err = c.err
		var raw *http.Response
		_, err := client.Chat.Completions.New(context.Background(),
			openai.ChatCompletionNewParams{Model: "openai/" + chatModel,
				Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}},
			option.WithResponseInto(&raw))
		var apiErr *openai.Error
		if !errors.As(err, &apiErr) {
			t.Errorf("%v: SDK error %v is not an *openai.Error", c.err, err)
			continue
		}
		if apiErr.StatusCode != c.status || apiErr.Message == "" || apiErr.Type == "" ||
			apiErr.Code != c.code {
			t.Errorf("%v: got %d %+v, want %d code %q", c.err, apiErr.StatusCode,
				apiErr.RawJSON(), c.status, c.code)
		}
		if got := apiErr.Response.Header.Get("Retry-After"); got != c.retryAfter {
			t.Errorf("%v: Retry-After %q, want %q", c.err, got, c.retryAfter)
		}
		if apiErr.Response.Header.Get("X-Request-Id") == "" ||
			!strings.HasSuffix(apiErr.Response.Header.Get("X-Sluice-Overhead"), "ms") {
			t.Errorf("%v: error answer lacks x-request-id or x-sluice-overhead", c.err)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	eng := &fakeEngine{}
	_, ts := startGateway(t, eng, func(o *Options) { o.MaxBodyBytes = 1024 })
	big := `{"model":"openai/x","messages":[{"role":"user","content":"` +
		strings.Repeat("a", 2048) + `"}]}`

	// Announced by Content-Length, and found only while reading (chunked upload).
	resp, body := post(t, ts.URL+"/v1/chat/completions", big)
	if resp.StatusCode != 413 || !strings.Contains(body, "request_too_large") {
		t.Errorf("announced large body: %d %s, want 413", resp.StatusCode, body)
	}
	req, _ := http.NewRequest("POST", ts.URL+"/v1/chat/completions",
		struct{ *strings.Reader }{strings.NewReader(big)}) // hides the length
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 || resp.ContentLength <= 0 {
		t.Errorf("chunked large body: %d, want 413 with a body", resp.StatusCode)
	}
	if eng.lastChat() != nil {
		t.Error("an oversized request reached the engine")
	}
	small := `{"model":"openai/x","messages":[{"role":"user","content":"hi"}]}`
	if resp, _ := post(t, ts.URL+"/v1/chat/completions", small); resp.StatusCode != 200 {
		t.Errorf("small body: %d, want 200", resp.StatusCode)
	}
}

func TestRequestIDAndOverheadOnEveryAnswer(t *testing.T) {
	_, ts := startGateway(t, &fakeEngine{}, nil)
	for _, path := range []string{"/health", "/ready", "/metrics", "/v1/models", "/nowhere",
		"/v1/chat/completions"} {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("X-Request-Id", "trace-me-42")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("X-Request-Id"); got != "trace-me-42" {
			t.Errorf("GET %s: x-request-id %q, want the caller's", path, got)
		}
		if !strings.HasSuffix(resp.Header.Get("X-Sluice-Overhead"), "ms") {
			t.Errorf("GET %s: x-sluice-overhead %q", path, resp.Header.Get("X-Sluice-Overhead"))
		}
	}

	req, _ := http.NewRequest("GET", ts.URL+"/health", nil)
	req.Header.Set("X-Request-Id", "bad id with spaces")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-Id"); got == "bad id with spaces" || !saneID(got) {
		t.Errorf("insane caller id was kept or replaced badly: %q", got)
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	_, ts := startGateway(t, &fakeEngine{}, nil)
	resp, err := http.Get(ts.URL + "/v1/chat/completions")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET chat: %d Allow=%q, want 405 POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
	client := sdk(ts.URL + "/v2")
	_, err = client.Models.List(context.Background())
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Code != "unknown_url" {
		t.Errorf("unknown route: %v, want a 404 *openai.Error", err)
	}
}

func TestModelList(t *testing.T) {
	_, ts := startGateway(t, &fakeEngine{}, nil)
	for path, want := range map[string][]string{
		"/v1":        {"anthropic/" + claudeModel, "openai/" + chatModel, "openai/" + embeddingModel},
		"/openai/v1": {"anthropic/" + claudeModel, chatModel, embeddingModel},
	} {
		client := sdk(ts.URL + path)
		page, err := client.Models.List(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range page.Data {
			ids = append(ids, m.ID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%s/models = %v, want %v", path, ids, want)
		}
	}
}

func TestEmbeddingsFloatAndBase64(t *testing.T) {
	eng := &fakeEngine{vector: []float32{1.5, -2, 0.125}}
	_, ts := startGateway(t, eng, nil)
	client := sdk(ts.URL + "/openai/v1")
	for _, format := range []openai.EmbeddingNewParamsEncodingFormat{
		openai.EmbeddingNewParamsEncodingFormatFloat, openai.EmbeddingNewParamsEncodingFormatBase64} {
		resp, err := client.Embeddings.New(context.Background(), openai.EmbeddingNewParams{
			Model:          embeddingModel,
			Input:          openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"a", "b"}},
			EncodingFormat: format,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Data) != 2 || !slices.Equal(resp.Data[1].Embedding, []float64{1.5, -2, 0.125}) {
			t.Errorf("%s: got %+v", format, resp.Data)
		}
	}
	if got := eng.emb.Input; !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("engine got input %v", got)
	}
}

func TestLegacyCompletion(t *testing.T) {
	eng := &fakeEngine{}
	_, ts := startGateway(t, eng, nil)
	client := sdk(ts.URL + "/v1")
	resp, err := client.Completions.New(context.Background(), openai.CompletionNewParams{
		Model:     "openai/gpt-3.5-turbo-instruct",
		Prompt:    openai.CompletionNewParamsPromptUnion{OfString: openai.String("Say hi")},
		MaxTokens: openai.Int(5),
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Choices[0].Text != "done" || eng.text.Prompt != "Say hi" ||
		*eng.text.Params.MaxTokens != 5 || eng.text.Model != "gpt-3.5-turbo-instruct" {
		t.Errorf("answer %+v, engine got %+v", resp.Choices, eng.text)
	}
}

func TestStreamEndsWithDoneOrError(t *testing.T) {
	eng := &fakeEngine{}
	_, ts := startGateway(t, eng, nil)
	client := sdk(ts.URL + "/v1")
	params := openai.ChatCompletionNewParams{Model: "openai/" + chatModel,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}

	eng.events = []schemas.StreamEvent{chunk("Hel"), chunk("lo <b>")}
	s := client.Chat.Completions.NewStreaming(context.Background(), params)
	var text strings.Builder
	for s.Next() {
		text.WriteString(s.Current().Choices[0].Delta.Content)
	}
	if s.Err() != nil || text.String() != "Hello <b>" {
		t.Errorf("complete stream: text %q, err %v", text.String(), s.Err())
	}

	cut := schemas.NewError(schemas.ErrUpstream, "openai", "connection reset mid-stream")
	eng.events = []schemas.StreamEvent{chunk("Hel"), {Err: cut}}
	resp, body := post(t, ts.URL+"/v1/chat/completions",
		`{"model":"openai/gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	if resp.Header.Get("Content-Type") != "text/event-stream" ||
		strings.Contains(body, "[DONE]") ||
		!strings.HasSuffix(body, `"type":"upstream_error","param":null,"code":null}}`+"\n\n") {
		t.Errorf("failed stream body:\n%s", body)
	}
	s = client.Chat.Completions.NewStreaming(context.Background(), params)
	for s.Next() {
	}
	if s.Err() == nil || !strings.Contains(s.Err().Error(), "connection reset mid-stream") {
		t.Errorf("SDK saw %v, want the mid-stream error", s.Err())
	}
}

func TestReadyTurnsUnavailableWhenDraining(t *testing.T) {
	s, ts := startGateway(t, &fakeEngine{}, nil)
	if resp, _ := post(t, ts.URL+"/ready", ""); resp.StatusCode != 405 {
		t.Errorf("POST /ready: %d, want 405", resp.StatusCode)
	}
	get := func() int {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("GET", "/ready", nil))
		return w.Code
	}
	if got := get(); got != 200 {
		t.Fatalf("/ready before drain: %d", got)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := get(); got != 503 {
		t.Errorf("/ready while draining: %d, want 503", got)
	}
}

// panicEngine fails in the worst way.
type panicEngine struct{ fakeEngine }

func (*panicEngine) ChatCompletion(context.Context, *schemas.ChatRequest) (
	*schemas.ChatResponse, error) {
	panic("engine bug")
}

func TestPanicBecomesAnOpenAIError(t *testing.T) {
	_, ts := startGateway(t, &panicEngine{}, nil)
	client := sdk(ts.URL + "/v1")
	_, err := client.Chat.Completions.New(context.Background(),
		openai.ChatCompletionNewParams{Model: "openai/" + chatModel,
			Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}})
	apiErr, ok := errors.AsType[*openai.Error](err)
	if !ok || apiErr.StatusCode != 500 ||
		!strings.Contains(apiErr.Message, apiErr.Response.Header.Get("X-Request-Id")) {
		t.Fatalf("got %v, want a 500 *openai.Error naming the request id", err)
	}
}
