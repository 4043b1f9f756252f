package providers

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"

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
//
// req.Body is not read any more once Forward has returned an error or the returned
// body has been closed, so the caller may then reuse its memory.
func (h *HTTP) Forward(ctx context.Context, key *schemas.Key,
	req *schemas.RawRequest) (*http.Response, error) {
	return h.ForwardTo(ctx, key, h.baseURL+req.Path, req)
}

// ForwardTo is Forward to url instead of the base URL followed by req.Path, for
// adapters whose paths depend on the provider, the key or the model.
func (h *HTTP) ForwardTo(ctx context.Context, key *schemas.Key, url string,
	req *schemas.RawRequest) (*http.Response, error) {
	rb := &rawBody{r: bytes.NewReader(req.Body)}
	resp, err := h.forward(ctx, key, url, req, rb)
	if err != nil {
		rb.Close()
		return nil, err
	}
	resp.Body = &detachingBody{ReadCloser: resp.Body, req: rb}
	return resp, nil
}

func (h *HTTP) forward(ctx context.Context, key *schemas.Key, url string,
	req *schemas.RawRequest, rb *rawBody) (*http.Response, error) {
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, rb)
	if err != nil {
		return nil, schemas.NewError(schemas.ErrBadRequest, h.provider,
			"cannot build the upstream request; check network_config.base_url")
	}
	hr.ContentLength = int64(len(req.Body))
	if hr.ContentLength == 0 {
		hr.Body = http.NoBody // a non-nil empty body would be sent chunked
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

// rawBody is the body of a forwarded request. The transport may read or close a
// request body from another goroutine even after the round trip has returned, so
// reads and Close are serialized, and once closed it reads nothing more of the
// caller's memory.
type rawBody struct {
	mu sync.Mutex
	r  *bytes.Reader
}

func (b *rawBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.r == nil {
		return 0, errBodyClosed
	}
	return b.r.Read(p)
}

// WriteTo writes what is left of the body to w in one call, so that io.Copy needs no
// buffer of its own: the transport's copy is then a single write.
func (b *rawBody) WriteTo(w io.Writer) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.r == nil {
		return 0, errBodyClosed
	}
	return b.r.WriteTo(w)
}

func (b *rawBody) Close() error {
	b.mu.Lock()
	b.r = nil
	b.mu.Unlock()
	return nil
}

// detachingBody is a forwarded answer's body; closing it also detaches the request
// body from the caller's memory.
type detachingBody struct {
	io.ReadCloser
	req *rawBody
}

func (b *detachingBody) Close() error {
	err := b.ReadCloser.Close()
	b.req.Close()
	return err
}
