package cohere

import (
	"strings"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// Cohere's finish reasons that end a turn without an answer.
const (
	finishError   = "ERROR"
	finishTimeout = "TIMEOUT"
)

// finishReason maps Cohere's finish reason to OpenAI's.
func finishReason(r string) string {
	switch r {
	case "MAX_TOKENS":
		return schemas.FinishLength
	case "TOOL_CALL":
		return schemas.FinishToolCalls
	}
	return schemas.FinishStop // COMPLETE, STOP_SEQUENCE
}

// failure returns the error a turn that ended with ERROR or TIMEOUT stands for, or
// nil. detail is Cohere's explanation, when it gave one.
func failure(p schemas.ModelProvider, reason, detail string) *schemas.Error {
	switch reason {
	case finishError:
		if detail == "" {
			detail = "cohere ended the answer with an error"
		}
		return schemas.NewError(schemas.ErrUpstream, p, "%s", detail)
	case finishTimeout:
		return schemas.NewError(schemas.ErrTimeout, p, "cohere timed out generating the answer")
	}
	return nil
}

// convertUsage counts billed units, which is what Cohere charges for, and falls back
// to raw token counts when an answer has no billed units.
func convertUsage(u *usage) *schemas.Usage {
	if u == nil {
		return nil
	}
	t := u.BilledUnits
	if t == nil {
		t = u.Tokens
	}
	if t == nil {
		return nil
	}
	in, out := int(t.InputTokens), int(t.OutputTokens)
	return &schemas.Usage{PromptTokens: in, CompletionTokens: out, TotalTokens: in + out}
}

// convertResponse converts a whole answer. The tool plan of a turn that calls tools
// becomes the message's content, as the adapter sends content as the tool plan.
// Thinking parts are left out: they are not part of the answer.
func convertResponse(p schemas.ModelProvider, r *chatResponse,
	model string) (*schemas.ChatResponse, error) {
	if e := failure(p, r.FinishReason, ""); e != nil {
		return nil, e
	}
	var text strings.Builder
	for _, part := range r.Message.Content {
		if part.Type == "" || part.Type == "text" {
			text.WriteString(part.Text)
		}
	}
	if text.Len() == 0 && len(r.Message.ToolCalls) > 0 {
		text.WriteString(r.Message.ToolPlan)
	}
	msg := schemas.Message{Role: schemas.RoleAssistant, Content: schemas.Text(text.String())}
	for _, tc := range r.Message.ToolCalls {
		msg.ToolCalls = append(msg.ToolCalls, schemas.ToolCall{ID: tc.ID, Type: "function",
			Function: schemas.ToolCallFunction{Name: tc.Function.Name,
				Arguments: arguments(tc.Function.Arguments)}})
	}
	return &schemas.ChatResponse{
		ID: r.ID, Object: "chat.completion", Created: time.Now().Unix(), Model: model,
		Choices: []schemas.Choice{{Message: msg, FinishReason: finishReason(r.FinishReason)}},
		Usage:   convertUsage(r.Usage), Provider: p,
	}, nil
}

// arguments returns "{}" for a call without arguments, as OpenAI sends.
func arguments(s string) string {
	if s == "" {
		return "{}"
	}
	return s
}
