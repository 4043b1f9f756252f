// Package openai is the adapter for OpenAI's API and for the OpenAI-compatible family
// (Groq, Mistral, OpenRouter, …), which differ only by a Dialect.
//
// Requests are encoded straight from the unified types, which already follow OpenAI's
// wire shape, and answers are decoded straight into them: no intermediate structs.
package openai

import (
	"context"
	"fmt"
	"net/http"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// Provider sends requests to an OpenAI-compatible API. It implements
// providers.Provider, ChatStreamer, Embedder and TextCompleter, reports through
// providers.Capabilities which of them its dialect's API offers, and is safe for
// concurrent use.
type Provider struct {
	name    schemas.ModelProvider
	dialect Dialect
	http    *providers.HTTP
}

// Interface guards.
var (
	_ providers.Provider      = (*Provider)(nil)
	_ providers.ChatStreamer  = (*Provider)(nil)
	_ providers.Embedder      = (*Provider)(nil)
	_ providers.TextCompleter = (*Provider)(nil)
)

// New returns an adapter for OpenAI itself (the schemas.OpenAI dialect). The base URL
// defaults to https://api.openai.com; the adapter appends /v1/chat/completions and the
// other endpoint paths.
func New(opts providers.Options) (*Provider, error) {
	if opts.Provider == "" {
		opts.Provider = schemas.OpenAI
	}
	return NewCompatible(opts, Dialects[schemas.OpenAI])
}

// NewCompatible returns an adapter for the OpenAI-compatible API described by d, named
// opts.Provider in errors. It fails when neither the configuration nor d gives a base
// URL.
func NewCompatible(opts providers.Options, d Dialect) (*Provider, error) {
	auth := providers.BearerAuth(opts.Provider)
	switch {
	case d.Authorize != nil:
		auth = d.Authorize
	case d.Auth == AuthOptional:
		auth = providers.OptionalBearerAuth
	}
	h, err := providers.NewHTTP(opts, d.DefaultBaseURL, auth)
	if err != nil {
		return nil, fmt.Errorf("cannot set up provider %s: %w", opts.Provider, err)
	}
	return &Provider{name: opts.Provider, dialect: d, http: h}, nil
}

// ChatCompletion sends req to {base}{prefix}/chat/completions.
func (p *Provider) ChatCompletion(ctx context.Context, key *schemas.Key,
	req *schemas.ChatRequest) (*schemas.ChatResponse, error) {
	body, err := p.chatBody(req, false)
	if err != nil {
		return nil, err
	}
	resp, err := p.post(ctx, key, req.Model, "/chat/completions", body, false)
	if err != nil {
		return nil, err
	}
	out := &schemas.ChatResponse{}
	if err := p.http.DecodeJSON(ctx, resp, out); err != nil {
		return nil, err
	}
	out.Provider = p.name
	return out, nil
}

// ChatCompletionStream sends req with "stream": true, asking for usage in the last
// chunk unless the dialect refuses stream_options.
func (p *Provider) ChatCompletionStream(ctx context.Context, key *schemas.Key,
	req *schemas.ChatRequest) (providers.Stream, error) {
	body, err := p.chatBody(req, true)
	if err != nil {
		return nil, err
	}
	resp, err := p.post(ctx, key, req.Model, "/chat/completions", body, true)
	if err != nil {
		return nil, err
	}
	return newStream(ctx, p.name, key, resp), nil
}

// Embedding sends req to {base}{prefix}/embeddings, asking for float vectors.
func (p *Provider) Embedding(ctx context.Context, key *schemas.Key,
	req *schemas.EmbeddingRequest) (*schemas.EmbeddingResponse, error) {
	body := embeddingRequest{Model: req.Model, Input: req.Input, Dimensions: req.Dimensions,
		User: req.User, EncodingFormat: "float"}
	resp, err := p.post(ctx, key, req.Model, "/embeddings", &body, false)
	if err != nil {
		return nil, err
	}
	out := &schemas.EmbeddingResponse{}
	if err := p.http.DecodeJSON(ctx, resp, out); err != nil {
		return nil, err
	}
	out.Provider = p.name
	return out, nil
}

// TextCompletion sends req to {base}{prefix}/completions. Chat-only parameters (tools,
// tool_choice, parallel_tool_calls, response_format) are refused.
func (p *Provider) TextCompletion(ctx context.Context, key *schemas.Key,
	req *schemas.TextCompletionRequest) (*schemas.TextCompletionResponse, error) {
	body, err := p.completionBody(req)
	if err != nil {
		return nil, err
	}
	resp, err := p.post(ctx, key, req.Model, "/completions", body, false)
	if err != nil {
		return nil, err
	}
	out := &schemas.TextCompletionResponse{}
	if err := p.http.DecodeJSON(ctx, resp, out); err != nil {
		return nil, err
	}
	out.Provider = p.name
	return out, nil
}

// post sends body to endpoint: at base + Prefix + endpoint, or where the dialect's
// Route says. stream asks for a server-sent event stream.
func (p *Provider) post(ctx context.Context, key *schemas.Key, model, endpoint string,
	body any, stream bool) (*http.Response, error) {
	accept := "application/json"
	if stream {
		accept = "text/event-stream"
	}
	url, err := p.url(key, model, endpoint)
	if err != nil {
		return nil, err
	}
	return p.http.Do(ctx, providers.Call{URL: url, Body: body, Key: key, Accept: accept})
}

// url returns where a call to endpoint goes: base + Prefix + endpoint, or where the
// dialect's Route says.
func (p *Provider) url(key *schemas.Key, model, endpoint string) (string, error) {
	if p.dialect.Route != nil {
		return p.dialect.Route(p.http.BaseURL(), key, model, endpoint)
	}
	return p.http.BaseURL() + p.dialect.Prefix + endpoint, nil
}
