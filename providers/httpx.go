package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/sluicegw/sluice/internal/pool"
	"github.com/sluicegw/sluice/schemas"
)

// MaxResponseBytes bounds a non-streamed upstream body. A larger answer is refused with
// ErrUpstream rather than read into memory without limit; the bound is far above any
// chat or embedding answer a provider sends today.
const MaxResponseBytes = 256 << 20

// maxPooledBuffer is the largest buffer given back to the pool. A buffer that grew
// past it for one exceptional body is left to the garbage collector, so that one huge
// answer does not pin its memory for the life of the process.
const maxPooledBuffer = 1 << 20

// HTTP is the plumbing shared by adapters that talk JSON over HTTP: it builds requests
// against the provider's base URL, encodes and decodes bodies in pooled buffers, adds
// the configured extra headers, and turns every failure into a *schemas.Error.
// It is safe for concurrent use.
type HTTP struct {
	provider schemas.ModelProvider
	baseURL  string
	client   *http.Client
	buffers  *pool.Pool[bytes.Buffer]
	extra    map[string]string
	auth     Authorizer
}

// Authorizer adds key's credentials to the headers of an upstream request. It returns
// a *schemas.Error when key cannot be used, for example a nil key for a provider that
// needs one.
type Authorizer func(h http.Header, key *schemas.Key) error

// BearerAuth sends the key as "Authorization: Bearer <key>" and refuses a missing key.
func BearerAuth(p schemas.ModelProvider) Authorizer {
	return func(h http.Header, key *schemas.Key) error {
		if key == nil || key.Value == "" {
			return schemas.NewError(schemas.ErrNoKey, p, "provider %s needs an API key", p)
		}
		h.Set("Authorization", "Bearer "+key.Value)
		return nil
	}
}

// OptionalBearerAuth sends the key as a bearer token when there is one, and nothing
// otherwise; it suits servers that run with or without a key (Ollama, vLLM).
func OptionalBearerAuth(h http.Header, key *schemas.Key) error {
	if key != nil && key.Value != "" {
		h.Set("Authorization", "Bearer "+key.Value)
	}
	return nil
}

// NewHTTP returns the plumbing for opts, adding credentials with auth (nil: none).
// The base URL is opts.Config's BaseURL, or
// defaultBaseURL when that is empty; it is an error when both are empty. A nil
// opts.Client means a client with http.DefaultTransport, and nil opts.Buffers a small
// private pool, so that adapters also work outside the engine (in tests, for example).
func NewHTTP(opts Options, defaultBaseURL string, auth Authorizer) (*HTTP, error) {
	h := &HTTP{provider: opts.Provider, client: opts.Client, buffers: opts.Buffers,
		auth: auth}
	h.baseURL = defaultBaseURL
	if opts.Config != nil {
		if u := opts.Config.NetworkConfig.BaseURL; u != "" {
			h.baseURL = u
		}
		h.extra = opts.Config.NetworkConfig.ExtraHeaders
	}
	if h.baseURL == "" {
		return nil, fmt.Errorf("provider %s needs network_config.base_url: "+
			"it has no public endpoint", opts.Provider)
	}
	h.baseURL = strings.TrimRight(h.baseURL, "/")
	if h.client == nil {
		h.client = &http.Client{}
	}
	if h.buffers == nil {
		h.buffers = pool.New(string(opts.Provider)+"_buffers", 64, 0,
			func() *bytes.Buffer { return new(bytes.Buffer) },
			func(b *bytes.Buffer) { b.Reset() })
	}
	return h, nil
}

// Provider returns the name errors are attributed to.
func (h *HTTP) Provider() schemas.ModelProvider { return h.provider }

// BaseURL returns the provider's root URL, without a trailing slash.
func (h *HTTP) BaseURL() string { return h.baseURL }

// PostJSON sends body, encoded as JSON, to the base URL followed by path, with key's
// credentials. The credentials are set after the configured extra headers, so that an
// extra header can never replace the key. The key's secret is scrubbed from any error.
//
// On a 2xx answer PostJSON returns the response, whose body the caller must close.
// Anything else, including a non-2xx answer, is returned as a *schemas.Error.
func (h *HTTP) PostJSON(ctx context.Context, path string, body any,
	key *schemas.Key) (*http.Response, error) {
	return h.post(ctx, path, body, key, "application/json")
}

// PostStream is PostJSON for a request whose answer is a server-sent event stream.
func (h *HTTP) PostStream(ctx context.Context, path string, body any,
	key *schemas.Key) (*http.Response, error) {
	return h.post(ctx, path, body, key, "text/event-stream")
}

func (h *HTTP) post(ctx context.Context, path string, body any, key *schemas.Key,
	accept string) (*http.Response, error) {
	return h.Do(ctx, Call{URL: h.baseURL + path, Body: body, Key: key, Accept: accept})
}

// DecodeJSON reads resp's body into a pooled buffer, decodes it into v, and closes it.
// ctx is the request's context, used to tell a timeout from a broken connection.
func (h *HTTP) DecodeJSON(ctx context.Context, resp *http.Response, v any) error {
	defer resp.Body.Close()
	buf := h.buffers.Get()
	defer h.putBuffer(buf)

	n, err := buf.ReadFrom(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return NetworkError(ctx, h.provider, err)
	}
	if n > MaxResponseBytes {
		return schemas.NewError(schemas.ErrUpstream, h.provider,
			"upstream answer is larger than %d bytes", MaxResponseBytes)
	}
	if err := json.Unmarshal(buf.Bytes(), v); err != nil {
		return MalformedError(h.provider, err)
	}
	return nil
}

func (h *HTTP) putBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBuffer {
		h.buffers.Put(b)
	}
}

// MalformedError reports an upstream answer that could not be decoded. It is retryable
// (ErrUpstream): the request was fine, the answer was not.
func MalformedError(p schemas.ModelProvider, err error) *schemas.Error {
	e := schemas.NewError(schemas.ErrUpstream, p, "malformed upstream answer: %v", err)
	e.Cause = err
	return e
}

// requestBody lends a pooled buffer to the transport and returns it on Close. The
// transport may close a request body from another goroutine while it is still being
// read, even after the round trip has returned, so reads and Close are serialized and
// the buffer goes back to the pool only once, when nothing can read it any more.
type requestBody struct {
	mu  sync.Mutex
	h   *HTTP
	buf *bytes.Buffer
	r   *bytes.Reader
}

var errBodyClosed = errors.New("providers: request body read after close")

func (b *requestBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf == nil {
		return 0, errBodyClosed
	}
	return b.r.Read(p)
}

func (b *requestBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf != nil {
		b.r.Reset(nil)
		b.h.putBuffer(b.buf)
		b.buf = nil
	}
	return nil
}
