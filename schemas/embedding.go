package schemas

// EmbeddingRequest asks a provider to embed one or more texts.
type EmbeddingRequest struct {
	Provider ModelProvider `json:"provider"`
	Model    string        `json:"model"`
	Input    []string      `json:"input"`
	// Dimensions asks for shorter vectors where the model supports it; nil means the
	// model's default.
	Dimensions *int       `json:"dimensions,omitempty"`
	User       string     `json:"user,omitempty"`
	Fallbacks  []Fallback `json:"fallbacks,omitempty"`
}

// EmbeddingResponse holds one vector per input, in OpenAI's "list" shape.
type EmbeddingResponse struct {
	Object string      `json:"object"`
	Data   []Embedding `json:"data"`
	Model  string      `json:"model"`
	Usage  *Usage      `json:"usage,omitempty"`

	// Provider is the provider that answered; not part of the wire shape.
	Provider ModelProvider `json:"-"`
}

// Embedding is the vector of one input.
type Embedding struct {
	Object    string    `json:"object"`
	Index     int       `json:"index"`
	Embedding []float32 `json:"embedding"`
}

// TextCompletionRequest asks for a legacy (non-chat) completion of a prompt.
type TextCompletionRequest struct {
	Provider  ModelProvider `json:"provider"`
	Model     string        `json:"model"`
	Prompt    string        `json:"prompt"`
	Params    *ChatParams   `json:"params,omitempty"`
	Fallbacks []Fallback    `json:"fallbacks,omitempty"`
}

// TextCompletionResponse is a legacy completion, in OpenAI's "text_completion" shape.
type TextCompletionResponse struct {
	ID      string       `json:"id"`
	Object  string       `json:"object"`
	Created int64        `json:"created"`
	Model   string       `json:"model"`
	Choices []TextChoice `json:"choices"`
	Usage   *Usage       `json:"usage,omitempty"`

	// Provider is the provider that answered; not part of the wire shape.
	Provider ModelProvider `json:"-"`
}

// TextChoice is one alternative of a text completion.
type TextChoice struct {
	Index        int    `json:"index"`
	Text         string `json:"text"`
	FinishReason string `json:"finish_reason"`
}
