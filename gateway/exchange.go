package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/sluicegw/sluice"
	"github.com/sluicegw/sluice/schemas"
)

// Shared header values. net/http only reads header slices, so one slice can serve
// every response without a per-request allocation.
var (
	jsonContentType = []string{"application/json"}
	sseContentType  = []string{"text/event-stream"}
	noCache         = []string{"no-cache"}
	noBuffering     = []string{"no"}
)

// exchange is the state of one request, from arrival to the last byte of the answer.
type exchange struct {
	s     *Server
	w     http.ResponseWriter
	r     *http.Request
	id    string
	start time.Time
	route route

	// encodeError writes an error body in the dialect of the route.
	encodeError func(b *buffer, e *schemas.Error)

	// provider and model are what the request asked for; trace says who answered.
	provider schemas.ModelProvider
	model    string
	trace    sluice.Trace

	status   int           // the outcome, as counted in metrics
	overhead time.Duration // the x-sluice-overhead value
	streamed bool          // a stream was sent: see overheadTotal
	tokens   tokenCounts
	err      *schemas.Error // the failure, if any, for the log
}

// tokenCounts are the token figures of a provider's usage report.
type tokenCounts struct{ prompt, completion, cached int }

func (t *tokenCounts) set(u *schemas.Usage) {
	if u == nil {
		return
	}
	t.prompt, t.completion = u.PromptTokens, u.CompletionTokens
	if d := u.PromptTokensDetails; d != nil {
		t.cached = d.CachedTokens
	}
}

// begin starts an exchange and stamps the request id on the response, keeping the id
// already stamped when there is one (an exchange that answers for a failed one).
func (s *Server) begin(w http.ResponseWriter, r *http.Request, rt route) *exchange {
	x := &exchange{s: s, w: w, r: r, start: time.Now(), route: rt,
		encodeError: encodeOpenAIError}
	h := w.Header()
	if id := h["X-Request-Id"]; len(id) > 0 {
		x.id = id[0]
		return x
	}
	x.id = requestID(r)
	h["X-Request-Id"] = []string{x.id}
	return x
}

// traced returns the request's context carrying the exchange's trace.
func (x *exchange) traced(ctx context.Context) context.Context {
	return sluice.WithTrace(ctx, &x.trace)
}

// end records the finished exchange in metrics and in the debug log.
func (x *exchange) end() {
	total := time.Since(x.start)
	if x.status == 0 {
		// Only a panic leaves a handler without an answer; ServeHTTP answers 500.
		x.status = http.StatusInternalServerError
	}
	x.s.met.observe(x, total)
	log := x.s.log
	if x.err != nil && x.status >= 500 && x.status != http.StatusServiceUnavailable {
		log.LogAttrs(x.r.Context(), slog.LevelError, "request failed", x.attrs(total)...)
		return
	}
	// Guarded so that building the attributes costs nothing when debug is off.
	if log.Enabled(x.r.Context(), slog.LevelDebug) {
		log.LogAttrs(x.r.Context(), slog.LevelDebug, "request", x.attrs(total)...)
	}
}

func (x *exchange) attrs(total time.Duration) []slog.Attr {
	provider, model := x.answerer()
	a := []slog.Attr{
		slog.String("request_id", x.id),
		slog.String("method", x.r.Method),
		slog.String("path", x.r.URL.Path),
		slog.Int("status", x.status),
		slog.String("provider", string(provider)),
		slog.String("model", model),
		slog.Duration("duration", total),
		slog.Duration("overhead", x.overhead),
		slog.Duration("upstream", x.trace.Upstream),
		slog.Int("attempts", x.trace.Attempts),
	}
	if x.err != nil {
		a = append(a, slog.String("error", x.err.Error()))
	}
	return a
}

// answerer returns the provider and model that answered, or failed last, or else
// those the request asked for.
func (x *exchange) answerer() (schemas.ModelProvider, string) {
	if x.trace.Provider != "" {
		return x.trace.Provider, x.trace.Model
	}
	return x.provider, x.model
}

// clientGone reports whether err is the end of a call whose client has left.
func (x *exchange) clientGone(err error) bool {
	return x.r.Context().Err() != nil &&
		(errors.Is(err, schemas.ErrCanceled) || errors.Is(err, context.Canceled))
}

// overheadTotal is the overhead recorded in metrics. For a whole response it is the
// header's value. For a stream it is the total time minus the time inside upstream
// calls, known only now that the stream has ended; unlike the header's value, it
// includes queue wait.
func (x *exchange) overheadTotal(total time.Duration) time.Duration {
	if x.streamed {
		return max(total-x.trace.Upstream, 0)
	}
	return x.overhead
}

// stamp sets the headers every answer carries and that depend on the outcome. The
// overhead of a whole response is the time so far minus the time spent upstream; a
// stream's has been set by streamChat.
func (x *exchange) stamp(status int) {
	x.status = status
	if !x.streamed {
		x.overhead = max(time.Since(x.start)-x.trace.Upstream, 0)
	}
	h := x.w.Header()
	h["X-Sluice-Overhead"] = []string{formatOverhead(x.overhead)}
	if x.trace.Provider != "" {
		h["X-Sluice-Provider"] = []string{string(x.trace.Provider)}
	}
}

// formatOverhead formats d in milliseconds with three decimals, as "0.123ms".
func formatOverhead(d time.Duration) string {
	var b [32]byte
	out := strconv.AppendFloat(b[:0], float64(d)/float64(time.Millisecond), 'f', 3, 64)
	return string(append(out, "ms"...))
}

// writeJSON answers 200 with v encoded as JSON.
func (x *exchange) writeJSON(v any) {
	b := x.s.bufs.Get()
	defer x.s.putBuffer(b)
	if err := b.enc.Encode(v); err != nil {
		x.fail(schemas.NewError(schemas.ErrUpstream, x.trace.Provider,
			"cannot encode the response: %v", err))
		return
	}
	x.write(http.StatusOK, b)
}

// write sends a whole answer.
func (x *exchange) write(status int, b *buffer) {
	x.stamp(status)
	h := x.w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(b.Len())}
	x.w.WriteHeader(status)
	// A failed write means the client is gone; there is no one left to tell.
	_, _ = x.w.Write(b.Bytes())
}

// fail answers with err in the route's dialect, unless the client has gone, in which
// case it only records the outcome (499, as nginx counts it).
func (x *exchange) fail(err error) {
	e := toError(err)
	x.err = e
	if x.clientGone(err) {
		x.status = schemas.StatusClientClosedRequest
		x.overhead = max(time.Since(x.start)-x.trace.Upstream, 0)
		return
	}
	status := statusOf(e)
	if secs := retryAfter(e, status); secs != "" {
		x.w.Header()["Retry-After"] = []string{secs}
	}
	b := x.s.bufs.Get()
	defer x.s.putBuffer(b)
	x.encodeError(b, e)
	x.write(status, b)
}
