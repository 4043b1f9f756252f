package cohere

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// endMarker is the event that ends a Cohere v2 stream.
const endMarker = "message-end"

// event is one v2 chat stream event. Delta's shape depends on Type: most events carry
// a fragment of the message, message-end the finish reason and usage.
type event struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Index int    `json:"index"`
	Delta struct {
		Message struct {
			Content   json.RawMessage `json:"content"`
			ToolPlan  string          `json:"tool_plan"`
			ToolCalls json.RawMessage `json:"tool_calls"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
		Usage        *usage `json:"usage"`
		Error        string `json:"error"`
	} `json:"delta"`
}

// stream reads the chunks of one streamed chat.
type stream struct {
	provider schemas.ModelProvider
	model    string
	src      *providers.EventSource
	err      error // sticky: once set, every Next returns it

	id      string
	created int64
	ended   bool // message-end was read
}

func newStream(ctx context.Context, p schemas.ModelProvider, model string,
	resp *http.Response) *stream {
	return &stream{provider: p, model: model, src: providers.NewEventSource(ctx, p, resp),
		created: time.Now().Unix()}
}

// Next returns the next chunk, io.EOF after message-end, or the error that ended the
// stream: a message-end whose finish reason is ERROR or TIMEOUT, a malformed event,
// or a body that ended before message-end.
func (s *stream) Next() (*schemas.ChatStreamChunk, error) {
	if s.err != nil {
		return nil, s.err
	}
	c, err := s.next()
	if err != nil {
		s.err = err
		s.src.Close()
	}
	return c, err
}

func (s *stream) next() (*schemas.ChatStreamChunk, error) {
	if s.ended {
		return nil, io.EOF
	}
	for {
		ev, err := s.src.Next(endMarker)
		if err != nil {
			return nil, err
		}
		if len(ev.Data) == 0 {
			continue
		}
		var e event
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return nil, providers.MalformedError(s.provider, err)
		}
		if e.Type == "" {
			e.Type = ev.Type
		}
		c, err := s.chunk(&e)
		if c != nil || err != nil {
			return c, err
		}
	}
}

// chunk converts one event; it returns nil for events that add nothing to the
// message (content-start, content-end, tool-call-end, citations, …).
func (s *stream) chunk(e *event) (*schemas.ChatStreamChunk, error) {
	var d schemas.StreamDelta
	var finish *string
	var u *schemas.Usage
	switch e.Type {
	case "message-start":
		s.id = e.ID
		d.Role = schemas.RoleAssistant
	case "content-delta":
		var part answerPart
		if err := json.Unmarshal(e.Delta.Message.Content, &part); err != nil {
			return nil, providers.MalformedError(s.provider, err)
		}
		if part.Type == "thinking" || part.Text == "" {
			return nil, nil
		}
		d.Content = part.Text
	case "tool-plan-delta":
		d.Content = e.Delta.Message.ToolPlan
	case "tool-call-start", "tool-call-delta":
		var tc toolCall
		if err := json.Unmarshal(e.Delta.Message.ToolCalls, &tc); err != nil {
			return nil, providers.MalformedError(s.provider, err)
		}
		d.ToolCalls = []schemas.ToolCallDelta{{Index: e.Index, ID: tc.ID, Type: tc.Type,
			Function: schemas.FunctionDelta{Name: tc.Function.Name,
				Arguments: tc.Function.Arguments}}}
	case endMarker:
		s.ended = true
		if err := failure(s.provider, e.Delta.FinishReason, e.Delta.Error); err != nil {
			return nil, err
		}
		fr := finishReason(e.Delta.FinishReason)
		finish, u = &fr, convertUsage(e.Delta.Usage)
	default:
		return nil, nil
	}
	return &schemas.ChatStreamChunk{ID: s.id, Object: "chat.completion.chunk",
		Created: s.created, Model: s.model, Usage: u,
		Choices: []schemas.StreamChoice{{Delta: d, FinishReason: finish}}}, nil
}

// Close ends the upstream call. It is safe to call more than once, and concurrently
// with Next to abort it.
func (s *stream) Close() error { return s.src.Close() }
