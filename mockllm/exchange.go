package mockllm

import (
	"net/http"
	"slices"
	"strconv"
	"time"
)

// exchange is one request being answered.
type exchange struct {
	m    *Mock
	w    http.ResponseWriter
	r    *http.Request
	rt   routeInfo
	body []byte
	c    call
}

// accepts reports whether key is a credential the mock takes; see Options.Keys.
func (m *Mock) accepts(key string) bool {
	if key == "" {
		return false
	}
	if len(m.opts.Keys) > 0 {
		return slices.Contains(m.opts.Keys, key)
	}
	return key != "bad" && key != "invalid"
}

// serve runs the steps every route shares: admission, early faults, reading the body,
// then the answer with any mid-body fault.
func (ex *exchange) serve() {
	fault, ok := ex.admit()
	if !ok {
		return
	}
	if fault != "" {
		ex.m.stats.fault(fault)
		if !ex.early(fault) {
			return
		}
	}
	if !ex.read() {
		return
	}

	c := &ex.c
	if fault == FaultErrorEvent && !c.Stream {
		ex.fail(&apiError{status: http.StatusInternalServerError,
			msg: "injected fault error-event"})
		return
	}
	ex.m.stats.promptTokens.Add(uint64(c.ans.promptTokens))
	ex.m.stats.completionTokens.Add(uint64(c.ans.completionTokens))
	if c.Stream && (c.op == opChat || c.op == opCompletion) {
		ex.m.stats.streams.Add(1)
		ex.stream(fault)
		return
	}
	ex.reply(fault)
}

// admit records the request, checks its method and credentials and picks its fault;
// it reports false when it has already answered.
func (ex *exchange) admit() (Fault, bool) {
	m, r, rt := ex.m, ex.r, &ex.rt
	want := rt.method
	if want == "" {
		want = http.MethodPost
	}
	key, authErr := rt.dialect.authorize(r, rt, m.accept)
	m.rec.add(rt.provider, r, ex.body, key)
	if r.Method != want {
		ex.fail(&apiError{status: http.StatusMethodNotAllowed,
			msg: "method " + r.Method + " is not allowed here; use " + want})
		return "", false
	}
	if authErr != nil {
		m.stats.authFailures.Add(1)
		ex.fail(authErr)
		return "", false
	}
	fault := m.faults.pick(r.Header)
	if fault != "" && !fault.Known() {
		ex.fail(&apiError{status: http.StatusBadRequest,
			msg: "unknown x-mock-fault " + strconv.Quote(string(fault))})
		return "", false
	}
	return fault, true
}

// read parses the body into ex.c and decides the answer; it reports false when the
// body was refused.
func (ex *exchange) read() bool {
	m, c := ex.m, &ex.c
	c.seq = m.seq.Add(1)
	c.op = ex.rt.op
	c.Stream = ex.rt.stream
	c.models = m.opts.Models
	c.echo = m.opts.Echo || ex.r.Header.Get(headerEcho) == "1"
	if e := ex.rt.dialect.parse(&ex.rt, ex.body, c); e != nil {
		ex.fail(e)
		return false
	}
	if c.dims < 0 || c.dims > maxDims {
		ex.fail(&apiError{status: http.StatusBadRequest,
			msg: "embedding dimensions must be between 1 and " + strconv.Itoa(maxDims)})
		return false
	}
	c.decide(&m.opts)
	return true
}

// early injects the faults that strike before the request is even read — error
// statuses, a reset, a delay — and reports whether the answer should still follow.
func (ex *exchange) early(f Fault) bool {
	h := ex.r.Header
	switch {
	case f.status() != 0:
		e := &apiError{status: f.status(), msg: "injected fault " + string(f)}
		if e.status == http.StatusTooManyRequests || e.status == http.StatusServiceUnavailable {
			e.retryAfter = retryAfter(h)
		}
		ex.fail(e)
		return false
	case f == FaultReset:
		resetConn(ex.w)
		return false
	case f == FaultDelay:
		d := ex.m.opts.FaultDelay
		if ms, err := strconv.Atoi(h.Get(headerDelayMillis)); err == nil && ms >= 0 {
			d = time.Duration(ms) * time.Millisecond
		}
		if !sleep(ex.r.Context(), d) {
			ex.m.stats.canceled.Add(1)
			return false
		}
	}
	return true
}

// fail writes e in the route's wire format.
func (ex *exchange) fail(e *apiError) {
	out := ex.m.getBuf()
	defer ex.m.putBuf(out)
	h := ex.w.Header()
	h.Set("Content-Type", "application/json")
	if e.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	ex.rt.dialect.errorBody(out, h, e)
	h.Set("Content-Length", strconv.Itoa(out.Len()))
	ex.w.WriteHeader(e.status)
	_, _ = ex.w.Write(out.Bytes())
}

// reply writes a non-streamed answer after the configured latency, applying a mid-body
// fault to it.
func (ex *exchange) reply(f Fault) {
	ctx := ex.r.Context()
	if !sleep(ctx, ex.m.latency()) {
		ex.m.stats.canceled.Add(1)
		return
	}
	out := ex.m.getBuf()
	defer ex.m.putBuf(out)
	ex.rt.dialect.reply(out, &ex.c)
	body := out.Bytes()
	half := body[:len(body)/2]

	h := ex.w.Header()
	h.Set("Content-Type", "application/json")
	if f == FaultMalformed {
		body = half
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	ex.w.WriteHeader(http.StatusOK)
	if !f.midBody() || f == FaultMalformed {
		_, _ = ex.w.Write(body)
		return
	}

	// The remaining faults send half of the body first. When the handler returns having
	// written less than Content-Length, net/http closes the connection: that is "cut".
	_, _ = ex.w.Write(half)
	_ = http.NewResponseController(ex.w).Flush()
	switch f {
	case FaultResetMidBody:
		resetConn(ex.w)
	case FaultStall:
		ex.stall()
	}
}

// stall holds the response open until the client leaves or the stall cap passes.
func (ex *exchange) stall() {
	if !sleep(ex.r.Context(), ex.m.opts.StallCap) {
		ex.m.stats.canceled.Add(1)
	}
}

// stream writes a streamed answer: its events paced so that the deltas spread over the
// configured latency, each flushed as it is written, with a mid-body fault injected
// before the middle delta.
func (ex *exchange) stream(f Fault) {
	d := ex.rt.dialect
	var s stream
	d.events(&s, &ex.c, ex.m.opts.TokensPerChunk)

	h := ex.w.Header()
	h.Set("Content-Type", d.streamType())
	h.Set("Cache-Control", "no-cache")
	ex.w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(ex.w)
	_ = rc.Flush()

	ctx := ex.r.Context()
	gap := ex.m.latency() / time.Duration(max(s.deltas, 1))
	mid := s.middle()
	for i, ev := range s.events {
		if ev.delta && !sleep(ctx, gap) {
			ex.m.stats.canceled.Add(1)
			return
		}
		if i == mid && f.midBody() && ex.strike(f) {
			return
		}
		if _, err := ex.w.Write(ev.data); err != nil {
			ex.m.stats.canceled.Add(1)
			return
		}
		if err := rc.Flush(); err != nil {
			ex.m.stats.canceled.Add(1)
			return
		}
	}
}

// strike injects a mid-stream fault and reports whether the stream ends with it.
func (ex *exchange) strike(f Fault) bool {
	d := ex.rt.dialect
	switch f {
	case FaultResetMidBody:
		resetConn(ex.w)
	case FaultStall:
		ex.stall()
	case FaultErrorEvent:
		e := &apiError{status: http.StatusInternalServerError, msg: "injected fault error-event"}
		_, _ = ex.w.Write(d.errorEvent(nil, e))
	case FaultMalformed:
		_, _ = ex.w.Write(d.malformedEvent(nil))
		_ = http.NewResponseController(ex.w).Flush()
		return false
	}
	return true
}

// event is one framed stream event.
type event struct {
	data  []byte
	delta bool // carries answer content, so pacing waits before it
}

// stream collects the events of one streamed answer.
type stream struct {
	events []event
	deltas int
}

// add appends a framed event.
func (s *stream) add(data []byte, delta bool) {
	s.events = append(s.events, event{data: data, delta: delta})
	if delta {
		s.deltas++
	}
}

// middle returns the index of the event before which a mid-stream fault strikes: the
// middle delta, so part of the answer has arrived and part has not.
func (s *stream) middle() int {
	want := s.deltas / 2
	for i, ev := range s.events {
		if !ev.delta {
			continue
		}
		if want == 0 {
			return i
		}
		want--
	}
	return len(s.events) / 2
}
