// Package azure is the adapter for Azure OpenAI: OpenAI's wire format, served by the
// OpenAI adapter, at per-resource deployment URLs with Azure's credentials.
//
// A call for model m with a key whose azure_key_config is {endpoint E, deployments D,
// api_version V} goes to
//
//	E/openai/deployments/D[m]/chat/completions?api-version=V
//
// (and likewise /completions and /embeddings). A model the key's deployments do not
// list is called under its own name, as deployments are often named after their
// model. An empty api_version means DefaultAPIVersion. A configured base_url replaces
// every key's endpoint, for proxies and tests; it may contain "{endpoint}", which
// stands for the key's endpoint.
package azure

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/providers/openai"
	"github.com/sluicegw/sluice/schemas"
)

// DefaultAPIVersion is the api-version sent when a key sets none: the latest
// generally available version when this adapter was written, which accepts
// stream_options, so streams report usage.
const DefaultAPIVersion = "2024-10-21"

// endpointPlaceholder stands for the key's endpoint in the base URL.
const endpointPlaceholder = "{endpoint}"

// Dialect is Azure OpenAI as a dialect of the OpenAI adapter.
var Dialect = openai.Dialect{
	DefaultBaseURL: endpointPlaceholder,
	Route:          route,
	Authorize:      authorize,
}

// New returns an Azure OpenAI adapter: the OpenAI adapter with Azure's Dialect. It
// offers chat (streamed or not), embeddings and legacy completions.
func New(opts providers.Options) (*openai.Provider, error) {
	if opts.Provider == "" {
		opts.Provider = schemas.Azure
	}
	return openai.NewCompatible(opts, Dialect)
}

// route builds the deployment URL of one call.
func route(base string, key *schemas.Key, model, endpoint string) (string, error) {
	cfg := &schemas.AzureKeyConfig{}
	if key != nil && key.AzureKeyConfig != nil {
		cfg = key.AzureKeyConfig
	}
	if strings.Contains(base, endpointPlaceholder) {
		e := strings.TrimRight(cfg.Endpoint, "/")
		if e == "" {
			return "", schemas.NewError(schemas.ErrNoKey, schemas.Azure,
				"key %q has no azure_key_config.endpoint; set it to the resource's URL "+
					"(https://NAME.openai.azure.com), or set network_config.base_url", keyID(key))
		}
		base = strings.ReplaceAll(base, endpointPlaceholder, e)
	}
	deployment := cfg.Deployments[model]
	if deployment == "" {
		deployment = model
	}
	version := cfg.APIVersion
	if version == "" {
		version = DefaultAPIVersion
	}
	return base + "/openai/deployments/" + url.PathEscape(deployment) + endpoint +
		"?api-version=" + url.QueryEscape(version), nil
}

// authorize sends an API key in the api-key header, and a Microsoft Entra ID access
// token (a JWT: three dot-separated parts, the first starting "eyJ") as a bearer
// token. Azure API keys are hexadecimal or base62 and never contain a dot, so the
// two cannot be confused.
func authorize(h http.Header, key *schemas.Key) error {
	if key == nil || key.Value == "" {
		return schemas.NewError(schemas.ErrNoKey, schemas.Azure,
			"provider azure needs an API key or a Microsoft Entra ID token as the key's value")
	}
	if strings.HasPrefix(key.Value, "eyJ") && strings.Count(key.Value, ".") == 2 {
		h.Set("Authorization", "Bearer "+key.Value)
		return nil
	}
	h.Set("Api-Key", key.Value)
	return nil
}

// keyID names key in messages without revealing it.
func keyID(key *schemas.Key) string {
	if key == nil {
		return ""
	}
	return key.ID
}
