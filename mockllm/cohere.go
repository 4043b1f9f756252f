package mockllm

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// cohereWire speaks Cohere's v2 API: chat and embed.
type cohereWire struct{}

type cohRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string   `json:"role"`
		Content flexText `json:"content"`
	} `json:"messages"`
	Tools []struct {
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	} `json:"tools"`
	ToolChoice    string   `json:"tool_choice"`
	MaxTokens     *int     `json:"max_tokens"`
	Temperature   *float64 `json:"temperature"`
	P             *float64 `json:"p"`
	K             *int     `json:"k"`
	StopSequences []string `json:"stop_sequences"`
	Stream        bool     `json:"stream"`

	Texts           []string `json:"texts"`
	EmbeddingTypes  []string `json:"embedding_types"`
	OutputDimension int      `json:"output_dimension"`
}

func (cohereWire) authorize(r *http.Request, _ *routeInfo, accept func(string) bool) (string,
	*apiError) {
	key := bearer(r)
	switch {
	case key == "":
		return "", &apiError{status: http.StatusUnauthorized,
			msg: "no api key supplied; send Authorization: Bearer <key>"}
	case !accept(key):
		return key, &apiError{status: http.StatusUnauthorized, msg: "invalid api token"}
	}
	return key, nil
}

func (cohereWire) parse(rt *routeInfo, body []byte, c *call) *apiError {
	var req cohRequest
	if e := decode(body, &req); e != nil {
		return e
	}
	if req.Model == "" {
		return &apiError{status: http.StatusBadRequest, msg: "model is required"}
	}
	c.Model, c.Stream, c.MaxTokens = req.Model, req.Stream, req.MaxTokens
	c.Temperature, c.TopP, c.TopK, c.Stop = req.Temperature, req.P, req.K, req.StopSequences
	for _, m := range req.Messages {
		if m.Role == "system" {
			c.System = true
		} else {
			c.Messages++
		}
		c.addText(string(m.Content), m.Role == "user")
		c.lastToolResult = m.Role == "tool"
	}
	for _, t := range req.Tools {
		c.Tools = append(c.Tools, t.Function.Name)
	}
	c.ToolChoice = strings.ToLower(req.ToolChoice)
	c.inputs, c.dims = req.Texts, req.OutputDimension
	c.base64 = slices.Contains(req.EmbeddingTypes, "base64")
	for _, t := range req.Texts {
		c.addText(t, false)
	}
	return nil
}

// Response shapes.
type (
	cohTokens struct {
		InputTokens  int `json:"input_tokens"`
		OutputTokens int `json:"output_tokens"`
	}
	cohUsage struct {
		BilledUnits cohTokens `json:"billed_units"`
		Tokens      cohTokens `json:"tokens"`
	}
	cohFunction struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	}
	cohToolCall struct {
		ID       string      `json:"id,omitempty"`
		Type     string      `json:"type,omitempty"`
		Function cohFunction `json:"function"`
	}
	cohText struct {
		Type string `json:"type,omitempty"`
		Text string `json:"text"`
	}
	cohMessage struct {
		Role      string  `json:"role,omitempty"`
		Content   any     `json:"content,omitempty"`
		ToolPlan  *string `json:"tool_plan,omitempty"`
		ToolCalls any     `json:"tool_calls,omitempty"`
	}
)

func (c *call) cohUsage() cohUsage {
	t := cohTokens{InputTokens: c.ans.promptTokens, OutputTokens: c.ans.completionTokens}
	return cohUsage{BilledUnits: t, Tokens: t}
}

func cohFinish(f finish) string {
	return [...]string{finishStop: "COMPLETE", finishLength: "MAX_TOKENS",
		finishTool: "TOOL_CALL"}[f]
}

func (cw cohereWire) reply(out *bytes.Buffer, c *call) {
	if c.op == opEmbed {
		cw.replyEmbed(out, c)
		return
	}
	msg := cohMessage{Role: "assistant", Content: []cohText{{Type: "text", Text: c.ans.text}}}
	if c.ans.tool != "" {
		plan := "I will call " + c.ans.tool + "."
		msg = cohMessage{Role: "assistant", ToolPlan: &plan, ToolCalls: []cohToolCall{{
			ID: c.ans.toolID, Type: "function",
			Function: cohFunction{Name: c.ans.tool, Arguments: c.ans.args}}}}
	}
	writeJSON(out, struct {
		ID           string     `json:"id"`
		FinishReason string     `json:"finish_reason"`
		Message      cohMessage `json:"message"`
		Usage        cohUsage   `json:"usage"`
	}{"mock" + strconv.FormatUint(c.seq, 10), cohFinish(c.ans.finish), msg, c.cohUsage()})
}

func (cohereWire) replyEmbed(out *bytes.Buffer, c *call) {
	embeddings := map[string]any{}
	floats := make([][]float32, len(c.inputs))
	for i, in := range c.inputs {
		floats[i] = vector(in, c.dims)
	}
	embeddings["float"] = floats
	if c.base64 {
		encoded := make([]string, len(floats))
		for i, v := range floats {
			encoded[i] = base64.StdEncoding.EncodeToString(float32Bytes(v))
		}
		embeddings["base64"] = encoded
	}
	type meta struct {
		APIVersion  map[string]string `json:"api_version"`
		BilledUnits map[string]int    `json:"billed_units"`
	}
	writeJSON(out, struct {
		ID           string         `json:"id"`
		Embeddings   map[string]any `json:"embeddings"`
		Texts        []string       `json:"texts"`
		Meta         meta           `json:"meta"`
		ResponseType string         `json:"response_type"`
	}{"mock" + strconv.FormatUint(c.seq, 10), embeddings, c.inputs,
		meta{map[string]string{"version": "2"}, map[string]int{"input_tokens": c.ans.promptTokens}},
		"embeddings_by_type"})
}

// cohEvent is one v2 chat stream event; its type is repeated as the SSE event name.
type cohEvent struct {
	ID    string `json:"id,omitempty"`
	Type  string `json:"type"`
	Index *int   `json:"index,omitempty"`
	Delta any    `json:"delta,omitempty"`
}

func cohSSE(ev cohEvent) []byte { return appendSSE(nil, ev.Type, ev) }

// cohDelta wraps a message fragment the way every v2 delta carries it.
func cohDelta(msg cohMessage) any { return map[string]cohMessage{"message": msg} }

func (cohereWire) events(s *stream, c *call, perChunk int) {
	zero := 0
	start := cohMessage{Role: "assistant", Content: []cohText{}, ToolCalls: []cohToolCall{}}
	s.add(cohSSE(cohEvent{ID: "mock" + strconv.FormatUint(c.seq, 10), Type: "message-start",
		Delta: cohDelta(start)}), false)
	if c.ans.tool == "" {
		s.add(cohSSE(cohEvent{Type: "content-start", Index: &zero,
			Delta: cohDelta(cohMessage{Content: cohText{Type: "text", Text: ""}})}), false)
		for _, piece := range chunks(c.ans.text, perChunk) {
			s.add(cohSSE(cohEvent{Type: "content-delta", Index: &zero,
				Delta: cohDelta(cohMessage{Content: cohText{Text: piece}})}), true)
		}
		s.add(cohSSE(cohEvent{Type: "content-end", Index: &zero}), false)
	} else {
		call := cohToolCall{ID: c.ans.toolID, Type: "function",
			Function: cohFunction{Name: c.ans.tool}}
		s.add(cohSSE(cohEvent{Type: "tool-call-start", Index: &zero,
			Delta: cohDelta(cohMessage{ToolCalls: call})}), false)
		for _, piece := range byteChunks(c.ans.args, 4*perChunk) {
			frag := cohToolCall{Function: cohFunction{Arguments: piece}}
			s.add(cohSSE(cohEvent{Type: "tool-call-delta", Index: &zero,
				Delta: cohDelta(cohMessage{ToolCalls: frag})}), true)
		}
		s.add(cohSSE(cohEvent{Type: "tool-call-end", Index: &zero}), false)
	}
	s.add(cohSSE(cohEvent{Type: "message-end", Delta: map[string]any{
		"finish_reason": cohFinish(c.ans.finish), "usage": c.cohUsage()}}), false)
}

func cohError(e *apiError) any {
	return map[string]string{"id": "mock-error", "message": e.msg}
}

func (cohereWire) errorBody(out *bytes.Buffer, _ http.Header, e *apiError) {
	writeJSON(out, cohError(e))
}

// errorEvent ends the stream the way Cohere reports a failure mid-generation: a
// message-end whose finish reason is ERROR.
func (cohereWire) errorEvent(b []byte, e *apiError) []byte {
	return append(b, cohSSE(cohEvent{Type: "message-end", Delta: map[string]any{
		"finish_reason": "ERROR", "error": e.msg}})...)
}

func (cohereWire) malformedEvent(b []byte) []byte {
	return appendSSERaw(b, "content-delta", malformedJSON)
}

func (cohereWire) streamType() string { return "text/event-stream" }
