package openai

import (
	"context"
	"net/http"
	"strings"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

var _ providers.RawForwarder = (*Provider)(nil)

// apiVersionPrefix is the version segment of OpenAI's documented paths, which each
// dialect replaces with its own Prefix.
const apiVersionPrefix = "/v1"

// Forward sends a request already in OpenAI's wire shape without translating it, for
// the gateway's OpenAI routes. req.Path is the path as OpenAI documents it, such as
// "/v1/chat/completions": the dialect's Prefix takes the place of "/v1", or its Route
// picks the URL (Azure's deployments). The body is sent as it is, so the dialect's
// request rewrites (DeveloperAsSystem, NoStreamOptions) are not applied: the caller
// forwards only what the provider takes as it is.
func (p *Provider) Forward(ctx context.Context, key *schemas.Key,
	req *schemas.RawRequest) (*http.Response, error) {
	endpoint, ok := strings.CutPrefix(req.Path, apiVersionPrefix)
	if !ok || !strings.HasPrefix(endpoint, "/") {
		e := schemas.NewError(schemas.ErrBadRequest, p.name,
			"cannot forward to %s: the path must start with %s/", req.Path, apiVersionPrefix)
		e.Param = "path"
		return nil, e
	}
	url, err := p.url(key, req.Model, endpoint)
	if err != nil {
		return nil, err
	}
	return p.http.ForwardTo(ctx, key, url, req)
}
