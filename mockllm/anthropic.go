package mockllm

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// anthropicWire speaks the Anthropic Messages API.
type anthropicWire struct{}

// antContent is a message's content: a string or an array of blocks. It keeps the text
// (tool results included) and whether a tool result is among the blocks.
type antContent struct {
	text       string
	toolResult bool
}

// UnmarshalJSON accepts a string or an array of content blocks.
func (a *antContent) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &a.text)
	}
	if len(b) == 0 || b[0] != '[' {
		return errors.New("content must be a string or an array of content blocks")
	}
	var blocks []struct {
		Type    string   `json:"type"`
		Text    string   `json:"text"`
		Content flexText `json:"content"`
	}
	if err := json.Unmarshal(b, &blocks); err != nil {
		return err
	}
	for _, bl := range blocks {
		a.toolResult = a.toolResult || bl.Type == "tool_result"
		for _, s := range []string{bl.Text, string(bl.Content)} {
			if s != "" && a.text != "" {
				a.text += "\n"
			}
			a.text += s
		}
	}
	return nil
}

type antRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string     `json:"role"`
		Content antContent `json:"content"`
	} `json:"messages"`
	System        flexText `json:"system"`
	MaxTokens     *int     `json:"max_tokens"`
	Temperature   *float64 `json:"temperature"`
	TopP          *float64 `json:"top_p"`
	TopK          *int     `json:"top_k"`
	StopSequences []string `json:"stop_sequences"`
	Stream        bool     `json:"stream"`
	Tools         []struct {
		Name string `json:"name"`
	} `json:"tools"`
	ToolChoice *struct {
		Type string `json:"type"`
		Name string `json:"name"`
	} `json:"tool_choice"`
}

func (anthropicWire) authorize(r *http.Request, _ *routeInfo, accept func(string) bool) (string,
	*apiError) {
	key := r.Header.Get("X-Api-Key")
	if key == "" {
		key = bearer(r)
	}
	switch {
	case key == "":
		return "", &apiError{status: http.StatusUnauthorized,
			msg: "x-api-key header is required"}
	case !accept(key):
		return key, &apiError{status: http.StatusUnauthorized, msg: "invalid x-api-key"}
	}
	return key, nil
}

func (anthropicWire) parse(rt *routeInfo, body []byte, c *call) *apiError {
	if rt.apiVersion == "" {
		return &apiError{status: http.StatusBadRequest,
			msg: "anthropic-version header is required, e.g. 2023-06-01"}
	}
	var req antRequest
	if e := decode(body, &req); e != nil {
		return e
	}
	switch {
	case req.Model == "":
		return &apiError{status: http.StatusBadRequest, msg: "model: field required"}
	case req.MaxTokens == nil && rt.op == opChat:
		return &apiError{status: http.StatusBadRequest, msg: "max_tokens: field required"}
	}
	c.Model, c.Stream, c.MaxTokens = req.Model, req.Stream, req.MaxTokens
	c.Temperature, c.TopP, c.TopK, c.Stop = req.Temperature, req.TopP, req.TopK, req.StopSequences
	c.System = req.System != ""
	c.addText(string(req.System), false)
	for _, m := range req.Messages {
		c.Messages++
		c.addText(m.Content.text, m.Role == "user" && !m.Content.toolResult)
		c.lastToolResult = m.Content.toolResult
	}
	for _, t := range req.Tools {
		c.Tools = append(c.Tools, t.Name)
	}
	if tc := req.ToolChoice; tc != nil {
		c.ToolChoice = map[string]string{"auto": "auto", "any": "required", "none": "none",
			"tool": tc.Name}[tc.Type]
	}
	return nil
}

// Response shapes.
type (
	antBlock struct {
		Type  string           `json:"type"`
		Text  *string          `json:"text,omitempty"`
		ID    string           `json:"id,omitempty"`
		Name  string           `json:"name,omitempty"`
		Input *json.RawMessage `json:"input,omitempty"`
	}
	antUsage struct {
		InputTokens  int `json:"input_tokens"`
		OutputTokens int `json:"output_tokens"`
	}
	antMessage struct {
		ID           string     `json:"id"`
		Type         string     `json:"type"`
		Role         string     `json:"role"`
		Model        string     `json:"model"`
		Content      []antBlock `json:"content"`
		StopReason   *string    `json:"stop_reason"`
		StopSequence *string    `json:"stop_sequence"`
		Usage        antUsage   `json:"usage"`
	}
)

func antStop(f finish) *string {
	s := [...]string{finishStop: "end_turn", finishLength: "max_tokens", finishTool: "tool_use"}[f]
	return &s
}

// message returns the answer as a Messages object; when streaming it is the empty shell
// that message_start carries.
func (anthropicWire) message(c *call, shell bool) antMessage {
	a := &c.ans
	msg := antMessage{ID: "msg_mock" + strconv.FormatUint(c.seq, 10), Type: "message",
		Role: "assistant", Model: c.Model, Content: []antBlock{},
		Usage: antUsage{InputTokens: a.promptTokens, OutputTokens: a.completionTokens}}
	if shell {
		msg.Usage.OutputTokens = 1
		return msg
	}
	msg.StopReason = antStop(a.finish)
	msg.Content = append(msg.Content, antAnswerBlock(c, false))
	return msg
}

// antAnswerBlock returns the answer's content block, empty when it opens a stream.
func antAnswerBlock(c *call, empty bool) antBlock {
	a := &c.ans
	if a.tool == "" {
		text := a.text
		if empty {
			text = ""
		}
		return antBlock{Type: "text", Text: &text}
	}
	input := json.RawMessage(a.args)
	if empty {
		input = json.RawMessage(`{}`)
	}
	return antBlock{Type: "tool_use", ID: "toolu_" + a.toolID, Name: a.tool, Input: &input}
}

func (an anthropicWire) reply(out *bytes.Buffer, c *call) {
	if c.op == opCountTokens {
		writeJSON(out, struct {
			InputTokens int `json:"input_tokens"`
		}{c.ans.promptTokens})
		return
	}
	writeJSON(out, an.message(c, false))
}

func (an anthropicWire) events(s *stream, c *call, perChunk int) {
	type delta struct {
		Type        string  `json:"type"`
		Text        *string `json:"text,omitempty"`
		PartialJSON *string `json:"partial_json,omitempty"`
	}
	type ev struct {
		Type         string      `json:"type"`
		Message      *antMessage `json:"message,omitempty"`
		Index        *int        `json:"index,omitempty"`
		ContentBlock *antBlock   `json:"content_block,omitempty"`
		Delta        any         `json:"delta,omitempty"`
		Usage        *antUsage   `json:"usage,omitempty"`
	}
	zero := 0
	shell := an.message(c, true)
	block := antAnswerBlock(c, true)
	s.add(appendSSE(nil, "message_start", ev{Type: "message_start", Message: &shell}), false)
	s.add(appendSSE(nil, "content_block_start", ev{Type: "content_block_start", Index: &zero,
		ContentBlock: &block}), false)
	s.add(appendSSE(nil, "ping", ev{Type: "ping"}), false)
	for _, piece := range c.deltas(perChunk) {
		d := delta{Type: "text_delta", Text: &piece}
		if c.ans.tool != "" {
			d = delta{Type: "input_json_delta", PartialJSON: &piece}
		}
		s.add(appendSSE(nil, "content_block_delta", ev{Type: "content_block_delta",
			Index: &zero, Delta: d}), true)
	}
	s.add(appendSSE(nil, "content_block_stop", ev{Type: "content_block_stop", Index: &zero}),
		false)
	s.add(appendSSE(nil, "message_delta", ev{Type: "message_delta",
		Delta: map[string]any{"stop_reason": antStop(c.ans.finish), "stop_sequence": nil},
		Usage: &antUsage{InputTokens: c.ans.promptTokens,
			OutputTokens: c.ans.completionTokens}}), false)
	s.add(appendSSE(nil, "message_stop", ev{Type: "message_stop"}), false)
}

// antErrorType names the error type Anthropic reports for a status.
func antErrorType(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusMethodNotAllowed:
		return "invalid_request_error"
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusForbidden:
		return "permission_error"
	case http.StatusNotFound:
		return "not_found_error"
	case http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case http.StatusTooManyRequests:
		return "rate_limit_error"
	case http.StatusServiceUnavailable, 529:
		return "overloaded_error"
	}
	return "api_error"
}

func antError(e *apiError) any {
	type detail struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	}
	return struct {
		Type  string `json:"type"`
		Error detail `json:"error"`
	}{"error", detail{antErrorType(e.status), e.msg}}
}

func (anthropicWire) errorBody(out *bytes.Buffer, _ http.Header, e *apiError) {
	writeJSON(out, antError(e))
}

func (anthropicWire) errorEvent(b []byte, e *apiError) []byte {
	return appendSSE(b, "error", antError(e))
}

func (anthropicWire) malformedEvent(b []byte) []byte {
	return appendSSERaw(b, "content_block_delta", malformedJSON)
}

func (anthropicWire) streamType() string { return "text/event-stream; charset=utf-8" }
