package providers

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/sluicegw/sluice/providers/sse"
	"github.com/sluicegw/sluice/schemas"
)

// EventSource reads the server-sent events of a streamed upstream answer and maps
// every read failure to a *schemas.Error, so that each streaming adapter only
// translates events.
type EventSource struct {
	ctx      context.Context
	provider schemas.ModelProvider
	body     io.ReadCloser
	r        *sse.Reader
}

// NewEventSource reads resp's body, which the EventSource now owns. ctx is the call's
// context, used to tell a timeout or a cancellation from a broken connection.
func NewEventSource(ctx context.Context, p schemas.ModelProvider,
	resp *http.Response) *EventSource {
	return &EventSource{ctx: ctx, provider: p, body: resp.Body,
		r: sse.NewReader(resp.Body, sse.DefaultMaxLineSize)}
}

// Next returns the next event; its Data is valid until the next call. When the body
// ends, cleanly or not, Next returns a *schemas.Error of kind ErrUpstream saying the
// stream ended before marker (the provider's end-of-stream signal): an adapter calls
// Next only while it still expects that marker.
func (s *EventSource) Next(marker string) (sse.Event, error) {
	ev, err := s.r.Next()
	switch {
	case err == nil:
		return ev, nil
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		if s.ctx.Err() != nil {
			return ev, NetworkError(s.ctx, s.provider, s.ctx.Err())
		}
		return ev, schemas.NewError(schemas.ErrUpstream, s.provider,
			"stream ended before %s", marker)
	case errors.Is(err, sse.ErrLineTooLong):
		return ev, MalformedError(s.provider, err)
	}
	return ev, NetworkError(s.ctx, s.provider, err)
}

// Close closes the body, which ends the upstream call. It is safe to call more than
// once and from another goroutine than Next's.
func (s *EventSource) Close() error { return s.body.Close() }
