package cohere_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/providers/internal/wiretest"
	"github.com/sluicegw/sluice/schemas"
)

const model = "command-a-03-2025"

// richRequest uses every part of the unified request that Cohere can represent.
func richRequest() *schemas.ChatRequest {
	return &schemas.ChatRequest{
		Provider: schemas.Cohere,
		Model:    model,
		Messages: []schemas.Message{
			{Role: schemas.RoleSystem, Content: schemas.Text("You are terse.")},
			{Role: schemas.RoleUser, Content: schemas.Parts(
				schemas.ContentPart{Type: schemas.PartText, Text: "Weather here, and in Tokyo?"},
				schemas.ContentPart{Type: schemas.PartImageURL, ImageURL: &schemas.ImageURL{
					URL: "data:image/png;base64,iVBORw0KGgo=", Detail: "low"}},
			)},
			{Role: schemas.RoleAssistant, Content: schemas.Text("I will look both up."),
				ToolCalls: []schemas.ToolCall{
					{ID: "call_paris", Type: "function", Function: schemas.ToolCallFunction{
						Name: "get_weather", Arguments: `{"city":"Paris"}`}},
					{ID: "call_tokyo", Type: "function", Function: schemas.ToolCallFunction{
						Name: "get_weather", Arguments: `{"city":"Tokyo"}`}},
				}},
			{Role: schemas.RoleTool, ToolCallID: "call_paris", Content: schemas.Text("18C, rain")},
			{Role: schemas.RoleTool, ToolCallID: "call_tokyo", Content: schemas.Text("25C, sun")},
			{Role: schemas.RoleAssistant, Content: schemas.Text("Paris 18C, Tokyo 25C.")},
			userText("And tomorrow?"),
		},
		Params: &schemas.ChatParams{
			MaxTokens:        ptr(256),
			Temperature:      ptr(0.2),
			TopP:             ptr(0.9),
			TopK:             ptr(40),
			Stop:             []string{"\n\n"},
			Seed:             ptr(7),
			PresencePenalty:  ptr(0.1),
			FrequencyPenalty: ptr(0.3),
			User:             "user-42",
			Tools: []schemas.Tool{
				{Type: "function", Function: schemas.ToolFunction{
					Name: "get_weather", Description: "Current weather of a city", Strict: ptr(true),
					Parameters: []byte(`{"type":"object","properties":{"city":{"type":"string"}},` +
						`"required":["city"]}`)}},
				{Type: "function", Function: schemas.ToolFunction{Name: "get_time",
					Strict: ptr(true), Parameters: []byte(`{"type":"object"}`)}},
			},
			ToolChoice:     &schemas.ToolChoice{Mode: schemas.ToolChoiceRequired},
			ResponseFormat: []byte(`{"type":"text"}`),
		},
	}
}

func TestChatCompletion(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(200, golden.Read(t, "chat_response.json")))
	resp, err := newCohere(t, up.URL).ChatCompletion(context.Background(), key, richRequest())
	if err != nil {
		t.Fatal(err)
	}

	got := up.Last()
	if got.Path != "/v2/chat" || got.Header.Get("Authorization") != "Bearer "+testKey {
		t.Errorf("request to %s with %v", got.Path, got.Header)
	}
	golden.Check(t, "chat_request.json", golden.Indent(t, got.Body))

	resp.Created = 0
	golden.JSON(t, "chat_response.unified.json", resp)
	ch := resp.Choices[0]
	if ch.Message.Content.String() != "Paris is 18C and rainy." || ch.FinishReason != "stop" {
		t.Errorf("choice %+v: thinking must be left out", ch)
	}
	if u := resp.Usage; u.PromptTokens != 21 || u.CompletionTokens != 7 || u.TotalTokens != 28 {
		t.Errorf("usage %+v: billed units count", u)
	}
	if resp.Provider != schemas.Cohere || resp.Model != model {
		t.Errorf("provider %q model %q", resp.Provider, resp.Model)
	}
}

func TestChatCompletionToolCalls(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(200, golden.Read(t, "chat_response_tools.json")))
	resp, err := newCohere(t, up.URL).ChatCompletion(context.Background(), key, richRequest())
	if err != nil {
		t.Fatal(err)
	}
	ch := resp.Choices[0]
	calls := ch.Message.ToolCalls
	if ch.FinishReason != schemas.FinishToolCalls || len(calls) != 2 ||
		calls[1].ID != "get_weather_3m0c9x5t2b6d" || calls[1].Function.Arguments != `{"city":"Tokyo"}` ||
		calls[0].Function.Name != "get_weather" || calls[0].Type != "function" {
		t.Fatalf("choice %+v", ch)
	}
	if ch.Message.Content.String() != "I will look up the weather in both cities." {
		t.Errorf("the tool plan should be the content, got %q", ch.Message.Content.String())
	}
}

func TestToolChoiceFunction(t *testing.T) {
	// Cohere cannot name the function to call: it is told to call one, with only the
	// named function offered.
	up := wiretest.New(t, wiretest.JSON(200, golden.Read(t, "chat_response.json")))
	req := richRequest()
	req.Params.ToolChoice = &schemas.ToolChoice{Mode: schemas.ToolChoiceFunction, Name: "get_time"}
	if _, err := newCohere(t, up.URL).ChatCompletion(context.Background(), key, req); err != nil {
		t.Fatal(err)
	}
	var body struct {
		Tools []struct {
			Function struct{ Name string }
		}
		ToolChoice string `json:"tool_choice"`
	}
	if err := json.Unmarshal(up.Last().Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.ToolChoice != "REQUIRED" || len(body.Tools) != 1 ||
		body.Tools[0].Function.Name != "get_time" {
		t.Errorf("sent tool_choice %q with tools %+v", body.ToolChoice, body.Tools)
	}
}

func TestRefusedTranslations(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(200, golden.Read(t, "chat_response.json")))
	p := newCohere(t, up.URL)
	for _, tc := range []struct {
		param string
		req   schemas.ChatRequest
	}{
		{"messages[0].name", schemas.ChatRequest{Messages: []schemas.Message{
			{Role: schemas.RoleUser, Name: "ann", Content: schemas.Text("hi")}}}},
		{"messages[0].role", schemas.ChatRequest{Messages: []schemas.Message{
			{Role: "narrator", Content: schemas.Text("hi")}}}},
		{"messages[0].tool_call_id", schemas.ChatRequest{Messages: []schemas.Message{
			{Role: schemas.RoleTool, Content: schemas.Text("1")}}}},
		{"messages[0].content[0]", schemas.ChatRequest{Messages: []schemas.Message{
			{Role: schemas.RoleSystem, Content: schemas.Parts(schemas.ContentPart{
				Type: schemas.PartImageURL, ImageURL: &schemas.ImageURL{URL: "https://x/y.png"}})}}}},
		{"parallel_tool_calls", schemas.ChatRequest{Messages: []schemas.Message{userText("hi")},
			Params: &schemas.ChatParams{ParallelToolCalls: ptr(false)}}},
		{"tool_choice", schemas.ChatRequest{Messages: []schemas.Message{userText("hi")},
			Params: &schemas.ChatParams{ToolChoice: &schemas.ToolChoice{
				Mode: schemas.ToolChoiceFunction, Name: "absent"}}}},
		{"response_format.type", schemas.ChatRequest{Messages: []schemas.Message{userText("hi")},
			Params: &schemas.ChatParams{ResponseFormat: []byte(`{"type":"grammar"}`)}}},
	} {
		t.Run(tc.param, func(t *testing.T) {
			req := tc.req
			req.Model = model
			_, err := p.ChatCompletion(context.Background(), key, &req)
			e, ok := err.(*schemas.Error)
			if !ok || e.StatusCode != 400 || e.Param != tc.param {
				t.Fatalf("err = %v, want a 400 naming %s", err, tc.param)
			}
		})
	}
	if up.Count() != 0 {
		t.Errorf("%d refused requests reached the upstream", up.Count())
	}
}

func TestResponseFormat(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(200, golden.Read(t, "chat_response.json")))
	p := newCohere(t, up.URL)
	schema := `{"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object"}}}`
	for format, want := range map[string]string{
		`{"type":"json_object"}`: `"response_format":{"type":"json_object"}`,
		schema: `"response_format":{"type":"json_object",` +
			`"json_schema":{"type":"object"}}`,
	} {
		_, err := p.ChatCompletion(context.Background(), key, &schemas.ChatRequest{Model: model,
			Messages: []schemas.Message{userText("hi")},
			Params:   &schemas.ChatParams{ResponseFormat: []byte(format)}})
		if err != nil {
			t.Fatal(err)
		}
		if body := string(up.Last().Body); !strings.Contains(body, want) {
			t.Errorf("%s sent %s", format, body)
		}
	}
}

func TestUpstreamErrors(t *testing.T) {
	for _, tc := range []struct {
		status int
		kind   error
		want   int
	}{
		{400, schemas.ErrBadRequest, 400},
		{401, schemas.ErrAuth, 401},
		{498, schemas.ErrAuth, 401},
		{404, schemas.ErrNotFound, 404},
		{429, schemas.ErrRateLimited, 429},
		{500, schemas.ErrUpstream, 502},
	} {
		up := wiretest.New(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3")
			wiretest.JSON(tc.status, []byte(`{"id":"e1","message":"refused: `+testKey+`"}`))(w, r)
		})
		_, err := newCohere(t, up.URL).ChatCompletion(context.Background(), key, richRequest())
		e := wantKind(t, err, tc.kind, tc.want)
		if !strings.HasPrefix(e.Message, "refused") || strings.Contains(e.Message, testKey) ||
			e.RetryAfter.Seconds() != 3 {
			t.Errorf("%d: error %+v", tc.status, e)
		}
	}
}

func TestFinishedWithError(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(200, []byte(`{"id":"x","finish_reason":"ERROR",`+
		`"message":{"role":"assistant","content":[]}}`)))
	_, err := newCohere(t, up.URL).ChatCompletion(context.Background(), key, richRequest())
	wantKind(t, err, schemas.ErrUpstream, 502)
}

func TestMissingKey(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(200, golden.Read(t, "chat_response.json")))
	_, err := newCohere(t, up.URL).ChatCompletion(context.Background(), nil, richRequest())
	wantKind(t, err, schemas.ErrNoKey, 400)
}

func TestEmbedding(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(200, golden.Read(t, "embed_response.json")))
	resp, err := newCohere(t, up.URL).Embedding(context.Background(), key,
		&schemas.EmbeddingRequest{Model: "embed-v4.0", Input: []string{"first text", "second"},
			Dimensions: ptr(256)})
	if err != nil {
		t.Fatal(err)
	}
	got := up.Last()
	if got.Path != "/v2/embed" || got.Header.Get("Authorization") != "Bearer "+testKey {
		t.Errorf("request to %s", got.Path)
	}
	golden.Check(t, "embed_request.json", golden.Indent(t, got.Body))
	if len(resp.Data) != 2 || !slices.Equal(resp.Data[1].Embedding, []float32{1, 0, -1}) ||
		resp.Data[1].Index != 1 || resp.Usage == nil || resp.Usage.PromptTokens != 3 ||
		resp.Provider != schemas.Cohere || resp.Object != "list" {
		t.Errorf("response %+v", resp)
	}

	_, err = newCohere(t, up.URL).Embedding(context.Background(), key,
		&schemas.EmbeddingRequest{Model: "embed-v4.0", Input: []string{"one"}})
	wantKind(t, err, schemas.ErrUpstream, 502)
}

// drain reads s to its end, returning the chunks and the error that ended it.
func drain(t *testing.T, s providers.Stream) ([]*schemas.ChatStreamChunk, error) {
	t.Helper()
	defer s.Close()
	var chunks []*schemas.ChatStreamChunk
	for range 100 {
		c, err := s.Next()
		if err != nil {
			return chunks, err
		}
		chunks = append(chunks, c)
	}
	t.Fatal("the stream did not end")
	return nil, nil
}

func openStream(t *testing.T, fixture string) (providers.Stream, *wiretest.Upstream) {
	t.Helper()
	up := wiretest.New(t, wiretest.SSE(golden.Read(t, fixture)))
	s, err := newCohere(t, up.URL).ChatCompletionStream(context.Background(), key, richRequest())
	if err != nil {
		t.Fatal(err)
	}
	return s, up
}

func TestStream(t *testing.T) {
	s, up := openStream(t, "stream.sse")
	chunks, err := drain(t, s)
	if err != io.EOF {
		t.Fatalf("a stream with message-end ended with %v", err)
	}
	if !strings.Contains(string(up.Last().Body), `"stream":true`) ||
		up.Last().Header.Get("Accept") != "text/event-stream" {
		t.Errorf("stream request %s", up.Last().Body)
	}
	for _, c := range chunks {
		c.Created = 0
	}
	golden.JSON(t, "stream.unified.json", chunks)

	var text strings.Builder
	for _, c := range chunks {
		text.WriteString(c.Choices[0].Delta.Content)
	}
	last := chunks[len(chunks)-1]
	if text.String() != "Paris is 18C and rainy." || chunks[0].Choices[0].Delta.Role != "assistant" ||
		chunks[1].ID != "29f14a5a-11de-4cae-9800-25e4747408ea" {
		t.Errorf("text %q, first chunk %+v", text.String(), chunks[0])
	}
	if fr := last.Choices[0].FinishReason; fr == nil || *fr != "stop" ||
		last.Usage == nil || last.Usage.TotalTokens != 28 {
		t.Errorf("last chunk %+v", last)
	}
}

func TestStreamToolCalls(t *testing.T) {
	s, _ := openStream(t, "stream_tools.sse")
	chunks, err := drain(t, s)
	if err != io.EOF {
		t.Fatal(err)
	}
	// Reassemble the calls the way an OpenAI client does.
	type call struct{ id, name, args string }
	var calls []call
	plan := ""
	for _, c := range chunks {
		plan += c.Choices[0].Delta.Content
		for _, d := range c.Choices[0].Delta.ToolCalls {
			if d.Index == len(calls) {
				calls = append(calls, call{id: d.ID, name: d.Function.Name})
			}
			calls[d.Index].args += d.Function.Arguments
		}
	}
	want := []call{{"get_weather_q8s1r2vz1k7h", "get_weather", `{"city":"Paris"}`},
		{"get_weather_3m0c9x5t2b6d", "get_weather", `{"city":"Tokyo"}`}}
	if !slices.Equal(calls, want) || plan != "I will look up the weather." {
		t.Errorf("calls %+v, plan %q", calls, plan)
	}
	if fr := chunks[len(chunks)-1].Choices[0].FinishReason; fr == nil || *fr != "tool_calls" {
		t.Errorf("finish %v", fr)
	}
}

func TestStreamCutShort(t *testing.T) {
	s, _ := openStream(t, "stream_cut.sse")
	chunks, err := drain(t, s)
	if !errors.Is(err, schemas.ErrUpstream) || len(chunks) != 3 {
		t.Fatalf("%d chunks, then %v", len(chunks), err)
	}
}

func TestStreamEndedWithError(t *testing.T) {
	s, _ := openStream(t, "stream_error.sse")
	chunks, err := drain(t, s)
	e := wantKind(t, err, schemas.ErrUpstream, 502)
	if len(chunks) != 2 || e.Message != "internal generation failure" {
		t.Errorf("%d chunks, error %+v", len(chunks), e)
	}
}

func TestStreamRefused(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(429, []byte(`{"message":"slow down"}`)))
	_, err := newCohere(t, up.URL).ChatCompletionStream(context.Background(), key, richRequest())
	wantKind(t, err, schemas.ErrRateLimited, 429)
}
