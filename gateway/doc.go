// Package gateway serves sluice over HTTP: OpenAI-compatible routes in front of a sluice
// engine, with Prometheus metrics, health and readiness probes, and a graceful drain.
//
// # Routes
//
//	POST /v1/chat/completions, /v1/completions, /v1/embeddings; GET /v1/models
//	     model is "provider/model"; an unprefixed model is refused with 400 (param "model")
//	POST /openai/v1/chat/completions, ... (and the same without /v1)
//	     OpenAI SDK drop-in: an unprefixed model goes to openai, a model whose prefix is
//	     a configured provider goes to that provider
//	GET  /health   liveness: 200 while the process serves
//	GET  /ready    readiness: 200, or 503 once draining has begun
//	GET  /metrics  Prometheus exposition
//
// Requests may name fallbacks as "fallbacks": ["provider/model", ...], tried in order
// when the primary fails with a retryable or provider error.
//
// # Errors
//
// Errors are written in OpenAI's shape, {"error":{"message","type","param","code"}},
// with the status of the engine's *schemas.Error: 400 bad input, 401 refused
// credentials, 404 unknown provider or model, 413 body past the limit, 429 upstream
// rate limit (Retry-After passed on), 502 upstream failure, 503 queue full or draining
// (Retry-After), 504 upstream timeout.
//
// # Headers
//
// Every response carries x-request-id (the caller's own when it is sane, else a fresh
// one) and x-sluice-overhead, the time the gateway itself spent on the request in
// milliseconds, such as "0.123ms". For a whole response that is the time from arrival
// to the response headers minus the time inside upstream calls; it includes queue
// wait and retry backoff, which are the gateway's doing. A stream's headers leave
// before the engine's figures are final, so there the header holds the gateway's
// time before it handed the request to the engine (reading the body, decoding,
// routing); the sluice_overhead_seconds metric records the stream's whole overhead,
// total minus upstream time, once it has ended. Responses from a provider also carry
// x-sluice-provider, the provider that answered, which differs from the requested one
// when a fallback answered.
//
// # Limits
//
// A client may take DefaultReadHeaderTimeout (10 s) to send its headers, which may hold
// DefaultMaxHeaderBytes (64 KiB), and DefaultReadTimeout (60 s) to send the whole
// request; the body may hold Options.MaxBodyBytes (32 MiB). Past those the answer is
// a closed connection (late headers), 431 from net/http in plain text (large
// headers), 408 (a body still arriving) or 413 (a large body). A body that is not
// UTF-8 is refused with 400 rather than decoded with replacement characters; JSON
// nested deeper than encoding/json's limit of 10000 is refused with 400.
//
// # Operator endpoints
//
// /metrics can require a bearer token (Options.MetricsToken) and can leave the API
// listener for one of its own (Options.SeparateMetrics, ServeMetrics); the probes
// stay open on both. With Options.TLS every listener speaks HTTPS.
//
// # Streaming
//
// With "stream": true a chat completion is sent as server-sent events, one
// "data: {chunk}" event per chunk, flushed at once, then "data: [DONE]". A stream that
// fails after it began ends with one "data: {"error":{...}}" event and no [DONE], so a
// client never mistakes a cut stream for a complete one. A client that disconnects
// cancels the upstream call.
package gateway
