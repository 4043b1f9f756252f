package anthropic

import (
	"encoding/json"
	"testing"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/providers/internal/wiretest"
	"github.com/sluicegw/sluice/schemas"
)

const testKey = "sk-ant-test-0123456789abcdef"

var key = &schemas.Key{Value: testKey}

func newTestProvider(t testing.TB, baseURL string, extra map[string]string) *Provider {
	t.Helper()
	p, err := New(providers.Options{Provider: schemas.Anthropic, Config: &schemas.ProviderConfig{
		NetworkConfig: schemas.NetworkConfig{BaseURL: baseURL, ExtraHeaders: extra}}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// serving starts an upstream answering with the given testdata file.
func serving(t testing.TB, file string) (*wiretest.Upstream, *Provider) {
	t.Helper()
	h := wiretest.JSON(200, golden.Read(t, file))
	if len(file) > 4 && file[len(file)-4:] == ".sse" {
		h = wiretest.SSE(golden.Read(t, file))
	}
	up := wiretest.New(t, h)
	return up, newTestProvider(t, up.URL, nil)
}

func ptr[T any](v T) *T { return &v }

func text(role, s string) schemas.Message {
	return schemas.Message{Role: role, Content: schemas.Text(s)}
}

// richRequest uses every part of the unified request that Anthropic can represent.
func richRequest() *schemas.ChatRequest {
	return &schemas.ChatRequest{
		Provider: schemas.Anthropic,
		Model:    "claude-sonnet-4-5",
		Messages: []schemas.Message{
			text(schemas.RoleSystem, "You are terse."),
			text(schemas.RoleDeveloper, "Answer in French."),
			{Role: schemas.RoleUser, Content: schemas.Parts(
				schemas.ContentPart{Type: schemas.PartText, Text: "Weather here and in Tokyo?"},
				schemas.ContentPart{Type: schemas.PartImageURL, ImageURL: &schemas.ImageURL{
					URL: "data:image/png;base64,iVBORw0KGgo="}},
				schemas.ContentPart{Type: schemas.PartImageURL, ImageURL: &schemas.ImageURL{
					URL: "https://example.com/tokyo.jpg", Detail: "high"}},
			)},
			{Role: schemas.RoleAssistant, Content: schemas.Text("Let me check."),
				ToolCalls: []schemas.ToolCall{
					{ID: "toolu_paris", Type: "function", Function: schemas.ToolCallFunction{
						Name: "get_weather", Arguments: `{"city":"Paris"}`}},
					{ID: "toolu_tokyo", Type: "function", Function: schemas.ToolCallFunction{
						Name: "get_weather", Arguments: ""}},
				}},
			{Role: schemas.RoleTool, ToolCallID: "toolu_paris", Content: schemas.Text("18C, rain")},
			{Role: schemas.RoleTool, ToolCallID: "toolu_tokyo", Content: schemas.Parts(
				schemas.ContentPart{Type: schemas.PartText, Text: "25C, sun"})},
			text(schemas.RoleUser, "Which is warmer?"),
			text(schemas.RoleAssistant, "Tokyo."),
			text(schemas.RoleUser, "Thanks."),
		},
		Params: &schemas.ChatParams{
			Temperature: ptr(0.5),
			TopP:        ptr(0.9),
			TopK:        ptr(40),
			Stop:        []string{"END"},
			User:        "user-42",
			Tools: []schemas.Tool{{Type: "function", Function: schemas.ToolFunction{
				Name: "get_weather", Description: "Current weather of a city",
				Parameters: json.RawMessage(`{"type":"object","properties":{"city":` +
					`{"type":"string"}},"required":["city"]}`)}},
				{Type: "function", Function: schemas.ToolFunction{Name: "now"}}},
			ToolChoice:        &schemas.ToolChoice{Mode: schemas.ToolChoiceRequired},
			ParallelToolCalls: ptr(false),
			ResponseFormat:    json.RawMessage(`{"type":"text"}`),
		},
	}
}
