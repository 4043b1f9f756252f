package sluice

import (
	"slices"
	"strings"

	"github.com/sluicegw/sluice/internal/pool"
	"github.com/sluicegw/sluice/schemas"
)

// Stats is a snapshot of a client's counters, taken for metrics.
type Stats struct {
	// Providers holds one entry per provider set up so far, sorted by name.
	Providers []ProviderStats
	// Pools reports the gets, misses and idle objects of each internal pool.
	Pools []pool.Stats
	// Retries counts upstream attempts beyond the first, all providers.
	Retries uint64
	// Fallbacks counts fallback attempts made.
	Fallbacks uint64
}

// ProviderStats describes one provider's queue and workers.
type ProviderStats struct {
	Provider schemas.ModelProvider
	// QueueDepth is the number of requests waiting for a worker.
	QueueDepth int
	// QueueCapacity is the provider's BufferSize.
	QueueCapacity int
	// Workers is the provider's Concurrency.
	Workers int
	// BusyWorkers is the number of workers serving a request now.
	BusyWorkers int
	// Dropped counts the calls refused with ErrQueueFull.
	Dropped uint64
}

// Stats returns a snapshot of the client's counters. It is safe to call at any time,
// including during and after Cleanup.
func (c *Client) Stats() Stats {
	s := Stats{
		Pools:     []pool.Stats{c.envelopes.Stats(), c.buffers.Stats()},
		Retries:   c.retries.Load(),
		Fallbacks: c.fallbacks.Load(),
	}
	c.eachLane(func(l *lane) { s.Providers = append(s.Providers, l.stats()) })
	slices.SortFunc(s.Providers, func(a, b ProviderStats) int {
		return strings.Compare(string(a.Provider), string(b.Provider))
	})
	return s
}

func (l *lane) stats() ProviderStats {
	return ProviderStats{
		Provider:      l.name,
		QueueDepth:    len(l.queue),
		QueueCapacity: l.bufferSize,
		Workers:       l.concurrency,
		BusyWorkers:   int(l.busy.Load()),
		Dropped:       l.dropped.Load(),
	}
}
