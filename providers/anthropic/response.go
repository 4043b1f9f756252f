package anthropic

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/sluicegw/sluice/schemas"
)

// ResponseToUnified translates a Messages API answer into a unified chat response with
// one choice: the text blocks concatenated, tool_use blocks as tool calls (their input
// as the JSON-encoded arguments), the stop reason as a finish reason, and the usage
// with cache reads and writes counted in the prompt tokens, as OpenAI counts them.
// Thinking blocks, which the unified request cannot ask for, are not carried. Created
// is left zero for the caller to set.
func ResponseToUnified(r *MessagesResponse) *schemas.ChatResponse {
	msg := schemas.Message{Role: schemas.RoleAssistant}
	var text strings.Builder
	for _, b := range r.Content {
		switch b.Type {
		case BlockText:
			text.WriteString(b.Text)
		case BlockToolUse:
			msg.ToolCalls = append(msg.ToolCalls, schemas.ToolCall{ID: b.ID, Type: "function",
				Function: schemas.ToolCallFunction{Name: b.Name, Arguments: inputToArguments(b.Input)}})
		}
	}
	msg.Content = schemas.Text(text.String())
	stop := ""
	if r.StopReason != nil {
		stop = *r.StopReason
	}
	return &schemas.ChatResponse{
		ID:      r.ID,
		Object:  "chat.completion",
		Model:   r.Model,
		Choices: []schemas.Choice{{Message: msg, FinishReason: finishReason(stop)}},
		Usage:   usageToUnified(r.Usage),
	}
}

// inputToArguments renders a tool_use input as compact JSON-encoded arguments.
func inputToArguments(in json.RawMessage) string {
	if len(bytes.TrimSpace(in)) == 0 {
		return "{}"
	}
	var b bytes.Buffer
	if json.Compact(&b, in) != nil {
		return string(in)
	}
	return b.String()
}

// finishReason maps a stop reason to its unified finish reason. pause_turn (a server
// tool paused a long turn) ends the answer as a normal stop would.
func finishReason(stop string) string {
	switch stop {
	case StopMaxTokens, StopContextLimit:
		return schemas.FinishLength
	case StopToolUse:
		return schemas.FinishToolCalls
	case StopRefusal:
		return schemas.FinishContentFilter
	case "":
		return ""
	}
	return schemas.FinishStop
}

// stopReason maps a unified finish reason to a stop reason. OpenAI does not say which
// stop sequence ended an answer, so "stop" is always end_turn.
func stopReason(finish string) string {
	switch finish {
	case schemas.FinishLength:
		return StopMaxTokens
	case schemas.FinishToolCalls, "function_call":
		return StopToolUse
	case schemas.FinishContentFilter:
		return StopRefusal
	}
	return StopEndTurn
}

func usageToUnified(u Usage) *schemas.Usage {
	prompt := u.InputTokens + u.CacheReadInputTokens + u.CacheCreationInputTokens
	out := &schemas.Usage{PromptTokens: prompt, CompletionTokens: u.OutputTokens,
		TotalTokens: prompt + u.OutputTokens}
	if u.CacheReadInputTokens > 0 || u.CacheCreationInputTokens > 0 {
		out.PromptTokensDetails = &schemas.PromptTokensDetails{
			CachedTokens:        u.CacheReadInputTokens,
			CacheCreationTokens: u.CacheCreationInputTokens}
	}
	return out
}

func usageFromUnified(u *schemas.Usage) Usage {
	if u == nil {
		return Usage{}
	}
	out := Usage{InputTokens: u.PromptTokens, OutputTokens: u.CompletionTokens}
	if d := u.PromptTokensDetails; d != nil {
		out.CacheReadInputTokens = d.CachedTokens
		out.CacheCreationInputTokens = d.CacheCreationTokens
		out.InputTokens = max(0, u.PromptTokens-d.CachedTokens-d.CacheCreationTokens)
	}
	return out
}

// ResponseFromUnified translates a unified chat response into a Messages API answer,
// from its first choice: the text as a text block, tool calls as tool_use blocks, the
// finish reason as a stop reason, and the usage with cached tokens taken out of the
// input tokens, as Anthropic counts them. It fails with ErrUpstream when the response
// has no choice or a tool call's arguments are not a JSON object.
func ResponseFromUnified(r *schemas.ChatResponse) (*MessagesResponse, error) {
	if len(r.Choices) == 0 {
		return nil, schemas.NewError(schemas.ErrUpstream, r.Provider, "the answer has no choice")
	}
	ch := &r.Choices[0]
	out := &MessagesResponse{ID: r.ID, Type: "message", Role: "assistant", Model: r.Model,
		Content: []ContentBlock{}, Usage: usageFromUnified(r.Usage)}
	if text := ch.Message.Content.String(); text != "" {
		out.Content = append(out.Content, ContentBlock{Type: BlockText, Text: text})
	}
	for _, tc := range ch.Message.ToolCalls {
		input, err := argumentsToInput(tc.Function.Arguments)
		if err != nil {
			return nil, schemas.NewError(schemas.ErrUpstream, r.Provider,
				"tool call %s has arguments that %v", tc.ID, err)
		}
		out.Content = append(out.Content, ContentBlock{Type: BlockToolUse, ID: tc.ID,
			Name: tc.Function.Name, Input: input})
	}
	stop := stopReason(ch.FinishReason)
	out.StopReason = &stop
	return out, nil
}
