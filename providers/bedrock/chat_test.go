package bedrock_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/schemas"
)

// textRequest exercises the system prompt, the inference parameters and the model
// → model ID mapping.
func textRequest() *schemas.ChatRequest {
	return &schemas.ChatRequest{
		Provider: schemas.Bedrock,
		Model:    "claude",
		Messages: []schemas.Message{
			{Role: "system", Content: schemas.Text("You are terse.")},
			{Role: "developer", Content: schemas.Text("Answer in English.")},
			{Role: "user", Content: schemas.Text("What is the capital of France?")},
		},
		Params: &schemas.ChatParams{MaxTokens: ptr(256), Temperature: ptr(0.2),
			TopP: ptr(0.9), Stop: []string{"\n\n"}},
	}
}

// toolsRequest exercises tool declarations and choice, a past tool call and its
// result, an inline image, and an inference profile ARN as the model.
func toolsRequest() *schemas.ChatRequest {
	return &schemas.ChatRequest{
		Provider: schemas.Bedrock,
		Model:    "claude-profile",
		Messages: []schemas.Message{
			{Role: "user", Content: schemas.Parts(
				schemas.ContentPart{Type: "text",
					Text: "What's the weather where this was taken?"},
				schemas.ContentPart{Type: "image_url", ImageURL: &schemas.ImageURL{
					URL: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg=="}},
			)},
			{Role: "assistant", ToolCalls: []schemas.ToolCall{{ID: "tooluse_1", Type: "function",
				Function: schemas.ToolCallFunction{Name: "get_weather",
					Arguments: `{"city": "Paris"}`}}}},
			{Role: "tool", ToolCallID: "tooluse_1", Content: schemas.Text("18°C, sunny")},
			{Role: "user", Content: schemas.Text("And tomorrow?")},
		},
		Params: &schemas.ChatParams{
			MaxTokens: ptr(1024),
			Tools: []schemas.Tool{
				{Type: "function", Function: schemas.ToolFunction{Name: "get_weather",
					Description: "Current weather of a city.",
					Parameters: json.RawMessage(`{"type":"object","properties":{` +
						`"city":{"type":"string"},"unit":{"type":"string",` +
						`"enum":["celsius","fahrenheit"]}},"required":["city"]}`),
					Strict: ptr(true)}},
				{Type: "function", Function: schemas.ToolFunction{Name: "get_time"}},
			},
			ToolChoice: &schemas.ToolChoice{Mode: schemas.ToolChoiceFunction,
				Name: "get_weather"},
			ParallelToolCalls: ptr(true),
		},
	}
}

// TestChatGolden sends unified requests to a recorded Converse answer and checks both
// sides against testdata: request_*.json is the body as sent, response_*.json the
// answer as received, chat_*.json the unified answer.
func TestChatGolden(t *testing.T) {
	cases := []struct {
		name, response string
		req            *schemas.ChatRequest
		path           string
	}{
		{"text", "response_text.json", textRequest(),
			"/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"},
		{"tools", "response_tool_use.json", toolsRequest(),
			"/model/arn%3Aaws%3Abedrock%3Aus-west-2%3A123456789012%3Ainference-profile" +
				"%2Fus.anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"},
		{"guardrail", "response_guardrail.json", &schemas.ChatRequest{
			Model: "amazon.nova-lite-v1:0",
			Messages: []schemas.Message{{Role: "user",
				Content: schemas.Text("Tell me a secret.")}},
		}, "/model/amazon.nova-lite-v1%3A0/converse"},
		{"max_tokens", "response_max_tokens.json", &schemas.ChatRequest{
			Model:    "claude",
			Messages: []schemas.Message{{Role: "user", Content: schemas.Text("Tell a story.")}},
			Params:   &schemas.ChatParams{MaxTokens: ptr(3)},
		}, "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := newUpstream(t, serveJSON(http.StatusOK, "", golden.Read(t, tc.response)))
			p := newProvider(t, u.URL)

			before := time.Now().Unix()
			resp, err := p.ChatCompletion(context.Background(), staticKey, tc.req)
			if err != nil {
				t.Fatal(err)
			}

			got := u.last(t)
			if got.Method != http.MethodPost || got.RawPath != tc.path {
				t.Errorf("sent %s %s, want POST %s", got.Method, got.RawPath, tc.path)
			}
			if ct := got.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			golden.Check(t, "request_"+tc.name+".json", golden.Indent(t, got.Body))

			if resp.Provider != schemas.Bedrock || resp.ID != "req-0001" ||
				resp.Created < before || resp.Model != tc.req.Model {
				t.Errorf("provider %q, id %q, created %d, model %q", resp.Provider, resp.ID,
					resp.Created, resp.Model)
			}
			resp.Created = 0
			golden.JSON(t, "chat_"+tc.name+".json", resp)
		})
	}
}
