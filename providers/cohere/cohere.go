// Package cohere is the adapter for Cohere's v2 API: chat, streamed chat and embed.
package cohere

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// DefaultBaseURL is Cohere's API root; the adapter appends /v2/chat and /v2/embed.
const DefaultBaseURL = "https://api.cohere.ai"

// DefaultInputType is the input_type of every embed request. Cohere's v3 and later
// embedding models need one, and the OpenAI-shaped request has no field for it;
// documents are what gateways embed in bulk, and a query embedded as a document still
// matches, only slightly less well than one embedded as "search_query".
const DefaultInputType = "search_document"

// statusInvalidToken is the status Cohere answers an unknown API key with.
const statusInvalidToken = 498

// Provider sends requests to Cohere. It implements providers.Provider, ChatStreamer
// and Embedder, and is safe for concurrent use.
type Provider struct {
	name schemas.ModelProvider
	tr   translator
	http *providers.HTTP
}

// Interface guards.
var (
	_ providers.Provider     = (*Provider)(nil)
	_ providers.ChatStreamer = (*Provider)(nil)
	_ providers.Embedder     = (*Provider)(nil)
)

// New returns an adapter for Cohere, sending each key as a bearer token. The base URL
// defaults to DefaultBaseURL.
func New(opts providers.Options) (*Provider, error) {
	if opts.Provider == "" {
		opts.Provider = schemas.Cohere
	}
	h, err := providers.NewHTTP(opts, DefaultBaseURL, providers.BearerAuth(opts.Provider))
	if err != nil {
		return nil, fmt.Errorf("cannot set up provider %s: %w", opts.Provider, err)
	}
	return &Provider{name: opts.Provider, tr: translator{opts.Provider}, http: h}, nil
}

// ChatCompletion sends req to /v2/chat. An answer that Cohere ended with ERROR or
// TIMEOUT is returned as an error, since it holds no usable message.
func (p *Provider) ChatCompletion(ctx context.Context, key *schemas.Key,
	req *schemas.ChatRequest) (*schemas.ChatResponse, error) {
	body, err := p.tr.request(req, false)
	if err != nil {
		return nil, err
	}
	resp, err := p.http.PostJSON(ctx, "/v2/chat", body, key)
	if err != nil {
		return nil, refine(err)
	}
	var wire chatResponse
	if err := p.http.DecodeJSON(ctx, resp, &wire); err != nil {
		return nil, err
	}
	return convertResponse(p.name, &wire, req.Model)
}

// ChatCompletionStream sends req to /v2/chat with "stream": true.
func (p *Provider) ChatCompletionStream(ctx context.Context, key *schemas.Key,
	req *schemas.ChatRequest) (providers.Stream, error) {
	body, err := p.tr.request(req, true)
	if err != nil {
		return nil, err
	}
	resp, err := p.http.PostStream(ctx, "/v2/chat", body, key)
	if err != nil {
		return nil, refine(err)
	}
	return newStream(ctx, p.name, req.Model, resp), nil
}

// Embedding sends req to /v2/embed for float vectors, with DefaultInputType.
// EmbeddingRequest.User is not sent; Cohere has no such field.
func (p *Provider) Embedding(ctx context.Context, key *schemas.Key,
	req *schemas.EmbeddingRequest) (*schemas.EmbeddingResponse, error) {
	body := embedRequest{Model: req.Model, Texts: req.Input, InputType: DefaultInputType,
		EmbeddingTypes: []string{"float"}, OutputDimension: req.Dimensions}
	resp, err := p.http.PostJSON(ctx, "/v2/embed", &body, key)
	if err != nil {
		return nil, refine(err)
	}
	var wire embedResponse
	if err := p.http.DecodeJSON(ctx, resp, &wire); err != nil {
		return nil, err
	}
	vectors := wire.Embeddings.Float
	if len(vectors) != len(req.Input) {
		return nil, schemas.NewError(schemas.ErrUpstream, p.name,
			"malformed upstream answer: %d embeddings for %d inputs", len(vectors), len(req.Input))
	}
	out := &schemas.EmbeddingResponse{Object: "list", Model: req.Model, Provider: p.name,
		Data: make([]schemas.Embedding, len(vectors))}
	for i, v := range vectors {
		out.Data[i] = schemas.Embedding{Object: "embedding", Index: i, Embedding: v}
	}
	if b := wire.Meta.BilledUnits; b != nil {
		n := int(b.InputTokens)
		out.Usage = &schemas.Usage{PromptTokens: n, TotalTokens: n}
	}
	return out, nil
}

// refine turns Cohere's 498 ("invalid token"), which the generic mapping reads as a
// bad request, into the authentication failure it is.
func refine(err error) error {
	var e *schemas.Error
	if errors.As(err, &e) && e.StatusCode == statusInvalidToken {
		e.Kind, e.StatusCode, e.Type = schemas.ErrAuth, http.StatusUnauthorized,
			schemas.TypeAuthentication
	}
	return err
}
