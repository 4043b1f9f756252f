package bedrock

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sluicegw/sluice/schemas"
)

// emptySchema is the input schema of a tool declared without parameters: Converse
// requires one.
var emptySchema = json.RawMessage(`{"type":"object","properties":{}}`)

// emptyInput is the input of a tool call whose arguments are empty.
var emptyInput = json.RawMessage(`{}`)

// converseBody translates req into a Converse request. What Converse cannot express
// is refused with an error naming the field, never dropped.
func converseBody(p schemas.ModelProvider, req *schemas.ChatRequest) (*converseRequest, error) {
	body := &converseRequest{}
	if err := translateParams(p, req.Params, body); err != nil {
		return nil, err
	}
	for i := range req.Messages {
		if err := addMessage(p, body, &req.Messages[i], i); err != nil {
			return nil, err
		}
	}
	if err := checkToolChoiceNone(p, req.Params, body); err != nil {
		return nil, err
	}
	return body, nil
}

// translateParams fills the inference and tool configuration of body.
func translateParams(p schemas.ModelProvider, prm *schemas.ChatParams,
	body *converseRequest) error {
	if prm == nil {
		return nil
	}
	if field := unsupportedParam(prm); field != "" {
		return unsupported(p, field, "the Converse API has no such parameter")
	}
	if prm.MaxTokens != nil || prm.Temperature != nil || prm.TopP != nil ||
		len(prm.Stop) > 0 {
		body.InferenceConfig = &inferenceConfig{MaxTokens: prm.MaxTokens,
			Temperature: prm.Temperature, TopP: prm.TopP, StopSequences: prm.Stop}
	}
	if len(prm.Tools) == 0 {
		if prm.ToolChoice != nil && prm.ToolChoice.Mode != schemas.ToolChoiceNone {
			return badRequest(p, "tool_choice", "tool_choice needs tools")
		}
		return nil
	}
	tc, err := translateTools(p, prm.Tools)
	if err != nil {
		return err
	}
	if tc.ToolChoice, err = translateToolChoice(p, prm.ToolChoice); err != nil {
		return err
	}
	body.ToolConfig = tc
	return nil
}

// unsupportedParam names the first parameter set in prm that Converse lacks. top_k is
// among them: models take it under different names in additionalModelRequestFields
// ("top_k", "topK", "k"), so no one spelling would be right for every model.
func unsupportedParam(prm *schemas.ChatParams) string {
	switch {
	case prm.TopK != nil:
		return "top_k"
	case prm.PresencePenalty != nil:
		return "presence_penalty"
	case prm.FrequencyPenalty != nil:
		return "frequency_penalty"
	case prm.Seed != nil:
		return "seed"
	case prm.User != "":
		return "user"
	case len(prm.ResponseFormat) > 0:
		return "response_format"
	case prm.ParallelToolCalls != nil && !*prm.ParallelToolCalls:
		// Models on Converse may always call tools in parallel; true asks for nothing
		// more, false cannot be honoured.
		return "parallel_tool_calls"
	}
	return ""
}

func translateTools(p schemas.ModelProvider, tools []schemas.Tool) (*toolConfig, error) {
	tc := &toolConfig{Tools: make([]tool, len(tools))}
	for i, t := range tools {
		if t.Type != "" && t.Type != "function" {
			return nil, unsupported(p, fmt.Sprintf("tools[%d].type", i),
				"only function tools can be declared")
		}
		schema := t.Function.Parameters
		if len(schema) == 0 || string(schema) == "null" {
			schema = emptySchema
		}
		tc.Tools[i] = tool{ToolSpec: toolSpec{Name: t.Function.Name,
			Description: t.Function.Description, InputSchema: inputSchema{JSON: schema},
			Strict: t.Function.Strict}}
	}
	return tc, nil
}

// translateToolChoice maps OpenAI's modes: auto to auto, required to any, a named
// function to tool. "none" has no counterpart; converseBody handles it by sending no
// tools at all.
func translateToolChoice(p schemas.ModelProvider, c *schemas.ToolChoice) (*toolChoice, error) {
	if c == nil {
		return nil, nil
	}
	switch c.Mode {
	case schemas.ToolChoiceAuto:
		return &toolChoice{Auto: &struct{}{}}, nil
	case schemas.ToolChoiceRequired:
		return &toolChoice{Any: &struct{}{}}, nil
	case schemas.ToolChoiceFunction:
		return &toolChoice{Tool: &toolChoiceTool{Name: c.Name}}, nil
	case schemas.ToolChoiceNone:
		return nil, nil
	}
	return nil, badRequest(p, "tool_choice", fmt.Sprintf("unknown tool_choice %q", c.Mode))
}

// checkToolChoiceNone honours tool_choice "none", which Converse lacks, by offering
// the model no tools. That is exact unless the conversation already holds tool calls
// or results: Converse then requires the tools to be declared, and the request is
// refused rather than sent with tools the caller forbade.
func checkToolChoiceNone(p schemas.ModelProvider, prm *schemas.ChatParams,
	body *converseRequest) error {
	if prm == nil || prm.ToolChoice == nil || prm.ToolChoice.Mode != schemas.ToolChoiceNone {
		return nil
	}
	for _, m := range body.Messages {
		for _, b := range m.Content {
			if b.ToolUse != nil || b.ToolResult != nil {
				return unsupported(p, "tool_choice",
					"Converse cannot forbid tools in a conversation that already uses them")
			}
		}
	}
	body.ToolConfig = nil
	return nil
}

// addMessage appends m to body: system and developer messages become system blocks,
// tool results become blocks of a user message. Consecutive messages of one role are
// merged, since Converse wants user and assistant turns to alternate.
func addMessage(p schemas.ModelProvider, body *converseRequest, m *schemas.Message,
	i int) error {
	if m.Name != "" {
		return unsupported(p, fmt.Sprintf("messages[%d].name", i),
			"Converse messages carry no name")
	}
	switch m.Role {
	case schemas.RoleSystem, schemas.RoleDeveloper:
		blocks, err := contentBlocks(p, m.Content, i, false)
		if err != nil {
			return err
		}
		body.System = append(body.System, blocks...)
		return nil
	case schemas.RoleUser:
		blocks, err := contentBlocks(p, m.Content, i, true)
		if err != nil {
			return err
		}
		appendTurn(body, "user", blocks...)
		return nil
	case schemas.RoleAssistant:
		return addAssistant(p, body, m, i)
	case schemas.RoleTool:
		return addToolResult(p, body, m, i)
	}
	return badRequest(p, fmt.Sprintf("messages[%d].role", i),
		fmt.Sprintf("unknown role %q", m.Role))
}

func addAssistant(p schemas.ModelProvider, body *converseRequest, m *schemas.Message,
	i int) error {
	blocks, err := contentBlocks(p, m.Content, i, false)
	if err != nil {
		return err
	}
	for j, c := range m.ToolCalls {
		input := json.RawMessage(c.Function.Arguments)
		if strings.TrimSpace(c.Function.Arguments) == "" {
			input = emptyInput
		} else if !json.Valid(input) {
			return badRequest(p, fmt.Sprintf("messages[%d].tool_calls[%d].function.arguments",
				i, j), "tool call arguments must be JSON")
		}
		blocks = append(blocks, block{ToolUse: &toolUse{ToolUseID: c.ID,
			Name: c.Function.Name, Input: input}})
	}
	appendTurn(body, "assistant", blocks...)
	return nil
}

func addToolResult(p schemas.ModelProvider, body *converseRequest, m *schemas.Message,
	i int) error {
	if m.ToolCallID == "" {
		return badRequest(p, fmt.Sprintf("messages[%d].tool_call_id", i),
			"a tool message needs the id of the call it answers")
	}
	content, err := contentBlocks(p, m.Content, i, true)
	if err != nil {
		return err
	}
	if content == nil {
		content = []block{}
	}
	appendTurn(body, "user", block{ToolResult: &toolResult{ToolUseID: m.ToolCallID,
		Content: content}})
	return nil
}

// appendTurn adds blocks to the last message when it has role, else starts a message.
func appendTurn(body *converseRequest, role string, blocks ...block) {
	if n := len(body.Messages); n > 0 && body.Messages[n-1].Role == role {
		body.Messages[n-1].Content = append(body.Messages[n-1].Content, blocks...)
		return
	}
	body.Messages = append(body.Messages, message{Role: role, Content: blocks})
}

// contentBlocks translates a message's content. Empty text gives no block: Converse
// refuses blank text blocks. Images are allowed only where images may be.
func contentBlocks(p schemas.ModelProvider, c schemas.Content, i int,
	images bool) ([]block, error) {
	if !c.IsParts() {
		if s := c.String(); s != "" {
			return []block{{Text: s}}, nil
		}
		return nil, nil
	}
	blocks := make([]block, 0, len(c.Parts()))
	for j, part := range c.Parts() {
		field := fmt.Sprintf("messages[%d].content[%d]", i, j)
		switch {
		case part.Type == schemas.PartText:
			if part.Text != "" {
				blocks = append(blocks, block{Text: part.Text})
			}
		case part.Type == schemas.PartImageURL && images && part.ImageURL != nil:
			img, err := imageBlock(p, part.ImageURL.URL, field)
			if err != nil {
				return nil, err
			}
			blocks = append(blocks, block{Image: img})
		default:
			return nil, unsupported(p, field,
				fmt.Sprintf("content of type %q cannot be sent in this message", part.Type))
		}
	}
	return blocks, nil
}

// imageFormats maps the media types of data: URLs to Converse's image formats.
var imageFormats = map[string]string{
	"image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg",
	"image/gif": "gif", "image/webp": "webp",
}

// imageBlock reads an inline "data:image/...;base64," URL. Converse fetches no URLs
// (it reads images inline or from S3), so any other URL is refused.
func imageBlock(p schemas.ModelProvider, url, field string) (*image, error) {
	rest, ok := strings.CutPrefix(url, "data:")
	if !ok {
		return nil, unsupported(p, field+".image_url.url",
			"Bedrock takes images inline only; send a data: URL with base64 data")
	}
	meta, data, ok := strings.Cut(rest, ",")
	mediaType, isBase64 := strings.CutSuffix(meta, ";base64")
	format := imageFormats[strings.ToLower(mediaType)]
	switch {
	case !ok || !isBase64:
		return nil, badRequest(p, field+".image_url.url",
			"an image data: URL must be base64 encoded")
	case format == "":
		return nil, unsupported(p, field+".image_url.url",
			fmt.Sprintf("image type %q is not one of png, jpeg, gif, webp", mediaType))
	}
	return &image{Format: format, Source: imageSource{Bytes: data}}, nil
}

// unsupported refuses a field Converse cannot express.
func unsupported(p schemas.ModelProvider, field, why string) *schemas.Error {
	e := schemas.NewError(schemas.ErrUnsupported, p,
		"%s is not supported by %s: %s; remove it from the request", field, p, why)
	e.Param = field
	return e
}

// badRequest refuses a field whose value is invalid.
func badRequest(p schemas.ModelProvider, field, why string) *schemas.Error {
	e := schemas.NewError(schemas.ErrBadRequest, p, "invalid %s: %s", field, why)
	e.Param = field
	return e
}
