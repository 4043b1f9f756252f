// Package sluice is an LLM gateway used as a library: one API in front of many model
// providers, with flow control that keeps a busy process steady.
//
// # Flow control
//
// Each provider named in a request gets, on its first use, a lane of its own: an
// adapter, an HTTP client whose connection pool is sized for the provider, a bounded
// queue and a fixed set of workers.
//
//	caller ─► admission ─► queue ─► worker 1..Concurrency ─► upstream API
//	             │                      │
//	             │                      └─ key choice, retries
//	             └─ no room: DropExcessRequests ? ErrQueueFull at once
//	                                            : wait for room or ctx
//
// Concurrency is the number of workers, so the most upstream calls in flight for the
// provider; a stream holds its worker until it ends. BufferSize is how many more
// requests may wait. Admission counts both: with Concurrency 1 and BufferSize 1, two
// requests are accepted and a third is refused or waits, however the workers are
// scheduled. By Little's law a provider answering R requests per second in L seconds
// needs about R·L workers. Lanes share nothing but object pools, so a slow provider
// fills only its own queue.
//
// A worker never calls upstream for a request whose caller has gone, and a caller whose
// context ends returns at once with schemas.ErrCanceled, even while queued.
//
// # Retries and fallbacks
//
// A failure that may succeed later (schemas.Error.Retryable: 429, 5xx, timeouts, broken
// connections) is retried at the same provider up to NetworkConfig.MaxRetries times.
// The worker keeps its slot while it waits, so a provider in trouble receives no more
// concurrent calls than it had. The wait grows exponentially from RetryBackoffInitial
// to RetryBackoffMax with random jitter; a Retry-After from the provider is obeyed
// exactly, and one longer than RetryBackoffMax ends the retries at once. Nothing is
// retried after the caller has gone, nor after a stream's first chunk was delivered.
//
// When a provider gives up, the request goes to each of its Fallbacks in order, each
// through that provider's own queue. Every failure that is the provider's trouble
// moves on (retryable errors, auth, not found, full queue, no key, unsupported, not
// configured); an invalid request (schemas.ErrBadRequest) and a caller that has gone
// do not. The error of the last provider tried is returned.
//
// # Timeouts
//
// NetworkConfig.DefaultRequestTimeoutInSeconds bounds each attempt: the wait for the
// response headers and, when not streaming, the whole body. A stream must deliver a
// chunk at least every StreamIdleTimeoutInSeconds. Either timeout fails with
// schemas.ErrTimeout (504 over HTTP), told apart from the caller's own cancellation.
//
// # Memory
//
// Request envelopes, each with the channel that carries its result back, and body
// buffers lent to adapters come from pools prewarmed with Config.InitialPoolSize
// objects. Client.Stats reports each pool's gets and misses, and each provider's queue
// depth, busy workers and drops.
//
// # Shutting down
//
// Client.Cleanup refuses new calls with schemas.ErrClosed, lets every admitted call
// finish, queued ones included, then stops the workers and closes idle connections.
package sluice
