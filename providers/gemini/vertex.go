package gemini

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// vertexGlobalURL is the root of Vertex AI's global endpoint. Regional endpoints
// put the region in front of the host.
const vertexGlobalURL = "https://aiplatform.googleapis.com/v1"

// vertex is the Vertex AI mode of the adapter: addresses built from each key's
// project and region, and bearer tokens minted from each key's credentials.
type vertex struct {
	provider schemas.ModelProvider
	tokens   *tokens
	// baseURL, when configured, replaces the regional endpoints.
	baseURL string
}

func newVertex(opts providers.Options) *vertex {
	v := &vertex{provider: opts.Provider, tokens: newTokens(opts)}
	if opts.Config != nil {
		v.baseURL = strings.TrimRight(opts.Config.NetworkConfig.BaseURL, "/")
	}
	return v
}

// authorize adds a bearer token minted from key's credentials.
func (v *vertex) authorize(h http.Header, key *schemas.Key) error {
	tok, err := v.tokens.token(key)
	if err != nil {
		return err
	}
	h.Set("Authorization", "Bearer "+tok)
	return nil
}

// config returns key's Vertex settings, or the error that explains what is missing.
func (v *vertex) config(key *schemas.Key) (*schemas.VertexKeyConfig, error) {
	p := v.provider
	if key == nil || key.VertexKeyConfig == nil {
		return nil, schemas.NewError(schemas.ErrNoKey, p,
			"provider %s needs keys with a vertex_key_config", p)
	}
	cfg := key.VertexKeyConfig
	if cfg.ProjectID == "" || !validRegion(cfg.Region) {
		return nil, schemas.NewError(schemas.ErrNoKey, p,
			"key %q: vertex_key_config needs a project_id and a region such as "+
				"us-central1 (lowercase letters, digits and hyphens)", key.ID)
	}
	return cfg, nil
}

// validRegion reports whether r can be put in a host name.
func validRegion(r string) bool {
	if r == "" {
		return false
	}
	for _, c := range r {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// target resolves model for key. A key's deployments may map the model to a
// dedicated endpoint (a numeric ID), to another model name, or to a resource path
// under the location ("endpoints/…", "publishers/…/models/…"); whatever it names must
// serve generateContent, since that is the only format the adapter speaks.
func (v *vertex) target(key *schemas.Key, model string) (string, error) {
	cfg, err := v.config(key)
	if err != nil {
		return "", err
	}
	if d, ok := cfg.Deployments[model]; ok && d != "" {
		if err := checkModel(v.provider, d); err != nil {
			return "", err
		}
		model = d
	}

	var res string
	switch {
	case strings.Contains(model, "/"):
		res = model
	case isDigits(model):
		res = "endpoints/" + model
	default:
		res = "publishers/google/models/" + model
	}
	return v.root(cfg.Region) + "/projects/" + url.PathEscape(cfg.ProjectID) +
		"/locations/" + cfg.Region + "/" + res, nil
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// root returns the API root for region: the configured base URL, the global
// endpoint for the "global" location, or the region's own endpoint.
func (v *vertex) root(region string) string {
	switch {
	case v.baseURL != "":
		return v.baseURL
	case region == "global":
		return vertexGlobalURL
	}
	return "https://" + region + "-aiplatform.googleapis.com/v1"
}
