package anthropic

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sluicegw/sluice/schemas"
)

// StreamEncoder writes a unified chunk stream as the Messages API's event stream, for
// a gateway that answers Anthropic clients from any provider: message_start, then for
// each text run or tool call a content block (content_block_start, deltas,
// content_block_stop), then message_delta with the stop reason and usage, and
// message_stop. The zero value is ready to use; an encoder serves one stream.
//
// Unified streams report usage only at the end, so message_start carries zero tokens
// and message_delta the whole count, input included, which Anthropic's clients read
// as the final total.
type StreamEncoder struct {
	started  bool
	open     bool
	openTool bool // the open block is a tool_use block
	next     int  // index of the next block
	tools    []toolBlock
	finish   string
	usage    *schemas.Usage
}

// Encode appends the events for c to dst. Only choice 0 can be represented; a chunk
// for another choice is an error.
func (e *StreamEncoder) Encode(dst []byte, c *schemas.ChatStreamChunk) ([]byte, error) {
	if !e.started {
		e.started = true
		msg := MessagesResponse{ID: c.ID, Type: "message", Role: "assistant", Model: c.Model,
			Content: []ContentBlock{}}
		dst = appendEvent(dst, "message_start", struct {
			Type    string           `json:"type"`
			Message MessagesResponse `json:"message"`
		}{"message_start", msg})
	}
	if c.Usage != nil {
		e.usage = c.Usage
	}
	for i := range c.Choices {
		ch := &c.Choices[i]
		if ch.Index != 0 {
			return dst, fmt.Errorf("choice %d cannot be sent as Anthropic events: "+
				"only one choice exists there", ch.Index)
		}
		if ch.Delta.Content != "" {
			dst = e.text(dst, ch.Delta.Content)
		}
		for _, tc := range ch.Delta.ToolCalls {
			var err error
			if dst, err = e.toolCall(dst, &tc); err != nil {
				return dst, err
			}
		}
		if ch.FinishReason != nil {
			e.finish = *ch.FinishReason
		}
	}
	return dst, nil
}

// Finish appends the closing events. Call it once the unified stream has ended
// normally; after a failure, append an error event instead (AppendErrorEvent).
func (e *StreamEncoder) Finish(dst []byte) []byte {
	dst = e.closeBlock(dst)
	var ev struct {
		Type  string `json:"type"`
		Delta struct {
			StopReason   string  `json:"stop_reason"`
			StopSequence *string `json:"stop_sequence"`
		} `json:"delta"`
		Usage Usage `json:"usage"`
	}
	ev.Type = "message_delta"
	ev.Delta.StopReason = stopReason(e.finish)
	ev.Usage = usageFromUnified(e.usage)
	dst = appendEvent(dst, "message_delta", ev)
	return appendEvent(dst, "message_stop", struct {
		Type string `json:"type"`
	}{"message_stop"})
}

func (e *StreamEncoder) text(dst []byte, text string) []byte {
	if !e.open || e.openTool {
		dst = e.openBlock(dst, false, struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}{BlockText, ""})
	}
	return e.delta(dst, struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}{"text_delta", text})
}

func (e *StreamEncoder) toolCall(dst []byte, tc *schemas.ToolCallDelta) ([]byte, error) {
	block := -1
	for _, t := range e.tools {
		if t.call == tc.Index {
			block = t.block
		}
	}
	switch {
	case block < 0:
		e.tools = append(e.tools, toolBlock{block: e.next, call: tc.Index})
		dst = e.openBlock(dst, true, struct {
			Type  string          `json:"type"`
			ID    string          `json:"id"`
			Name  string          `json:"name"`
			Input json.RawMessage `json:"input"`
		}{BlockToolUse, tc.ID, tc.Function.Name, emptyInput})
	case !e.open || !e.openTool || block != e.next-1:
		return dst, fmt.Errorf("tool call %d continues after another block began: "+
			"Anthropic events cannot interleave blocks", tc.Index)
	}
	if tc.Function.Arguments == "" {
		return dst, nil
	}
	return e.delta(dst, struct {
		Type        string `json:"type"`
		PartialJSON string `json:"partial_json"`
	}{"input_json_delta", tc.Function.Arguments}), nil
}

func (e *StreamEncoder) openBlock(dst []byte, tool bool, block any) []byte {
	dst = e.closeBlock(dst)
	dst = appendEvent(dst, "content_block_start", struct {
		Type         string `json:"type"`
		Index        int    `json:"index"`
		ContentBlock any    `json:"content_block"`
	}{"content_block_start", e.next, block})
	e.open, e.openTool = true, tool
	e.next++
	return dst
}

func (e *StreamEncoder) delta(dst []byte, delta any) []byte {
	return appendEvent(dst, "content_block_delta", struct {
		Type  string `json:"type"`
		Index int    `json:"index"`
		Delta any    `json:"delta"`
	}{"content_block_delta", e.next - 1, delta})
}

func (e *StreamEncoder) closeBlock(dst []byte) []byte {
	if !e.open {
		return dst
	}
	e.open = false
	return appendEvent(dst, "content_block_stop", struct {
		Type  string `json:"type"`
		Index int    `json:"index"`
	}{"content_block_stop", e.next - 1})
}

// AppendErrorEvent appends the error event that ends a failed stream, with the
// Anthropic error type that matches err's kind (see ErrorType).
func AppendErrorEvent(dst []byte, err error) []byte {
	return appendEvent(dst, "error", ErrorBody(err))
}

// ErrorBody returns Anthropic's error envelope for err:
// {"type":"error","error":{"type":...,"message":...}}.
func ErrorBody(err error) any {
	type detail struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	}
	return struct {
		Type  string `json:"type"`
		Error detail `json:"error"`
	}{"error", detail{ErrorType(err), schemas.AsError(err).Message}}
}

// ErrorType returns the Anthropic error type for err's kind: invalid_request_error,
// authentication_error, not_found_error, rate_limit_error, timeout_error,
// overloaded_error (a full queue or a closing gateway) or api_error.
func ErrorType(err error) string {
	switch {
	case errors.Is(err, schemas.ErrBadRequest), errors.Is(err, schemas.ErrUnsupported),
		errors.Is(err, schemas.ErrNoKey):
		return "invalid_request_error"
	case errors.Is(err, schemas.ErrAuth):
		return "authentication_error"
	case errors.Is(err, schemas.ErrNotFound), errors.Is(err, schemas.ErrProviderNotConfigured):
		return "not_found_error"
	case errors.Is(err, schemas.ErrRateLimited):
		return "rate_limit_error"
	case errors.Is(err, schemas.ErrTimeout):
		return "timeout_error"
	case errors.Is(err, schemas.ErrQueueFull), errors.Is(err, schemas.ErrClosed):
		return "overloaded_error"
	}
	return "api_error"
}

// appendEvent appends one server-sent event. The payloads are built here from known
// types, so an encoding failure is a bug.
func appendEvent(dst []byte, name string, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("BUG: anthropic: cannot encode a %s event: %v", name, err))
	}
	dst = append(dst, "event: "...)
	dst = append(dst, name...)
	dst = append(dst, "\ndata: "...)
	dst = append(dst, b...)
	return append(dst, "\n\n"...)
}
