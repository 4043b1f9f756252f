package sluice

import (
	"context"
	"sync/atomic"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// nopAdapter answers at once from memory: it measures the engine alone.
type nopAdapter struct{ resp schemas.ChatResponse }

func (a *nopAdapter) ChatCompletion(context.Context, *schemas.Key, *schemas.ChatRequest) (
	*schemas.ChatResponse, error) {
	r := a.resp
	return &r, nil
}

func nopConstructor(schemas.ModelProvider, providers.Options) (providers.Provider, error) {
	return &nopAdapter{resp: schemas.ChatResponse{ID: "nop", Object: "chat.completion"}}, nil
}

// panicky panics on its first call of each kind, then behaves.
type panicky struct {
	chats, nexts atomic.Int32
}

func (p *panicky) ChatCompletion(context.Context, *schemas.Key, *schemas.ChatRequest) (
	*schemas.ChatResponse, error) {
	if p.chats.Add(1) == 1 {
		panic("adapter bug")
	}
	return &schemas.ChatResponse{ID: "fine"}, nil
}

func (p *panicky) ChatCompletionStream(context.Context, *schemas.Key, *schemas.ChatRequest) (
	providers.Stream, error) {
	return p, nil
}

func (p *panicky) Next() (*schemas.ChatStreamChunk, error) {
	if p.nexts.Add(1) == 2 {
		var m map[string]int
		m["x"]++ // a nil map write: a runtime panic, as a real bug would be
	}
	return &schemas.ChatStreamChunk{Choices: []schemas.StreamChoice{{}}}, nil
}

func (p *panicky) Close() error { return nil }
