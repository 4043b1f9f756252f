package sluice

import (
	"net"
	"net/http"
	"time"

	"github.com/sluicegw/sluice/internal/h1"
)

// Connection timeouts of provider HTTP clients. They bound only connection set-up;
// the wait for an answer is bounded per request by the engine, through the context.
const (
	dialTimeout         = 10 * time.Second
	tlsHandshakeTimeout = 10 * time.Second
	keepAlive           = 30 * time.Second
	idleConnTimeout     = 90 * time.Second
)

// newHTTPClient returns a client whose connections belong to one provider. Calls
// go over HTTP/1.1 through internal/h1, which runs each exchange in the calling
// worker's goroutine instead of net/http's two goroutines per connection: at 5000
// requests/s it takes a sixth off the gateway's CPU per request and a fifth off its
// peak RSS, measured against net/http's Transport in one run (docs/performance.md).
// The connection count is capped at twice the concurrency, well above what the
// workers can use, since they already bound it. Calls that the environment sends
// through a proxy use net/http, which speaks to proxies; it also tries HTTP/2 with
// providers that offer it over TLS.
func newHTTPClient(concurrency int) *http.Client {
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: keepAlive}
	proxied := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          concurrency,
		MaxIdleConnsPerHost:   concurrency,
		IdleConnTimeout:       idleConnTimeout,
		TLSHandshakeTimeout:   tlsHandshakeTimeout,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: h1.New(h1.Options{
		MaxConnsPerHost: max(2*concurrency, 64),
		DialTimeout:     dialTimeout,
		IdleTimeout:     idleConnTimeout,
		Fallback:        proxied,
	})}
}
