package bedrock

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/sluicegw/sluice/schemas"
)

// chatResponse translates a Converse answer. Text blocks are joined into the message
// content and toolUse blocks become tool calls; blocks with no unified counterpart
// (reasoning, citations) are left out of the answer.
func chatResponse(r *converseResponse, id, model string, created int64) *schemas.ChatResponse {
	msg := schemas.Message{Role: schemas.RoleAssistant}
	if r.Output.Message != nil {
		var text strings.Builder
		for _, b := range r.Output.Message.Content {
			switch {
			case b.ToolUse != nil:
				msg.ToolCalls = append(msg.ToolCalls, toolCall(b.ToolUse))
			case b.Text != "":
				text.WriteString(b.Text)
			}
		}
		msg.Content = schemas.Text(text.String())
	}
	return &schemas.ChatResponse{
		ID:      id,
		Object:  "chat.completion",
		Created: created,
		Model:   model,
		Choices: []schemas.Choice{{Message: msg, FinishReason: finishReason(r.StopReason)}},
		Usage:   unifiedUsage(r.Usage),
	}
}

// toolCall turns a toolUse block into a call whose arguments are the input as
// compact JSON text, as OpenAI sends them.
func toolCall(u *toolUse) schemas.ToolCall {
	args := string(u.Input)
	var buf bytes.Buffer
	if json.Compact(&buf, u.Input) == nil {
		args = buf.String()
	}
	if args == "" {
		args = "{}"
	}
	return schemas.ToolCall{ID: u.ToolUseID, Type: "function",
		Function: schemas.ToolCallFunction{Name: u.Name, Arguments: args}}
}

// finishReason maps Converse's stop reasons to OpenAI's finish reasons. A reason
// sluice does not know is passed on as Bedrock spelled it rather than guessed at.
func finishReason(stop string) string {
	switch stop {
	case "end_turn", "stop_sequence":
		return schemas.FinishStop
	case "max_tokens", "model_context_window_exceeded":
		return schemas.FinishLength
	case "tool_use":
		return schemas.FinishToolCalls
	case "content_filtered", "guardrail_intervened":
		return schemas.FinishContentFilter
	}
	return stop
}

// unifiedUsage maps Converse's token counts. Bedrock counts prompt-cache reads and
// writes apart from inputTokens; OpenAI's prompt_tokens includes cached tokens, so
// both are added to it and also reported in the details.
func unifiedUsage(u *usage) *schemas.Usage {
	if u == nil {
		return nil
	}
	out := &schemas.Usage{
		PromptTokens:     u.InputTokens + u.CacheReadInputTokens + u.CacheWriteInputTokens,
		CompletionTokens: u.OutputTokens,
		TotalTokens:      u.TotalTokens,
	}
	if out.TotalTokens == 0 {
		out.TotalTokens = out.PromptTokens + out.CompletionTokens
	}
	if u.CacheReadInputTokens > 0 || u.CacheWriteInputTokens > 0 {
		out.PromptTokensDetails = &schemas.PromptTokensDetails{
			CachedTokens:        u.CacheReadInputTokens,
			CacheCreationTokens: u.CacheWriteInputTokens,
		}
	}
	return out
}
