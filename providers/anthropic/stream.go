package anthropic

import (
	"encoding/json"
	"io"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// inEvent is one event of a streamed answer, as Anthropic sends it. Usage counts are
// pointers because message_delta carries only the counts that changed.
type inEvent struct {
	Type         string            `json:"type"`
	Message      *MessagesResponse `json:"message"`
	Index        int               `json:"index"`
	ContentBlock *ContentBlock     `json:"content_block"`
	Delta        struct {
		Type        string  `json:"type"`
		Text        string  `json:"text"`
		PartialJSON string  `json:"partial_json"`
		StopReason  *string `json:"stop_reason"`
	} `json:"delta"`
	Usage *struct {
		InputTokens              *int `json:"input_tokens"`
		OutputTokens             *int `json:"output_tokens"`
		CacheCreationInputTokens *int `json:"cache_creation_input_tokens"`
		CacheReadInputTokens     *int `json:"cache_read_input_tokens"`
	} `json:"usage"`
}

// toolBlock links a tool_use content block to the index of its unified tool call.
type toolBlock struct{ block, call int }

// chunker translates the events of one stream into unified chunks.
type chunker struct {
	provider schemas.ModelProvider
	key      *schemas.Key
	id       string
	model    string
	created  int64
	usage    Usage
	tools    []toolBlock
}

// translate turns one event's data into a chunk. It returns a nil chunk for events
// that carry nothing for the unified stream (ping, content_block_stop, thinking, and
// event types Anthropic may add), and io.EOF for message_stop.
func (c *chunker) translate(data []byte) (*schemas.ChatStreamChunk, error) {
	var ev inEvent
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, providers.MalformedError(c.provider, err)
	}
	switch ev.Type {
	case "message_start":
		return c.start(&ev)
	case "content_block_start":
		return c.blockStart(&ev), nil
	case "content_block_delta":
		return c.blockDelta(&ev), nil
	case "message_delta":
		return c.messageDelta(&ev), nil
	case "message_stop":
		return nil, io.EOF
	case "error":
		return nil, providers.StreamError(c.provider, data, c.key)
	}
	return nil, nil
}

func (c *chunker) chunk(delta schemas.StreamDelta) *schemas.ChatStreamChunk {
	return &schemas.ChatStreamChunk{ID: c.id, Object: "chat.completion.chunk",
		Created: c.created, Model: c.model,
		Choices: []schemas.StreamChoice{{Delta: delta}}}
}

func (c *chunker) start(ev *inEvent) (*schemas.ChatStreamChunk, error) {
	if ev.Message == nil {
		return nil, schemas.NewError(schemas.ErrUpstream, c.provider,
			"malformed upstream answer: message_start without a message")
	}
	c.id, c.model, c.usage = ev.Message.ID, ev.Message.Model, ev.Message.Usage
	return c.chunk(schemas.StreamDelta{Role: schemas.RoleAssistant}), nil
}

func (c *chunker) blockStart(ev *inEvent) *schemas.ChatStreamChunk {
	b := ev.ContentBlock
	switch {
	case b == nil:
		return nil
	case b.Type == BlockText && b.Text != "":
		return c.chunk(schemas.StreamDelta{Content: b.Text})
	case b.Type == BlockToolUse:
		call := len(c.tools)
		c.tools = append(c.tools, toolBlock{block: ev.Index, call: call})
		return c.chunk(schemas.StreamDelta{ToolCalls: []schemas.ToolCallDelta{{Index: call,
			ID: b.ID, Type: "function", Function: schemas.FunctionDelta{Name: b.Name}}}})
	}
	return nil
}

func (c *chunker) blockDelta(ev *inEvent) *schemas.ChatStreamChunk {
	switch ev.Delta.Type {
	case "text_delta":
		if ev.Delta.Text != "" {
			return c.chunk(schemas.StreamDelta{Content: ev.Delta.Text})
		}
	case "input_json_delta":
		if ev.Delta.PartialJSON == "" {
			return nil
		}
		for _, t := range c.tools {
			if t.block == ev.Index {
				return c.chunk(schemas.StreamDelta{ToolCalls: []schemas.ToolCallDelta{{
					Index: t.call, Function: schemas.FunctionDelta{Arguments: ev.Delta.PartialJSON}}}})
			}
		}
	}
	return nil
}

// messageDelta ends the choice: its stop reason and the final usage, which the
// unified stream reports on this, its last chunk.
func (c *chunker) messageDelta(ev *inEvent) *schemas.ChatStreamChunk {
	if u := ev.Usage; u != nil {
		set := func(dst *int, v *int) {
			if v != nil {
				*dst = *v
			}
		}
		set(&c.usage.InputTokens, u.InputTokens)
		set(&c.usage.OutputTokens, u.OutputTokens)
		set(&c.usage.CacheCreationInputTokens, u.CacheCreationInputTokens)
		set(&c.usage.CacheReadInputTokens, u.CacheReadInputTokens)
	}
	out := c.chunk(schemas.StreamDelta{})
	if ev.Delta.StopReason != nil {
		f := finishReason(*ev.Delta.StopReason)
		out.Choices[0].FinishReason = &f
	}
	out.Usage = usageToUnified(c.usage)
	return out
}

// stream reads one streamed answer.
type stream struct {
	src *providers.EventSource
	c   chunker
	err error // sticky: once set, every Next returns it
}

// Next returns the next chunk, io.EOF after message_stop, or the error that ended the
// stream: an error event (overloaded_error is a retryable ErrUpstream, for example),
// a malformed event, or a stream that stopped before message_stop.
func (s *stream) Next() (*schemas.ChatStreamChunk, error) {
	for s.err == nil {
		ev, err := s.src.Next("message_stop")
		if err != nil {
			s.err = err
			break
		}
		c, err := s.c.translate(ev.Data)
		if err != nil {
			s.err = err
			break
		}
		if c != nil {
			return c, nil
		}
	}
	s.src.Close()
	return nil, s.err
}

// Close ends the upstream call. It is safe to call more than once, and concurrently
// with Next to abort it.
func (s *stream) Close() error { return s.src.Close() }
