package sluice

import (
	"net"
	"net/http"
	"time"
)

// Connection timeouts of provider HTTP clients. They bound only connection set-up;
// the wait for an answer is bounded per request by the engine, through the context.
const (
	dialTimeout         = 10 * time.Second
	tlsHandshakeTimeout = 10 * time.Second
	keepAlive           = 30 * time.Second
	idleConnTimeout     = 90 * time.Second
)

// newHTTPClient returns a client whose transport belongs to one provider and is sized
// for its concurrency: up to one idle connection per worker is kept, so that a busy
// provider reuses connections instead of opening new ones, and the number of
// connections is not capped, since the workers already bound it. HTTP/2 is attempted
// where the provider offers it over TLS.
func newHTTPClient(concurrency int) *http.Client {
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: keepAlive}
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          concurrency,
		MaxIdleConnsPerHost:   concurrency,
		IdleConnTimeout:       idleConnTimeout,
		TLSHandshakeTimeout:   tlsHandshakeTimeout,
		ExpectContinueTimeout: time.Second,
	}}
}
