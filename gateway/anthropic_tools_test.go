package gateway

import (
	"context"
	"encoding/json"
	"testing"

	ant "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/openai/openai-go/v3"
	"github.com/sluicegw/sluice/mockllm"
	"github.com/sluicegw/sluice/providers/anthropic"
	"github.com/sluicegw/sluice/schemas"
)

// The mock answers a request that offers tools with a call of the first one, whose
// arguments are {"text": <last user text>}, and answers a tool result with text.
const toolQuestion = "weather in Paris"

var wantArgs = `{"text":"` + toolQuestion + `"}`

func toolStack(t *testing.T) *antStack {
	return startAntStack(t, nil, mockllm.Options{}, schemas.ConcurrencyAndBufferSize{}, false)
}

func antToolParams(model string) ant.MessageNewParams {
	return ant.MessageNewParams{Model: ant.Model(model), MaxTokens: 200,
		Messages: []ant.MessageParam{ant.NewUserMessage(ant.NewTextBlock(toolQuestion))},
		Tools: []ant.ToolUnionParam{{OfTool: &ant.ToolParam{Name: "get_weather",
			InputSchema: ant.ToolInputSchemaParam{Properties: map[string]any{
				"text": map[string]any{"type": "string"}}}}}},
		ToolChoice: ant.ToolChoiceUnionParam{OfAny: &ant.ToolChoiceAnyParam{}},
	}
}

// checkToolUse checks an Anthropic answer made of one get_weather call.
func checkToolUse(t *testing.T, msg *ant.Message) ant.ContentBlockUnion {
	t.Helper()
	if msg.StopReason != "tool_use" || len(msg.Content) != 1 {
		t.Fatalf("answer %+v, want one tool_use block", msg)
	}
	b := msg.Content[0]
	if b.Type != "tool_use" || b.Name != "get_weather" || b.ID == "" ||
		compactJSON(t, b.Input) != wantArgs {
		t.Fatalf("block %+v input %s, want get_weather with %s", b, b.Input, wantArgs)
	}
	return b
}

func compactJSON(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// TestToolRoundTripAnthropicClient: an Anthropic client calls tools of an OpenAI model,
// whole and streamed, then hands the result back.
func TestToolRoundTripAnthropicClient(t *testing.T) {
	st := toolStack(t)
	c := antClient(st.url, nil)
	p := antToolParams("openai/" + chatModel)

	msg, err := c.Messages.New(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	call := checkToolUse(t, msg)
	var up struct {
		ToolChoice string `json:"tool_choice"`
		Tools      []struct {
			Function struct{ Name string } `json:"function"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(st.last(t).Body, &up); err != nil || up.ToolChoice != "required" ||
		len(up.Tools) != 1 || up.Tools[0].Function.Name != "get_weather" {
		t.Errorf("upstream got %s", st.last(t).Body)
	}

	streamed, _, err := antStream(t, c, p)
	if err != nil {
		t.Fatal(err)
	}
	checkToolUse(t, &streamed)

	// The second turn carries the call and its result back.
	p.Messages = append(p.Messages, msg.ToParam(),
		ant.NewUserMessage(ant.NewToolResultBlock(call.ID, "18C and sunny", false)))
	p.ToolChoice = ant.ToolChoiceUnionParam{}
	final, err := c.Messages.New(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if final.StopReason != "end_turn" || antText(final) == "" {
		t.Errorf("final answer %+v", final)
	}
	var second struct {
		Messages []struct {
			Role       string          `json:"role"`
			Content    schemas.Content `json:"content"`
			ToolCallID string          `json:"tool_call_id"`
			ToolCalls  []struct {
				ID       string `json:"id"`
				Function struct {
					Name, Arguments string
				} `json:"function"`
			} `json:"tool_calls"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(st.last(t).Body, &second); err != nil {
		t.Fatal(err)
	}
	m := second.Messages
	if len(m) != 3 || m[1].Role != "assistant" || len(m[1].ToolCalls) != 1 ||
		m[1].ToolCalls[0].ID != call.ID || m[1].ToolCalls[0].Function.Name != "get_weather" ||
		compactJSON(t, []byte(m[1].ToolCalls[0].Function.Arguments)) != wantArgs ||
		m[2].Role != "tool" || m[2].ToolCallID != call.ID ||
		m[2].Content.String() != "18C and sunny" {
		t.Errorf("upstream got %s", st.last(t).Body)
	}
}

func openAIToolParams(model string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{Model: model,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(toolQuestion)},
		Tools: []openai.ChatCompletionToolUnionParam{openai.ChatCompletionFunctionTool(
			openai.FunctionDefinitionParam{Name: "get_weather",
				Parameters: openai.FunctionParameters{"type": "object"}})},
	}
}

// checkToolCall checks an OpenAI answer made of one get_weather call.
func checkToolCall(t *testing.T,
	ch openai.ChatCompletionChoice) openai.ChatCompletionMessageToolCallUnion {
	t.Helper()
	tc := ch.Message.ToolCalls
	if ch.FinishReason != "tool_calls" || len(tc) != 1 || tc[0].Function.Name != "get_weather" ||
		tc[0].ID == "" || compactJSON(t, []byte(tc[0].Function.Arguments)) != wantArgs {
		t.Fatalf("choice %+v, want one get_weather call with %s", ch, wantArgs)
	}
	return tc[0]
}

// TestToolRoundTripOpenAIClient: an OpenAI client calls tools of an Anthropic model,
// whole and streamed, then hands the result back.
func TestToolRoundTripOpenAIClient(t *testing.T) {
	st := toolStack(t)
	c := sdk(st.url + "/v1")
	p := openAIToolParams("anthropic/" + claudeModel)

	resp, err := c.Chat.Completions.New(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	call := checkToolCall(t, resp.Choices[0])

	stream := c.Chat.Completions.NewStreaming(context.Background(), p)
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	checkToolCall(t, acc.Choices[0])

	p.Messages = append(p.Messages, resp.Choices[0].Message.ToParam(),
		openai.ToolMessage("18C and sunny", call.ID))
	final, err := c.Chat.Completions.New(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if final.Choices[0].FinishReason != "stop" || final.Choices[0].Message.Content == "" {
		t.Errorf("final answer %+v", final.Choices[0])
	}
	var second anthropic.MessagesRequest
	if err := json.Unmarshal(st.last(t).Body, &second); err != nil {
		t.Fatalf("upstream got %s: %v", st.last(t).Body, err)
	}
	m := second.Messages
	if len(m) != 3 || m[1].Role != "assistant" || len(m[1].Content.Blocks) != 1 ||
		len(m[2].Content.Blocks) != 1 {
		t.Fatalf("upstream got %s", st.last(t).Body)
	}
	use, result := m[1].Content.Blocks[0], m[2].Content.Blocks[0]
	if use.Type != "tool_use" || use.ID != call.ID || compactJSON(t, use.Input) != wantArgs ||
		m[2].Role != "user" || result.Type != "tool_result" || result.ToolUseID != call.ID ||
		result.Content == nil || result.Content.Text != "18C and sunny" {
		t.Errorf("upstream got %s", st.last(t).Body)
	}
}
