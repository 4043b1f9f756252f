package gemini

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// cloudPlatformScope is the OAuth scope Vertex AI requires.
const cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"

// tokenTimeout bounds one exchange with the token endpoint. oauth2's token sources
// take no per-call context, so this bound is what keeps a stuck token endpoint from
// holding a worker: a worker that needs a token waits at most this long for it.
const tokenTimeout = 10 * time.Second

// maxTokenSources bounds the cache of token sources. Keys rotate rarely and an
// account holds a handful of service accounts; should a stream of distinct
// credentials ever fill the cache, it is emptied and refills on demand.
const maxTokenSources = 64

// tokens mints and caches Vertex AI access tokens, one oauth2 token source per
// distinct credentials document. A source reuses its token until shortly before it
// expires, then fetches a new one; concurrent callers share the fetch.
type tokens struct {
	provider schemas.ModelProvider
	ctx      context.Context // carries the HTTP client token fetches use

	mu      sync.Mutex
	sources map[string]oauth2.TokenSource
}

func newTokens(opts providers.Options) *tokens {
	client := &http.Client{Timeout: tokenTimeout}
	if opts.Client != nil {
		client.Transport = opts.Client.Transport
	}
	return &tokens{provider: opts.Provider, sources: map[string]oauth2.TokenSource{},
		ctx: context.WithValue(context.Background(), oauth2.HTTPClient, client)}
}

// token returns a valid access token for key's credentials. Errors are *schemas.Error:
// ErrAuth when the credentials are unusable or refused, ErrUpstream when the token
// endpoint could not be reached.
func (t *tokens) token(key *schemas.Key) (string, error) {
	if key == nil || key.VertexKeyConfig == nil {
		return "", schemas.NewError(schemas.ErrNoKey, t.provider,
			"provider %s needs keys with a vertex_key_config", t.provider)
	}
	ts, err := t.source(key.VertexKeyConfig.AuthCredentials)
	if err != nil {
		return "", err
	}
	tok, err := ts.Token()
	if err != nil {
		return "", t.fetchError(err)
	}
	return tok.AccessToken, nil
}

// source returns the cached token source of creds, making it on first use. Empty
// creds mean Google's application default credentials.
func (t *tokens) source(creds string) (oauth2.TokenSource, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ts, ok := t.sources[creds]; ok {
		return ts, nil
	}
	var ts oauth2.TokenSource
	if creds == "" {
		dc, err := google.FindDefaultCredentials(t.ctx, cloudPlatformScope)
		if err != nil {
			return nil, t.authError(err, "no auth_credentials in vertex_key_config "+
				"and no application default credentials")
		}
		ts = dc.TokenSource
	} else {
		cfg, err := google.JWTConfigFromJSON([]byte(creds), cloudPlatformScope)
		if err != nil {
			return nil, t.authError(err, "vertex_key_config.auth_credentials is not "+
				"a usable service-account JSON")
		}
		ts = cfg.TokenSource(t.ctx)
	}
	if len(t.sources) >= maxTokenSources {
		clear(t.sources)
	}
	t.sources[creds] = ts
	return ts, nil
}

func (t *tokens) authError(err error, msg string) *schemas.Error {
	e := schemas.NewError(schemas.ErrAuth, t.provider, "%s: %v", msg, err)
	e.Cause = err
	return e
}

// fetchError converts a failed token fetch. A refusal by the token endpoint (4xx) is
// an authentication failure, quoted by its OAuth error code and description only;
// anything else is a retryable upstream failure.
func (t *tokens) fetchError(err error) *schemas.Error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		e := schemas.NewError(schemas.ErrUpstream, t.provider,
			"cannot fetch a Vertex AI access token: %v", err)
		e.Cause = err
		return e
	}
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(re.Body, &body)
	kind := schemas.ErrUpstream
	if s := re.Response.StatusCode; s >= 400 && s < 500 && s != http.StatusTooManyRequests {
		kind = schemas.ErrAuth
	}
	e := schemas.NewError(kind, t.provider,
		"the token endpoint refused the service account (%s): %s %s",
		re.Response.Status, body.Error, body.Description)
	e.Cause = err
	return e
}
