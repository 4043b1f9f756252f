package openai

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

const testKey = "sk-test-0123456789abcdef"

var key = &schemas.Key{Value: testKey}

// received is one request as the upstream saw it.
type received struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// upstream is a loopback server that records what arrived and answers with answer.
type upstream struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []received
}

func newUpstream(t testing.TB, answer func(w http.ResponseWriter, r *http.Request)) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("upstream: reading the body: %v", err)
		}
		u.mu.Lock()
		u.reqs = append(u.reqs, received{r.Method, r.URL.Path, r.Header.Clone(), body})
		u.mu.Unlock()
		answer(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

// last returns the last request received.
func (u *upstream) last(t *testing.T) received {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.reqs) == 0 {
		t.Fatal("no request reached the upstream")
	}
	return u.reqs[len(u.reqs)-1]
}

// count returns how many requests arrived.
func (u *upstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.reqs)
}

// serve answers with status and body as JSON.
func serve(status int, body []byte) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body)
	}
}

// serveSSE answers with body as an event stream.
func serveSSE(body []byte) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write(body)
	}
}

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
