package sluice

import (
	"bytes"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/sluicegw/sluice/internal/pool"
	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// Client sends requests to the providers of one Account. It is safe for concurrent
// use. Create it with Init and stop it with Cleanup.
type Client struct {
	account    schemas.Account
	log        *slog.Logger
	drop       bool
	newAdapter constructor

	envelopes *pool.Pool[envelope]
	buffers   *pool.Pool[bytes.Buffer]

	// lanes maps a provider to its *laneEntry, created on the provider's first use.
	lanes sync.Map

	// mu guards closed; calls counts the calls admitted and not yet returned. Cleanup
	// sets closed under mu, so that no call is admitted after it starts waiting.
	mu        sync.RWMutex
	closed    bool
	calls     sync.WaitGroup
	cleanOnce sync.Once

	retries   atomic.Uint64
	fallbacks atomic.Uint64
}

// Init returns a client for cfg.Account. Providers are set up lazily, on their first
// use, so Init does not contact the account's providers. cfg.InitialPoolSize objects
// are prewarmed in each internal pool (zero means schemas.DefaultInitialPoolSize).
func Init(cfg schemas.Config) (*Client, error) {
	return newClient(cfg, lookupAdapter)
}

// newClient is Init with the adapter constructor made replaceable, for tests.
func newClient(cfg schemas.Config, newAdapter constructor) (*Client, error) {
	if cfg.Account == nil {
		return nil, errors.New("sluice: config has no Account; set schemas.Config.Account")
	}
	size := cfg.InitialPoolSize
	switch {
	case size < 0:
		return nil, errors.New("sluice: InitialPoolSize is negative; use 0 for the default")
	case size == 0:
		size = schemas.DefaultInitialPoolSize
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}

	// A pool keeps up to twice its prewarmed objects idle, so that the objects made
	// during a burst above the prewarmed level are kept for the next one.
	return &Client{
		account:    cfg.Account,
		log:        log,
		drop:       cfg.DropExcessRequests,
		newAdapter: newAdapter,
		envelopes:  pool.New("envelopes", 2*size, size, newEnvelope, resetEnvelope),
		buffers:    pool.New("body_buffers", 2*size, size, newBuffer, resetBuffer),
	}, nil
}

// Cleanup stops the client. Calls made after it starts fail with schemas.ErrClosed.
// Calls already admitted complete normally, queued ones included; then every worker
// stops and idle upstream connections are closed. Cleanup returns when all of this is
// done, which includes the end of every open stream: a stream's reader must drain its
// channel or cancel its context. Calling Cleanup again waits for the first call to
// finish and does nothing more.
func (c *Client) Cleanup() {
	c.cleanOnce.Do(c.cleanup)
}

func (c *Client) cleanup() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()

	// Once no admitted call remains, nothing sends to a queue any more, so closing the
	// queues is safe; workers finish what is queued and exit.
	c.calls.Wait()
	c.eachLane(func(l *lane) { close(l.queue) })
	c.eachLane(func(l *lane) { l.stop() })
	c.log.Info("sluice client stopped")
}

// enter admits a call, or reports false once Cleanup has started. An admitted call
// must call c.calls.Done when it returns.
func (c *Client) enter() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return false
	}
	c.calls.Add(1)
	return true
}

func errClosed() error {
	return schemas.NewError(schemas.ErrClosed, "",
		"client is shut down and accepts no new requests")
}

// adapterOptions returns the options handed to p's adapter constructor.
func (c *Client) adapterOptions(p schemas.ModelProvider, cfg *schemas.ProviderConfig,
	concurrency int) providers.Options {
	return providers.Options{
		Provider: p,
		Config:   cfg,
		Client:   newHTTPClient(concurrency),
		Buffers:  c.buffers,
		Logger:   c.log.With(slog.String("provider", string(p))),
	}
}
