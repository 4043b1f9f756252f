package gateway

import (
	"github.com/sluicegw/sluice/providers/anthropic"
	"github.com/sluicegw/sluice/schemas"
)

// anthropicStream writes a unified chat stream as Anthropic's event sequence (see
// anthropic.StreamEncoder): message_start, a content block per text run or tool call,
// message_delta with the stop reason and usage, message_stop. A failure ends the
// stream with an error event and no message_stop. It serves one stream.
type anthropicStream struct {
	enc     anthropic.StreamEncoder
	started bool
}

var _ streamDialect = (*anthropicStream)(nil)

func (a *anthropicStream) chunk(b *buffer, c *schemas.ChatStreamChunk) error {
	a.started = true
	dst, err := a.enc.Encode(b.AvailableBuffer(), c)
	b.Write(dst)
	return err
}

func (a *anthropicStream) done(b *buffer) {
	if !a.started {
		// The upstream ended without a chunk: the client still needs message_start
		// before the end.
		_ = a.chunk(b, &schemas.ChatStreamChunk{})
	}
	b.Write(a.enc.Finish(b.AvailableBuffer()))
}

func (a *anthropicStream) fail(b *buffer, e *schemas.Error) {
	appendAnthropicErrorEvent(b, e)
}

// appendAnthropicErrorEvent appends the error event that ends a failed stream.
func appendAnthropicErrorEvent(b *buffer, e *schemas.Error) {
	b.WriteString("event: error\ndata: ")
	encodeAnthropicError(b, e) // Encode ends the line
	b.WriteByte('\n')
}
