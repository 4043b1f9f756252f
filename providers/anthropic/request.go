package anthropic

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sluicegw/sluice/schemas"
)

// DefaultMaxTokens is the max_tokens sent when the unified request sets none. The
// Messages API requires the field; 4096 fits every current Claude model's output
// limit and answers nearly any chat turn without truncation.
const DefaultMaxTokens = 4096

// RequestFromUnified translates a unified chat request into a Messages API request.
// System and developer messages become the top-level system prompt, in order; tool
// messages become tool_result blocks of a user turn, consecutive ones in the same
// turn. A field the Messages API cannot represent (presence_penalty,
// frequency_penalty, seed, a response_format other than text, a message name, a
// strict tool, a content part other than text or image) is refused with an
// ErrUnsupported error naming it; it is never dropped.
func RequestFromUnified(req *schemas.ChatRequest) (*MessagesRequest, error) {
	out := &MessagesRequest{Model: req.Model, MaxTokens: DefaultMaxTokens}
	if err := paramsFromUnified(out, req.Params); err != nil {
		return nil, err
	}
	var b converter
	for i := range req.Messages {
		if err := b.add(i, &req.Messages[i]); err != nil {
			return nil, err
		}
	}
	out.Messages = b.msgs
	if b.system != nil {
		out.System = &Content{Blocks: b.system}
		if len(b.system) == 1 {
			out.System = &Content{Text: b.system[0].Text}
		}
	}
	return out, nil
}

// unsupported reports a field of the unified request that Anthropic cannot take.
func unsupported(field, why string) *schemas.Error {
	e := schemas.NewError(schemas.ErrUnsupported, schemas.Anthropic,
		"%s cannot be sent to Anthropic: %s", field, why)
	e.Param = field
	return e
}

// invalid reports a field whose value is wrong whatever the provider.
func invalid(field, format string, args ...any) *schemas.Error {
	e := schemas.NewError(schemas.ErrBadRequest, schemas.Anthropic,
		"%s: %s", field, fmt.Sprintf(format, args...))
	e.Param = field
	return e
}

func paramsFromUnified(out *MessagesRequest, p *schemas.ChatParams) error {
	if p == nil {
		return nil
	}
	switch {
	case p.PresencePenalty != nil:
		return unsupported("presence_penalty", "the Messages API has no penalties")
	case p.FrequencyPenalty != nil:
		return unsupported("frequency_penalty", "the Messages API has no penalties")
	case p.Seed != nil:
		return unsupported("seed", "the Messages API has no seed")
	case len(p.ResponseFormat) > 0 && !isTextFormat(p.ResponseFormat):
		return unsupported("response_format", "only {\"type\":\"text\"} is available")
	}
	if p.MaxTokens != nil {
		if *p.MaxTokens < 1 {
			return invalid("max_tokens", "must be at least 1")
		}
		out.MaxTokens = *p.MaxTokens
	}
	out.Temperature, out.TopP, out.TopK = p.Temperature, p.TopP, p.TopK
	out.StopSequences = p.Stop
	if p.User != "" {
		out.Metadata = &Metadata{UserID: p.User}
	}
	for i, t := range p.Tools {
		tool, err := toolFromUnified(i, &t)
		if err != nil {
			return err
		}
		out.Tools = append(out.Tools, tool)
	}
	return toolChoiceFromUnified(out, p)
}

func isTextFormat(raw json.RawMessage) bool {
	var f struct{ Type string }
	return json.Unmarshal(raw, &f) == nil && f.Type == "text"
}

var emptySchema = json.RawMessage(`{"type":"object","properties":{}}`)

func toolFromUnified(i int, t *schemas.Tool) (Tool, error) {
	if t.Type != "" && t.Type != "function" {
		return Tool{}, unsupported(fmt.Sprintf("tools[%d].type", i), "only function tools exist")
	}
	if t.Function.Strict != nil && *t.Function.Strict {
		return Tool{}, unsupported(fmt.Sprintf("tools[%d].function.strict", i),
			"strict schema adherence is not available")
	}
	schema := t.Function.Parameters
	if len(bytes.TrimSpace(schema)) == 0 {
		schema = emptySchema
	}
	return Tool{Name: t.Function.Name, Description: t.Function.Description,
		InputSchema: schema}, nil
}

func toolChoiceFromUnified(out *MessagesRequest, p *schemas.ChatParams) error {
	if tc := p.ToolChoice; tc != nil {
		switch tc.Mode {
		case schemas.ToolChoiceAuto:
			out.ToolChoice = &ToolChoice{Type: "auto"}
		case schemas.ToolChoiceNone:
			out.ToolChoice = &ToolChoice{Type: "none"}
		case schemas.ToolChoiceRequired:
			out.ToolChoice = &ToolChoice{Type: "any"}
		case schemas.ToolChoiceFunction:
			out.ToolChoice = &ToolChoice{Type: "tool", Name: tc.Name}
		default:
			return invalid("tool_choice", "unknown mode %q", tc.Mode)
		}
	}
	if p.ParallelToolCalls != nil && !*p.ParallelToolCalls {
		if out.ToolChoice == nil {
			out.ToolChoice = &ToolChoice{Type: "auto"}
		}
		if out.ToolChoice.Type != "none" {
			out.ToolChoice.DisableParallelToolUse = true
		}
	}
	return nil
}

// converter gathers translated messages: the system blocks apart, and the turns.
type converter struct {
	system []ContentBlock
	msgs   []Message
}

func (c *converter) add(i int, m *schemas.Message) error {
	if m.Name != "" {
		return unsupported(fmt.Sprintf("messages[%d].name", i), "participant names do not exist")
	}
	switch m.Role {
	case schemas.RoleSystem, schemas.RoleDeveloper:
		return c.addSystem(i, m)
	case schemas.RoleUser:
		content, err := contentFromUnified(i, m.Content, true)
		if err != nil {
			return err
		}
		if c.lastIsToolResults() {
			c.appendBlocks(asBlocks(content)...)
			return nil
		}
		c.msgs = append(c.msgs, Message{Role: "user", Content: content})
	case schemas.RoleAssistant:
		return c.addAssistant(i, m)
	case schemas.RoleTool:
		return c.addToolResult(i, m)
	default:
		return invalid(fmt.Sprintf("messages[%d].role", i), "unknown role %q", m.Role)
	}
	return nil
}

// addSystem adds message i to the system prompt: its text as one block, or each of
// its text parts as a block of its own, so that separate parts stay separate.
func (c *converter) addSystem(i int, m *schemas.Message) error {
	if !m.Content.IsParts() {
		c.system = append(c.system, ContentBlock{Type: BlockText, Text: m.Content.String()})
		return nil
	}
	for j, p := range m.Content.Parts() {
		if p.Type != schemas.PartText {
			return unsupported(fmt.Sprintf("messages[%d].content[%d]", i, j),
				"a system prompt holds only text")
		}
		c.system = append(c.system, ContentBlock{Type: BlockText, Text: p.Text})
	}
	return nil
}

func (c *converter) addAssistant(i int, m *schemas.Message) error {
	content, err := contentFromUnified(i, m.Content, false)
	if err != nil {
		return err
	}
	if len(m.ToolCalls) == 0 {
		c.msgs = append(c.msgs, Message{Role: "assistant", Content: content})
		return nil
	}
	blocks := asBlocks(content)
	for j, tc := range m.ToolCalls {
		input, err := argumentsToInput(tc.Function.Arguments)
		if err != nil {
			return invalid(fmt.Sprintf("messages[%d].tool_calls[%d].function.arguments", i, j),
				"%v", err)
		}
		blocks = append(blocks, ContentBlock{Type: BlockToolUse, ID: tc.ID,
			Name: tc.Function.Name, Input: input})
	}
	c.msgs = append(c.msgs, Message{Role: "assistant", Content: Content{Blocks: blocks}})
	return nil
}

func (c *converter) addToolResult(i int, m *schemas.Message) error {
	if m.ToolCallID == "" {
		return invalid(fmt.Sprintf("messages[%d].tool_call_id", i),
			"a tool message must name the call it answers")
	}
	content, err := contentFromUnified(i, m.Content, true)
	if err != nil {
		return err
	}
	block := ContentBlock{Type: BlockToolResult, ToolUseID: m.ToolCallID, Content: &content}
	if c.lastIsToolResults() {
		c.appendBlocks(block)
		return nil
	}
	c.msgs = append(c.msgs, Message{Role: "user", Content: Content{Blocks: []ContentBlock{block}}})
	return nil
}

// lastIsToolResults reports whether the last turn is a user turn made of tool results,
// which the following tool results and user content join.
func (c *converter) lastIsToolResults() bool {
	if len(c.msgs) == 0 {
		return false
	}
	last := c.msgs[len(c.msgs)-1]
	return last.Role == "user" && len(last.Content.Blocks) > 0 &&
		last.Content.Blocks[0].Type == BlockToolResult
}

func (c *converter) appendBlocks(blocks ...ContentBlock) {
	last := &c.msgs[len(c.msgs)-1]
	last.Content.Blocks = append(last.Content.Blocks, blocks...)
}

// asBlocks returns content as a list of blocks; empty text makes none.
func asBlocks(c Content) []ContentBlock {
	if c.Blocks != nil {
		return c.Blocks
	}
	if c.Text == "" {
		return []ContentBlock{}
	}
	return []ContentBlock{{Type: BlockText, Text: c.Text}}
}

// contentFromUnified translates message i's content; images are allowed where the
// Messages API takes them (user turns and tool results).
func contentFromUnified(i int, c schemas.Content, images bool) (Content, error) {
	if !c.IsParts() {
		return Content{Text: c.String()}, nil
	}
	blocks := make([]ContentBlock, 0, len(c.Parts()))
	for j, p := range c.Parts() {
		field := fmt.Sprintf("messages[%d].content[%d]", i, j)
		switch {
		case p.Type == schemas.PartText:
			blocks = append(blocks, ContentBlock{Type: BlockText, Text: p.Text})
		case p.Type == schemas.PartImageURL && images:
			src, err := imageSource(field, p.ImageURL)
			if err != nil {
				return Content{}, err
			}
			blocks = append(blocks, ContentBlock{Type: BlockImage, Source: src})
		default:
			return Content{}, unsupported(field, fmt.Sprintf("a %q part is not available here",
				p.Type))
		}
	}
	return Content{Blocks: blocks}, nil
}

// imageSource translates an image URL: a base64 data URL becomes inline data, an
// http(s) URL a URL source. The detail hint has no equivalent and is not sent; the
// image itself is.
func imageSource(field string, u *schemas.ImageURL) (*ImageSource, error) {
	if u == nil || u.URL == "" {
		return nil, invalid(field+".image_url", "an image part needs a URL")
	}
	if rest, ok := strings.CutPrefix(u.URL, "data:"); ok {
		meta, data, ok := strings.Cut(rest, ",")
		mediaType, isBase64 := strings.CutSuffix(meta, ";base64")
		if !ok || !isBase64 || mediaType == "" {
			return nil, invalid(field+".image_url.url",
				"a data URL must look like data:<media type>;base64,<data>")
		}
		return &ImageSource{Type: "base64", MediaType: mediaType, Data: data}, nil
	}
	if strings.HasPrefix(u.URL, "https://") || strings.HasPrefix(u.URL, "http://") {
		return &ImageSource{Type: "url", URL: u.URL}, nil
	}
	return nil, invalid(field+".image_url.url", "must be an http(s) URL or a base64 data URL")
}

var emptyInput = json.RawMessage(`{}`)

// argumentsToInput turns a tool call's JSON-encoded arguments into a tool_use input,
// which must be a JSON object; empty arguments are an empty object.
func argumentsToInput(args string) (json.RawMessage, error) {
	b := bytes.TrimSpace([]byte(args))
	if len(b) == 0 {
		return emptyInput, nil
	}
	if b[0] != '{' || !json.Valid(b) {
		return nil, fmt.Errorf("must be a JSON object")
	}
	return b, nil
}
