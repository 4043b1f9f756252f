package cohere

import (
	"encoding/json"
	"fmt"

	"github.com/sluicegw/sluice/schemas"
)

// Cohere's tool_choice values. Leaving the field out lets the model decide.
const (
	choiceRequired = "REQUIRED"
	choiceNone     = "NONE"
)

// translator builds one v2 chat request and reports the first field it cannot
// represent as a 400 naming that field.
type translator struct {
	provider schemas.ModelProvider
}

func (t translator) badField(field, format string, args ...any) error {
	e := schemas.NewError(schemas.ErrUnsupported, t.provider, "%s: %s", field,
		fmt.Sprintf(format, args...))
	e.Param = field
	return e
}

// request translates req. ChatParams.User is not sent: Cohere has no such field, and
// the value only tags a request for the caller's own abuse tracking.
func (t translator) request(req *schemas.ChatRequest, stream bool) (*chatRequest, error) {
	out := &chatRequest{Model: req.Model, Stream: stream,
		Messages: make([]message, 0, len(req.Messages))}
	for i := range req.Messages {
		m, err := t.message(&req.Messages[i], fmt.Sprintf("messages[%d]", i))
		if err != nil {
			return nil, err
		}
		out.Messages = append(out.Messages, m)
	}
	if p := req.Params; p != nil {
		out.MaxTokens, out.Temperature, out.P, out.K = p.MaxTokens, p.Temperature, p.TopP, p.TopK
		out.StopSequences, out.Seed = p.Stop, p.Seed
		out.FrequencyPenalty, out.PresencePenalty = p.FrequencyPenalty, p.PresencePenalty
		if err := t.tools(out, p); err != nil {
			return nil, err
		}
		rf, err := t.responseFormat(p.ResponseFormat)
		if err != nil {
			return nil, err
		}
		out.ResponseFormat = rf
	}
	return out, nil
}

// message translates one turn. An assistant turn that calls tools carries its text as
// the tool plan, which is where Cohere puts the reasoning that leads to calls.
func (t translator) message(m *schemas.Message, field string) (message, error) {
	if m.Name != "" {
		return message{}, t.badField(field+".name", "cohere has no participant names")
	}
	switch m.Role {
	case schemas.RoleSystem, schemas.RoleDeveloper:
		if err := t.textOnly(m.Content, field); err != nil {
			return message{}, err
		}
		return message{Role: "system", Content: m.Content.String()}, nil
	case schemas.RoleUser:
		c, err := t.userContent(m.Content, field+".content")
		return message{Role: "user", Content: c}, err
	case schemas.RoleAssistant:
		if err := t.textOnly(m.Content, field); err != nil {
			return message{}, err
		}
		out := message{Role: "assistant"}
		if len(m.ToolCalls) == 0 {
			out.Content = m.Content.String()
			return out, nil
		}
		out.ToolPlan = m.Content.String()
		for _, tc := range m.ToolCalls {
			out.ToolCalls = append(out.ToolCalls, toolCall{ID: tc.ID, Type: "function",
				Function: function{Name: tc.Function.Name, Arguments: tc.Function.Arguments}})
		}
		return out, nil
	case schemas.RoleTool:
		if m.ToolCallID == "" {
			return message{}, t.badField(field+".tool_call_id", "is required")
		}
		return message{Role: "tool", ToolCallID: m.ToolCallID,
			Content: m.Content.String()}, nil
	}
	return message{}, t.badField(field+".role", "unknown role %q", m.Role)
}

// textOnly refuses content with parts other than text.
func (t translator) textOnly(c schemas.Content, field string) error {
	for j, p := range c.Parts() {
		if p.Type != schemas.PartText {
			return t.badField(fmt.Sprintf("%s.content[%d]", field, j),
				"a %s part is only accepted in user messages", p.Type)
		}
	}
	return nil
}

// userContent is plain text, or an array of text and image parts.
func (t translator) userContent(c schemas.Content, field string) (any, error) {
	if !c.IsParts() {
		return c.String(), nil
	}
	parts := make([]contentPart, 0, len(c.Parts()))
	for j, p := range c.Parts() {
		switch {
		case p.Type == schemas.PartText:
			parts = append(parts, contentPart{Type: "text", Text: p.Text})
		case p.Type == schemas.PartImageURL && p.ImageURL != nil:
			parts = append(parts, contentPart{Type: "image_url",
				ImageURL: &imageURL{URL: p.ImageURL.URL, Detail: p.ImageURL.Detail}})
		default:
			return nil, t.badField(fmt.Sprintf("%s[%d].type", field, j),
				"part type %q is not supported", p.Type)
		}
	}
	return parts, nil
}

// tools declares the functions and maps the tool choice: none is NONE, required is
// REQUIRED, and a named function is REQUIRED with only that function offered, which
// Cohere has no other way to say. Cohere's strict_tools covers every tool, so it is
// set only when every tool asks for strict arguments.
func (t translator) tools(out *chatRequest, p *schemas.ChatParams) error {
	if p.ParallelToolCalls != nil && !*p.ParallelToolCalls {
		return t.badField("parallel_tool_calls",
			"cohere cannot be limited to one tool call per turn")
	}
	strict := len(p.Tools) > 0
	for i, tl := range p.Tools {
		if tl.Type != "" && tl.Type != "function" {
			return t.badField(fmt.Sprintf("tools[%d].type", i),
				"only function tools are supported, not %q", tl.Type)
		}
		strict = strict && tl.Function.Strict != nil && *tl.Function.Strict
		out.Tools = append(out.Tools, tool{Type: "function", Function: toolDeclaration{
			Name: tl.Function.Name, Description: tl.Function.Description,
			Parameters: tl.Function.Parameters}})
	}
	out.StrictTools = strict

	tc := p.ToolChoice
	if tc == nil {
		return nil
	}
	switch tc.Mode {
	case schemas.ToolChoiceAuto:
	case schemas.ToolChoiceNone:
		out.ToolChoice = choiceNone
	case schemas.ToolChoiceRequired:
		out.ToolChoice = choiceRequired
	case schemas.ToolChoiceFunction:
		for _, tl := range out.Tools {
			if tl.Function.Name == tc.Name {
				out.Tools, out.ToolChoice = []tool{tl}, choiceRequired
				return nil
			}
		}
		return t.badField("tool_choice", "function %q is not among the tools", tc.Name)
	default:
		return t.badField("tool_choice", "unknown mode %q", tc.Mode)
	}
	if out.ToolChoice == choiceRequired && len(out.Tools) == 0 {
		return t.badField("tool_choice", "needs tools to choose from")
	}
	return nil
}

// responseFormat maps OpenAI's response_format: "text" is Cohere's default,
// "json_object" asks for JSON, and "json_schema" for JSON matching the schema.
func (t translator) responseFormat(raw json.RawMessage) (*responseFormat, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var rf struct {
		Type       string `json:"type"`
		JSONSchema *struct {
			Schema json.RawMessage `json:"schema"`
		} `json:"json_schema"`
	}
	if err := json.Unmarshal(raw, &rf); err != nil {
		return nil, t.badField("response_format", "must be an object with a type: %v", err)
	}
	switch rf.Type {
	case "text":
		return nil, nil
	case "json_object":
		return &responseFormat{Type: "json_object"}, nil
	case "json_schema":
		if rf.JSONSchema == nil || len(rf.JSONSchema.Schema) == 0 {
			return nil, t.badField("response_format.json_schema.schema", "is required")
		}
		return &responseFormat{Type: "json_object", JSONSchema: rf.JSONSchema.Schema}, nil
	}
	return nil, t.badField("response_format.type", "%q is not supported", rf.Type)
}
