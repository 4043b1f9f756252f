package anthropic

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

var _ providers.RawForwarder = (*Provider)(nil)

// Forward sends a request already in the Messages API's shape (req.Path is
// "/v1/messages" or "/v1/messages/count_tokens") without translating it, for the
// gateway's native Anthropic route. The key goes in x-api-key; the caller's
// anthropic-version and anthropic-beta headers are kept, and the adapter's version is
// sent when the caller gave none.
func (p *Provider) Forward(ctx context.Context, key *schemas.Key,
	req *schemas.RawRequest) (*http.Response, error) {
	return p.http.Forward(ctx, key, req)
}

// StreamUsage gathers the token usage that a Messages API stream reports as it passes
// by untranslated: message_start carries the input counts and message_delta the
// counts that changed since. The zero value is ready to use for one stream.
type StreamUsage struct {
	u    Usage
	seen bool
}

// usageEvent is the part of a stream event that carries usage.
type usageEvent struct {
	Message *struct {
		Usage *deltaUsage `json:"usage"`
	} `json:"message"`
	Usage *deltaUsage `json:"usage"`
}

// deltaUsage holds pointers because message_delta sends only the counts that changed.
type deltaUsage struct {
	InputTokens              *int `json:"input_tokens"`
	OutputTokens             *int `json:"output_tokens"`
	CacheCreationInputTokens *int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     *int `json:"cache_read_input_tokens"`
}

// Observe reads the usage in the data of one event named event. Events other than
// message_start and message_delta are skipped without being decoded, and so is data
// that does not decode: the stream passes on unchanged whatever the meter makes of it.
func (s *StreamUsage) Observe(event string, data []byte) {
	if event != "message_start" && event != "message_delta" {
		return
	}
	var ev usageEvent
	if json.Unmarshal(data, &ev) != nil {
		return
	}
	u := ev.Usage
	if ev.Message != nil {
		u = ev.Message.Usage
	}
	if u == nil {
		return
	}
	s.seen = true
	set := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	set(&s.u.InputTokens, u.InputTokens)
	set(&s.u.OutputTokens, u.OutputTokens)
	set(&s.u.CacheCreationInputTokens, u.CacheCreationInputTokens)
	set(&s.u.CacheReadInputTokens, u.CacheReadInputTokens)
}

// Unified returns the usage seen so far, counted as ResponseToUnified counts it (cache
// reads and writes included in the prompt tokens), or nil when no event carried any.
func (s *StreamUsage) Unified() *schemas.Usage {
	if !s.seen {
		return nil
	}
	return usageToUnified(s.u)
}

// ResponseUsage returns the usage of a Messages API answer body, counted as
// ResponseToUnified counts it, or nil when the body holds none.
func ResponseUsage(body []byte) *schemas.Usage {
	var r struct {
		Usage *Usage `json:"usage"`
	}
	if json.Unmarshal(body, &r) != nil || r.Usage == nil {
		return nil
	}
	return usageToUnified(*r.Usage)
}
