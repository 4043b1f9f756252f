package gateway

import (
	"context"

	"github.com/sluicegw/sluice"
	"github.com/sluicegw/sluice/schemas"
)

// Engine is what the gateway's handlers need from a sluice client. *sluice.Client
// satisfies it; tests may supply their own.
//
// The gateway puts a *sluice.Trace in every call's context (sluice.WithTrace) and
// reads it after the call returns, to learn who answered and how long upstream took.
type Engine interface {
	ChatCompletion(ctx context.Context, req *schemas.ChatRequest) (
		*schemas.ChatResponse, error)
	ChatCompletionStream(ctx context.Context, req *schemas.ChatRequest) (
		<-chan schemas.StreamEvent, error)
	Embedding(ctx context.Context, req *schemas.EmbeddingRequest) (
		*schemas.EmbeddingResponse, error)
	TextCompletion(ctx context.Context, req *schemas.TextCompletionRequest) (
		*schemas.TextCompletionResponse, error)
}

// StatsSource is implemented by engines that report their queues, workers and pools.
// When the Engine implements it, /metrics exports those figures, read at scrape time.
type StatsSource interface {
	Stats() sluice.Stats
}

var (
	_ Engine      = (*sluice.Client)(nil)
	_ StatsSource = (*sluice.Client)(nil)
)
