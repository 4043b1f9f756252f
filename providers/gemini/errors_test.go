package gemini_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluicegw/sluice/providers/internal/wiretest"
	"github.com/sluicegw/sluice/schemas"
)

func googleError(code int, status, message string) []byte {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"code": code, "message": message, "status": status}})
	return b
}

func TestUpstreamErrors(t *testing.T) {
	keyInvalid := []byte(`{"error":{"code":400,"message":"API key not valid. Please pass a ` +
		`valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":` +
		`"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID",` +
		`"domain":"googleapis.com"}]}}`)
	for _, tc := range []struct {
		name   string
		status int
		body   []byte
		kind   error
		want   int // status of the unified error
	}{
		{"quota", 429, googleError(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted"),
			schemas.ErrRateLimited, 429},
		{"bad request", 400, googleError(400, "INVALID_ARGUMENT", "Invalid JSON payload"),
			schemas.ErrBadRequest, 400},
		{"bad key", 400, keyInvalid, schemas.ErrAuth, 401},
		{"unauthenticated", 401, googleError(401, "UNAUTHENTICATED", "Request had invalid "+
			"authentication credentials"), schemas.ErrAuth, 401},
		{"permission", 403, googleError(403, "PERMISSION_DENIED", "Permission denied on "+
			"resource project p"), schemas.ErrAuth, 403},
		{"no model", 404, googleError(404, "NOT_FOUND", "models/x is not found"),
			schemas.ErrNotFound, 404},
		{"overloaded", 503, googleError(503, "UNAVAILABLE", "The model is overloaded"),
			schemas.ErrUpstream, 502},
		{"deadline", 504, googleError(504, "DEADLINE_EXCEEDED", "Deadline expired"),
			schemas.ErrTimeout, 504},
		{"proxy page", 502, []byte("<html>Bad Gateway</html>"), schemas.ErrUpstream, 502},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up := wiretest.New(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "7")
				wiretest.JSON(tc.status, tc.body)(w, r)
			})
			_, err := newGemini(t, up.URL).ChatCompletion(context.Background(), key,
				&schemas.ChatRequest{Model: model, Messages: []schemas.Message{userText("hi")}})
			e := wantKind(t, err, tc.kind, tc.want)
			if e.Provider != schemas.Gemini || e.RetryAfter != 7*time.Second || e.Message == "" {
				t.Errorf("error %+v", e)
			}
		})
	}
}

func TestErrorMessageNeverHoldsTheKey(t *testing.T) {
	body := googleError(400, "INVALID_ARGUMENT", "API key "+testKey+" is not valid here")
	up := wiretest.New(t, wiretest.JSON(400, body))
	_, err := newGemini(t, up.URL).ChatCompletion(context.Background(), key,
		&schemas.ChatRequest{Model: model, Messages: []schemas.Message{userText("hi")}})
	e := wantKind(t, err, schemas.ErrBadRequest, 400)
	if !strings.Contains(e.Message, "[redacted]") {
		t.Errorf("message %q", e.Message)
	}
}

// TestRefusedTranslations checks that what Gemini cannot represent is refused before
// anything is sent, with a 400 naming the field.
func TestRefusedTranslations(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(200, []byte(`{}`)))
	p := newGemini(t, up.URL)
	call := []schemas.ToolCall{{ID: "c1", Type: "function",
		Function: schemas.ToolCallFunction{Name: "f", Arguments: `{}`}}}
	for _, tc := range []struct {
		param string
		req   schemas.ChatRequest
	}{
		{"messages", schemas.ChatRequest{Messages: []schemas.Message{
			{Role: schemas.RoleSystem, Content: schemas.Text("only a system prompt")}}}},
		{"messages[0].name", schemas.ChatRequest{Messages: []schemas.Message{
			{Role: schemas.RoleUser, Name: "ann", Content: schemas.Text("hi")}}}},
		{"messages[0].role", schemas.ChatRequest{Messages: []schemas.Message{
			{Role: "narrator", Content: schemas.Text("hi")}}}},
		{"messages[1].tool_call_id", schemas.ChatRequest{Messages: []schemas.Message{
			{Role: schemas.RoleAssistant, ToolCalls: call},
			{Role: schemas.RoleTool, ToolCallID: "other", Content: schemas.Text("1")}}}},
		{"messages[0].tool_calls[0].function.arguments", schemas.ChatRequest{
			Messages: []schemas.Message{{Role: schemas.RoleAssistant, ToolCalls: []schemas.ToolCall{
				{ID: "c1", Function: schemas.ToolCallFunction{Name: "f", Arguments: `[1]`}}}}}}},
		{"messages[0].content[0].image_url.url", schemas.ChatRequest{Messages: []schemas.Message{
			{Role: schemas.RoleUser, Content: schemas.Parts(schemas.ContentPart{
				Type: schemas.PartImageURL, ImageURL: &schemas.ImageURL{URL: "data:image/png,raw"}})}}}},
		{"messages[0].content[0]", schemas.ChatRequest{Messages: []schemas.Message{
			{Role: schemas.RoleSystem, Content: schemas.Parts(schemas.ContentPart{
				Type: schemas.PartImageURL, ImageURL: &schemas.ImageURL{URL: "https://x/y.png"}})},
			userText("hi")}}},
		{"parallel_tool_calls", schemas.ChatRequest{Messages: []schemas.Message{userText("hi")},
			Params: &schemas.ChatParams{ParallelToolCalls: ptr(false)}}},
		{"tool_choice", schemas.ChatRequest{Messages: []schemas.Message{userText("hi")},
			Params: &schemas.ChatParams{ToolChoice: &schemas.ToolChoice{Mode: "required"}}}},
		{"response_format.type", schemas.ChatRequest{Messages: []schemas.Message{userText("hi")},
			Params: &schemas.ChatParams{ResponseFormat: []byte(`{"type":"grammar"}`)}}},
		{"model", schemas.ChatRequest{Model: "../../admin", Messages: []schemas.Message{
			userText("hi")}}},
	} {
		t.Run(tc.param, func(t *testing.T) {
			req := tc.req
			if req.Model == "" {
				req.Model = model
			}
			_, err := p.ChatCompletion(context.Background(), key, &req)
			e, ok := err.(*schemas.Error)
			if !ok || e.StatusCode != 400 || e.Param != tc.param {
				t.Fatalf("err = %v (%#v), want a 400 naming %s", err, err, tc.param)
			}
		})
	}
	if up.Count() != 0 {
		t.Errorf("%d refused requests reached the upstream", up.Count())
	}
}

func TestMissingKey(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(200, []byte(`{}`)))
	_, err := newGemini(t, up.URL).ChatCompletion(context.Background(), nil,
		&schemas.ChatRequest{Model: model, Messages: []schemas.Message{userText("hi")}})
	wantKind(t, err, schemas.ErrNoKey, 400)
}
