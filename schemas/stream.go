package schemas

// ChatStreamChunk is one event of a streamed chat completion, in OpenAI's
// "chat.completion.chunk" shape.
type ChatStreamChunk struct {
	ID      string         `json:"id"`
	Object  string         `json:"object"`
	Created int64          `json:"created"`
	Model   string         `json:"model"`
	Choices []StreamChoice `json:"choices"`
	// Usage is set on the last chunk when the provider reports it.
	Usage *Usage `json:"usage,omitempty"`
}

// StreamChoice is the change to one choice carried by a chunk.
type StreamChoice struct {
	Index int         `json:"index"`
	Delta StreamDelta `json:"delta"`
	// FinishReason is set on the choice's last chunk.
	FinishReason *string `json:"finish_reason"`
}

// StreamDelta is the text or tool-call fragment a chunk adds.
type StreamDelta struct {
	Role      string          `json:"role,omitempty"`
	Content   string          `json:"content,omitempty"`
	ToolCalls []ToolCallDelta `json:"tool_calls,omitempty"`
}

// ToolCallDelta is a fragment of a tool call. The first fragment of a call carries
// its ID, type and name; later ones append to Arguments.
type ToolCallDelta struct {
	Index    int           `json:"index"`
	ID       string        `json:"id,omitempty"`
	Type     string        `json:"type,omitempty"`
	Function FunctionDelta `json:"function"`
}

// FunctionDelta is the function part of a ToolCallDelta.
type FunctionDelta struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

// StreamEvent is what a stream channel delivers: a chunk, or the error that ended the
// stream. A stream's channel is closed after its last event; a stream that completed
// normally delivers no error, one that failed ends with exactly one event whose Err is
// set. A stream never ends silently on failure.
type StreamEvent struct {
	Chunk *ChatStreamChunk
	Err   error
}
