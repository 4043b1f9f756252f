package mockllm

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
)

// Stats is a snapshot of what a Mock has served since it was created.
type Stats struct {
	// Requests counts provider requests; the mock's own routes are not counted.
	Requests uint64 `json:"requests"`
	// InFlight is how many requests are being answered now.
	InFlight int64 `json:"in_flight"`
	// Canceled counts clients that left before their answer was complete.
	Canceled         uint64            `json:"canceled"`
	Streams          uint64            `json:"streams"` // requests answered as a stream
	AuthFailures     uint64            `json:"auth_failures"`
	PromptTokens     uint64            `json:"prompt_tokens"`
	CompletionTokens uint64            `json:"completion_tokens"`
	Faults           map[string]uint64 `json:"faults"`    // injected faults by kind
	Providers        map[string]uint64 `json:"providers"` // requests by wire format
}

// counters holds the live numbers behind Stats.
type counters struct {
	requests, canceled, streams, authFailures atomic.Uint64
	promptTokens, completionTokens            atomic.Uint64
	inFlight                                  atomic.Int64
	providers                                 [numProviders]atomic.Uint64

	mu     sync.Mutex
	faults map[Fault]uint64
}

func (c *counters) begin(p provider) {
	c.requests.Add(1)
	c.inFlight.Add(1)
	c.providers[p].Add(1)
}

func (c *counters) end() { c.inFlight.Add(-1) }

func (c *counters) fault(f Fault) {
	c.mu.Lock()
	if c.faults == nil {
		c.faults = make(map[Fault]uint64)
	}
	c.faults[f]++
	c.mu.Unlock()
}

// Stats returns a snapshot of the counters.
func (m *Mock) Stats() Stats {
	c := &m.stats
	s := Stats{
		Requests:         c.requests.Load(),
		InFlight:         c.inFlight.Load(),
		Canceled:         c.canceled.Load(),
		Streams:          c.streams.Load(),
		AuthFailures:     c.authFailures.Load(),
		PromptTokens:     c.promptTokens.Load(),
		CompletionTokens: c.completionTokens.Load(),
		Faults:           map[string]uint64{},
		Providers:        map[string]uint64{},
	}
	for p := range c.providers {
		if n := c.providers[p].Load(); n > 0 {
			s.Providers[provider(p).String()] = n
		}
	}
	c.mu.Lock()
	for f, n := range c.faults {
		s.Faults[string(f)] = n
	}
	c.mu.Unlock()
	return s
}

// Recorded is a request as it reached the mock.
type Recorded struct {
	Provider string      // wire format of the route: "openai", "anthropic", …
	Method   string      // HTTP method
	Path     string      // URL path, decoded
	Query    url.Values  // query parameters; a "key" parameter is redacted
	Header   http.Header // headers; credentials are replaced by "REDACTED"
	Body     []byte
	// Key is the credential as presented (API key, bearer token or Bedrock access key
	// ID, never a signature), so tests can tell which key a gateway chose. It is kept in
	// memory only and never served by /mock/stats.
	Key string
}

// redacted lists the headers whose values are secrets.
var redacted = []string{"Authorization", "X-Api-Key", "Api-Key", "X-Goog-Api-Key",
	"X-Amz-Security-Token"}

// recorder keeps the most recent requests in a ring.
type recorder struct {
	mu    sync.Mutex
	limit int
	ring  []Recorded
	next  int // index of the oldest entry once the ring is full
}

func (rc *recorder) add(p provider, r *http.Request, body []byte, key string) {
	if rc.limit == 0 {
		return
	}
	h := r.Header.Clone()
	for _, name := range redacted {
		if h.Get(name) != "" {
			h.Set(name, "REDACTED")
		}
	}
	q := r.URL.Query()
	if q.Has("key") {
		q.Set("key", "REDACTED")
	}
	rec := Recorded{Provider: p.String(), Method: r.Method, Path: r.URL.Path, Query: q,
		Header: h, Body: append([]byte(nil), body...), Key: key}

	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.ring) < rc.limit {
		rc.ring = append(rc.ring, rec)
		return
	}
	rc.ring[rc.next] = rec
	rc.next = (rc.next + 1) % rc.limit
}

// Requests returns the recorded requests, oldest first; see Options.Record.
func (m *Mock) Requests() []Recorded {
	rc := &m.rec
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make([]Recorded, 0, len(rc.ring))
	out = append(out, rc.ring[rc.next:]...)
	return append(out, rc.ring[:rc.next]...)
}

// LastRequest returns the most recent recorded request, and false when there is none.
func (m *Mock) LastRequest() (Recorded, bool) {
	all := m.Requests()
	if len(all) == 0 {
		return Recorded{}, false
	}
	return all[len(all)-1], true
}

// control serves the mock's own routes under /mock/ and reports whether r was one.
func control(m *Mock, w http.ResponseWriter, r *http.Request) bool {
	switch r.URL.Path {
	case "/mock/stats":
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(m.Stats())
	case "/mock/faults":
		if r.Method != http.MethodPost {
			http.Error(w, "mockllm: use POST /mock/faults?kind=K&count=N", http.StatusMethodNotAllowed)
			return true
		}
		q := r.URL.Query()
		f := Fault(q.Get("kind"))
		n, err := strconv.Atoi(q.Get("count"))
		if err != nil || n < 0 || (f != "" && !f.Known()) {
			http.Error(w, "mockllm: cannot arm faults: need a known kind and a count >= 0",
				http.StatusBadRequest)
			return true
		}
		m.Arm(f, n)
		w.WriteHeader(http.StatusNoContent)
	default:
		return false
	}
	return true
}
