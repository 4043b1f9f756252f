package schemas

import (
	"encoding/json"
	"fmt"
)

// Tool choice modes, in OpenAI's vocabulary.
const (
	ToolChoiceAuto     = "auto"
	ToolChoiceNone     = "none"
	ToolChoiceRequired = "required"
	// ToolChoiceFunction forces the call of the function named in ToolChoice.Name.
	ToolChoiceFunction = "function"
)

// ToolChoice says whether and which tool the model must call. It marshals as OpenAI
// does: a bare mode string, or {"type":"function","function":{"name":...}}.
type ToolChoice struct {
	Mode string
	// Name is the function to call when Mode is ToolChoiceFunction.
	Name string
}

type toolChoiceObject struct {
	Type     string `json:"type"`
	Function struct {
		Name string `json:"name"`
	} `json:"function"`
}

// MarshalJSON encodes t in OpenAI's tool_choice form.
func (t ToolChoice) MarshalJSON() ([]byte, error) {
	if t.Mode != ToolChoiceFunction {
		return json.Marshal(t.Mode)
	}
	var o toolChoiceObject
	o.Type = ToolChoiceFunction
	o.Function.Name = t.Name
	return json.Marshal(o)
}

// UnmarshalJSON decodes OpenAI's tool_choice: a mode string or a function object.
func (t *ToolChoice) UnmarshalJSON(b []byte) error {
	var mode string
	if err := json.Unmarshal(b, &mode); err == nil {
		switch mode {
		case ToolChoiceAuto, ToolChoiceNone, ToolChoiceRequired:
			*t = ToolChoice{Mode: mode}
			return nil
		}
		return fmt.Errorf("tool_choice %q is not one of auto, none, required", mode)
	}
	var o toolChoiceObject
	if err := json.Unmarshal(b, &o); err != nil {
		return fmt.Errorf("tool_choice must be a string or a function object: %w", err)
	}
	if o.Type != ToolChoiceFunction || o.Function.Name == "" {
		return fmt.Errorf("tool_choice object needs type \"function\" and function.name")
	}
	*t = ToolChoice{Mode: ToolChoiceFunction, Name: o.Function.Name}
	return nil
}
