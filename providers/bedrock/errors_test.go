package bedrock_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// TestHTTPErrors checks that Bedrock's error answers map to the unified error the
// gateway answers with: the kind from the exception named in x-amzn-errortype (or
// in __type), the message from the body, the exception as the error's code.
func TestHTTPErrors(t *testing.T) {
	cases := []struct {
		status     int
		exception  string
		body       string
		kind       error
		wantStatus int
		message    string
	}{
		{429, "ThrottlingException", `{"message":"Too many requests, please wait."}`,
			schemas.ErrRateLimited, 429, "Too many requests, please wait."},
		{400, "ValidationException", `{"message":"The provided model identifier is invalid."}`,
			schemas.ErrBadRequest, 400, "The provided model identifier is invalid."},
		{403, "AccessDeniedException", `{"Message":"You don't have access to the model."}`,
			schemas.ErrAuth, 403, "You don't have access to the model."},
		{403, "UnrecognizedClientException",
			`{"message":"The security token included in the request is invalid."}`,
			schemas.ErrAuth, 403, "The security token included in the request is invalid."},
		{404, "ResourceNotFoundException", `{"message":"Model not found."}`,
			schemas.ErrNotFound, 404, "Model not found."},
		{408, "ModelTimeoutException", `{"message":"Model has timed out."}`,
			schemas.ErrTimeout, 504, "Model has timed out."},
		{503, "ServiceUnavailableException", `{"message":"Service unavailable."}`,
			schemas.ErrUpstream, 502, "Service unavailable."},
		{500, "InternalServerException", `{"message":"Internal error."}`,
			schemas.ErrUpstream, 502, "Internal error."},
		{424, "ModelErrorException", `{"message":"The model returned an error."}`,
			schemas.ErrUpstream, 502, "The model returned an error."},
		{400, "ServiceQuotaExceededException", `{"message":"Quota exceeded."}`,
			schemas.ErrRateLimited, 429, "Quota exceeded."},
		{429, "ModelNotReadyException", `{"message":"Model is not ready."}`,
			schemas.ErrRateLimited, 429, "Model is not ready."},
		{400, "", `{"__type":"com.amazon.coral.validate#ValidationException",` +
			`"message":"Malformed input request."}`,
			schemas.ErrBadRequest, 400, "Malformed input request."},
		{502, "", `<html><body>Bad Gateway</body></html>`,
			schemas.ErrUpstream, 502,
			"upstream answered 502 Bad Gateway: <html><body>Bad Gateway</body></html>"},
	}
	for _, tc := range cases {
		name := tc.exception
		if name == "" {
			name = "no header " + http.StatusText(tc.status)
		}
		t.Run(name, func(t *testing.T) {
			u := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "3")
				serveJSON(tc.status, tc.exception, []byte(tc.body))(w, r)
			})
			p := newProvider(t, u.URL)
			_, err := p.ChatCompletion(context.Background(), staticKey, textRequest())
			e := asError(t, err)
			if !errors.Is(err, tc.kind) || e.StatusCode != tc.wantStatus ||
				e.Message != tc.message || e.Provider != schemas.Bedrock {
				t.Errorf("got kind %v status %d message %q provider %q, want %v %d %q",
					e.Kind, e.StatusCode, e.Message, e.Provider,
					tc.kind, tc.wantStatus, tc.message)
			}
			want := tc.exception
			if strings.Contains(tc.body, "#ValidationException") {
				want = "ValidationException"
			}
			if e.Code != want {
				t.Errorf("code %q, want %q", e.Code, want)
			}
			if e.RetryAfter != 3*time.Second {
				t.Errorf("RetryAfter %v, want 3s", e.RetryAfter)
			}

			// A stream refused before it starts fails the same way.
			_, err = p.ChatCompletionStream(context.Background(), staticKey, textRequest())
			if !errors.Is(err, tc.kind) {
				t.Errorf("stream: %v, want %v", err, tc.kind)
			}
		})
	}
}

// TestRefused checks that what Converse cannot express is refused with a 400 naming
// the field, and that nothing reaches Bedrock.
func TestRefused(t *testing.T) {
	user := []schemas.Message{{Role: "user", Content: schemas.Text("hi")}}
	weather := []schemas.Tool{{Type: "function", Function: schemas.ToolFunction{Name: "w"}}}
	withParams := func(prm *schemas.ChatParams) *schemas.ChatRequest {
		return &schemas.ChatRequest{Model: "claude", Messages: user, Params: prm}
	}
	withMessages := func(m ...schemas.Message) *schemas.ChatRequest {
		return &schemas.ChatRequest{Model: "claude", Messages: m}
	}
	image := func(url string) schemas.Message {
		return schemas.Message{Role: "user", Content: schemas.Parts(schemas.ContentPart{
			Type: "image_url", ImageURL: &schemas.ImageURL{URL: url}})}
	}
	toolHistory := []schemas.Message{
		user[0],
		{Role: "assistant", ToolCalls: []schemas.ToolCall{{ID: "t1", Type: "function",
			Function: schemas.ToolCallFunction{Name: "w", Arguments: "{}"}}}},
		{Role: "tool", ToolCallID: "t1", Content: schemas.Text("sunny")},
	}
	cases := []struct {
		req   *schemas.ChatRequest
		kind  error
		param string
	}{
		{withParams(&schemas.ChatParams{TopK: ptr(40)}), schemas.ErrUnsupported, "top_k"},
		{withParams(&schemas.ChatParams{PresencePenalty: ptr(0.5)}), schemas.ErrUnsupported,
			"presence_penalty"},
		{withParams(&schemas.ChatParams{FrequencyPenalty: ptr(0.5)}), schemas.ErrUnsupported,
			"frequency_penalty"},
		{withParams(&schemas.ChatParams{Seed: ptr(7)}), schemas.ErrUnsupported, "seed"},
		{withParams(&schemas.ChatParams{User: "u-1"}), schemas.ErrUnsupported, "user"},
		{withParams(&schemas.ChatParams{
			ResponseFormat: json.RawMessage(`{"type":"json_object"}`)}),
			schemas.ErrUnsupported, "response_format"},
		{withParams(&schemas.ChatParams{Tools: weather, ParallelToolCalls: ptr(false)}),
			schemas.ErrUnsupported, "parallel_tool_calls"},
		{withParams(&schemas.ChatParams{Tools: []schemas.Tool{{Type: "retrieval"}}}),
			schemas.ErrUnsupported, "tools[0].type"},
		{withParams(&schemas.ChatParams{ToolChoice: &schemas.ToolChoice{Mode: "required"}}),
			schemas.ErrBadRequest, "tool_choice"},
		{&schemas.ChatRequest{Model: "claude", Messages: toolHistory,
			Params: &schemas.ChatParams{Tools: weather,
				ToolChoice: &schemas.ToolChoice{Mode: schemas.ToolChoiceNone}}},
			schemas.ErrUnsupported, "tool_choice"},
		{withMessages(schemas.Message{Role: "user", Name: "ann", Content: schemas.Text("hi")}),
			schemas.ErrUnsupported, "messages[0].name"},
		{withMessages(image("https://example.com/cat.png")), schemas.ErrUnsupported,
			"messages[0].content[0].image_url.url"},
		{withMessages(image("data:image/bmp;base64,Qk0=")), schemas.ErrUnsupported,
			"messages[0].content[0].image_url.url"},
		{withMessages(image("data:image/png,rawbytes")), schemas.ErrBadRequest,
			"messages[0].content[0].image_url.url"},
		{withMessages(schemas.Message{Role: "system", Content: schemas.Parts(
			schemas.ContentPart{Type: "image_url", ImageURL: &schemas.ImageURL{
				URL: "data:image/png;base64,iVBO"}})}), schemas.ErrUnsupported,
			"messages[0].content[0]"},
		{withMessages(schemas.Message{Role: "critic", Content: schemas.Text("x")}),
			schemas.ErrBadRequest, "messages[0].role"},
		{withMessages(user[0], schemas.Message{Role: "assistant", ToolCalls: []schemas.ToolCall{{
			ID: "t1", Function: schemas.ToolCallFunction{Name: "w", Arguments: "{oops"}}}}),
			schemas.ErrBadRequest, "messages[1].tool_calls[0].function.arguments"},
		{withMessages(schemas.Message{Role: "tool", Content: schemas.Text("x")}),
			schemas.ErrBadRequest, "messages[0].tool_call_id"},
	}
	u := newUpstream(t, serveJSON(http.StatusOK, "", nil))
	p := newProvider(t, u.URL)
	for _, tc := range cases {
		_, err := p.ChatCompletion(context.Background(), staticKey, tc.req)
		if !errors.Is(err, tc.kind) {
			t.Errorf("%s: got %v, want %v", tc.param, err, tc.kind)
			continue
		}
		e := asError(t, err)
		if e.Param != tc.param || e.StatusCode != http.StatusBadRequest ||
			!strings.Contains(e.Message, tc.param) {
			t.Errorf("%s: param %q status %d message %q", tc.param, e.Param, e.StatusCode,
				e.Message)
		}
	}
	if u.count() != 0 {
		t.Errorf("%d refused requests reached Bedrock", u.count())
	}
}

// TestToolChoiceNone checks that tool_choice "none" without earlier tool use is
// honoured by offering the model no tools at all.
func TestToolChoiceNone(t *testing.T) {
	u := newUpstream(t, serveJSON(http.StatusOK, "", []byte(`{"output":{"message":{`+
		`"role":"assistant","content":[{"text":"ok"}]}},"stopReason":"end_turn"}`)))
	req := &schemas.ChatRequest{Model: "claude",
		Messages: []schemas.Message{{Role: "user", Content: schemas.Text("hi")}},
		Params: &schemas.ChatParams{
			Tools: []schemas.Tool{{Type: "function",
				Function: schemas.ToolFunction{Name: "w"}}},
			ToolChoice: &schemas.ToolChoice{Mode: schemas.ToolChoiceNone}}}
	if _, err := newProvider(t, u.URL).ChatCompletion(context.Background(), staticKey,
		req); err != nil {
		t.Fatal(err)
	}
	if body := string(u.last(t).Body); strings.Contains(body, "toolConfig") {
		t.Errorf("tools were offered despite tool_choice none: %s", body)
	}
}
