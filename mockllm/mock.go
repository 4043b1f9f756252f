package mockllm

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a [Mock]. The zero value answers at once, injects no faults, checks
// credentials and keeps the last 64 requests for [Mock.Requests].
type Options struct {
	// Latency is how long a non-streamed answer takes; a whole stream takes about as long.
	Latency time.Duration
	// Jitter adds a uniformly drawn offset in [-Jitter, +Jitter] to Latency.
	Jitter time.Duration
	// TokensPerChunk is how many words each streamed delta carries; 0 means 4.
	TokensPerChunk int
	// AnswerWords is the length in words of a plain answer; 0 means 12.
	AnswerWords int

	// FaultRate is the share, 0 to 1, of requests given FaultKind. Faults are spread
	// evenly rather than drawn at random, so 0.25 faults exactly every fourth request.
	FaultRate float64
	// FaultKind is the fault FaultRate injects; the values are those of [Fault].
	FaultKind Fault
	// FaultDelay is how long the "delay" fault waits when no x-mock-delay-ms header says;
	// 0 means one second.
	FaultDelay time.Duration
	// StallCap bounds how long the "stall" fault holds a response open; 0 means 30 s.
	StallCap time.Duration

	// Echo makes every answer state what arrived (see the package documentation).
	Echo bool

	// Keys, when not empty, lists the only credentials accepted: API keys, bearer
	// tokens, or Bedrock access key IDs. When empty, any non-empty credential except
	// "bad" and "invalid" is accepted.
	Keys []string
	// Models is what GET /v1/models lists; nil means a small built-in list.
	Models []string

	// Record is how many recent requests [Mock.Requests] keeps; 0 means 64 and a
	// negative value turns recording off, which a load benchmark should do.
	Record int
}

// Mock is a fake LLM provider. It is safe for concurrent use; create it with [New].
type Mock struct {
	opts   Options
	accept func(string) bool // m.accepts, bound once
	seq    atomic.Uint64     // numbers answers for their IDs
	stats  counters
	faults faultPlan
	rec    recorder
	bufs   sync.Pool
}

var _ http.Handler = (*Mock)(nil)

// New returns a Mock configured by opts, with defaults filled in.
func New(opts Options) *Mock {
	if opts.TokensPerChunk <= 0 {
		opts.TokensPerChunk = 4
	}
	if opts.AnswerWords <= 0 {
		opts.AnswerWords = 12
	}
	if opts.FaultDelay <= 0 {
		opts.FaultDelay = time.Second
	}
	if opts.StallCap <= 0 {
		opts.StallCap = 30 * time.Second
	}
	if opts.Record == 0 {
		opts.Record = 64
	}
	m := &Mock{opts: opts}
	m.rec.limit = max(opts.Record, 0)
	m.faults.rate = opts.FaultRate
	m.faults.kind = opts.FaultKind
	m.accept = m.accepts
	m.bufs.New = func() any { return bytes.NewBuffer(make([]byte, 0, 4096)) }
	return m
}

// ServeHTTP answers r in the wire format of the route it names.
func (m *Mock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if control(m, w, r) {
		return
	}
	rt := route(r)
	if rt.dialect == nil {
		http.NotFound(w, r)
		return
	}

	m.stats.begin(rt.provider)
	defer m.stats.end()

	buf := m.getBuf()
	defer m.putBuf(buf)
	if _, err := buf.ReadFrom(r.Body); err != nil {
		// The client went away while sending; there is nobody to answer.
		m.stats.canceled.Add(1)
		return
	}
	ex := &exchange{m: m, w: w, r: r, rt: rt, body: buf.Bytes()}
	ex.serve()
}

// getBuf returns an empty buffer from the pool.
func (m *Mock) getBuf() *bytes.Buffer {
	return m.bufs.Get().(*bytes.Buffer)
}

// putBuf resets b and returns it to the pool unless a large body made it too big to keep.
func (m *Mock) putBuf(b *bytes.Buffer) {
	if b.Cap() > 1<<20 {
		return
	}
	b.Reset()
	m.bufs.Put(b)
}

// latency draws the time one answer takes: Latency plus uniform jitter, never negative.
func (m *Mock) latency() time.Duration {
	d := m.opts.Latency
	if j := m.opts.Jitter; j > 0 {
		d += time.Duration(rand.Int64N(int64(2*j)+1)) - j
	}
	return max(d, 0)
}

// sleep waits for d or until ctx ends, reporting whether the full time passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
