package mockllm

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func bedrockClient(srv, akid string) *bedrockruntime.Client {
	return bedrockruntime.New(bedrockruntime.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv),
		Credentials:  credentials.NewStaticCredentialsProvider(akid, "secret", ""),
		Retryer:      aws.NopRetryer{},
	})
}

const bedrockModel = "anthropic.claude-3-haiku-20240307-v1:0"

func converseInput() *bedrockruntime.ConverseInput {
	return &bedrockruntime.ConverseInput{
		ModelId: aws.String(bedrockModel),
		System:  []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: "Be brief."}},
		Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{
			&types.ContentBlockMemberText{Value: "Say hello to the mock"}}}},
	}
}

func withTool(in *bedrockruntime.ConverseInput) {
	in.ToolConfig = &types.ToolConfiguration{Tools: []types.Tool{&types.ToolMemberToolSpec{
		Value: types.ToolSpecification{Name: aws.String("search"),
			InputSchema: &types.ToolInputSchemaMemberJson{
				Value: document.NewLazyDocument(map[string]any{"type": "object"})}}}}}
}

func TestBedrockConverse(t *testing.T) {
	m, srv := serve(t, Options{})
	out, err := bedrockClient(srv.URL, "AKIDTEST").Converse(testCtx(t), converseInput())
	if err != nil {
		t.Fatal(err)
	}
	msg := out.Output.(*types.ConverseOutputMemberMessage).Value
	if text := msg.Content[0].(*types.ContentBlockMemberText).Value; text != sentence(12) {
		t.Errorf("text %q", text)
	}
	if out.StopReason != types.StopReasonEndTurn || *out.Usage.InputTokens != 7 ||
		*out.Usage.OutputTokens != 12 {
		t.Errorf("stop %q usage %+v", out.StopReason, out.Usage)
	}
	rec, _ := m.LastRequest()
	if rec.Key != "AKIDTEST" || rec.Path != "/model/"+bedrockModel+"/converse" {
		t.Errorf("recorded key %q path %q", rec.Key, rec.Path)
	}
}

func TestBedrockConverseStream(t *testing.T) {
	_, srv := serve(t, Options{TokensPerChunk: 5})
	in := converseInput()
	out, err := bedrockClient(srv.URL, "AKIDTEST").ConverseStream(testCtx(t),
		&bedrockruntime.ConverseStreamInput{ModelId: in.ModelId, System: in.System,
			Messages: in.Messages})
	if err != nil {
		t.Fatal(err)
	}
	stream := out.GetStream()
	defer stream.Close()
	var text strings.Builder
	var kinds []string
	var stop types.StopReason
	var usage *types.TokenUsage
	for ev := range stream.Events() {
		switch v := ev.(type) {
		case *types.ConverseStreamOutputMemberMessageStart:
			kinds = append(kinds, "start")
		case *types.ConverseStreamOutputMemberContentBlockDelta:
			text.WriteString(v.Value.Delta.(*types.ContentBlockDeltaMemberText).Value)
		case *types.ConverseStreamOutputMemberContentBlockStop:
			kinds = append(kinds, "blockstop")
		case *types.ConverseStreamOutputMemberMessageStop:
			stop = v.Value.StopReason
			kinds = append(kinds, "stop")
		case *types.ConverseStreamOutputMemberMetadata:
			usage = v.Value.Usage
			kinds = append(kinds, "metadata")
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if text.String() != sentence(12) || stop != types.StopReasonEndTurn ||
		usage == nil || *usage.OutputTokens != 12 {
		t.Errorf("text %q stop %q usage %+v", text.String(), stop, usage)
	}
	if got := strings.Join(kinds, " "); got != "start blockstop stop metadata" {
		t.Errorf("events %s", got)
	}
}

func TestBedrockToolUse(t *testing.T) {
	_, srv := serve(t, Options{})
	client := bedrockClient(srv.URL, "AKIDTEST")
	in := converseInput()
	withTool(in)

	out, err := client.Converse(testCtx(t), in)
	if err != nil {
		t.Fatal(err)
	}
	msg := out.Output.(*types.ConverseOutputMemberMessage).Value
	use := msg.Content[0].(*types.ContentBlockMemberToolUse).Value
	var args map[string]string
	if err := use.Input.UnmarshalSmithyDocument(&args); err != nil {
		t.Fatal(err)
	}
	if *use.Name != "search" || args["text"] != "Say hello to the mock" ||
		out.StopReason != types.StopReasonToolUse {
		t.Errorf("tool use %s %v stop %q", *use.Name, args, out.StopReason)
	}

	so, err := client.ConverseStream(testCtx(t), &bedrockruntime.ConverseStreamInput{
		ModelId: in.ModelId, Messages: in.Messages, ToolConfig: in.ToolConfig})
	if err != nil {
		t.Fatal(err)
	}
	defer so.GetStream().Close()
	var name string
	var input strings.Builder
	for ev := range so.GetStream().Events() {
		switch v := ev.(type) {
		case *types.ConverseStreamOutputMemberContentBlockStart:
			name = *v.Value.Start.(*types.ContentBlockStartMemberToolUse).Value.Name
		case *types.ConverseStreamOutputMemberContentBlockDelta:
			input.WriteString(*v.Value.Delta.(*types.ContentBlockDeltaMemberToolUse).Value.Input)
		}
	}
	if err := so.GetStream().Err(); err != nil || name != "search" ||
		input.String() != `{"text":"Say hello to the mock"}` {
		t.Errorf("streamed tool use %q(%s), err %v", name, input.String(), err)
	}
}

func TestBedrockErrors(t *testing.T) {
	_, srv := serve(t, Options{})
	var apiErr smithy.APIError

	_, err := bedrockClient(srv.URL, "invalid").Converse(testCtx(t), converseInput())
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnrecognizedClientException" {
		t.Errorf("bad key: %v", err)
	}

	resp := post(t, srv.URL+"/model/m/converse", `{"messages":[]}`,
		"Authorization: AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/bedrock/aws4_request",
		"X-Amz-Date: 20250101T000000Z")
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-Errortype") !=
		"IncompleteSignatureException" {
		t.Errorf("malformed signature: %d %q", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"))
	}

	var throttled *types.ThrottlingException
	_, err = bedrockClient(srv.URL, "AKIDTEST").Converse(testCtx(t), converseInput(),
		withHeader("X-Mock-Fault", "429"))
	if !errors.As(err, &throttled) {
		t.Errorf("429 fault: %v", err)
	}

	in := converseInput()
	so, err := bedrockClient(srv.URL, "AKIDTEST").ConverseStream(testCtx(t),
		&bedrockruntime.ConverseStreamInput{ModelId: in.ModelId, Messages: in.Messages},
		withHeader("X-Mock-Fault", "error-event"))
	if err != nil {
		t.Fatal(err)
	}
	deltas := 0
	for ev := range so.GetStream().Events() {
		if _, ok := ev.(*types.ConverseStreamOutputMemberContentBlockDelta); ok {
			deltas++
		}
	}
	var internal *types.InternalServerException
	if !errors.As(so.GetStream().Err(), &internal) || deltas == 0 {
		t.Errorf("error event after %d deltas: %v", deltas, so.GetStream().Err())
	}
}

// withHeader sets a request header on one Bedrock call.
func withHeader(name, value string) func(*bedrockruntime.Options) {
	return func(o *bedrockruntime.Options) {
		o.APIOptions = append(o.APIOptions, smithyhttp.SetHeaderValue(name, value))
	}
}
