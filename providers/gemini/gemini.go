// Package gemini is the adapter for Google's generateContent API, reached two ways:
// the Gemini API (generativelanguage.googleapis.com, an API key per request) and
// Vertex AI (a project and region per key, OAuth tokens minted from a service account).
// Both speak the same request and answer format; they differ in addresses and
// credentials only, so one Provider serves both in one of two modes.
package gemini

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// DefaultBaseURL is the Gemini API's root; the adapter appends /models/{model}:….
const DefaultBaseURL = "https://generativelanguage.googleapis.com/v1beta"

// Provider sends requests to Gemini or Vertex AI. It implements providers.Provider,
// ChatStreamer and Embedder, and is safe for concurrent use.
type Provider struct {
	name   schemas.ModelProvider
	tr     translator
	http   *providers.HTTP
	vertex *vertex // set in Vertex AI mode
}

// Interface guards.
var (
	_ providers.Provider     = (*Provider)(nil)
	_ providers.ChatStreamer = (*Provider)(nil)
	_ providers.Embedder     = (*Provider)(nil)
)

// New returns an adapter for the Gemini API. Each key's Value is sent in the
// x-goog-api-key header. The base URL defaults to DefaultBaseURL.
func New(opts providers.Options) (*Provider, error) {
	if opts.Provider == "" {
		opts.Provider = schemas.Gemini
	}
	h, err := providers.NewHTTP(opts, DefaultBaseURL, apiKeyAuth(opts.Provider))
	if err != nil {
		return nil, fmt.Errorf("cannot set up provider %s: %w", opts.Provider, err)
	}
	return &Provider{name: opts.Provider, tr: translator{opts.Provider}, http: h}, nil
}

// NewVertex returns an adapter for Vertex AI. Each key must carry a VertexKeyConfig:
// its project and region address the model, and its service account (or, when
// AuthCredentials is empty, Google's application default credentials) mints the
// bearer token. Without a configured base URL, requests go to the region's endpoint,
// https://{region}-aiplatform.googleapis.com/v1; a configured base URL replaces that
// root for every region, for private endpoints, proxies and tests.
func NewVertex(opts providers.Options) (*Provider, error) {
	if opts.Provider == "" {
		opts.Provider = schemas.Vertex
	}
	v := newVertex(opts)
	h, err := providers.NewHTTP(opts, vertexGlobalURL, v.authorize)
	if err != nil {
		return nil, fmt.Errorf("cannot set up provider %s: %w", opts.Provider, err)
	}
	return &Provider{name: opts.Provider, tr: translator{opts.Provider}, http: h,
		vertex: v}, nil
}

// apiKeyAuth sends the key the way the Gemini API documents, in a header rather than
// the URL, so that it never appears in a logged or quoted URL.
func apiKeyAuth(p schemas.ModelProvider) providers.Authorizer {
	return func(h http.Header, key *schemas.Key) error {
		if key == nil || key.Value == "" {
			return schemas.NewError(schemas.ErrNoKey, p, "provider %s needs an API key", p)
		}
		h.Set("x-goog-api-key", key.Value)
		return nil
	}
}

// target resolves model for key in the provider's mode: the URL of the model's
// resource, to which the method (":generateContent", …) is appended.
func (p *Provider) target(key *schemas.Key, model string) (string, error) {
	if err := checkModel(p.name, model); err != nil {
		return "", err
	}
	if p.vertex != nil {
		return p.vertex.target(key, model)
	}
	return p.http.BaseURL() + "/" + resource(model), nil
}

// resource returns the Gemini API resource name of model: "models/{model}", unless
// the name already holds a collection ("tunedModels/…").
func resource(model string) string {
	if strings.Contains(model, "/") {
		return model
	}
	return "models/" + model
}

// post sends body to the model's resource URL followed by method, reading a refusal
// as a Google error.
func (p *Provider) post(ctx context.Context, key *schemas.Key, model, method string,
	body any, accept string) (*http.Response, error) {
	u, err := p.target(key, model)
	if err != nil {
		return nil, err
	}
	return p.http.Do(ctx, providers.Call{URL: u + method, Body: body, Key: key,
		Accept: accept, Fail: func(resp *http.Response) error {
			return responseError(p.name, resp, key)
		}})
}

// checkModel refuses a model name that could change the shape of the URL.
func checkModel(p schemas.ModelProvider, model string) error {
	bad := model == ""
	for _, r := range model {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune("-_.@/", r)
		bad = bad || !ok
	}
	for seg := range strings.SplitSeq(model, "/") {
		bad = bad || seg == "" || seg == "." || seg == ".."
	}
	if bad {
		e := schemas.NewError(schemas.ErrBadRequest, p,
			"model %q is not a valid model name: use letters, digits and -_.@/", model)
		e.Param = "model"
		return e
	}
	return nil
}

// ChatCompletion sends req to {resource}:generateContent.
func (p *Provider) ChatCompletion(ctx context.Context, key *schemas.Key,
	req *schemas.ChatRequest) (*schemas.ChatResponse, error) {
	body, err := p.tr.request(req)
	if err != nil {
		return nil, err
	}
	resp, err := p.post(ctx, key, req.Model, ":generateContent", body, "")
	if err != nil {
		return nil, err
	}
	var wire generateResponse
	if err := p.http.DecodeJSON(ctx, resp, &wire); err != nil {
		return nil, err
	}
	out := chatResponse(&wire, req.Model)
	out.Provider = p.name
	return out, nil
}

// ChatCompletionStream sends req to {resource}:streamGenerateContent?alt=sse.
func (p *Provider) ChatCompletionStream(ctx context.Context, key *schemas.Key,
	req *schemas.ChatRequest) (providers.Stream, error) {
	body, err := p.tr.request(req)
	if err != nil {
		return nil, err
	}
	resp, err := p.post(ctx, key, req.Model, ":streamGenerateContent?alt=sse", body,
		"text/event-stream")
	if err != nil {
		return nil, err
	}
	return newStream(ctx, p.name, key, req.Model, resp), nil
}
