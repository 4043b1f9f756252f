package sluice

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// A lane is everything one provider owns: its adapter and HTTP client, its bounded
// queue and its workers. Lanes share nothing but the client's object pools, so a slow
// or failing provider only ever fills its own queue.
//
// Admission is a semaphore of Concurrency+BufferSize tokens (room): a call takes a
// token before it is queued and its worker gives it back when the work is done. The
// limit thus counts requests in flight plus requests waiting, whatever the moment at
// which an idle worker picks a request up, so a burst is refused or admitted
// deterministically. The queue has room for every token, so sending to it never blocks.
type lane struct {
	c    *Client
	name schemas.ModelProvider

	adapter   providers.Provider
	streamer  providers.ChatStreamer
	embedder  providers.Embedder
	texter    providers.TextCompleter
	forwarder providers.RawForwarder
	noTools   bool // the provider refuses chat requests offering tools; see narrow
	http      *http.Client

	concurrency, bufferSize int
	timeout, idle           time.Duration
	maxRetries              int
	backoffMin, backoffMax  time.Duration

	room    chan struct{}
	queue   chan *envelope
	workers sync.WaitGroup
	started atomic.Int32 // workers started so far; see wake
	idlers  atomic.Int32 // started workers waiting for work, or about to
	busy    atomic.Int32
	dropped atomic.Uint64
}

// laneEntry is the lanes map's value: ready is closed once lane or err is set.
type laneEntry struct {
	ready chan struct{}
	lane  *lane
	err   error
}

// laneFor returns p's lane, setting it up on p's first use. Concurrent first calls
// set it up once; the others wait for it or for their context. A failed setup is not
// remembered, so that a later call tries again.
func (c *Client) laneFor(ctx context.Context, p schemas.ModelProvider) (*lane, error) {
	v, loaded := c.lanes.Load(p)
	if !loaded {
		v, loaded = c.lanes.LoadOrStore(p, &laneEntry{ready: make(chan struct{})})
	}
	ent := v.(*laneEntry)
	if !loaded {
		ent.lane, ent.err = c.newLane(p)
		if ent.err != nil {
			c.lanes.CompareAndDelete(p, ent)
		}
		close(ent.ready)
	}
	select {
	case <-ent.ready:
		return ent.lane, ent.err
	case <-ctx.Done():
		return nil, canceled(ctx, p)
	}
}

// eachLane calls f for every lane set up so far.
func (c *Client) eachLane(f func(*lane)) {
	c.lanes.Range(func(_, v any) bool {
		ent := v.(*laneEntry)
		select {
		case <-ent.ready:
			if ent.lane != nil {
				f(ent.lane)
			}
		default:
		}
		return true
	})
}

// newLane reads p's configuration from the account, builds its adapter and starts
// its workers.
func (c *Client) newLane(p schemas.ModelProvider) (*lane, error) {
	cfg, err := c.providerConfig(p)
	if err != nil {
		return nil, err
	}
	l, err := newLaneConfig(p, cfg)
	if err != nil {
		return nil, err
	}
	opts := c.adapterOptions(p, cfg, l.concurrency)
	adapter, err := c.newAdapter(p, opts)
	if err != nil {
		return nil, err
	}
	l.c = c
	l.http = opts.Client
	l.adapter = adapter
	l.streamer, _ = adapter.(providers.ChatStreamer)
	l.embedder, _ = adapter.(providers.Embedder)
	l.texter, _ = adapter.(providers.TextCompleter)
	l.forwarder, _ = adapter.(providers.RawForwarder)
	l.narrow(adapter)
	l.start()
	c.log.Info("provider ready", slog.String("provider", string(p)),
		slog.Int("concurrency", l.concurrency), slog.Int("buffer_size", l.bufferSize))
	return l, nil
}

// providerConfig returns a copy of p's configuration, checking that the account
// lists p.
func (c *Client) providerConfig(p schemas.ModelProvider) (*schemas.ProviderConfig, error) {
	listed, err := c.account.GetConfiguredProviders()
	if err != nil {
		return nil, notConfigured(p, err, "cannot list the account's providers: %v", err)
	}
	found := false
	for _, q := range listed {
		found = found || q == p
	}
	if !found {
		return nil, notConfigured(p, nil,
			"provider %q is not configured; add it to the account", p)
	}
	cfg, err := c.account.GetConfigForProvider(p)
	if err != nil {
		return nil, notConfigured(p, err, "cannot read the provider's configuration: %v", err)
	}
	out := new(schemas.ProviderConfig)
	if cfg != nil {
		*out = *cfg
	}
	return out, nil
}

func notConfigured(p schemas.ModelProvider, cause error, format string, args ...any) error {
	e := schemas.NewError(schemas.ErrProviderNotConfigured, p, format, args...)
	e.Cause = cause
	return e
}

// newLaneConfig applies the documented defaults to cfg and checks it.
func newLaneConfig(p schemas.ModelProvider, cfg *schemas.ProviderConfig) (*lane, error) {
	cb := cfg.ConcurrencyAndBufferSize
	if cb == (schemas.ConcurrencyAndBufferSize{}) {
		cb = schemas.DefaultConcurrencyAndBufferSize
	}
	nc := &cfg.NetworkConfig
	switch {
	case cb.Concurrency < 1:
		return nil, notConfigured(p, nil, "concurrency is %d; it must be at least 1",
			cb.Concurrency)
	case cb.BufferSize < 0:
		return nil, notConfigured(p, nil, "buffer_size is %d; it must not be negative",
			cb.BufferSize)
	case nc.DefaultRequestTimeoutInSeconds < 0 || nc.StreamIdleTimeoutInSeconds < 0:
		return nil, notConfigured(p, nil, "timeouts must not be negative")
	case nc.MaxRetries < 0:
		return nil, notConfigured(p, nil, "max_retries is %d; it must not be negative",
			nc.MaxRetries)
	case nc.RetryBackoffInitial < 0 || nc.RetryBackoffMax < 0:
		return nil, notConfigured(p, nil, "retry backoff bounds must not be negative")
	}
	l := &lane{
		name:        p,
		concurrency: cb.Concurrency,
		bufferSize:  cb.BufferSize,
		timeout:     seconds(nc.DefaultRequestTimeoutInSeconds, schemas.DefaultRequestTimeout),
		idle:        seconds(nc.StreamIdleTimeoutInSeconds, schemas.DefaultStreamIdleTimeout),
		maxRetries:  nc.MaxRetries,
		backoffMin:  orDefault(nc.RetryBackoffInitial, schemas.DefaultRetryBackoffInitial),
		backoffMax:  orDefault(nc.RetryBackoffMax, schemas.DefaultRetryBackoffMax),
	}
	if l.backoffMax < l.backoffMin {
		return nil, notConfigured(p, nil,
			"retry_backoff_max (%s) is below retry_backoff_initial (%s)",
			l.backoffMax, l.backoffMin)
	}
	return l, nil
}

func seconds(n int, def time.Duration) time.Duration {
	if n == 0 {
		return def
	}
	return time.Duration(n) * time.Second
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// start creates the queue. Workers start as work arrives (see wake).
func (l *lane) start() {
	capacity := l.concurrency + l.bufferSize
	l.room = make(chan struct{}, capacity)
	l.queue = make(chan *envelope, capacity)
}

// wake starts a worker when queued requests outnumber the idle workers and fewer than
// Concurrency have started. Workers are started on demand rather than all at once
// because each one is a goroutine whose stack the garbage collector scans at every
// cycle: a provider configured for bursts of 1000 but serving 100 at a time keeps
// about 100. A started worker stays until Cleanup.
//
// It is called after every enqueue and after every dequeue. The idle count lags the
// queue for the moment between a worker's receive and its decrement, so a request
// queued in that moment may find no worker started for it; the worker's own call,
// made right after its decrement, sees the queue as it is and starts one.
func (l *lane) wake() {
	for len(l.queue) > int(l.idlers.Load()) {
		n := l.started.Load()
		if int(n) >= l.concurrency {
			return
		}
		if l.started.CompareAndSwap(n, n+1) {
			// Every call of wake happens inside an admitted call or a running worker,
			// so this Add comes before stop's Wait (see Client.cleanup).
			l.workers.Add(1)
			go l.work()
			return
		}
	}
}

// stop waits for the workers to exit after the queue was closed, and closes the idle
// upstream connections.
func (l *lane) stop() {
	l.workers.Wait()
	l.http.CloseIdleConnections()
}

// admit takes a token and queues e, or fails: at once with ErrQueueFull when the
// client drops excess requests, otherwise when ctx ends first.
func (l *lane) admit(ctx context.Context, e *envelope) error {
	select {
	case l.room <- struct{}{}:
	default:
		if l.c.drop {
			l.dropped.Add(1)
			return l.queueFull()
		}
		select {
		case l.room <- struct{}{}:
		case <-ctx.Done():
			return canceled(ctx, l.name)
		}
	}
	if e.trace != nil {
		e.queuedAt = time.Now()
	}
	l.queue <- e
	l.wake()
	return nil
}

// queueFullRetryAfter is the wait suggested to a caller refused for a full queue.
const queueFullRetryAfter = time.Second

func (l *lane) queueFull() error {
	e := schemas.NewError(schemas.ErrQueueFull, l.name,
		"queue is full (%d in flight, %d waiting); retry later, or raise "+
			"concurrency_and_buffer_size", l.concurrency, l.bufferSize)
	e.RetryAfter = queueFullRetryAfter
	return e
}

// work serves queued envelopes until the queue is closed and empty.
func (l *lane) work() {
	defer l.workers.Done()
	for {
		l.idlers.Add(1)
		e, ok := <-l.queue
		l.idlers.Add(-1)
		if !ok {
			return
		}
		l.wake()
		l.busy.Add(1)
		l.serve(e)
		l.busy.Add(-1)
	}
}
