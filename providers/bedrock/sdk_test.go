package bedrock_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/sluicegw/sluice/providers/internal/golden"
)

// The tests in this file hold the fixtures to the official AWS SDK: the SDK must send
// the same JSON as the adapter for the same request, and must parse every recorded
// answer and stream, so the fixtures are Bedrock's wire format and not merely what
// the adapter happens to expect.

func sdkClient(t *testing.T, u *upstream) *bedrockruntime.Client {
	t.Helper()
	return bedrockruntime.New(bedrockruntime.Options{
		Region:           "us-west-2",
		BaseEndpoint:     aws.String(u.URL),
		Credentials:      credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
		HTTPClient:       u.Client(),
		RetryMaxAttempts: 1,
	})
}

// sdkToolsInput is toolsRequest written with the SDK's types.
func sdkToolsInput(t *testing.T) *bedrockruntime.ConverseInput {
	png, err := base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUg==")
	if err != nil {
		t.Fatal(err)
	}
	weatherSchema := map[string]any{
		"type": "object",
		"properties": map[string]any{
			"city": map[string]any{"type": "string"},
			"unit": map[string]any{"type": "string", "enum": []any{"celsius", "fahrenheit"}},
		},
		"required": []any{"city"},
	}
	return &bedrockruntime.ConverseInput{
		ModelId: aws.String("arn:aws:bedrock:us-west-2:123456789012:inference-profile/" +
			"us.anthropic.claude-3-5-sonnet-20240620-v1:0"),
		Messages: []types.Message{
			{Role: types.ConversationRoleUser, Content: []types.ContentBlock{
				&types.ContentBlockMemberText{Value: "What's the weather where this was taken?"},
				&types.ContentBlockMemberImage{Value: types.ImageBlock{
					Format: types.ImageFormatPng,
					Source: &types.ImageSourceMemberBytes{Value: png}}},
			}},
			{Role: types.ConversationRoleAssistant, Content: []types.ContentBlock{
				&types.ContentBlockMemberToolUse{Value: types.ToolUseBlock{
					ToolUseId: aws.String("tooluse_1"), Name: aws.String("get_weather"),
					Input: document.NewLazyDocument(map[string]any{"city": "Paris"})}},
			}},
			{Role: types.ConversationRoleUser, Content: []types.ContentBlock{
				&types.ContentBlockMemberToolResult{Value: types.ToolResultBlock{
					ToolUseId: aws.String("tooluse_1"),
					Content: []types.ToolResultContentBlock{
						&types.ToolResultContentBlockMemberText{Value: "18°C, sunny"}}}},
				&types.ContentBlockMemberText{Value: "And tomorrow?"},
			}},
		},
		InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(1024)},
		ToolConfig: &types.ToolConfiguration{
			Tools: []types.Tool{
				&types.ToolMemberToolSpec{Value: types.ToolSpecification{
					Name:        aws.String("get_weather"),
					Description: aws.String("Current weather of a city."),
					InputSchema: &types.ToolInputSchemaMemberJson{
						Value: document.NewLazyDocument(weatherSchema)},
					Strict: aws.Bool(true)}},
				&types.ToolMemberToolSpec{Value: types.ToolSpecification{
					Name: aws.String("get_time"),
					InputSchema: &types.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(
						map[string]any{"type": "object", "properties": map[string]any{}})}}},
			},
			ToolChoice: &types.ToolChoiceMemberTool{Value: types.SpecificToolChoice{
				Name: aws.String("get_weather")}},
		},
	}
}

// TestRequestMatchesSDK checks that the adapter's body for toolsRequest, recorded in
// testdata/request_tools.json, is the JSON the SDK sends for the same conversation,
// to the same escaped path.
func TestRequestMatchesSDK(t *testing.T) {
	u := newUpstream(t, serveJSON(http.StatusOK, "", golden.Read(t, "response_text.json")))
	if _, err := sdkClient(t, u).Converse(context.Background(), sdkToolsInput(t)); err != nil {
		t.Fatal(err)
	}
	sdk := u.last(t)

	p := newProvider(t, u.URL)
	if _, err := p.ChatCompletion(context.Background(), staticKey, toolsRequest()); err != nil {
		t.Fatal(err)
	}
	ours := u.last(t)

	if ours.RawPath != sdk.RawPath {
		t.Errorf("path %s, the SDK's %s", ours.RawPath, sdk.RawPath)
	}
	var a, b any
	if err := json.Unmarshal(ours.Body, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(sdk.Body, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("body differs from the SDK's:\nours %s\nsdk  %s", ours.Body, sdk.Body)
	}
	want := golden.Read(t, "request_tools.json")
	if got := golden.Indent(t, ours.Body); string(got) != string(want) {
		t.Error("testdata/request_tools.json is out of date")
	}
}

// TestResponsesParseWithSDK serves every recorded answer to the SDK.
func TestResponsesParseWithSDK(t *testing.T) {
	cases := []struct {
		file       string
		stop       types.StopReason
		out, total int32
		tool       string
	}{
		{"response_text.json", types.StopReasonEndTurn, 8, 29, ""},
		{"response_tool_use.json", types.StopReasonToolUse, 54, 364, "get_weather"},
		{"response_guardrail.json", types.StopReasonGuardrailIntervened, 9, 161, ""},
		{"response_max_tokens.json", types.StopReasonMaxTokens, 3, 8, ""},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			u := newUpstream(t, serveJSON(http.StatusOK, "", golden.Read(t, tc.file)))
			out, err := sdkClient(t, u).Converse(context.Background(),
				&bedrockruntime.ConverseInput{ModelId: aws.String("m"), Messages: []types.Message{{
					Role: types.ConversationRoleUser,
					Content: []types.ContentBlock{
						&types.ContentBlockMemberText{Value: "hi"}}}}})
			if err != nil {
				t.Fatal(err)
			}
			if out.StopReason != tc.stop || aws.ToInt32(out.Usage.OutputTokens) != tc.out ||
				aws.ToInt32(out.Usage.TotalTokens) != tc.total {
				t.Errorf("SDK read stop %q, usage %+v", out.StopReason, out.Usage)
			}
			msg := out.Output.(*types.ConverseOutputMemberMessage).Value
			tool := ""
			for _, b := range msg.Content {
				if u, ok := b.(*types.ContentBlockMemberToolUse); ok {
					tool = aws.ToString(u.Value.Name)
				}
			}
			if tool != tc.tool {
				t.Errorf("SDK read tool %q, want %q", tool, tc.tool)
			}
		})
	}
}

// TestStreamsParseWithSDK serves every recorded stream that completes to the SDK and
// checks that it reads the same text and tool input as the adapter.
func TestStreamsParseWithSDK(t *testing.T) {
	for _, name := range []string{"stream_text", "stream_tools"} {
		t.Run(name, func(t *testing.T) {
			stream := encodeStream(t, name+".jsonl")
			u := newUpstream(t, serveStream(stream))
			out, err := sdkClient(t, u).ConverseStream(context.Background(),
				&bedrockruntime.ConverseStreamInput{ModelId: aws.String("m")})
			if err != nil {
				t.Fatal(err)
			}
			var sdkText, sdkInput strings.Builder
			var stop types.StopReason
			for ev := range out.GetStream().Events() {
				switch v := ev.(type) {
				case *types.ConverseStreamOutputMemberContentBlockDelta:
					switch d := v.Value.Delta.(type) {
					case *types.ContentBlockDeltaMemberText:
						sdkText.WriteString(d.Value)
					case *types.ContentBlockDeltaMemberToolUse:
						sdkInput.WriteString(aws.ToString(d.Value.Input))
					}
				case *types.ConverseStreamOutputMemberMessageStop:
					stop = v.Value.StopReason
				}
			}
			if err := out.GetStream().Err(); err != nil {
				t.Fatalf("SDK: %v", err)
			}

			p := newProvider(t, u.URL)
			s, err := p.ChatCompletionStream(context.Background(), staticKey, textRequest())
			if err != nil {
				t.Fatal(err)
			}
			chunks, err := drain(t, s)
			if err != nil {
				t.Fatal(err)
			}
			var text, input strings.Builder
			for _, c := range chunks {
				for _, ch := range c.Choices {
					text.WriteString(ch.Delta.Content)
					for _, tc := range ch.Delta.ToolCalls {
						input.WriteString(tc.Function.Arguments)
					}
				}
			}
			if stop == "" || text.String() != sdkText.String() ||
				input.String() != sdkInput.String() {
				t.Errorf("adapter read %q / %q, SDK %q / %q (stop %q)", text.String(),
					input.String(), sdkText.String(), sdkInput.String(), stop)
			}
		})
	}
}
