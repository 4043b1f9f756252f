package gemini

import (
	"encoding/json"
	"fmt"

	"github.com/sluicegw/sluice/schemas"
)

// params translates the generation parameters, tools and tool choice.
//
// ChatParams.User is not sent: Gemini has no such field, and the value only tags a
// request for the caller's own abuse tracking, so it changes nothing in the answer.
// Tool.Function.Strict is not sent either: Gemini has no strict mode, and always
// checks arguments against the declared schema as best it can.
func (t translator) params(out *generateRequest, p *schemas.ChatParams) error {
	if p == nil {
		return nil
	}
	gc := generationConfig{
		MaxOutputTokens:  p.MaxTokens,
		Temperature:      p.Temperature,
		TopP:             p.TopP,
		TopK:             p.TopK,
		StopSequences:    p.Stop,
		Seed:             p.Seed,
		PresencePenalty:  p.PresencePenalty,
		FrequencyPenalty: p.FrequencyPenalty,
	}
	if err := t.responseFormat(&gc, p.ResponseFormat); err != nil {
		return err
	}
	if !gc.empty() {
		out.GenerationConfig = &gc
	}
	if p.ParallelToolCalls != nil && !*p.ParallelToolCalls {
		return t.badField("parallel_tool_calls",
			"gemini cannot be limited to one tool call per turn")
	}
	if err := t.tools(out, p.Tools); err != nil {
		return err
	}
	return t.toolChoice(out, p.ToolChoice)
}

// tools declares the request's functions.
func (t translator) tools(out *generateRequest, tools []schemas.Tool) error {
	if len(tools) == 0 {
		return nil
	}
	decls := make([]functionDeclaration, 0, len(tools))
	for i, tl := range tools {
		if tl.Type != "" && tl.Type != "function" {
			return t.badField(fmt.Sprintf("tools[%d].type", i),
				"only function tools are supported, not %q", tl.Type)
		}
		if tl.Function.Name == "" {
			return t.badField(fmt.Sprintf("tools[%d].function.name", i), "is required")
		}
		decls = append(decls, functionDeclaration{Name: tl.Function.Name,
			Description: tl.Function.Description, ParametersJSONSchema: tl.Function.Parameters})
	}
	out.Tools = []tool{{FunctionDeclarations: decls}}
	return nil
}

// toolChoice maps OpenAI's tool_choice to a function calling mode: auto is AUTO, none
// is NONE, required is ANY, and a named function is ANY restricted to that name.
func (t translator) toolChoice(out *generateRequest, tc *schemas.ToolChoice) error {
	if tc == nil {
		return nil
	}
	var fc functionCallingConfig
	switch tc.Mode {
	case schemas.ToolChoiceAuto:
		fc.Mode = modeAuto
	case schemas.ToolChoiceNone:
		fc.Mode = modeNone
	case schemas.ToolChoiceRequired:
		fc.Mode = modeAny
	case schemas.ToolChoiceFunction:
		fc = functionCallingConfig{Mode: modeAny, AllowedFunctionNames: []string{tc.Name}}
	default:
		return t.badField("tool_choice", "unknown mode %q", tc.Mode)
	}
	if fc.Mode != modeNone && len(out.Tools) == 0 {
		return t.badField("tool_choice", "needs tools to choose from")
	}
	out.ToolConfig = &toolConfig{FunctionCallingConfig: fc}
	return nil
}

// responseFormat maps OpenAI's response_format: "text" changes nothing, "json_object"
// asks for JSON, and "json_schema" asks for JSON matching the schema.
func (t translator) responseFormat(gc *generationConfig, raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var rf struct {
		Type       string `json:"type"`
		JSONSchema *struct {
			Schema json.RawMessage `json:"schema"`
		} `json:"json_schema"`
	}
	if err := json.Unmarshal(raw, &rf); err != nil {
		return t.badField("response_format", "must be an object with a type: %v", err)
	}
	switch rf.Type {
	case "text":
	case "json_object":
		gc.ResponseMimeType = "application/json"
	case "json_schema":
		if rf.JSONSchema == nil || len(rf.JSONSchema.Schema) == 0 {
			return t.badField("response_format.json_schema.schema", "is required")
		}
		gc.ResponseMimeType = "application/json"
		gc.ResponseJSONSchema = rf.JSONSchema.Schema
	default:
		return t.badField("response_format.type", "%q is not supported", rf.Type)
	}
	return nil
}

// empty reports whether gc sets nothing, in which case it is left out of the request.
func (gc *generationConfig) empty() bool {
	return gc.MaxOutputTokens == nil && gc.Temperature == nil && gc.TopP == nil &&
		gc.TopK == nil && len(gc.StopSequences) == 0 && gc.Seed == nil &&
		gc.PresencePenalty == nil && gc.FrequencyPenalty == nil &&
		gc.ResponseMimeType == "" && len(gc.ResponseJSONSchema) == 0
}
