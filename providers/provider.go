// Package providers defines the small interface every upstream adapter implements, and
// the optional capabilities an adapter may add. The engine checks capabilities by type
// assertion, so an adapter implements only what its provider can do.
package providers

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"

	"github.com/sluicegw/sluice/internal/pool"
	"github.com/sluicegw/sluice/schemas"
)

// Provider sends chat requests to one upstream API. Every adapter implements it.
//
// Methods are called concurrently by the provider's workers. key is nil for keyless
// providers. Failures are returned as *schemas.Error so that the engine can decide
// whether to retry or fall back; ctx ends the upstream call when it is done.
type Provider interface {
	ChatCompletion(ctx context.Context, key *schemas.Key,
		req *schemas.ChatRequest) (*schemas.ChatResponse, error)
}

// ChatStreamer is implemented by adapters that can stream chat completions.
type ChatStreamer interface {
	// ChatCompletionStream returns once the upstream has answered with a successful
	// status; an upstream refusal is returned as an error before any chunk.
	ChatCompletionStream(ctx context.Context, key *schemas.Key,
		req *schemas.ChatRequest) (Stream, error)
}

// Stream reads the chunks of one upstream stream.
type Stream interface {
	// Next returns the next chunk. It returns io.EOF only after the provider's own end
	// of stream marker; a stream cut short returns an ErrUpstream error instead.
	Next() (*schemas.ChatStreamChunk, error)
	// Close releases the connection. It is safe to call more than once.
	Close() error
}

// Embedder is implemented by adapters whose provider offers embeddings.
type Embedder interface {
	Embedding(ctx context.Context, key *schemas.Key,
		req *schemas.EmbeddingRequest) (*schemas.EmbeddingResponse, error)
}

// TextCompleter is implemented by adapters whose provider offers legacy completions.
type TextCompleter interface {
	TextCompletion(ctx context.Context, key *schemas.Key,
		req *schemas.TextCompletionRequest) (*schemas.TextCompletionResponse, error)
}

// Op is an operation an adapter's Go type may implement but its provider may lack.
// Its value is how error messages name it.
type Op string

// Operations a provider may lack although its adapter's type implements them.
const (
	OpStream         Op = "streaming"
	OpEmbedding      Op = "embeddings"
	OpTextCompletion Op = "text completions"
	// OpTools is tool (function) calling: chat requests that offer tools.
	OpTools Op = "tools"
)

// Capabilities is implemented by adapters whose one Go type serves APIs that offer
// different operations, such as the OpenAI-compatible adapter. The engine asks it once,
// when it sets the provider up; an operation reported false is refused with
// schemas.ErrUnsupported (400) before the request reaches a queue or the upstream.
// Adapters without it offer what their optional interfaces say, and tools with chat.
type Capabilities interface {
	Supports(op Op) bool
}

// Options is what the engine hands an adapter's constructor.
type Options struct {
	// Provider is the name the adapter is registered under.
	Provider schemas.ModelProvider
	// Config is the provider's configuration; adapters read BaseURL and ExtraHeaders.
	Config *schemas.ProviderConfig
	// Client sends the upstream requests. Its transport is sized for the provider's
	// concurrency; timeouts are enforced by the engine through ctx.
	Client *http.Client
	// Buffers lends request and response body buffers.
	Buffers *pool.Pool[bytes.Buffer]
	// Logger receives the adapter's logs.
	Logger *slog.Logger
}
