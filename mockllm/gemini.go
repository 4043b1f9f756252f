package mockllm

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// geminiWire speaks the Gemini API (generativelanguage) and, with vertex set, Vertex AI's
// publisher-model routes. streamGenerateContent always answers as SSE (alt=sse), the
// form the official SDKs ask for.
type geminiWire struct{ vertex bool }

type gemPart struct {
	Text             string           `json:"text,omitempty"`
	FunctionCall     *json.RawMessage `json:"functionCall,omitempty"`
	FunctionResponse *json.RawMessage `json:"functionResponse,omitempty"`
}

type gemContent struct {
	Role  string    `json:"role,omitempty"`
	Parts []gemPart `json:"parts"`
}

type gemEmbedRequest struct {
	Content              gemContent `json:"content"`
	OutputDimensionality int        `json:"outputDimensionality"`
}

type gemRequest struct {
	Contents          []gemContent `json:"contents"`
	SystemInstruction *gemContent  `json:"systemInstruction"`
	Tools             []struct {
		FunctionDeclarations []struct {
			Name string `json:"name"`
		} `json:"functionDeclarations"`
	} `json:"tools"`
	ToolConfig *struct {
		FunctionCallingConfig struct {
			Mode                 string   `json:"mode"`
			AllowedFunctionNames []string `json:"allowedFunctionNames"`
		} `json:"functionCallingConfig"`
	} `json:"toolConfig"`
	GenerationConfig struct {
		MaxOutputTokens *int     `json:"maxOutputTokens"`
		Temperature     *float64 `json:"temperature"`
		TopP            *float64 `json:"topP"`
		TopK            *float64 `json:"topK"`
		StopSequences   []string `json:"stopSequences"`
	} `json:"generationConfig"`

	gemEmbedRequest                   // embedContent
	Requests        []gemEmbedRequest `json:"requests"` // batchEmbedContents
}

func (g geminiWire) authorize(r *http.Request, _ *routeInfo, accept func(string) bool) (
	string, *apiError) {
	key := r.Header.Get("X-Goog-Api-Key")
	if key == "" {
		key = r.URL.Query().Get("key")
	}
	if key == "" {
		key = bearer(r)
	}
	switch {
	case key == "" && g.vertex:
		return "", &apiError{status: http.StatusUnauthorized,
			msg: "request is missing an OAuth 2 access token or API key"}
	case key == "":
		return "", &apiError{status: http.StatusForbidden,
			msg: "request is missing an API key; send x-goog-api-key or ?key="}
	case !accept(key) && g.vertex:
		return key, &apiError{status: http.StatusUnauthorized, msg: "invalid credentials"}
	case !accept(key):
		// Google answers a wrong key with 400 and the reason in the details.
		return key, &apiError{status: http.StatusBadRequest, code: "API_KEY_INVALID",
			msg: "API key not valid; pass a valid API key"}
	}
	return key, nil
}

// text returns the text parts of content, joined by newlines.
func (gc *gemContent) text() string {
	s := ""
	for _, p := range gc.Parts {
		if p.Text != "" && s != "" {
			s += "\n"
		}
		s += p.Text
	}
	return s
}

func (geminiWire) parse(rt *routeInfo, body []byte, c *call) *apiError {
	var req gemRequest
	if e := decode(body, &req); e != nil {
		return e
	}
	c.Model = rt.model
	gc := &req.GenerationConfig
	c.MaxTokens, c.Temperature, c.TopP, c.Stop = gc.MaxOutputTokens, gc.Temperature, gc.TopP,
		gc.StopSequences
	if gc.TopK != nil {
		k := int(*gc.TopK)
		c.TopK = &k
	}
	if si := req.SystemInstruction; si != nil {
		c.System = true
		c.addText(si.text(), false)
	}
	for i := range req.Contents {
		ct := &req.Contents[i]
		c.Messages++
		c.lastToolResult = false
		for _, p := range ct.Parts {
			c.lastToolResult = c.lastToolResult || p.FunctionResponse != nil
		}
		c.addText(ct.text(), ct.Role != "model" && !c.lastToolResult)
	}
	for _, t := range req.Tools {
		for _, fd := range t.FunctionDeclarations {
			c.Tools = append(c.Tools, fd.Name)
		}
	}
	if tc := req.ToolConfig; tc != nil {
		fc := tc.FunctionCallingConfig
		c.ToolChoice = map[string]string{"AUTO": "auto", "ANY": "required", "NONE": "none",
			"VALIDATED": "auto"}[fc.Mode]
		if len(fc.AllowedFunctionNames) == 1 {
			c.ToolChoice = fc.AllowedFunctionNames[0]
		}
	}
	embeds := req.Requests
	if rt.op == opEmbed {
		embeds = []gemEmbedRequest{req.gemEmbedRequest}
	}
	for _, e := range embeds {
		text := e.Content.text()
		c.inputs = append(c.inputs, text)
		c.addText(text, false)
		c.dims = e.OutputDimensionality
	}
	return nil
}

// Response shapes.
type (
	gemCandidate struct {
		Content      gemContent `json:"content"`
		FinishReason string     `json:"finishReason,omitempty"`
		Index        int        `json:"index"`
	}
	gemUsage struct {
		PromptTokenCount     int `json:"promptTokenCount"`
		CandidatesTokenCount int `json:"candidatesTokenCount"`
		TotalTokenCount      int `json:"totalTokenCount"`
	}
	gemResponse struct {
		Candidates    []gemCandidate `json:"candidates"`
		UsageMetadata *gemUsage      `json:"usageMetadata,omitempty"`
		ModelVersion  string         `json:"modelVersion"`
		ResponseID    string         `json:"responseId"`
	}
	gemValues struct {
		Values []float32 `json:"values"`
	}
)

// response returns a GenerateContentResponse holding parts; final adds the finish
// reason and usage that only the last chunk of a stream carries.
func (c *call) gemResponse(parts []gemPart, final bool) gemResponse {
	cand := gemCandidate{Content: gemContent{Role: "model", Parts: parts}}
	resp := gemResponse{Candidates: []gemCandidate{cand}, ModelVersion: c.Model,
		ResponseID: "mock" + strconv.FormatUint(c.seq, 10)}
	if final {
		resp.Candidates[0].FinishReason = "STOP"
		if c.ans.finish == finishLength {
			resp.Candidates[0].FinishReason = "MAX_TOKENS"
		}
		a := &c.ans
		resp.UsageMetadata = &gemUsage{PromptTokenCount: a.promptTokens,
			CandidatesTokenCount: a.completionTokens,
			TotalTokenCount:      a.promptTokens + a.completionTokens}
	}
	return resp
}

// gemCall returns the functionCall part of a tool-call answer.
func (c *call) gemCall() gemPart {
	fc, _ := json.Marshal(struct {
		Name string          `json:"name"`
		Args json.RawMessage `json:"args"`
	}{c.ans.tool, json.RawMessage(c.ans.args)})
	raw := json.RawMessage(fc)
	return gemPart{FunctionCall: &raw}
}

func (geminiWire) reply(out *bytes.Buffer, c *call) {
	switch c.op {
	case opCountTokens:
		writeJSON(out, struct {
			TotalTokens int `json:"totalTokens"`
		}{c.ans.promptTokens})
	case opEmbed:
		writeJSON(out, struct {
			Embedding gemValues `json:"embedding"`
		}{gemValues{vector(c.inputs[0], c.dims)}})
	case opBatchEmbed:
		list := make([]gemValues, len(c.inputs))
		for i, in := range c.inputs {
			list[i] = gemValues{vector(in, c.dims)}
		}
		writeJSON(out, struct {
			Embeddings []gemValues `json:"embeddings"`
		}{list})
	default:
		part := gemPart{Text: c.ans.text}
		if c.ans.tool != "" {
			part = c.gemCall()
		}
		writeJSON(out, c.gemResponse([]gemPart{part}, true))
	}
}

func (geminiWire) events(s *stream, c *call, perChunk int) {
	if c.ans.tool != "" {
		// Gemini sends a function call whole, never as argument fragments.
		s.add(appendSSE(nil, "", c.gemResponse([]gemPart{c.gemCall()}, true)), true)
		return
	}
	// The last chunk carries the finish reason and usage along with its text.
	pieces := chunks(c.ans.text, perChunk)
	if len(pieces) == 0 {
		pieces = []string{""}
	}
	for i, piece := range pieces {
		resp := c.gemResponse([]gemPart{{Text: piece}}, i == len(pieces)-1)
		s.add(appendSSE(nil, "", resp), true)
	}
}

// gemStatus names the google.rpc status of an HTTP status.
func gemStatus(status int) string {
	switch status {
	case 400, 405:
		return "INVALID_ARGUMENT"
	case 401:
		return "UNAUTHENTICATED"
	case 403:
		return "PERMISSION_DENIED"
	case 404:
		return "NOT_FOUND"
	case 429:
		return "RESOURCE_EXHAUSTED"
	case 502, 503:
		return "UNAVAILABLE"
	case 504:
		return "DEADLINE_EXCEEDED"
	}
	return "INTERNAL"
}

func gemError(e *apiError) any {
	type info struct {
		Type   string `json:"@type"`
		Reason string `json:"reason"`
		Domain string `json:"domain"`
	}
	type detail struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
		Details []info `json:"details,omitempty"`
	}
	d := detail{Code: e.status, Message: e.msg, Status: gemStatus(e.status)}
	if e.code != "" {
		d.Details = []info{{Type: "type.googleapis.com/google.rpc.ErrorInfo", Reason: e.code,
			Domain: "googleapis.com"}}
	}
	return struct {
		Error detail `json:"error"`
	}{d}
}

func (geminiWire) errorBody(out *bytes.Buffer, _ http.Header, e *apiError) {
	writeJSON(out, gemError(e))
}

func (geminiWire) errorEvent(b []byte, e *apiError) []byte {
	return appendSSE(b, "", gemError(e))
}

func (geminiWire) malformedEvent(b []byte) []byte { return appendSSERaw(b, "", malformedJSON) }

func (geminiWire) streamType() string { return "text/event-stream" }
