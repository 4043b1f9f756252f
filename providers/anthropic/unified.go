package anthropic

import (
	"fmt"
	"strings"

	"github.com/sluicegw/sluice/schemas"
)

// RequestToUnified translates a Messages API request into a unified chat request, for
// a gateway that serves Anthropic's API in front of any provider. The system prompt
// becomes the first message; tool_result blocks become tool messages placed before the
// rest of their user turn, since a tool message must follow the call it answers;
// tool_use blocks become tool calls. Thinking, a service tier, a tool result marked
// as an error, server tools, and document or thinking blocks have no unified
// equivalent and are refused with an ErrUnsupported error naming the field.
// cache_control hints are left out: they change cost, not the answer. The result's
// Provider is left for the caller to set.
func RequestToUnified(r *MessagesRequest) (*schemas.ChatRequest, error) {
	switch {
	case len(r.Thinking) > 0 && string(r.Thinking) != "null":
		return nil, untranslatable("thinking", "extended thinking")
	case r.ServiceTier != "" && r.ServiceTier != "auto":
		return nil, untranslatable("service_tier", "a service tier")
	}
	out := &schemas.ChatRequest{Model: r.Model}
	params, err := paramsToUnified(r)
	if err != nil {
		return nil, err
	}
	out.Params = params

	if r.System != nil {
		out.Messages = append(out.Messages, systemToUnified(r.System))
	}
	for i := range r.Messages {
		msgs, err := messageToUnified(i, &r.Messages[i])
		if err != nil {
			return nil, err
		}
		out.Messages = append(out.Messages, msgs...)
	}
	return out, nil
}

// untranslatable reports an Anthropic field with no unified equivalent.
func untranslatable(field, what string) *schemas.Error {
	e := schemas.NewError(schemas.ErrUnsupported, "",
		"%s: %s cannot be translated for another provider", field, what)
	e.Param = field
	return e
}

func paramsToUnified(r *MessagesRequest) (*schemas.ChatParams, error) {
	maxTokens := r.MaxTokens
	p := &schemas.ChatParams{MaxTokens: &maxTokens, Temperature: r.Temperature, TopP: r.TopP,
		TopK: r.TopK, Stop: r.StopSequences}
	if r.Metadata != nil {
		p.User = r.Metadata.UserID
	}
	for i, t := range r.Tools {
		if t.Type != "" && t.Type != "custom" {
			return nil, untranslatable(fmt.Sprintf("tools[%d]", i),
				fmt.Sprintf("the server tool %q", t.Type))
		}
		p.Tools = append(p.Tools, schemas.Tool{Type: "function", Function: schemas.ToolFunction{
			Name: t.Name, Description: t.Description, Parameters: t.InputSchema}})
	}
	if tc := r.ToolChoice; tc != nil {
		switch tc.Type {
		case "auto":
			p.ToolChoice = &schemas.ToolChoice{Mode: schemas.ToolChoiceAuto}
		case "any":
			p.ToolChoice = &schemas.ToolChoice{Mode: schemas.ToolChoiceRequired}
		case "none":
			p.ToolChoice = &schemas.ToolChoice{Mode: schemas.ToolChoiceNone}
		case "tool":
			p.ToolChoice = &schemas.ToolChoice{Mode: schemas.ToolChoiceFunction, Name: tc.Name}
		default:
			return nil, invalid("tool_choice.type", "unknown type %q", tc.Type)
		}
		if tc.DisableParallelToolUse {
			no := false
			p.ParallelToolCalls = &no
		}
	}
	return p, nil
}

// systemToUnified makes the system prompt one system message: plain text stays text,
// several blocks become text parts.
func systemToUnified(c *Content) schemas.Message {
	if c.Blocks == nil {
		return schemas.Message{Role: schemas.RoleSystem, Content: schemas.Text(c.Text)}
	}
	parts := make([]schemas.ContentPart, 0, len(c.Blocks))
	for _, b := range c.Blocks {
		parts = append(parts, schemas.ContentPart{Type: schemas.PartText, Text: b.Text})
	}
	return schemas.Message{Role: schemas.RoleSystem, Content: schemas.Parts(parts...)}
}

// messageToUnified translates turn i into one or more unified messages.
func messageToUnified(i int, m *Message) ([]schemas.Message, error) {
	switch m.Role {
	case "user":
		return userToUnified(i, m)
	case "assistant":
		msg, err := assistantToUnified(i, m)
		return []schemas.Message{msg}, err
	}
	return nil, invalid(fmt.Sprintf("messages[%d].role", i), "must be user or assistant")
}

func userToUnified(i int, m *Message) ([]schemas.Message, error) {
	if m.Content.Blocks == nil {
		return []schemas.Message{{Role: schemas.RoleUser, Content: schemas.Text(m.Content.Text)}}, nil
	}
	var out []schemas.Message
	var parts []schemas.ContentPart
	for j, b := range m.Content.Blocks {
		field := fmt.Sprintf("messages[%d].content[%d]", i, j)
		if b.Type != BlockToolResult {
			p, err := partToUnified(field, &b)
			if err != nil {
				return nil, err
			}
			parts = append(parts, p)
			continue
		}
		if b.IsError {
			return nil, untranslatable(field+".is_error", "a tool result marked as an error")
		}
		msg := schemas.Message{Role: schemas.RoleTool, ToolCallID: b.ToolUseID}
		if b.Content != nil {
			c, err := contentToUnified(field+".content", b.Content)
			if err != nil {
				return nil, err
			}
			msg.Content = c
		}
		out = append(out, msg)
	}
	if len(parts) > 0 {
		out = append(out, schemas.Message{Role: schemas.RoleUser, Content: schemas.Parts(parts...)})
	}
	return out, nil
}

func assistantToUnified(i int, m *Message) (schemas.Message, error) {
	msg := schemas.Message{Role: schemas.RoleAssistant}
	if m.Content.Blocks == nil {
		msg.Content = schemas.Text(m.Content.Text)
		return msg, nil
	}
	var text strings.Builder
	for j, b := range m.Content.Blocks {
		switch b.Type {
		case BlockText:
			text.WriteString(b.Text)
		case BlockToolUse:
			msg.ToolCalls = append(msg.ToolCalls, schemas.ToolCall{ID: b.ID, Type: "function",
				Function: schemas.ToolCallFunction{Name: b.Name, Arguments: inputToArguments(b.Input)}})
		default:
			return msg, untranslatable(fmt.Sprintf("messages[%d].content[%d]", i, j),
				fmt.Sprintf("a %q block", b.Type))
		}
	}
	msg.Content = schemas.Text(text.String())
	return msg, nil
}

// contentToUnified translates a tool result's content: text stays text, blocks become
// parts.
func contentToUnified(field string, c *Content) (schemas.Content, error) {
	if c.Blocks == nil {
		return schemas.Text(c.Text), nil
	}
	parts := make([]schemas.ContentPart, 0, len(c.Blocks))
	for j, b := range c.Blocks {
		p, err := partToUnified(fmt.Sprintf("%s[%d]", field, j), &b)
		if err != nil {
			return schemas.Content{}, err
		}
		parts = append(parts, p)
	}
	return schemas.Parts(parts...), nil
}

// partToUnified translates a text or image block into a content part.
func partToUnified(field string, b *ContentBlock) (schemas.ContentPart, error) {
	switch {
	case b.Type == BlockText:
		return schemas.ContentPart{Type: schemas.PartText, Text: b.Text}, nil
	case b.Type == BlockImage && b.Source != nil && b.Source.Type == "base64":
		url := "data:" + b.Source.MediaType + ";base64," + b.Source.Data
		return schemas.ContentPart{Type: schemas.PartImageURL,
			ImageURL: &schemas.ImageURL{URL: url}}, nil
	case b.Type == BlockImage && b.Source != nil && b.Source.Type == "url":
		return schemas.ContentPart{Type: schemas.PartImageURL,
			ImageURL: &schemas.ImageURL{URL: b.Source.URL}}, nil
	case b.Type == BlockImage:
		return schemas.ContentPart{}, untranslatable(field+".source", "this image source")
	}
	return schemas.ContentPart{}, untranslatable(field, fmt.Sprintf("a %q block", b.Type))
}
