package mockllm

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
)

// Fault names a failure the mock can inject. Besides the constants below, any HTTP error
// status from 400 to 599 written in digits is a fault that answers with that status.
type Fault string

// The faults. Every one is answered in the wire format of the route that was hit.
const (
	// Fault500, Fault502, Fault503 and Fault429 answer with that status and the
	// provider's error body; 429 and 503 carry Retry-After (x-mock-retry-after, default 1).
	Fault500 Fault = "500"
	Fault502 Fault = "502"
	Fault503 Fault = "503"
	Fault429 Fault = "429"
	// FaultDelay waits before sending headers (x-mock-delay-ms, else Options.FaultDelay),
	// then answers normally.
	FaultDelay Fault = "delay"
	// FaultReset resets the TCP connection before any header is sent.
	FaultReset Fault = "reset"
	// FaultResetMidBody sends the headers and part of the body, then resets the connection.
	FaultResetMidBody Fault = "reset-mid-body"
	// FaultStall sends part of the answer, then holds the response open until the client
	// goes away or Options.StallCap passes.
	FaultStall Fault = "stall"
	// FaultMalformed answers 200 with a body that is not valid JSON, or, in a stream, one
	// event whose data is not valid JSON.
	FaultMalformed Fault = "malformed"
	// FaultCut ends the response cleanly after part of it: a stream stops without its
	// terminator ([DONE], message_stop, …); a plain body is shorter than its
	// Content-Length.
	FaultCut Fault = "cut"
	// FaultErrorEvent sends the provider's error event in the middle of a stream; a
	// non-streamed request gets a 500 instead.
	FaultErrorEvent Fault = "error-event"
)

// Request headers that steer the mock.
const (
	headerFault        = "X-Mock-Fault"
	headerAttempts     = "X-Mock-Fault-Attempts"
	headerAttemptKey   = "X-Mock-Attempt-Key"
	headerRetryAfter   = "X-Mock-Retry-After"
	headerDelayMillis  = "X-Mock-Delay-Ms"
	headerEcho         = "X-Mock-Echo"
	defaultRetryAfterS = 1
)

// status returns the HTTP status a status fault answers with, or 0 for other kinds.
func (f Fault) status() int {
	if len(f) != 3 {
		return 0
	}
	n, err := strconv.Atoi(string(f))
	if err != nil || n < 400 || n > 599 {
		return 0
	}
	return n
}

// Known reports whether f is a fault the mock can inject; the empty Fault is not.
func (f Fault) Known() bool {
	switch f {
	case FaultDelay, FaultReset, FaultResetMidBody, FaultStall, FaultMalformed, FaultCut,
		FaultErrorEvent:
		return true
	}
	return f.status() != 0
}

// midBody reports whether f strikes after the answer has started.
func (f Fault) midBody() bool {
	switch f {
	case FaultResetMidBody, FaultStall, FaultMalformed, FaultCut, FaultErrorEvent:
		return true
	}
	return false
}

// faultPlan decides which requests get a fault.
type faultPlan struct {
	rate float64
	kind Fault
	seen atomic.Uint64 // requests counted for rate

	mu       sync.Mutex
	armed    Fault
	left     int            // requests still to get armed
	attempts map[string]int // header faults seen per x-mock-attempt-key
}

// arm gives the next n requests fault f, replacing whatever was armed before.
func (p *faultPlan) arm(f Fault, n int) {
	p.mu.Lock()
	p.armed, p.left = f, n
	p.mu.Unlock()
}

// pick returns the fault for a request with header h, or "" for none. An unknown kind
// in the header is returned as is, for the caller to refuse.
func (p *faultPlan) pick(h http.Header) Fault {
	if f := Fault(h.Get(headerFault)); f != "" {
		if p.spent(h) {
			return ""
		}
		return f
	}
	if f := p.takeArmed(); f != "" {
		return f
	}
	if p.rate <= 0 || p.kind == "" {
		return ""
	}
	// Fault request i when the running total floor(i*rate) steps up: exactly the asked
	// share, spread evenly, with no randomness for tests to fight.
	i := float64(p.seen.Add(1))
	if math.Floor(i*p.rate) > math.Floor((i-1)*p.rate) {
		return p.kind
	}
	return ""
}

// spent reports whether a header fault limited by x-mock-fault-attempts has been used up
// for this request's attempt key, counting the request.
func (p *faultPlan) spent(h http.Header) bool {
	limit, err := strconv.Atoi(h.Get(headerAttempts))
	if err != nil {
		return false
	}
	key := h.Get(headerAttemptKey)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.attempts == nil {
		p.attempts = make(map[string]int)
	}
	p.attempts[key]++
	return p.attempts[key] > limit
}

// takeArmed consumes one armed fault, if any is left.
func (p *faultPlan) takeArmed() Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.left <= 0 {
		return ""
	}
	p.left--
	return p.armed
}

// Arm makes the next n requests fail with fault f, as if they carried x-mock-fault;
// a later call replaces an earlier one and n = 0 disarms. A request's own header wins.
func (m *Mock) Arm(f Fault, n int) {
	m.faults.arm(f, n)
}

// retryAfter returns the Retry-After seconds a 429 or 503 fault announces.
func retryAfter(h http.Header) int {
	if n, err := strconv.Atoi(h.Get(headerRetryAfter)); err == nil && n >= 0 {
		return n
	}
	return defaultRetryAfterS
}

// resetConn takes the connection over from net/http and closes it with an RST, which the
// client sees as "connection reset by peer". Bytes already written are sent first.
func resetConn(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	conn, rw, err := rc.Hijack()
	if err != nil {
		// HTTP/2 and some test recorders cannot be hijacked; aborting the handler is
		// the closest they offer.
		panic(http.ErrAbortHandler)
	}
	_ = rw.Flush()
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		conn = nc.NetConn()
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
