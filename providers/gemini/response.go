package gemini

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// syntheticPrefix starts the tool call IDs sluice makes up for function calls that
// Gemini sent without an ID (Vertex AI never sends one). Such IDs exist only to link
// a tool result to its call; they are not sent back upstream.
const syntheticPrefix = "call_sluice_"

// newCallID returns a fresh synthetic tool call ID.
func newCallID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return syntheticPrefix + hex.EncodeToString(b[:])
}

// signatureSep separates a tool call ID from the thought signature carried in it. It
// appears neither in Gemini's call IDs nor in base64.
const signatureSep = "~"

// callID returns the tool call ID of a function call: Gemini's ID, or a synthetic
// one, followed by the call's thought signature when there is one. Thinking models
// (Gemini 3 and later) refuse a conversation whose earlier function calls come back
// without their signatures; an OpenAI-shaped client keeps nothing but the tool call
// ID, so the signature travels in it, and comes back with the assistant message.
func callID(fc *functionCall, signature string) string {
	id := fc.ID
	if id == "" {
		id = newCallID()
	}
	if signature != "" {
		id += signatureSep + signature
	}
	return id
}

// splitCallID undoes callID: it returns the ID Gemini made ("" for a synthetic one)
// and the thought signature ("" when there is none).
func splitCallID(id string) (upstream, signature string) {
	id, signature, _ = strings.Cut(id, signatureSep)
	if strings.HasPrefix(id, syntheticPrefix) {
		id = ""
	}
	return id, signature
}

// newResponseID returns an ID for an answer that came without one.
func newResponseID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "gemini-" + hex.EncodeToString(b[:])
}

// finishReason maps Gemini's finish reason to OpenAI's. Calls end a turn with STOP,
// so a turn that asked for calls reports tool_calls. The safety family becomes
// content_filter; everything else that ends a turn becomes stop. An empty reason
// means the candidate has not finished.
func finishReason(r string, calls bool) string {
	switch r {
	case "":
		return ""
	case "MAX_TOKENS":
		return schemas.FinishLength
	case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
		"IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION", "MODEL_ARMOR":
		return schemas.FinishContentFilter
	}
	if calls {
		return schemas.FinishToolCalls
	}
	return schemas.FinishStop
}

// usage converts Gemini's token counts. Thinking tokens are billed as output, so they
// count as completion tokens, as OpenAI counts reasoning tokens.
func usage(u *usageMetadata) *schemas.Usage {
	if u == nil {
		return nil
	}
	out := &schemas.Usage{
		PromptTokens:     u.PromptTokenCount,
		CompletionTokens: u.CandidatesTokenCount + u.ThoughtsTokenCount,
		TotalTokens:      u.TotalTokenCount,
	}
	if out.TotalTokens == 0 {
		out.TotalTokens = out.PromptTokens + out.CompletionTokens
	}
	if u.CachedContentTokenCount > 0 {
		out.PromptTokensDetails = &schemas.PromptTokensDetails{
			CachedTokens: u.CachedContentTokenCount}
	}
	return out
}

// chatResponse converts a whole answer. model is the requested model, used when the
// answer does not name its version. A prompt blocked before any candidate was made
// is one empty choice finished by content_filter, as OpenAI reports a filtered answer.
func chatResponse(r *generateResponse, model string) *schemas.ChatResponse {
	out := &schemas.ChatResponse{ID: r.ResponseID, Object: "chat.completion",
		Created: time.Now().Unix(), Model: r.ModelVersion, Usage: usage(r.UsageMetadata)}
	if out.ID == "" {
		out.ID = newResponseID()
	}
	if out.Model == "" {
		out.Model = model
	}
	out.Choices = make([]schemas.Choice, 0, max(len(r.Candidates), 1))
	for i := range r.Candidates {
		out.Choices = append(out.Choices, choice(&r.Candidates[i]))
	}
	if len(out.Choices) == 0 {
		out.Choices = append(out.Choices, schemas.Choice{
			Message:      schemas.Message{Role: schemas.RoleAssistant},
			FinishReason: schemas.FinishContentFilter,
		})
	}
	return out
}

// choice converts one candidate: its text parts joined, its function calls as tool
// calls. Thought summaries are left out: they are not part of the answer.
func choice(c *candidate) schemas.Choice {
	var text strings.Builder
	var calls []schemas.ToolCall
	if c.Content != nil {
		for _, p := range c.Content.Parts {
			switch {
			case p.FunctionCall != nil:
				calls = append(calls, toolCall(&p))
			case !p.Thought:
				text.WriteString(p.Text)
			}
		}
	}
	return schemas.Choice{
		Index: c.Index,
		Message: schemas.Message{Role: schemas.RoleAssistant,
			Content: schemas.Text(text.String()), ToolCalls: calls},
		FinishReason: finishReason(c.FinishReason, len(calls) > 0),
	}
}

// toolCall converts the function call of p (see callID for its ID).
func toolCall(p *part) schemas.ToolCall {
	fc := p.FunctionCall
	return schemas.ToolCall{ID: callID(fc, p.ThoughtSignature), Type: "function",
		Function: schemas.ToolCallFunction{Name: fc.Name, Arguments: arguments(fc.Args)}}
}

// arguments renders call arguments as OpenAI's compact JSON string; no arguments is
// "{}".
func arguments(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return "{}"
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw) // unreachable: raw was decoded as valid JSON
	}
	return b.String()
}
