package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"

	"github.com/sluicegw/sluice/schemas"
)

// Call is one upstream request described in full, for adapters that need more than
// PostJSON offers: a URL that depends on the key (an Azure resource, a Bedrock
// region), an answer in another media type, a request signature, or their own
// reading of error answers.
type Call struct {
	// URL is the absolute URL the request is POSTed to.
	URL string
	// Body is encoded as JSON.
	Body any
	// Key is handed to the HTTP's Authorizer and scrubbed from error messages.
	Key *schemas.Key
	// Accept is the media type asked for; empty means application/json.
	Accept string
	// Sign, if not nil, runs after every other header is set, with the encoded body,
	// so that it can sign the request exactly as it is sent. A *schemas.Error it
	// returns is returned as is.
	Sign func(req *http.Request, body []byte) error
	// Fail, if not nil, turns a non-2xx answer into the error returned, in place of
	// ResponseError. It may read the body but must not close it.
	Fail func(resp *http.Response) error
}

// Do sends c. Like PostJSON, it returns the response of a 2xx answer, whose body the
// caller must close, and a *schemas.Error for anything else.
func (h *HTTP) Do(ctx context.Context, c Call) (*http.Response, error) {
	buf := h.buffers.Get()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c.Body); err != nil {
		h.putBuffer(buf)
		return nil, schemas.NewError(schemas.ErrBadRequest, h.provider,
			"cannot encode the request: %v", err)
	}

	rb := &requestBody{h: h, buf: buf, r: bytes.NewReader(buf.Bytes())}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, rb)
	if err != nil {
		rb.Close()
		return nil, schemas.NewError(schemas.ErrBadRequest, h.provider,
			"cannot build the upstream request; check network_config.base_url")
	}
	if err := h.prepare(req, &c, buf); err != nil {
		rb.Close()
		return nil, err
	}

	resp, err := h.client.Do(req)
	if err != nil {
		return nil, NetworkError(ctx, h.provider, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return resp, nil
	}
	defer resp.Body.Close()
	if c.Fail != nil {
		return nil, c.Fail(resp)
	}
	return nil, ResponseError(h.provider, resp, c.Key)
}

// prepare sets req's headers: content type, the configured extra headers, then the
// credentials, so that an extra header can never replace them, then the signature,
// which must cover every other header.
func (h *HTTP) prepare(req *http.Request, c *Call, body *bytes.Buffer) error {
	req.ContentLength = int64(body.Len())
	req.Header.Set("Content-Type", "application/json")
	accept := c.Accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	for k, v := range h.extra {
		req.Header.Set(k, v)
	}
	if h.auth != nil {
		if err := h.auth(req.Header, c.Key); err != nil {
			return err
		}
	}
	if c.Sign != nil {
		return c.Sign(req, body.Bytes())
	}
	return nil
}
