package providers

import (
	"bytes"
	"context"
	"net/http"

	"github.com/sluicegw/sluice/schemas"
)

// RawForwarder is implemented by adapters that can forward a request in their
// provider's own wire format without translating it, such as the Anthropic adapter for
// the gateway's /anthropic routes.
type RawForwarder interface {
	// Forward sends req to the provider with key's credentials. On a 2xx answer it
	// returns the response, whose body the caller must close; anything else is
	// returned as a *schemas.Error, as for a translated call.
	Forward(ctx context.Context, key *schemas.Key, req *schemas.RawRequest) (*http.Response, error)
}

// Forward POSTs req.Body as it is to the base URL followed by req.Path. The headers
// are set in this order, each able to replace the one before: req.Header, the
// configured extra headers, then the credentials, so that neither the caller nor the
// configuration can replace the key. It answers like Do.
func (h *HTTP) Forward(ctx context.Context, key *schemas.Key,
	req *schemas.RawRequest) (*http.Response, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, h.baseURL+req.Path,
		bytes.NewReader(req.Body))
	if err != nil {
		return nil, schemas.NewError(schemas.ErrBadRequest, h.provider,
			"cannot build the upstream request; check network_config.base_url")
	}
	for name, values := range req.Header {
		hr.Header[http.CanonicalHeaderKey(name)] = values
	}
	hr.Header.Set("Content-Type", "application/json")
	if hr.Header.Get("Accept") == "" {
		accept := "application/json"
		if req.Stream {
			accept = "text/event-stream"
		}
		hr.Header.Set("Accept", accept)
	}
	for k, v := range h.extra {
		hr.Header.Set(k, v)
	}
	if h.auth != nil {
		if err := h.auth(hr.Header, key); err != nil {
			return nil, err
		}
	}

	resp, err := h.client.Do(hr)
	if err != nil {
		return nil, NetworkError(ctx, h.provider, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, ResponseError(h.provider, resp, key)
}
