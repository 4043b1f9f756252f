package gemini_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/providers/internal/wiretest"
	"github.com/sluicegw/sluice/schemas"
)

const model = "gemini-2.5-flash"

// richRequest uses every part of the unified request that Gemini can represent.
func richRequest() *schemas.ChatRequest {
	return &schemas.ChatRequest{
		Provider: schemas.Gemini,
		Model:    model,
		Messages: []schemas.Message{
			{Role: schemas.RoleSystem, Content: schemas.Text("You are terse.")},
			{Role: schemas.RoleDeveloper, Content: schemas.Text("Use Celsius.")},
			{Role: schemas.RoleUser, Content: schemas.Parts(
				schemas.ContentPart{Type: schemas.PartText, Text: "Weather here, and in Tokyo?"},
				schemas.ContentPart{Type: schemas.PartImageURL, ImageURL: &schemas.ImageURL{
					URL: "data:image/png;base64,iVBORw0KGgo=", Detail: "low"}},
				schemas.ContentPart{Type: schemas.PartImageURL, ImageURL: &schemas.ImageURL{
					URL: "https://example.com/paris.png"}},
			)},
			{Role: schemas.RoleAssistant, Content: schemas.Text("Checking."),
				ToolCalls: []schemas.ToolCall{
					{ID: "fc-1", Type: "function", Function: schemas.ToolCallFunction{
						Name: "get_weather", Arguments: `{"city":"Paris"}`}},
					{ID: "call_sluice_00aa11bb22cc33dd", Type: "function",
						Function: schemas.ToolCallFunction{
							Name: "get_weather", Arguments: `{"city":"Tokyo"}`}},
				}},
			{Role: schemas.RoleTool, ToolCallID: "fc-1", Content: schemas.Text(`{"temp_c":18}`)},
			{Role: schemas.RoleTool, ToolCallID: "call_sluice_00aa11bb22cc33dd",
				Content: schemas.Text("25C, sun")},
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
			Tools: []schemas.Tool{{Type: "function", Function: schemas.ToolFunction{
				Name: "get_weather", Description: "Current weather of a city",
				Parameters: []byte(`{"type":"object","properties":{"city":{"type":"string"}},` +
					`"required":["city"],"additionalProperties":false}`)}}},
			ToolChoice:        &schemas.ToolChoice{Mode: schemas.ToolChoiceFunction, Name: "get_weather"},
			ParallelToolCalls: ptr(true),
		},
	}
}

func TestChatCompletionRequestAndAnswer(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(200, golden.Read(t, "response_text.json")))
	p := newGemini(t, up.URL+"/v1beta")

	resp, err := p.ChatCompletion(context.Background(), key, richRequest())
	if err != nil {
		t.Fatal(err)
	}

	got := up.Last()
	if got.Path != "/v1beta/models/"+model+":generateContent" || got.Query != "" {
		t.Errorf("request to %s?%s", got.Path, got.Query)
	}
	if got.Header.Get("x-goog-api-key") != testKey || got.Header.Get("Authorization") != "" {
		t.Errorf("credentials: %v", got.Header)
	}
	golden.Check(t, "request_rich.json", golden.Indent(t, got.Body))

	resp.Created = 0
	golden.JSON(t, "response_text.unified.json", resp)
	if resp.Provider != schemas.Gemini {
		t.Errorf("provider %q", resp.Provider)
	}
	msg := resp.Choices[0].Message
	if msg.Content.String() != "Paris is 18C and rainy." {
		t.Errorf("text %q: the thought summary must be left out", msg.Content.String())
	}
	u := resp.Usage
	if u.PromptTokens != 41 || u.CompletionTokens != 19 || u.TotalTokens != 60 ||
		u.PromptTokensDetails == nil || u.PromptTokensDetails.CachedTokens != 32 {
		t.Errorf("usage %+v: thinking counts as completion, cache as cached", u)
	}
}

func TestChatCompletionToolCalls(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(200, golden.Read(t, "response_tools.json")))
	p := newGemini(t, up.URL+"/v1beta")
	resp, err := p.ChatCompletion(context.Background(), key, richRequest())
	if err != nil {
		t.Fatal(err)
	}
	ch := resp.Choices[0]
	if ch.FinishReason != schemas.FinishToolCalls || len(ch.Message.ToolCalls) != 2 {
		t.Fatalf("choice %+v", ch)
	}
	first, second := ch.Message.ToolCalls[0], ch.Message.ToolCalls[1]
	if !strings.HasPrefix(first.ID, "call_sluice_") || second.ID != "fc-7" {
		t.Errorf("IDs %q %q: a missing ID is made up, a given one is kept", first.ID, second.ID)
	}
	if first.Function.Name != "get_weather" || first.Function.Arguments != `{"city":"Paris"}` ||
		first.Type != "function" {
		t.Errorf("call %+v", first)
	}

	// The answer goes back in the next turn: the made-up ID links the result to its
	// call, and is not sent upstream, while Gemini's own ID is.
	next := &schemas.ChatRequest{Model: model, Messages: []schemas.Message{
		userText("Weather in Paris and Tokyo?"), ch.Message,
		{Role: schemas.RoleTool, ToolCallID: first.ID, Content: schemas.Text("18C")},
		{Role: schemas.RoleTool, ToolCallID: second.ID, Content: schemas.Text("25C")},
	}}
	if _, err := p.ChatCompletion(context.Background(), key, next); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "request_tool_results.json", golden.Indent(t, up.Last().Body))
}

func TestThoughtSignatureTravelsInTheCallID(t *testing.T) {
	// Thinking models sign their function calls and refuse a next turn whose calls
	// come back unsigned; the signature rides in the tool call ID an OpenAI client
	// keeps, and goes back on the function call part, not in its ID.
	up := wiretest.New(t, wiretest.JSON(200, golden.Read(t, "response_signed_call.json")))
	p := newGemini(t, up.URL)
	req := &schemas.ChatRequest{Model: model, Messages: []schemas.Message{userText("Paris?")},
		Params: &schemas.ChatParams{Tools: []schemas.Tool{{Type: "function",
			Function: schemas.ToolFunction{Name: "get_weather"}}}}}
	resp, err := p.ChatCompletion(context.Background(), key, req)
	if err != nil {
		t.Fatal(err)
	}
	msg := resp.Choices[0].Message
	id := msg.ToolCalls[0].ID
	if !strings.HasSuffix(id, "~CiQBVKhc7vB2bXlzaWduYXR1cmUtYnl0ZXM=") {
		t.Fatalf("tool call ID %q lacks the signature", id)
	}

	req.Messages = append(req.Messages, msg, schemas.Message{Role: schemas.RoleTool,
		ToolCallID: id, Content: schemas.Text("18C")})
	if _, err := p.ChatCompletion(context.Background(), key, req); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "request_signed_call.json", golden.Indent(t, up.Last().Body))
}

func TestFinishReasons(t *testing.T) {
	for _, tc := range []struct{ fixture, finish, text string }{
		{"response_length.json", schemas.FinishLength, "Paris is"},
		{"response_blocked.json", schemas.FinishContentFilter, ""},
	} {
		up := wiretest.New(t, wiretest.JSON(200, golden.Read(t, tc.fixture)))
		p := newGemini(t, up.URL)
		resp, err := p.ChatCompletion(context.Background(), key, &schemas.ChatRequest{
			Model: model, Messages: []schemas.Message{userText("hi")}})
		if err != nil {
			t.Fatal(err)
		}
		ch := resp.Choices[0]
		if ch.FinishReason != tc.finish || ch.Message.Content.String() != tc.text ||
			ch.Message.Role != schemas.RoleAssistant {
			t.Errorf("%s: choice %+v", tc.fixture, ch)
		}
	}
}

func TestResponseFormat(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(200, golden.Read(t, "response_text.json")))
	p := newGemini(t, up.URL)
	for _, tc := range []struct{ format, want string }{
		{`{"type":"text"}`, `null`},
		{`{"type":"json_object"}`, `{"responseMimeType":"application/json"}`},
		{`{"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object"}}}`,
			`{"responseJsonSchema":{"type":"object"},"responseMimeType":"application/json"}`},
	} {
		_, err := p.ChatCompletion(context.Background(), key, &schemas.ChatRequest{
			Model: model, Messages: []schemas.Message{userText("hi")},
			Params: &schemas.ChatParams{ResponseFormat: json.RawMessage(tc.format)}})
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			GenerationConfig json.RawMessage `json:"generationConfig"`
		}
		if err := json.Unmarshal(up.Last().Body, &body); err != nil {
			t.Fatal(err)
		}
		gc := string(body.GenerationConfig)
		if gc == "" {
			gc = "null"
		}
		if canonical(t, []byte(gc)) != tc.want {
			t.Errorf("%s sent generationConfig %s, want %s", tc.format, gc, tc.want)
		}
	}
}
