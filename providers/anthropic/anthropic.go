// Package anthropic is the adapter for Anthropic's Messages API, and the translation
// between that API's wire types and the unified ones, in both directions, for the
// gateway's Anthropic-compatible route.
package anthropic

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// DefaultBaseURL is Anthropic's public endpoint; the adapter appends /v1/messages.
const DefaultBaseURL = "https://api.anthropic.com"

// Version is the anthropic-version header sent unless the configuration's extra
// headers set another.
const Version = "2023-06-01"

// Provider sends chat requests to the Messages API. It implements providers.Provider
// and ChatStreamer, and is safe for concurrent use.
type Provider struct {
	name schemas.ModelProvider
	http *providers.HTTP
}

// Interface guards.
var (
	_ providers.Provider     = (*Provider)(nil)
	_ providers.ChatStreamer = (*Provider)(nil)
)

// New returns an Anthropic adapter. The base URL defaults to DefaultBaseURL.
func New(opts providers.Options) (*Provider, error) {
	if opts.Provider == "" {
		opts.Provider = schemas.Anthropic
	}
	h, err := providers.NewHTTP(opts, DefaultBaseURL, authorizer(opts.Provider))
	if err != nil {
		return nil, fmt.Errorf("cannot set up provider %s: %w", opts.Provider, err)
	}
	return &Provider{name: opts.Provider, http: h}, nil
}

// authorizer sends the key as x-api-key, with the API version unless one is set.
func authorizer(p schemas.ModelProvider) providers.Authorizer {
	return func(h http.Header, key *schemas.Key) error {
		if key == nil || key.Value == "" {
			return schemas.NewError(schemas.ErrNoKey, p, "provider %s needs an API key", p)
		}
		h.Set("X-Api-Key", key.Value)
		if h.Get("Anthropic-Version") == "" {
			h.Set("Anthropic-Version", Version)
		}
		return nil
	}
}

// ChatCompletion translates req (see RequestFromUnified), sends it to
// {base}/v1/messages, and translates the answer back (see ResponseToUnified).
func (p *Provider) ChatCompletion(ctx context.Context, key *schemas.Key,
	req *schemas.ChatRequest) (*schemas.ChatResponse, error) {
	mr, err := p.request(req)
	if err != nil {
		return nil, err
	}
	resp, err := p.http.PostJSON(ctx, "/v1/messages", mr, key)
	if err != nil {
		return nil, err
	}
	var wire MessagesResponse
	if err := p.http.DecodeJSON(ctx, resp, &wire); err != nil {
		return nil, err
	}
	out := ResponseToUnified(&wire)
	out.Created = time.Now().Unix()
	out.Provider = p.name
	return out, nil
}

// ChatCompletionStream sends req with "stream": true and translates the events into
// unified chunks: the role first, then text and tool-call fragments, then one chunk
// with the finish reason and the usage.
func (p *Provider) ChatCompletionStream(ctx context.Context, key *schemas.Key,
	req *schemas.ChatRequest) (providers.Stream, error) {
	mr, err := p.request(req)
	if err != nil {
		return nil, err
	}
	mr.Stream = true
	resp, err := p.http.PostStream(ctx, "/v1/messages", mr, key)
	if err != nil {
		return nil, err
	}
	return &stream{src: providers.NewEventSource(ctx, p.name, resp),
		c: chunker{provider: p.name, key: key, created: time.Now().Unix()}}, nil
}

// request translates req, attributing a refusal to this provider's name.
func (p *Provider) request(req *schemas.ChatRequest) (*MessagesRequest, error) {
	mr, err := RequestFromUnified(req)
	if e, ok := err.(*schemas.Error); ok {
		e.Provider = p.name
	}
	return mr, err
}
