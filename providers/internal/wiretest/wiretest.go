// Package wiretest runs loopback upstreams for adapter tests: an httptest server that
// records every request it receives and answers as the test says.
package wiretest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Received is one request as the upstream saw it.
type Received struct {
	Method, Path string
	Header       http.Header
	Body         []byte
	// Query is the raw query string, without "?".
	Query string
}

// Upstream is a loopback server that records what arrived.
type Upstream struct {
	*httptest.Server
	t    testing.TB
	mu   sync.Mutex
	reqs []Received
}

// New starts an Upstream answering with answer, closed when t ends.
func New(t testing.TB, answer http.HandlerFunc) *Upstream {
	t.Helper()
	u := &Upstream{t: t}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("upstream: reading the body: %v", err)
		}
		u.mu.Lock()
		u.reqs = append(u.reqs, Received{r.Method, r.URL.Path, r.Header.Clone(), body,
			r.URL.RawQuery})
		u.mu.Unlock()
		answer(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

// Last returns the last request received, failing the test when there is none.
func (u *Upstream) Last() Received {
	u.t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.reqs) == 0 {
		u.t.Fatal("no request reached the upstream")
	}
	return u.reqs[len(u.reqs)-1]
}

// Count returns how many requests arrived.
func (u *Upstream) Count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.reqs)
}

// JSON answers with status and body as JSON.
func JSON(status int, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body)
	}
}

// SSE answers with body as an event stream.
func SSE(body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write(body)
	}
}
