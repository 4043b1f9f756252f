package gateway

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sluicegw/sluice/internal/pool"
)

// engineCollector exports the engine's flow-control figures, read from StatsSource at
// scrape time: gauges are current values and counters are the engine's own totals, so
// no goroutine polls between scrapes.
type engineCollector struct {
	src   StatsSource         // nil when the engine reports nothing
	pools []func() pool.Stats // the gateway's own pools

	queueDepth, queueCapacity, workers, busy, dropped *prometheus.Desc
	poolGets, poolMisses, poolIdle                    *prometheus.Desc
	retries, fallbacks                                *prometheus.Desc
}

var _ prometheus.Collector = (*engineCollector)(nil)

func newEngineCollector(src StatsSource, pools ...func() pool.Stats) *engineCollector {
	provider := []string{"provider"}
	name := []string{"pool"}
	return &engineCollector{
		src:   src,
		pools: pools,
		queueDepth: prometheus.NewDesc("sluice_queue_depth",
			"Requests waiting for a worker of the provider.", provider, nil),
		queueCapacity: prometheus.NewDesc("sluice_queue_capacity",
			"Requests that may wait for a worker of the provider (buffer_size).", provider, nil),
		workers: prometheus.NewDesc("sluice_workers",
			"Workers of the provider: the most upstream calls in flight (concurrency).",
			provider, nil),
		busy: prometheus.NewDesc("sluice_workers_busy",
			"Workers of the provider busy with a request.", provider, nil),
		dropped: prometheus.NewDesc("sluice_dropped_requests_total",
			"Requests refused because the provider's queue was full.", provider, nil),
		poolGets: prometheus.NewDesc("sluice_pool_gets_total",
			"Objects taken from the pool.", name, nil),
		poolMisses: prometheus.NewDesc("sluice_pool_misses_total",
			"Objects the pool had to allocate because none was idle.", name, nil),
		poolIdle: prometheus.NewDesc("sluice_pool_idle",
			"Objects idle in the pool.", name, nil),
		retries: prometheus.NewDesc("sluice_retries_total",
			"Upstream attempts beyond the first, all providers.", nil, nil),
		fallbacks: prometheus.NewDesc("sluice_fallbacks_total",
			"Fallback attempts made, all providers.", nil, nil),
	}
}

// Describe sends the descriptors of every metric the collector exports.
func (c *engineCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.queueDepth, c.queueCapacity, c.workers, c.busy,
		c.dropped, c.poolGets, c.poolMisses, c.poolIdle, c.retries, c.fallbacks} {
		ch <- d
	}
}

// Collect reads one snapshot of the engine's figures and sends them.
func (c *engineCollector) Collect(ch chan<- prometheus.Metric) {
	for _, get := range c.pools {
		c.collectPool(ch, get())
	}
	if c.src == nil {
		return
	}
	s := c.src.Stats()
	for _, p := range s.Providers {
		name := string(p.Provider)
		gauge(ch, c.queueDepth, float64(p.QueueDepth), name)
		gauge(ch, c.queueCapacity, float64(p.QueueCapacity), name)
		gauge(ch, c.workers, float64(p.Workers), name)
		gauge(ch, c.busy, float64(p.BusyWorkers), name)
		counter(ch, c.dropped, float64(p.Dropped), name)
	}
	for _, p := range s.Pools {
		c.collectPool(ch, p)
	}
	counter(ch, c.retries, float64(s.Retries))
	counter(ch, c.fallbacks, float64(s.Fallbacks))
}

func (c *engineCollector) collectPool(ch chan<- prometheus.Metric, p pool.Stats) {
	counter(ch, c.poolGets, float64(p.Gets), p.Name)
	counter(ch, c.poolMisses, float64(p.Misses), p.Name)
	gauge(ch, c.poolIdle, float64(p.Idle), p.Name)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
}
