package mockllm

import (
	"errors"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
)

func anthropicClient(srv, key string) *anthropic.Client {
	c := anthropic.NewClient(option.WithBaseURL(srv), option.WithAPIKey(key),
		option.WithMaxRetries(0))
	return &c
}

func messageParams() anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model:     "claude-sonnet-4-5",
		MaxTokens: 256,
		System:    []anthropic.TextBlockParam{{Text: "Be brief."}},
		Messages: []anthropic.MessageParam{
			anthropic.NewUserMessage(anthropic.NewTextBlock("Say hello to the mock")),
		},
	}
}

func calculatorTool() anthropic.ToolUnionParam {
	return anthropic.ToolUnionParam{OfTool: &anthropic.ToolParam{Name: "calculator",
		InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{}}}}
}

func TestAnthropicMessages(t *testing.T) {
	m, srv := serve(t, Options{})
	msg, err := anthropicClient(srv.URL, "sk-ant").Messages.New(testCtx(t), messageParams())
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Content) != 1 || msg.Content[0].Text != sentence(12) {
		t.Fatalf("content %+v", msg.Content)
	}
	if msg.StopReason != "end_turn" || msg.Usage.InputTokens != 7 || msg.Usage.OutputTokens != 12 {
		t.Errorf("stop %q usage %+v", msg.StopReason, msg.Usage)
	}
	rec, _ := m.LastRequest()
	sent := rec.Header.Get("X-Api-Key") + rec.Header.Get("Authorization")
	if rec.Key != "sk-ant" || sent != "REDACTED" ||
		rec.Header.Get("Anthropic-Version") == "" {
		t.Errorf("recorded %+v", rec)
	}
}

func TestAnthropicStream(t *testing.T) {
	_, srv := serve(t, Options{TokensPerChunk: 5})
	stream := anthropicClient(srv.URL, "k").Messages.NewStreaming(testCtx(t), messageParams())
	var msg anthropic.Message
	for stream.Next() {
		if err := msg.Accumulate(stream.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if msg.Content[0].Text != sentence(12) || msg.StopReason != "end_turn" ||
		msg.Usage.OutputTokens != 12 || msg.Usage.InputTokens != 7 {
		t.Errorf("accumulated %+v", msg)
	}

	body, _ := readAll(post(t, srv.URL+"/v1/messages", `{"model":"c","max_tokens":9,
		"stream":true,"messages":[{"role":"user","content":"hi"}]}`, "x-api-key: k",
		"anthropic-version: 2023-06-01"))
	want := "message_start content_block_start ping content_block_delta content_block_delta " +
		"content_block_stop message_delta message_stop"
	if got := strings.Join(sseEvents(body), " "); got != want {
		t.Errorf("events:\n%s\nwant\n%s", got, want)
	}
}

func TestAnthropicToolUse(t *testing.T) {
	_, srv := serve(t, Options{})
	client := anthropicClient(srv.URL, "k")
	p := messageParams()
	p.Tools = []anthropic.ToolUnionParam{calculatorTool()}

	msg, err := client.Messages.New(testCtx(t), p)
	if err != nil {
		t.Fatal(err)
	}
	if msg.StopReason != "tool_use" || msg.Content[0].Type != "tool_use" ||
		msg.Content[0].Name != "calculator" ||
		string(msg.Content[0].Input) != `{"text":"Say hello to the mock"}` {
		t.Fatalf("tool use %+v", msg.Content)
	}

	stream := client.Messages.NewStreaming(testCtx(t), p)
	var acc anthropic.Message
	for stream.Next() {
		if err := acc.Accumulate(stream.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if acc.Content[0].Name != "calculator" ||
		string(acc.Content[0].Input) != `{"text":"Say hello to the mock"}` {
		t.Errorf("streamed tool use %+v", acc.Content)
	}

	// Handing back the tool result gets a text answer.
	p.Messages = append(p.Messages, msg.ToParam(), anthropic.NewUserMessage(
		anthropic.NewToolResultBlock(msg.Content[0].ID, "42", false)))
	msg, err = client.Messages.New(testCtx(t), p)
	if err != nil || msg.Content[0].Type != "text" {
		t.Errorf("after tool result: %v %+v", err, msg)
	}
}

func TestAnthropicCountTokens(t *testing.T) {
	_, srv := serve(t, Options{})
	n, err := anthropicClient(srv.URL, "k").Messages.CountTokens(testCtx(t),
		anthropic.MessageCountTokensParams{Model: "claude-sonnet-4-5",
			Messages: messageParams().Messages})
	if err != nil || n.InputTokens != 5 {
		t.Errorf("count tokens %+v, %v", n, err)
	}
}

func TestAnthropicErrors(t *testing.T) {
	_, srv := serve(t, Options{Keys: []string{"good"}})
	var apiErr *anthropic.Error

	_, err := anthropicClient(srv.URL, "other").Messages.New(testCtx(t), messageParams())
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 ||
		!strings.Contains(apiErr.RawJSON(), `"authentication_error"`) {
		t.Errorf("bad key: %v", err)
	}

	resp := post(t, srv.URL+"/v1/messages", `{"model":"c","max_tokens":1,"messages":[]}`,
		"x-api-key: good")
	body, _ := readAll(resp)
	if resp.StatusCode != 400 || !strings.Contains(body, "anthropic-version") ||
		!strings.Contains(body, `"type":"error"`) {
		t.Errorf("missing version: %d %s", resp.StatusCode, body)
	}

	_, err = anthropicClient(srv.URL, "good").Messages.New(testCtx(t), messageParams(),
		option.WithHeader("x-mock-fault", "529"))
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 529 ||
		!strings.Contains(apiErr.RawJSON(), "overloaded_error") {
		t.Errorf("529 fault: %v", err)
	}

	stream := anthropicClient(srv.URL, "good").Messages.NewStreaming(testCtx(t),
		messageParams(), option.WithHeader("x-mock-fault", "error-event"))
	events := 0
	for stream.Next() {
		events++
	}
	if !errors.As(stream.Err(), &apiErr) || !strings.Contains(apiErr.RawJSON(), "api_error") {
		t.Errorf("error event: %v", stream.Err())
	}
	if events == 0 {
		t.Error("error event arrived before any other event")
	}
}
