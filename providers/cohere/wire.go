package cohere

import "encoding/json"

// The types below are the parts of Cohere's v2 wire format that sluice reads or
// writes; unknown fields in answers (citations, logprobs, …) are ignored.

// chatRequest is the body of POST /v2/chat.
type chatRequest struct {
	Model            string          `json:"model"`
	Messages         []message       `json:"messages"`
	Tools            []tool          `json:"tools,omitempty"`
	ToolChoice       string          `json:"tool_choice,omitempty"`
	StrictTools      bool            `json:"strict_tools,omitempty"`
	MaxTokens        *int            `json:"max_tokens,omitempty"`
	Temperature      *float64        `json:"temperature,omitempty"`
	P                *float64        `json:"p,omitempty"`
	K                *int            `json:"k,omitempty"`
	StopSequences    []string        `json:"stop_sequences,omitempty"`
	Seed             *int            `json:"seed,omitempty"`
	FrequencyPenalty *float64        `json:"frequency_penalty,omitempty"`
	PresencePenalty  *float64        `json:"presence_penalty,omitempty"`
	ResponseFormat   *responseFormat `json:"response_format,omitempty"`
	Stream           bool            `json:"stream,omitempty"`
}

// message is one turn. Content is a string or an array of parts; assistant turns
// that call tools carry their reasoning in ToolPlan.
type message struct {
	Role       string     `json:"role"`
	Content    any        `json:"content,omitempty"`
	ToolPlan   string     `json:"tool_plan,omitempty"`
	ToolCalls  []toolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
}

// contentPart is a part of user content: text or an image.
type contentPart struct {
	Type     string    `json:"type"`
	Text     string    `json:"text,omitempty"`
	ImageURL *imageURL `json:"image_url,omitempty"`
}

type imageURL struct {
	URL    string `json:"url"`
	Detail string `json:"detail,omitempty"`
}

type toolCall struct {
	ID       string   `json:"id,omitempty"`
	Type     string   `json:"type,omitempty"`
	Function function `json:"function"`
}

type function struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

type tool struct {
	Type     string          `json:"type"`
	Function toolDeclaration `json:"function"`
}

type toolDeclaration struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
}

// responseFormat asks for JSON, optionally matching a schema.
type responseFormat struct {
	Type       string          `json:"type"`
	JSONSchema json.RawMessage `json:"json_schema,omitempty"`
}

// chatResponse is the answer of POST /v2/chat.
type chatResponse struct {
	ID           string        `json:"id"`
	FinishReason string        `json:"finish_reason"`
	Message      answerMessage `json:"message"`
	Usage        *usage        `json:"usage"`
}

// answerMessage is the assistant's message in an answer, where content is always an
// array of parts.
type answerMessage struct {
	Content   []answerPart `json:"content"`
	ToolPlan  string       `json:"tool_plan"`
	ToolCalls []toolCall   `json:"tool_calls"`
}

// answerPart is a part of an answer: "text", or "thinking" for reasoning models.
type answerPart struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type usage struct {
	BilledUnits *tokens `json:"billed_units"`
	Tokens      *tokens `json:"tokens"`
}

type tokens struct {
	InputTokens  float64 `json:"input_tokens"`
	OutputTokens float64 `json:"output_tokens"`
}

// embedRequest is the body of POST /v2/embed.
type embedRequest struct {
	Model           string   `json:"model"`
	Texts           []string `json:"texts"`
	InputType       string   `json:"input_type"`
	EmbeddingTypes  []string `json:"embedding_types"`
	OutputDimension *int     `json:"output_dimension,omitempty"`
}

type embedResponse struct {
	ID         string `json:"id"`
	Embeddings struct {
		Float [][]float32 `json:"float"`
	} `json:"embeddings"`
	Meta struct {
		BilledUnits *tokens `json:"billed_units"`
	} `json:"meta"`
}
