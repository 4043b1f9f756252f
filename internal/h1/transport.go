// Package h1 is the HTTP client stack of the engine's provider calls: an
// http.RoundTripper that speaks HTTP/1.1 with fasthttp's request and response codec
// over connection pools of its own.
//
// net/http's Transport runs two goroutines per open connection and hands every
// request between three goroutines; at thousands of calls in flight that costs more
// CPU and memory than the rest of the gateway. This transport runs the exchange in
// the caller's goroutine, keeps no buffers on idle connections, starts no goroutine
// of its own, and keeps what the
// engine relies on from net/http: the request's context cancels the call at any
// point (the connection is cut), and the adapters still see *http.Request and
// *http.Response.
package h1

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// Transport is an http.RoundTripper for provider calls. Requests that the
// environment sends through a proxy (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) are handed to
// Fallback, since fasthttp speaks to origins only. The zero value is not usable; use
// New.
type Transport struct {
	maxConns    int
	idleTimeout time.Duration
	dialer      net.Dialer
	tls         *tls.Config
	proxy       func(*http.Request) (*url.URL, error)
	fallback    http.RoundTripper

	mu    sync.Mutex
	hosts map[string]*host // by scheme and host:port
}

// Options configures a Transport. Zero values mean the documented defaults.
type Options struct {
	// MaxConnsPerHost bounds the connections to one host, idle ones included; a
	// call that finds none free waits for one as long as its context allows. Zero
	// means 1024.
	MaxConnsPerHost int
	// DialTimeout bounds connection set-up, TLS included. Zero means 10s.
	DialTimeout time.Duration
	// IdleTimeout closes connections idle for longer. Zero means 90s.
	IdleTimeout time.Duration
	// TLS is the client TLS configuration; nil means the system roots.
	TLS *tls.Config
	// Fallback serves requests that go through a proxy. Nil means a clone of
	// http.DefaultTransport.
	Fallback http.RoundTripper
}

// host is one origin's connection pool and whether calls to it go through a proxy.
type host struct {
	pool    *pool
	proxied bool
}

// New returns a Transport for opts.
func New(opts Options) *Transport {
	t := &Transport{
		maxConns:    orInt(opts.MaxConnsPerHost, 1024),
		idleTimeout: orDuration(opts.IdleTimeout, 90*time.Second),
		tls:         opts.TLS,
		proxy:       http.ProxyFromEnvironment,
		fallback:    opts.Fallback,
		hosts:       make(map[string]*host),
	}
	t.dialer = net.Dialer{Timeout: orDuration(opts.DialTimeout, 10*time.Second),
		KeepAlive: 30 * time.Second}
	if t.fallback == nil {
		t.fallback = http.DefaultTransport.(*http.Transport).Clone()
	}
	return t
}

func orInt(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

func orDuration(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

// RoundTrip sends req and returns the answer once its headers have arrived; the
// body is read from the connection as the caller reads it. The request's context
// bounds the whole exchange, body included: when it ends, the connection is cut and
// the pending read or write fails with the context's error.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	h, err := t.hostFor(req)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	if h.proxied {
		return t.fallback.RoundTrip(req)
	}

	freq := fasthttp.AcquireRequest()
	defer fasthttp.ReleaseRequest(freq)
	if err := copyRequest(freq, req); err != nil {
		return nil, err
	}
	return h.do(req, freq)
}

// CloseIdleConnections closes the idle connections of every host.
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, h := range t.hosts {
		h.pool.closeIdle()
	}
	if c, ok := t.fallback.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// hostFor returns the pool of req's origin, creating it on first use.
func (t *Transport) hostFor(req *http.Request) (*host, error) {
	u := req.URL
	if u == nil || u.Host == "" {
		return nil, errors.New("h1: request has no host")
	}
	var port string
	switch u.Scheme {
	case "http":
		port = "80"
	case "https":
		port = "443"
	default:
		return nil, fmt.Errorf("h1: unsupported scheme %q", u.Scheme)
	}
	key := u.Scheme + "://" + u.Host

	t.mu.Lock()
	defer t.mu.Unlock()
	if h, ok := t.hosts[key]; ok {
		return h, nil
	}
	proxyURL, err := t.proxy(req)
	if err != nil {
		return nil, fmt.Errorf("h1: cannot read the proxy settings: %w", err)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), port)
	}
	h := &host{proxied: proxyURL != nil, pool: t.newPool(addr, u)}
	t.hosts[key] = h
	return h, nil
}

func (t *Transport) newPool(addr string, u *url.URL) *pool {
	var cfg *tls.Config
	if u.Scheme == "https" {
		cfg = t.tls.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
	}
	return newPool(addr, cfg, &t.dialer, t.maxConns, t.idleTimeout)
}

// copyRequest fills freq from req and closes req's body.
func copyRequest(freq *fasthttp.Request, req *http.Request) error {
	defer closeBody(req)
	freq.Header.DisableNormalizing()
	freq.Header.SetMethod(req.Method)
	freq.SetRequestURI(req.URL.RequestURI())
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	freq.Header.SetHost(host)
	for name, values := range req.Header {
		for _, v := range values {
			freq.Header.Add(name, v)
		}
	}
	if req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	// The body is copied, so that a call refused by a dead keep-alive connection can
	// be sent again on a new one.
	if _, err := copyBody(freq.BodyWriter(), req.Body); err != nil {
		return fmt.Errorf("h1: cannot read the request body: %w", err)
	}
	freq.Header.SetContentLength(len(freq.Body()))
	return nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// statusLine is the status phrase of an answer, from its status line when it has one.
func statusLine(code int, msg []byte) string {
	text := string(msg)
	if text == "" {
		text = http.StatusText(code)
	}
	return strconv.Itoa(code) + " " + text
}

// contextError is the error of a call cut because ctx ended.
func contextError(ctx context.Context) error {
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, ctx.Err()) {
		return fmt.Errorf("%w: %w", ctx.Err(), cause)
	}
	return ctx.Err()
}
