package openai

import (
	"net/http"
	"testing"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/providers/internal/wiretest"
	"github.com/sluicegw/sluice/schemas"
)

const testKey = "sk-test-0123456789abcdef"

var key = &schemas.Key{Value: testKey}

// upstream is the loopback server the tests talk to.
type upstream = wiretest.Upstream

func newUpstream(t testing.TB, answer http.HandlerFunc) *upstream {
	return wiretest.New(t, answer)
}

var (
	serve    = wiretest.JSON
	serveSSE = wiretest.SSE
)

// options points an adapter at u.
func options(p schemas.ModelProvider, baseURL string) providers.Options {
	return providers.Options{Provider: p, Config: &schemas.ProviderConfig{
		NetworkConfig: schemas.NetworkConfig{BaseURL: baseURL}}}
}

func newTestProvider(t *testing.T, baseURL string) *Provider {
	t.Helper()
	p, err := New(options(schemas.OpenAI, baseURL))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ptr[T any](v T) *T { return &v }

// richRequest uses every part of the unified request the wire shape has.
func richRequest() *schemas.ChatRequest {
	return &schemas.ChatRequest{
		Provider: schemas.OpenAI,
		Model:    "gpt-4o-mini",
		Messages: []schemas.Message{
			{Role: schemas.RoleSystem, Content: schemas.Text("You are terse.")},
			{Role: schemas.RoleUser, Content: schemas.Parts(
				schemas.ContentPart{Type: schemas.PartText, Text: "Weather where this is, and Tokyo?"},
				schemas.ContentPart{Type: schemas.PartImageURL, ImageURL: &schemas.ImageURL{
					URL: "data:image/png;base64,iVBORw0KGgo=", Detail: "low"}},
			)},
			{Role: schemas.RoleAssistant, ToolCalls: []schemas.ToolCall{
				{ID: "call_paris", Type: "function", Function: schemas.ToolCallFunction{
					Name: "get_weather", Arguments: `{"city":"Paris"}`}},
				{ID: "call_tokyo", Type: "function", Function: schemas.ToolCallFunction{
					Name: "get_weather", Arguments: `{"city":"Tokyo"}`}},
			}},
			{Role: schemas.RoleTool, ToolCallID: "call_paris", Content: schemas.Text("18C, rain")},
			{Role: schemas.RoleTool, ToolCallID: "call_tokyo", Content: schemas.Text("25C, sun")},
		},
		Params: &schemas.ChatParams{
			MaxTokens:   ptr(256),
			Temperature: ptr(0.2),
			TopP:        ptr(0.9),
			Stop:        []string{"\n\n"},
			Seed:        ptr(7),
			User:        "user-42",
			Tools: []schemas.Tool{{Type: "function", Function: schemas.ToolFunction{
				Name: "get_weather", Description: "Current weather of a city",
				Parameters: []byte(`{"type":"object","properties":{"city":{"type":"string"}},` +
					`"required":["city"]}`)}}},
			ToolChoice:        &schemas.ToolChoice{Mode: schemas.ToolChoiceFunction, Name: "get_weather"},
			ParallelToolCalls: ptr(true),
			ResponseFormat:    []byte(`{"type":"text"}`),
		},
	}
}
