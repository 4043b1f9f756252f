package gateway

import (
	"context"

	"github.com/sluicegw/sluice"
	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/providers/anthropic"
	"github.com/sluicegw/sluice/schemas"
)

// Forwarder is implemented by engines that can send a request in its provider's own
// wire format (see sluice.Client.Forward). When the Engine implements it, requests for
// anthropic on the /anthropic routes are forwarded byte for byte; otherwise they are
// translated like those for any other provider, and count_tokens is refused.
type Forwarder interface {
	Forward(ctx context.Context, req *schemas.RawRequest) (*schemas.RawResponse, error)
}

var _ Forwarder = (*sluice.Client)(nil)

// forwardNative sends body, a request in Anthropic's shape whose model member is
// asked, to path of t's provider, and relays the answer untranslated.
func (s *Server) forwardNative(x *exchange, body []byte, asked string, t anthropicTarget,
	path string, stream bool) {
	if asked != t.model {
		// Only the model changes: "anthropic/claude-…" loses its prefix.
		b := s.bufs.Get()
		defer s.putBuffer(b)
		var ok bool
		if body, ok = withModel(b.AvailableBuffer(), body, t.model); !ok {
			// encoding/json matched the member case-insensitively ("Model").
			x.fail(badRequest("model", "model: name the member \"model\", in lower case"))
			return
		}
	}
	req := &schemas.RawRequest{Provider: t.provider, Model: t.model, Path: path, Body: body,
		Header: nativeHeader(x.r.Header), Stream: stream}
	s.forwardRaw(x, req, anthropicWire{})
}

// anthropicWire reads Anthropic's answers as they pass (see wire).
type anthropicWire struct{}

func (anthropicWire) usage(body []byte) *schemas.Usage { return anthropic.ResponseUsage(body) }

func (anthropicWire) watcher() streamWatcher { return &anthropicWatcher{} }

func (anthropicWire) failEvent(b *buffer, e *schemas.Error) { appendAnthropicErrorEvent(b, e) }

func (anthropicWire) unfinished() string {
	return "the upstream stream ended before message_stop"
}

// anthropicWatcher reads the usage from message_start and message_delta; the stream
// ends with message_stop, or with the upstream's own error event.
type anthropicWatcher struct{ meter anthropic.StreamUsage }

func (a *anthropicWatcher) watch(name, data []byte) (relayVerdict, *schemas.Error) {
	switch string(name) {
	case "message_start", "message_delta":
		a.meter.Observe(string(name), data)
	case "message_stop":
		return relayLast, nil
	case "error":
		return relayLast, providers.StreamError(schemas.Anthropic, data, nil)
	}
	return relayOn, nil
}

func (a *anthropicWatcher) usage() *schemas.Usage { return a.meter.Unified() }
