package gateway

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sluicegw/sluice/schemas"
)

// route names an API route in metrics. routeNone marks requests that are not counted
// (probes, /metrics, model listing, unknown paths).
type route uint8

const (
	routeNone route = iota
	routeChat
	routeChatStream
	routeCompletions
	routeEmbeddings
	numRoutes
)

var routeNames = [numRoutes]string{"none", "chat", "chat_stream", "completions", "embeddings"}

// otherLabel stands for any provider or model not in the configuration, which keeps
// label cardinality bounded whatever clients send.
const otherLabel = "other"

// statusCodes are the statuses the gateway answers with; any other is counted as its
// class ("4xx", "5xx", ...), so the code label stays bounded too.
var statusCodes = [...]int{200, 400, 401, 403, 404, 405, 408, 409, 413, 415, 422, 429, 499,
	500, 502, 503, 504}

const numCodes = len(statusCodes) + 5 // plus the classes 1xx to 5xx

var codeLabels = func() (l [numCodes]string) {
	for i, c := range statusCodes {
		l[i] = strconv.Itoa(c)
	}
	for i := range 5 {
		l[len(statusCodes)+i] = strconv.Itoa(i+1) + "xx"
	}
	return l
}()

// codeIndex returns the index of status in codeLabels.
func codeIndex(status int) int {
	for i, c := range statusCodes {
		if c == status {
			return i
		}
	}
	return len(statusCodes) + min(max(status/100, 1), 5) - 1
}

// Buckets in seconds. Overhead is sub-millisecond when all is well and tens of
// milliseconds under overload; whole requests last from milliseconds to minutes.
var (
	overheadBuckets = []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025,
		.05, .1, .25, .5, 1}
	durationBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}
)

// metrics holds the gateway's own metrics. Label children are resolved ahead of the
// request path, or once on first use, so recording a request does not allocate.
type metrics struct {
	requests *prometheus.CounterVec
	tokens   *prometheus.CounterVec
	upstream *prometheus.HistogramVec
	duration [numRoutes]prometheus.Observer
	overhead [numRoutes]prometheus.Observer

	providers map[schemas.ModelProvider]*providerSeries
	other     *providerSeries
}

// providerSeries are the children of one provider label value.
type providerSeries struct {
	upstream prometheus.Observer
	models   map[string]*modelSeries
	other    *modelSeries
}

// modelSeries are the children of one provider and model pair.
type modelSeries struct {
	provider, model string
	prompt          prometheus.Counter
	completion      prometheus.Counter
	cached          prometheus.Counter
	// requests is filled on first use of each route and code, so that /metrics shows
	// only combinations that happened.
	requests [numRoutes][numCodes]atomic.Pointer[counterRef]
}

type counterRef struct{ prometheus.Counter }

// newMetrics creates the gateway metrics for the providers and models of cat and
// registers them with reg.
func newMetrics(reg prometheus.Registerer, cat *catalog) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_requests_total",
			Help: "API requests answered, by provider and model that answered " +
				"(\"other\" when not configured), route and outcome status.",
		}, []string{"provider", "model", "route", "code"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_tokens_total",
			Help: "Tokens reported by providers, by kind: prompt, completion, cached " +
				"(prompt tokens read from the provider's cache).",
		}, []string{"provider", "model", "kind"}),
		upstream: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sluice_upstream_duration_seconds",
			Help:    "Time spent inside upstream calls per request, all attempts summed.",
			Buckets: durationBuckets,
		}, []string{"provider"}),
	}
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "sluice_request_duration_seconds",
		Help:    "Time from request arrival to the end of the response, by route.",
		Buckets: durationBuckets,
	}, []string{"route"})
	overhead := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "sluice_overhead_seconds",
		Help: "Time the gateway itself spent per request: total minus time inside " +
			"upstream calls, queue wait and retry backoff included.",
		Buckets: overheadBuckets,
	}, []string{"route"})
	for r := routeChat; r < numRoutes; r++ {
		m.duration[r] = duration.WithLabelValues(routeNames[r])
		m.overhead[r] = overhead.WithLabelValues(routeNames[r])
	}
	reg.MustRegister(m.requests, m.tokens, m.upstream, duration, overhead)

	m.providers = make(map[schemas.ModelProvider]*providerSeries, len(cat.providers))
	for _, p := range cat.providers {
		m.providers[p] = m.newProviderSeries(string(p), cat.models[p])
	}
	m.other = m.newProviderSeries(otherLabel, nil)
	return m
}

func (m *metrics) newProviderSeries(provider string, models []string) *providerSeries {
	ps := &providerSeries{
		upstream: m.upstream.WithLabelValues(provider),
		models:   make(map[string]*modelSeries, len(models)),
		other:    m.newModelSeries(provider, otherLabel),
	}
	for _, model := range models {
		ps.models[model] = m.newModelSeries(provider, model)
	}
	return ps
}

func (m *metrics) newModelSeries(provider, model string) *modelSeries {
	return &modelSeries{
		provider:   provider,
		model:      model,
		prompt:     m.tokens.WithLabelValues(provider, model, "prompt"),
		completion: m.tokens.WithLabelValues(provider, model, "completion"),
		cached:     m.tokens.WithLabelValues(provider, model, "cached"),
	}
}

// provider returns the series of p, or those of "other" when p is not configured.
func (m *metrics) provider(p schemas.ModelProvider) *providerSeries {
	if ps, ok := m.providers[p]; ok {
		return ps
	}
	return m.other
}

// model returns the series of model, or those of "other" when it is not configured.
func (ps *providerSeries) model(model string) *modelSeries {
	if ms, ok := ps.models[model]; ok {
		return ms
	}
	return ps.other
}

// request returns the request counter of route r and status code.
func (m *metrics) request(ms *modelSeries, r route, code int) prometheus.Counter {
	slot := &ms.requests[r][codeIndex(code)]
	if c := slot.Load(); c != nil {
		return c.Counter
	}
	// Two first uses may race here; WithLabelValues returns the same child to both.
	c := &counterRef{m.requests.WithLabelValues(ms.provider, ms.model, routeNames[r],
		codeLabels[codeIndex(code)])}
	slot.Store(c)
	return c.Counter
}

// observe records one finished API request.
func (m *metrics) observe(x *exchange, total time.Duration) {
	if x.route == routeNone {
		return
	}
	provider, model := x.answerer()
	ps := m.provider(provider)
	ms := ps.model(model)
	m.request(ms, x.route, x.status).Inc()
	m.duration[x.route].Observe(total.Seconds())
	m.overhead[x.route].Observe(x.overheadTotal(total).Seconds())
	if x.trace.Attempts > 0 {
		ps.upstream.Observe(x.trace.Upstream.Seconds())
	}
	if t := x.tokens; t != (tokenCounts{}) {
		ms.prompt.Add(float64(t.prompt))
		ms.completion.Add(float64(t.completion))
		ms.cached.Add(float64(t.cached))
	}
}
