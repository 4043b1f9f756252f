// Package bedrock is the adapter for Amazon Bedrock: chat completions through the
// Converse API, streamed over AWS's binary event-stream framing, with tool use, and
// Amazon Titan text embeddings through InvokeModel; every call is signed with AWS
// Signature Version 4 or carries a Bedrock API key.
//
// Requests are translated from the unified (OpenAI-shaped) types into Converse's
// JSON and answers back; a field Converse cannot express is refused with an
// ErrUnsupported error naming it.
package bedrock

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/encoding/httpbinding"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// DefaultBaseURL is Bedrock's runtime endpoint. "{region}" is replaced, on every
// call, by the region of the key used; a configured base_url may use it too, for
// example for a VPC endpoint per region.
const DefaultBaseURL = "https://bedrock-runtime.{region}.amazonaws.com"

// DefaultRegion is used for a key whose bedrock_key_config names no region.
const DefaultRegion = "us-east-1"

// eventStreamType is the media type of a ConverseStream answer.
const eventStreamType = "application/vnd.amazon.eventstream"

// Provider sends requests to Bedrock. It implements providers.Provider,
// providers.ChatStreamer and providers.Embedder, and is safe for concurrent use.
//
// Each call is authenticated with its key's bedrock_key_config: static access_key and
// secret_key (with session_token, if any) are signed with SigV4; a key with neither
// but a value uses the value as a Bedrock API key (bearer token); a key with none of
// them uses the AWS default credential chain (environment, AWS_PROFILE and the shared
// files, SSO, container and instance roles). A model is called under the ID or
// inference profile ARN its key's deployments map it to, or under its own name.
type Provider struct {
	name   schemas.ModelProvider
	http   *providers.HTTP
	signer *v4.Signer
	chain  credentialChain
}

// Interface guards.
var (
	_ providers.Provider     = (*Provider)(nil)
	_ providers.ChatStreamer = (*Provider)(nil)
	_ providers.Embedder     = (*Provider)(nil)
)

// New returns a Bedrock adapter. The base URL is the configured base_url, or
// DefaultBaseURL; the adapter appends /model/{id}/converse, /converse-stream or
// /invoke.
func New(opts providers.Options) (*Provider, error) {
	if opts.Provider == "" {
		opts.Provider = schemas.Bedrock
	}
	h, err := providers.NewHTTP(opts, DefaultBaseURL, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot set up provider %s: %w", opts.Provider, err)
	}
	return &Provider{name: opts.Provider, http: h, signer: v4.NewSigner()}, nil
}

// ChatCompletion sends req to Converse.
func (p *Provider) ChatCompletion(ctx context.Context, key *schemas.Key,
	req *schemas.ChatRequest) (*schemas.ChatResponse, error) {
	body, err := converseBody(p.name, req)
	if err != nil {
		return nil, err
	}
	resp, err := p.post(ctx, key, req.Model, "converse", body, "application/json")
	if err != nil {
		return nil, err
	}
	var out converseResponse
	if err := p.http.DecodeJSON(ctx, resp, &out); err != nil {
		return nil, err
	}
	r := chatResponse(&out, requestID(resp), req.Model, time.Now().Unix())
	r.Provider = p.name
	return r, nil
}

// ChatCompletionStream sends req to ConverseStream and returns once Bedrock has
// accepted it.
func (p *Provider) ChatCompletionStream(ctx context.Context, key *schemas.Key,
	req *schemas.ChatRequest) (providers.Stream, error) {
	body, err := converseBody(p.name, req)
	if err != nil {
		return nil, err
	}
	resp, err := p.post(ctx, key, req.Model, "converse-stream", body, eventStreamType)
	if err != nil {
		return nil, err
	}
	return newStream(ctx, p.name, key, resp, req.Model), nil
}

// post sends body to the model's action, authenticated for key.
func (p *Provider) post(ctx context.Context, key *schemas.Key, model, action string,
	body any, accept string) (*http.Response, error) {
	cfg := keyConfig(key)
	auth, err := p.authorize(ctx, key, cfg)
	if err != nil {
		return nil, err
	}
	return p.http.Do(ctx, providers.Call{
		URL:    p.modelURL(auth.region, modelID(cfg, model), action),
		Body:   body,
		Key:    key,
		Accept: accept,
		Sign:   p.sign(ctx, auth),
		Fail:   func(resp *http.Response) error { return responseError(p.name, resp, key) },
	})
}

// modelURL returns {base}/model/{id}/{action}. The ID is escaped as one path
// segment, as the AWS SDK does: an inference profile ARN holds ':' and '/'.
func (p *Provider) modelURL(region, id, action string) string {
	base := strings.ReplaceAll(p.http.BaseURL(), "{region}", region)
	return base + "/model/" + httpbinding.EscapePath(id, true) + "/" + action
}

var noConfig = &schemas.BedrockKeyConfig{}

// keyConfig returns key's Bedrock settings, or empty ones.
func keyConfig(key *schemas.Key) *schemas.BedrockKeyConfig {
	if key == nil || key.BedrockKeyConfig == nil {
		return noConfig
	}
	return key.BedrockKeyConfig
}

// modelID returns the model ID or inference profile the key maps model to, or model.
func modelID(cfg *schemas.BedrockKeyConfig, model string) string {
	if id := cfg.Deployments[model]; id != "" {
		return id
	}
	return model
}

// requestID returns the ID AWS gave the call, which serves as the completion's ID.
func requestID(resp *http.Response) string {
	return resp.Header.Get("X-Amzn-Requestid")
}
