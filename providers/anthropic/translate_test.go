package anthropic

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/schemas"
)

func TestRequestFromUnifiedRefusals(t *testing.T) {
	part := func(p schemas.ContentPart) schemas.Content { return schemas.Parts(p) }
	image := schemas.ContentPart{Type: schemas.PartImageURL,
		ImageURL: &schemas.ImageURL{URL: "https://example.com/a.png"}}
	tests := []struct {
		param  string
		kind   error
		change func(r *schemas.ChatRequest)
	}{
		{"presence_penalty", schemas.ErrUnsupported,
			func(r *schemas.ChatRequest) { r.Params.PresencePenalty = ptr(0.5) }},
		{"frequency_penalty", schemas.ErrUnsupported,
			func(r *schemas.ChatRequest) { r.Params.FrequencyPenalty = ptr(0.0) }},
		{"seed", schemas.ErrUnsupported, func(r *schemas.ChatRequest) { r.Params.Seed = ptr(3) }},
		{"response_format", schemas.ErrUnsupported, func(r *schemas.ChatRequest) {
			r.Params.ResponseFormat = json.RawMessage(`{"type":"json_object"}`)
		}},
		{"tools[1].function.strict", schemas.ErrUnsupported, func(r *schemas.ChatRequest) {
			r.Params.Tools[1].Function.Strict = ptr(true)
		}},
		{"messages[2].name", schemas.ErrUnsupported,
			func(r *schemas.ChatRequest) { r.Messages[2].Name = "alice" }},
		{"messages[0].content[0]", schemas.ErrUnsupported,
			func(r *schemas.ChatRequest) { r.Messages[0].Content = part(image) }},
		{"messages[2].content[0]", schemas.ErrUnsupported, func(r *schemas.ChatRequest) {
			r.Messages[2].Content = part(schemas.ContentPart{Type: "input_audio"})
		}},
		{"messages[3].content[0]", schemas.ErrUnsupported,
			func(r *schemas.ChatRequest) { r.Messages[3].Content = part(image) }},
		{"messages[2].content[0].image_url.url", schemas.ErrBadRequest, func(r *schemas.ChatRequest) {
			r.Messages[2].Content = part(schemas.ContentPart{Type: schemas.PartImageURL,
				ImageURL: &schemas.ImageURL{URL: "data:image/png,notbase64"}})
		}},
		{"messages[3].tool_calls[0].function.arguments", schemas.ErrBadRequest,
			func(r *schemas.ChatRequest) { r.Messages[3].ToolCalls[0].Function.Arguments = `[1]` }},
		{"messages[4].tool_call_id", schemas.ErrBadRequest,
			func(r *schemas.ChatRequest) { r.Messages[4].ToolCallID = "" }},
		{"messages[4].role", schemas.ErrBadRequest,
			func(r *schemas.ChatRequest) { r.Messages[4].Role = "function" }},
		{"max_tokens", schemas.ErrBadRequest,
			func(r *schemas.ChatRequest) { r.Params.MaxTokens = ptr(0) }},
	}
	for _, tt := range tests {
		t.Run(tt.param, func(t *testing.T) {
			r := richRequest()
			tt.change(r)
			out, err := RequestFromUnified(r)
			var e *schemas.Error
			if !errors.As(err, &e) || !errors.Is(err, tt.kind) || e.Param != tt.param ||
				e.StatusCode != 400 || out != nil {
				t.Fatalf("err = %v (param %q)", err, e.Param)
			}
		})
	}
}

func TestRequestFromUnifiedToolChoice(t *testing.T) {
	tests := []struct {
		choice   *schemas.ToolChoice
		parallel *bool
		want     string
	}{
		{&schemas.ToolChoice{Mode: "auto"}, nil, `{"type":"auto"}`},
		{&schemas.ToolChoice{Mode: "none"}, ptr(false), `{"type":"none"}`},
		{&schemas.ToolChoice{Mode: "required"}, ptr(true), `{"type":"any"}`},
		{&schemas.ToolChoice{Mode: "function", Name: "f"}, nil, `{"type":"tool","name":"f"}`},
		{nil, ptr(false), `{"type":"auto","disable_parallel_tool_use":true}`},
		{nil, nil, `null`},
	}
	for _, tt := range tests {
		r := richRequest()
		r.Params.ToolChoice, r.Params.ParallelToolCalls = tt.choice, tt.parallel
		out, err := RequestFromUnified(r)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := json.Marshal(out.ToolChoice); string(got) != tt.want {
			t.Errorf("%+v, parallel %v: %s, want %s", tt.choice, tt.parallel, got, tt.want)
		}
	}
}

// TestRequestToUnified checks the gateway direction with a golden file, and that
// translating back gives the request that came in, less its cache_control hints.
func TestRequestToUnified(t *testing.T) {
	in := golden.Read(t, "gateway_request.json")
	var mr MessagesRequest
	if err := json.Unmarshal(in, &mr); err != nil {
		t.Fatal(err)
	}
	u, err := RequestToUnified(&mr)
	if err != nil {
		t.Fatal(err)
	}
	golden.JSON(t, "gateway_request.unified.json", u)

	back, err := RequestFromUnified(u)
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.ReplaceAll(in, []byte(`, "cache_control": {"type": "ephemeral"}`), nil)
	var got, exp any
	json.Unmarshal(mustJSON(t, back), &got)
	json.Unmarshal(want, &exp)
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("round trip differs:\n%s\nwant\n%s", mustJSON(t, got), mustJSON(t, exp))
	}
}

func TestRequestToUnifiedRefusals(t *testing.T) {
	tests := []struct {
		param string
		body  string
	}{
		{"thinking", `{"model":"m","max_tokens":1,"messages":[],` +
			`"thinking":{"type":"enabled","budget_tokens":1024}}`},
		{"service_tier", `{"model":"m","max_tokens":1,"messages":[],"service_tier":"standard_only"}`},
		{"tools[0]", `{"model":"m","max_tokens":1,"messages":[],` +
			`"tools":[{"type":"web_search_20250305","name":"web_search"}]}`},
		{"messages[0].content[0]", `{"model":"m","max_tokens":1,"messages":[{"role":"user",` +
			`"content":[{"type":"document","source":{"type":"text","data":"x"}}]}]}`},
		{"messages[0].content[0].is_error", `{"model":"m","max_tokens":1,"messages":[` +
			`{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","is_error":true}]}]}`},
		{"messages[0].content[1]", `{"model":"m","max_tokens":1,"messages":[{"role":"assistant",` +
			`"content":[{"type":"text","text":"a"},{"type":"thinking","thinking":"hm"}]}]}`},
	}
	for _, tt := range tests {
		var mr MessagesRequest
		if err := json.Unmarshal([]byte(tt.body), &mr); err != nil {
			t.Fatal(err)
		}
		_, err := RequestToUnified(&mr)
		var e *schemas.Error
		if !errors.As(err, &e) || !errors.Is(err, schemas.ErrUnsupported) || e.Param != tt.param {
			t.Errorf("%s: err = %v", tt.param, err)
		}
	}
}

func TestUsageBothWays(t *testing.T) {
	a := Usage{InputTokens: 12, OutputTokens: 5, CacheReadInputTokens: 40,
		CacheCreationInputTokens: 30}
	u := usageToUnified(a)
	if u.PromptTokens != 82 || u.TotalTokens != 87 || u.PromptTokensDetails.CachedTokens != 40 ||
		u.PromptTokensDetails.CacheCreationTokens != 30 {
		t.Fatalf("to unified: %+v", u)
	}
	if back := usageFromUnified(u); back != a {
		t.Fatalf("back: %+v, want %+v", back, a)
	}
	if got := usageFromUnified(&schemas.Usage{PromptTokens: 9, CompletionTokens: 2}); got !=
		(Usage{InputTokens: 9, OutputTokens: 2}) {
		t.Fatalf("without details: %+v", got)
	}
}

func TestFinishReasons(t *testing.T) {
	for stop, finish := range map[string]string{StopEndTurn: "stop", StopSequence: "stop",
		StopMaxTokens: "length", StopToolUse: "tool_calls", StopRefusal: "content_filter",
		StopPauseTurn: "stop", StopContextLimit: "length"} {
		if got := finishReason(stop); got != finish {
			t.Errorf("%s → %s, want %s", stop, got, finish)
		}
	}
	for finish, stop := range map[string]string{"stop": StopEndTurn, "length": StopMaxTokens,
		"tool_calls": StopToolUse, "content_filter": StopRefusal} {
		if got := stopReason(finish); got != stop {
			t.Errorf("%s → %s, want %s", finish, got, stop)
		}
	}
}

func TestResponseFromUnifiedRefusesBadArguments(t *testing.T) {
	r := &schemas.ChatResponse{Choices: []schemas.Choice{{Message: schemas.Message{
		ToolCalls: []schemas.ToolCall{{ID: "c", Function: schemas.ToolCallFunction{
			Arguments: `{"city": "Par`}}}}}}}
	if _, err := ResponseFromUnified(r); !errors.Is(err, schemas.ErrUpstream) {
		t.Fatalf("truncated arguments: %v", err)
	}
	if _, err := ResponseFromUnified(&schemas.ChatResponse{}); !errors.Is(err, schemas.ErrUpstream) {
		t.Fatalf("no choice: %v", err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
