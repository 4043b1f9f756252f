package mockllm

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// openAIWire speaks the OpenAI REST API: chat completions, completions, embeddings, models.
type openAIWire struct{}

// oaiRequest holds the fields of every OpenAI request body the mock reads.
type oaiRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string   `json:"role"`
		Content flexText `json:"content"`
	} `json:"messages"`
	Prompt flexStrings `json:"prompt"` // completions
	Input  flexStrings `json:"input"`  // embeddings
	Tools  []struct {
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	} `json:"tools"`
	ToolChoice          json.RawMessage `json:"tool_choice"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Temperature         *float64        `json:"temperature"`
	TopP                *float64        `json:"top_p"`
	Stop                flexStrings     `json:"stop"`
	Stream              bool            `json:"stream"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	EncodingFormat string `json:"encoding_format"`
	Dimensions     int    `json:"dimensions"`
}

func (openAIWire) authorize(r *http.Request, _ *routeInfo, accept func(string) bool) (string,
	*apiError) {
	key := bearer(r)
	switch {
	case key == "":
		return "", &apiError{status: http.StatusUnauthorized,
			msg: "no API key was sent; pass it as Authorization: Bearer <key>"}
	case !accept(key):
		return key, &apiError{status: http.StatusUnauthorized, code: "invalid_api_key",
			msg: "the API key is not valid"}
	}
	return key, nil
}

func (openAIWire) parse(rt *routeInfo, body []byte, c *call) *apiError {
	if rt.op == opModels {
		return nil
	}
	var req oaiRequest
	if e := decode(body, &req); e != nil {
		return e
	}
	if req.Model == "" && rt.model == "" {
		return &apiError{status: http.StatusBadRequest, code: "missing_required_parameter",
			msg: "model is required"}
	}
	c.Model = req.Model
	if c.Model == "" {
		c.Model = rt.model
	}
	c.Stream = req.Stream
	c.includeUsage = req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	c.Temperature, c.TopP, c.Stop = req.Temperature, req.TopP, req.Stop
	c.MaxTokens = req.MaxCompletionTokens
	if c.MaxTokens == nil {
		c.MaxTokens = req.MaxTokens
	}
	for _, m := range req.Messages {
		switch m.Role {
		case "system", "developer":
			c.System = true
		default:
			c.Messages++
		}
		c.addText(string(m.Content), m.Role == "user")
		c.lastToolResult = m.Role == "tool"
	}
	for _, t := range req.Tools {
		c.Tools = append(c.Tools, t.Function.Name)
	}
	c.ToolChoice = oaiToolChoice(req.ToolChoice)
	for _, p := range req.Prompt {
		c.addText(p, true)
	}
	c.inputs, c.dims, c.base64 = req.Input, req.Dimensions, req.EncodingFormat == "base64"
	for _, in := range req.Input {
		c.addText(in, false)
	}
	return nil
}

// oaiToolChoice reads "none", "auto", "required" or {"function": {"name": …}}.
func oaiToolChoice(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var mode string
	if json.Unmarshal(raw, &mode) == nil {
		return mode
	}
	var named struct {
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	_ = json.Unmarshal(raw, &named)
	return named.Function.Name
}

// Response shapes.
type (
	oaiUsage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	}
	oaiFunction struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	}
	oaiToolCall struct {
		Index    *int        `json:"index,omitempty"` // streamed deltas only
		ID       string      `json:"id,omitempty"`
		Type     string      `json:"type,omitempty"`
		Function oaiFunction `json:"function"`
	}
	oaiMessage struct {
		Role      string        `json:"role,omitempty"`
		Content   *string       `json:"content,omitempty"`
		Refusal   *string       `json:"refusal,omitempty"`
		ToolCalls []oaiToolCall `json:"tool_calls,omitempty"`
	}
	oaiChoice struct {
		Index        int         `json:"index"`
		Message      *oaiMessage `json:"message,omitempty"`
		Delta        *oaiMessage `json:"delta,omitempty"`
		Text         *string     `json:"text,omitempty"`
		Logprobs     *struct{}   `json:"logprobs"`
		FinishReason *string     `json:"finish_reason"`
	}
	oaiCompletion struct {
		ID                string      `json:"id"`
		Object            string      `json:"object"`
		Created           int64       `json:"created"`
		Model             string      `json:"model"`
		SystemFingerprint string      `json:"system_fingerprint,omitempty"`
		Choices           []oaiChoice `json:"choices"`
		Usage             *oaiUsage   `json:"usage,omitempty"`
	}
)

func oaiFinish(f finish) *string {
	s := [...]string{finishStop: "stop", finishLength: "length", finishTool: "tool_calls"}[f]
	return &s
}

func (c *call) oaiUsage() *oaiUsage {
	a := &c.ans
	return &oaiUsage{PromptTokens: a.promptTokens, CompletionTokens: a.completionTokens,
		TotalTokens: a.promptTokens + a.completionTokens}
}

// oaiEnvelope returns the fields every chat or completion object shares.
func (c *call) oaiEnvelope(object string) oaiCompletion {
	prefix := "chatcmpl-mock"
	if c.op == opCompletion {
		prefix = "cmpl-mock"
	}
	return oaiCompletion{ID: prefix + strconv.FormatUint(c.seq, 10), Object: object,
		Created: time.Now().Unix(), Model: c.Model, SystemFingerprint: "fp_mock"}
}

func (o openAIWire) reply(out *bytes.Buffer, c *call) {
	switch c.op {
	case opModels:
		writeJSON(out, oaiModels(c.models))
	case opEmbed:
		o.replyEmbeddings(out, c)
	case opCompletion:
		resp := c.oaiEnvelope("text_completion")
		resp.Choices = []oaiChoice{{Text: &c.ans.text, FinishReason: oaiFinish(c.ans.finish)}}
		resp.Usage = c.oaiUsage()
		writeJSON(out, resp)
	default:
		msg := &oaiMessage{Role: "assistant", Content: &c.ans.text}
		if c.ans.tool != "" {
			msg.Content = nil
			msg.ToolCalls = []oaiToolCall{{ID: c.ans.toolID, Type: "function",
				Function: oaiFunction{Name: c.ans.tool, Arguments: c.ans.args}}}
		}
		resp := c.oaiEnvelope("chat.completion")
		resp.Choices = []oaiChoice{{Message: msg, FinishReason: oaiFinish(c.ans.finish)}}
		resp.Usage = c.oaiUsage()
		writeJSON(out, resp)
	}
}

// defaultModels is what GET /v1/models lists when Options.Models is nil.
var defaultModels = []string{"gpt-4o-mini", "gpt-4o", "text-embedding-3-small"}

type oaiModel struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// oaiModels returns the model list object for ids, or for the defaults when ids is nil.
func oaiModels(ids []string) any {
	if ids == nil {
		ids = defaultModels
	}
	data := make([]oaiModel, len(ids))
	for i, id := range ids {
		data[i] = oaiModel{ID: id, Object: "model", Created: 1700000000, OwnedBy: "mockllm"}
	}
	return struct {
		Object string     `json:"object"`
		Data   []oaiModel `json:"data"`
	}{"list", data}
}

func (openAIWire) replyEmbeddings(out *bytes.Buffer, c *call) {
	type item struct {
		Object    string `json:"object"`
		Index     int    `json:"index"`
		Embedding any    `json:"embedding"`
	}
	data := make([]item, len(c.inputs))
	for i, in := range c.inputs {
		v := vector(in, c.dims)
		data[i] = item{Object: "embedding", Index: i, Embedding: v}
		if c.base64 {
			data[i].Embedding = base64.StdEncoding.EncodeToString(float32Bytes(v))
		}
	}
	writeJSON(out, struct {
		Object string `json:"object"`
		Data   []item `json:"data"`
		Model  string `json:"model"`
		Usage  struct {
			PromptTokens int `json:"prompt_tokens"`
			TotalTokens  int `json:"total_tokens"`
		} `json:"usage"`
	}{Object: "list", Data: data, Model: c.Model, Usage: struct {
		PromptTokens int `json:"prompt_tokens"`
		TotalTokens  int `json:"total_tokens"`
	}{c.ans.promptTokens, c.ans.promptTokens}})
}

func (openAIWire) events(s *stream, c *call, perChunk int) {
	object := "chat.completion.chunk"
	if c.op == opCompletion {
		object = "text_completion"
	}
	chunk := func(ch oaiChoice) []byte {
		env := c.oaiEnvelope(object)
		env.Choices = []oaiChoice{ch}
		return appendSSE(nil, "", env)
	}
	empty := ""
	if c.op == opChat {
		s.add(chunk(oaiChoice{Delta: &oaiMessage{Role: "assistant", Content: &empty}}), false)
	}
	zero := 0
	for i, piece := range c.deltas(perChunk) {
		switch {
		case c.op == opCompletion:
			s.add(chunk(oaiChoice{Text: &piece}), true)
		case c.ans.tool == "":
			s.add(chunk(oaiChoice{Delta: &oaiMessage{Content: &piece}}), true)
		default:
			call := oaiToolCall{Index: &zero, Function: oaiFunction{Arguments: piece}}
			if i == 0 {
				call.ID, call.Type, call.Function.Name = c.ans.toolID, "function", c.ans.tool
			}
			s.add(chunk(oaiChoice{Delta: &oaiMessage{ToolCalls: []oaiToolCall{call}}}), true)
		}
	}
	last := oaiChoice{Delta: &oaiMessage{}, FinishReason: oaiFinish(c.ans.finish)}
	if c.op == opCompletion {
		last = oaiChoice{Text: &empty, FinishReason: oaiFinish(c.ans.finish)}
	}
	s.add(chunk(last), false)
	if c.includeUsage {
		env := c.oaiEnvelope(object)
		env.Choices, env.Usage = []oaiChoice{}, c.oaiUsage()
		s.add(appendSSE(nil, "", env), false)
	}
	s.add(appendSSERaw(nil, "", "[DONE]"), false)
}

// oaiErrorType names the error type OpenAI reports for a status.
func oaiErrorType(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "requests"
	case status >= 500:
		return "server_error"
	}
	return "invalid_request_error"
}

func (openAIWire) errorBody(out *bytes.Buffer, _ http.Header, e *apiError) {
	writeJSON(out, oaiError(e))
}

func oaiError(e *apiError) any {
	type detail struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	}
	d := detail{Message: e.msg, Type: oaiErrorType(e.status)}
	if e.code != "" {
		d.Code = &e.code
	} else if e.status == http.StatusTooManyRequests {
		code := "rate_limit_exceeded"
		d.Code = &code
	}
	return struct {
		Error detail `json:"error"`
	}{d}
}

func (openAIWire) errorEvent(b []byte, e *apiError) []byte {
	return appendSSE(b, "", oaiError(e))
}

func (openAIWire) malformedEvent(b []byte) []byte { return appendSSERaw(b, "", malformedJSON) }

func (openAIWire) streamType() string { return "text/event-stream; charset=utf-8" }
