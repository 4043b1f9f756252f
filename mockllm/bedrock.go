package mockllm

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// bedrockWire speaks the Bedrock Runtime Converse API; ConverseStream answers in AWS
// event-stream binary framing.
type bedrockWire struct{}

type brContent struct {
	Text       string          `json:"text"`
	ToolResult json.RawMessage `json:"toolResult"`
}

type brRequest struct {
	Messages []struct {
		Role    string      `json:"role"`
		Content []brContent `json:"content"`
	} `json:"messages"`
	System          []brContent `json:"system"`
	InferenceConfig struct {
		MaxTokens     *int     `json:"maxTokens"`
		Temperature   *float64 `json:"temperature"`
		TopP          *float64 `json:"topP"`
		StopSequences []string `json:"stopSequences"`
	} `json:"inferenceConfig"`
	ToolConfig *struct {
		Tools []struct {
			ToolSpec struct {
				Name string `json:"name"`
			} `json:"toolSpec"`
		} `json:"tools"`
		ToolChoice map[string]struct {
			Name string `json:"name"`
		} `json:"toolChoice"`
	} `json:"toolConfig"`
	AdditionalModelRequestFields struct {
		TopK *int `json:"top_k"`
	} `json:"additionalModelRequestFields"`
}

// authorize checks that a SigV4 Authorization header is well formed; the signature
// itself is not verified. A bearer token (Bedrock API key) is accepted as well. AWS
// answers credential problems with 403.
func (bedrockWire) authorize(r *http.Request, _ *routeInfo, accept func(string) bool) (string,
	*apiError) {
	if key := bearer(r); key != "" {
		if !accept(key) {
			return key, &apiError{status: http.StatusForbidden,
				code: "UnrecognizedClientException", msg: "the API key is not valid"}
		}
		return key, nil
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "", &apiError{status: http.StatusForbidden,
			code: "MissingAuthenticationTokenException", msg: "missing authentication token"}
	}
	akid, ok := sigV4AccessKey(auth)
	if !ok || !amzDate(r.Header.Get("X-Amz-Date")) {
		return akid, &apiError{status: http.StatusForbidden, code: "IncompleteSignatureException",
			msg: "authorization header must be AWS4-HMAC-SHA256 Credential=…, " +
				"SignedHeaders=…, Signature=… with an X-Amz-Date of the form 20060102T150405Z"}
	}
	if !accept(akid) {
		return akid, &apiError{status: http.StatusForbidden, code: "UnrecognizedClientException",
			msg: "the security token included in the request is invalid"}
	}
	return akid, nil
}

// sigV4AccessKey returns the access key ID of a well-formed SigV4 Authorization value.
func sigV4AccessKey(auth string) (string, bool) {
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return "", false
	}
	var cred, signed, sig string
	for field := range strings.SplitSeq(rest, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(field), "=")
		switch name {
		case "Credential":
			cred = value
		case "SignedHeaders":
			signed = value
		case "Signature":
			sig = value
		}
	}
	// Credential is AKID/date/region/service/aws4_request.
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || scope[0] == "" || scope[4] != "aws4_request" || signed == "" ||
		len(sig) != 64 || strings.Trim(sig, "0123456789abcdef") != "" {
		return "", false
	}
	return scope[0], true
}

// amzDate reports whether s has the form 20060102T150405Z.
func amzDate(s string) bool {
	if len(s) != 16 || s[8] != 'T' || s[15] != 'Z' {
		return false
	}
	return strings.Trim(s[:8]+s[9:15], "0123456789") == ""
}

func (bedrockWire) parse(rt *routeInfo, body []byte, c *call) *apiError {
	var req brRequest
	if e := decode(body, &req); e != nil {
		return e
	}
	c.Model = rt.model
	ic := &req.InferenceConfig
	c.MaxTokens, c.Temperature, c.TopP, c.Stop = ic.MaxTokens, ic.Temperature, ic.TopP,
		ic.StopSequences
	c.TopK = req.AdditionalModelRequestFields.TopK
	for _, s := range req.System {
		c.System = true
		c.addText(s.Text, false)
	}
	for _, m := range req.Messages {
		c.Messages++
		c.lastToolResult = false
		for _, ct := range m.Content {
			var result struct {
				Content flexText `json:"content"`
			}
			if len(ct.ToolResult) > 0 {
				c.lastToolResult = true
				_ = json.Unmarshal(ct.ToolResult, &result)
			}
			c.addText(ct.Text+string(result.Content), m.Role == "user" && ct.Text != "")
		}
	}
	if tc := req.ToolConfig; tc != nil {
		for _, t := range tc.Tools {
			c.Tools = append(c.Tools, t.ToolSpec.Name)
		}
		for mode, v := range tc.ToolChoice {
			c.ToolChoice = map[string]string{"auto": "auto", "any": "required",
				"tool": v.Name}[mode]
		}
	}
	return nil
}

// Response shapes.
type (
	brUsage struct {
		InputTokens  int `json:"inputTokens"`
		OutputTokens int `json:"outputTokens"`
		TotalTokens  int `json:"totalTokens"`
	}
	brMetrics struct {
		LatencyMs int64 `json:"latencyMs"`
	}
	brToolUse struct {
		ToolUseID string           `json:"toolUseId"`
		Name      string           `json:"name"`
		Input     *json.RawMessage `json:"input,omitempty"`
	}
	brBlock struct {
		Text    *string    `json:"text,omitempty"`
		ToolUse *brToolUse `json:"toolUse,omitempty"`
	}
)

func (c *call) brUsage() brUsage {
	a := &c.ans
	return brUsage{InputTokens: a.promptTokens, OutputTokens: a.completionTokens,
		TotalTokens: a.promptTokens + a.completionTokens}
}

func brStop(f finish) string {
	return [...]string{finishStop: "end_turn", finishLength: "max_tokens",
		finishTool: "tool_use"}[f]
}

func (bedrockWire) reply(out *bytes.Buffer, c *call) {
	block := brBlock{Text: &c.ans.text}
	if c.ans.tool != "" {
		input := json.RawMessage(c.ans.args)
		block = brBlock{ToolUse: &brToolUse{ToolUseID: "tooluse_" + c.ans.toolID,
			Name: c.ans.tool, Input: &input}}
	}
	type message struct {
		Role    string    `json:"role"`
		Content []brBlock `json:"content"`
	}
	writeJSON(out, struct {
		Output struct {
			Message message `json:"message"`
		} `json:"output"`
		StopReason string    `json:"stopReason"`
		Usage      brUsage   `json:"usage"`
		Metrics    brMetrics `json:"metrics"`
	}{Output: struct {
		Message message `json:"message"`
	}{message{"assistant", []brBlock{block}}}, StopReason: brStop(c.ans.finish),
		Usage: c.brUsage()})
}

// brFrame appends one event-stream message with the given type headers and JSON payload.
func brFrame(b []byte, msgType, typeHeader, typeValue string, payload []byte) []byte {
	msg := eventstream.Message{Payload: payload}
	msg.Headers.Set(":message-type", eventstream.StringValue(msgType))
	msg.Headers.Set(typeHeader, eventstream.StringValue(typeValue))
	msg.Headers.Set(":content-type", eventstream.StringValue("application/json"))
	buf := bytes.NewBuffer(b)
	if err := eventstream.NewEncoder().Encode(buf, msg); err != nil {
		panic("BUG: mockllm: cannot frame event: " + err.Error())
	}
	return buf.Bytes()
}

// brEvent appends an event-stream event of the given type carrying v as JSON.
func brEvent(b []byte, eventType string, v any) []byte {
	return brFrame(b, "event", ":event-type", eventType, appendJSON(nil, v))
}

func (bedrockWire) events(s *stream, c *call, perChunk int) {
	type delta struct {
		Text    *string `json:"text,omitempty"`
		ToolUse *struct {
			Input string `json:"input"`
		} `json:"toolUse,omitempty"`
	}
	type blockEvent struct {
		ContentBlockIndex int `json:"contentBlockIndex"`
		Start             any `json:"start,omitempty"`
		Delta             any `json:"delta,omitempty"`
	}
	s.add(brEvent(nil, "messageStart", map[string]string{"role": "assistant"}), false)
	if c.ans.tool != "" {
		start := map[string]brToolUse{"toolUse": {ToolUseID: "tooluse_" + c.ans.toolID,
			Name: c.ans.tool}}
		s.add(brEvent(nil, "contentBlockStart", blockEvent{Start: start}), false)
	}
	for _, piece := range c.deltas(perChunk) {
		d := delta{Text: &piece}
		if c.ans.tool != "" {
			d = delta{ToolUse: &struct {
				Input string `json:"input"`
			}{piece}}
		}
		s.add(brEvent(nil, "contentBlockDelta", blockEvent{Delta: d}), true)
	}
	s.add(brEvent(nil, "contentBlockStop", blockEvent{}), false)
	s.add(brEvent(nil, "messageStop", map[string]string{"stopReason": brStop(c.ans.finish)}),
		false)
	s.add(brEvent(nil, "metadata", struct {
		Usage   brUsage   `json:"usage"`
		Metrics brMetrics `json:"metrics"`
	}{Usage: c.brUsage()}), false)
}

// brErrorType names the exception AWS reports for a status.
func brErrorType(e *apiError) string {
	if e.code != "" {
		return e.code
	}
	switch e.status {
	case 400, 405:
		return "ValidationException"
	case 403:
		return "AccessDeniedException"
	case 404:
		return "ResourceNotFoundException"
	case 408:
		return "ModelTimeoutException"
	case 424:
		return "ModelErrorException"
	case 429:
		return "ThrottlingException"
	case 503:
		return "ServiceUnavailableException"
	}
	return "InternalServerException"
}

func brMessage(e *apiError) []byte {
	return appendJSON(nil, map[string]string{"message": e.msg})
}

func (bedrockWire) errorBody(out *bytes.Buffer, h http.Header, e *apiError) {
	h.Set("X-Amzn-Errortype", brErrorType(e))
	out.Write(brMessage(e))
}

// errorEvent appends an exception message. In a stream AWS names exceptions by their
// union member, which is the type name with a lower-case first letter.
func (bedrockWire) errorEvent(b []byte, e *apiError) []byte {
	name := brErrorType(e)
	switch name {
	case "InternalServerException", "ThrottlingException", "ServiceUnavailableException",
		"ValidationException":
		name = strings.ToLower(name[:1]) + name[1:]
	default:
		name = "modelStreamErrorException"
	}
	return brFrame(b, "exception", ":exception-type", name, brMessage(e))
}

func (bedrockWire) malformedEvent(b []byte) []byte {
	return brFrame(b, "event", ":event-type", "contentBlockDelta", []byte(malformedJSON))
}

func (bedrockWire) streamType() string { return "application/vnd.amazon.eventstream" }
