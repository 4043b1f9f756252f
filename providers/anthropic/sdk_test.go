package anthropic

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/providers/internal/wiretest"
	"github.com/sluicegw/sluice/schemas"
)

// sdkClient returns the official client pointed at a loopback server answering with h.
func sdkClient(t *testing.T, h http.HandlerFunc) (sdk.Client, *wiretest.Upstream) {
	up := wiretest.New(t, h)
	return sdk.NewClient(option.WithBaseURL(up.URL), option.WithAPIKey("sk-ant-client"),
		option.WithMaxRetries(0)), up
}

var sdkParams = sdk.MessageNewParams{
	Model:     "openai/gpt-4o-mini",
	MaxTokens: 1024,
	System:    []sdk.TextBlockParam{{Text: "You are terse."}},
	Messages: []sdk.MessageParam{
		sdk.NewUserMessage(sdk.NewTextBlock("Weather in Paris and Tokyo?"),
			sdk.NewImageBlockBase64("image/png", "iVBORw0KGgo=")),
		sdk.NewAssistantMessage(sdk.NewToolUseBlock("toolu_1", map[string]any{"city": "Paris"},
			"get_weather")),
		sdk.NewUserMessage(sdk.NewToolResultBlock("toolu_1", "18C", false)),
	},
	Tools: []sdk.ToolUnionParam{{OfTool: &sdk.ToolParam{Name: "get_weather",
		InputSchema: sdk.ToolInputSchemaParam{Properties: map[string]any{
			"city": map[string]any{"type": "string"}}}}}},
}

// TestSDKRequestToUnified checks that what the official client sends decodes into
// MessagesRequest and translates, tool use and results included.
func TestSDKRequestToUnified(t *testing.T) {
	var got *schemas.ChatRequest
	var up *wiretest.Upstream // the upstream has read the body; it keeps a copy
	client, up := sdkClient(t, func(w http.ResponseWriter, r *http.Request) {
		var mr MessagesRequest
		if err := json.Unmarshal(up.Last().Body, &mr); err != nil {
			t.Errorf("decoding the SDK's request: %v", err)
		}
		var err error
		if got, err = RequestToUnified(&mr); err != nil {
			t.Errorf("translating the SDK's request: %v", err)
		}
		resp, _ := ResponseFromUnified(&schemas.ChatResponse{ID: "x", Model: mr.Model,
			Choices: []schemas.Choice{{Message: schemas.Message{Content: schemas.Text("ok")},
				FinishReason: "stop"}}})
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(resp)
	})
	if _, err := client.Messages.New(context.Background(), sdkParams); err != nil {
		t.Fatal(err)
	}
	if got == nil || len(got.Messages) != 4 {
		t.Fatalf("translated %+v", got)
	}
	m := got.Messages
	if m[0].Role != "system" || m[0].Content.String() != "You are terse." ||
		m[1].Content.Parts()[1].ImageURL.URL != "data:image/png;base64,iVBORw0KGgo=" ||
		m[2].ToolCalls[0].Function.Arguments != `{"city":"Paris"}` ||
		m[3].Role != "tool" || m[3].ToolCallID != "toolu_1" || m[3].Content.String() != "18C" ||
		got.Params.Tools[0].Function.Name != "get_weather" || *got.Params.MaxTokens != 1024 {
		t.Errorf("translated %s", mustJSON(t, got))
	}
}

// TestSDKReadsResponseFromUnified checks the gateway's non-streamed answer: golden file,
// then the official client parsing it.
func TestSDKReadsResponseFromUnified(t *testing.T) {
	var u schemas.ChatResponse
	if err := json.Unmarshal(golden.Read(t, "gateway_response.unified.json"), &u); err != nil {
		t.Fatal(err)
	}
	resp, err := ResponseFromUnified(&u)
	if err != nil {
		t.Fatal(err)
	}
	golden.JSON(t, "gateway_response.json", resp)

	client, _ := sdkClient(t, wiretest.JSON(200, mustJSON(t, resp)))
	msg, err := client.Messages.New(context.Background(), sdkParams)
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Content) != 2 || msg.Content[1].Name != "get_weather" ||
		string(msg.Content[1].Input) != `{"city":"Tokyo"}` || msg.StopReason != "tool_use" ||
		msg.Usage.InputTokens != 18 || msg.Usage.CacheReadInputTokens != 64 ||
		msg.Usage.OutputTokens != 41 {
		t.Errorf("the SDK read %s", msg.RawJSON())
	}
}

// TestSDKReadsStreamEncoder checks the gateway's event stream: golden file, then the
// official client accumulating it into a message.
func TestSDKReadsStreamEncoder(t *testing.T) {
	var chunks []*schemas.ChatStreamChunk
	if err := json.Unmarshal(golden.Read(t, "gateway_chunks.json"), &chunks); err != nil {
		t.Fatal(err)
	}
	var enc StreamEncoder
	var out []byte
	for _, c := range chunks {
		var err error
		if out, err = enc.Encode(out, c); err != nil {
			t.Fatal(err)
		}
	}
	out = enc.Finish(out)
	golden.Check(t, "gateway_stream.sse", out)

	client, _ := sdkClient(t, wiretest.SSE(out))
	stream := client.Messages.NewStreaming(context.Background(), sdkParams)
	var msg sdk.Message
	for stream.Next() {
		if err := msg.Accumulate(stream.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if len(msg.Content) != 3 || msg.Content[0].Text != "Checking both." ||
		string(msg.Content[1].Input) != `{"city": "Paris"}` ||
		string(msg.Content[2].Input) != `{"city": "Tokyo"}` || msg.Content[2].ID != "call_tokyo" ||
		msg.StopReason != "tool_use" || msg.Usage.InputTokens != 82 || msg.Usage.OutputTokens != 41 {
		t.Errorf("the SDK accumulated %s", msg.RawJSON())
	}
}

func TestSDKReadsErrorEvent(t *testing.T) {
	var enc StreamEncoder
	out, _ := enc.Encode(nil, &schemas.ChatStreamChunk{ID: "c", Model: "m",
		Choices: []schemas.StreamChoice{{Delta: schemas.StreamDelta{Content: "Hel"}}}})
	out = AppendErrorEvent(out, schemas.NewError(schemas.ErrRateLimited, "openai", "slow down"))
	if !strings.Contains(string(out), `"type":"rate_limit_error","message":"slow down"`) {
		t.Fatalf("error event: %s", out)
	}

	client, _ := sdkClient(t, wiretest.SSE(out))
	stream := client.Messages.NewStreaming(context.Background(), sdkParams)
	for stream.Next() {
	}
	if err := stream.Err(); err == nil || !strings.Contains(err.Error(), "slow down") {
		t.Fatalf("the SDK saw %v, want the error", err)
	}
}

func TestStreamEncoderRefusals(t *testing.T) {
	var enc StreamEncoder
	_, err := enc.Encode(nil, &schemas.ChatStreamChunk{Choices: []schemas.StreamChoice{{Index: 1}}})
	if err == nil {
		t.Error("a second choice was accepted")
	}

	enc = StreamEncoder{}
	call := func(i int, id, args string) *schemas.ChatStreamChunk {
		return &schemas.ChatStreamChunk{Choices: []schemas.StreamChoice{{Delta: schemas.StreamDelta{
			ToolCalls: []schemas.ToolCallDelta{{Index: i, ID: id,
				Function: schemas.FunctionDelta{Name: "f", Arguments: args}}}}}}}
	}
	for _, c := range []*schemas.ChatStreamChunk{call(0, "a", "{"), call(1, "b", "{")} {
		if _, err := enc.Encode(nil, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := enc.Encode(nil, call(0, "", "}")); err == nil {
		t.Error("interleaved tool-call arguments were accepted")
	}
}
