package sluice

import (
	"context"

	"github.com/sluicegw/sluice/schemas"
)

// ChatCompletion sends req to its provider and returns the whole answer. On a
// retryable failure the request is retried at the same provider as its
// NetworkConfig allows, then sent to each of req.Fallbacks in turn; see the package
// documentation for the policy. Every failure is a *schemas.Error.
func (c *Client) ChatCompletion(ctx context.Context, req *schemas.ChatRequest) (
	*schemas.ChatResponse, error) {
	if err := checkChat(req); err != nil {
		return nil, err
	}
	r := c.do(ctx, call{op: opChat, provider: req.Provider, model: req.Model, chat: req},
		req.Fallbacks)
	return r.chat, r.err
}

// ChatCompletionStream sends req to its provider as a stream. It returns once the
// first chunk has arrived (or the upstream ended the stream without any), or with the
// error that prevented it: a full queue, an invalid request, retries and fallbacks
// exhausted. Retries and fallbacks happen only before that point.
//
// The channel yields the chunks and is closed after the last event. A stream that
// fails ends with one event whose Err is set; it never ends silently. Cancelling ctx
// ends the stream and the upstream call. The caller must drain the channel or cancel
// ctx: a stream holds one of its provider's workers until it ends.
func (c *Client) ChatCompletionStream(ctx context.Context, req *schemas.ChatRequest) (
	<-chan schemas.StreamEvent, error) {
	if err := checkChat(req); err != nil {
		return nil, err
	}
	r := c.do(ctx, call{op: opStream, provider: req.Provider, model: req.Model, chat: req},
		req.Fallbacks)
	return r.stream, r.err
}

// Embedding asks req's provider for one vector per input, with the same retry and
// fallback policy as ChatCompletion. A provider without embeddings fails with
// schemas.ErrUnsupported, which moves on to the next fallback.
func (c *Client) Embedding(ctx context.Context, req *schemas.EmbeddingRequest) (
	*schemas.EmbeddingResponse, error) {
	if err := checkEmbedding(req); err != nil {
		return nil, err
	}
	r := c.do(ctx, call{op: opEmbedding, provider: req.Provider, model: req.Model, emb: req},
		req.Fallbacks)
	return r.emb, r.err
}

// TextCompletion asks req's provider for a legacy completion of a prompt, with the
// same retry and fallback policy as ChatCompletion. A provider without legacy
// completions fails with schemas.ErrUnsupported.
func (c *Client) TextCompletion(ctx context.Context, req *schemas.TextCompletionRequest) (
	*schemas.TextCompletionResponse, error) {
	if req == nil {
		return nil, badRequest("", "request is nil")
	}
	if err := checkTarget(req.Provider, req.Model, req.Fallbacks); err != nil {
		return nil, err
	}
	r := c.do(ctx, call{op: opText, provider: req.Provider, model: req.Model, text: req},
		req.Fallbacks)
	return r.text, r.err
}

func checkChat(req *schemas.ChatRequest) error {
	if req == nil {
		return badRequest("", "request is nil")
	}
	if len(req.Messages) == 0 {
		e := badRequest(req.Provider, "messages must not be empty")
		e.Param = "messages"
		return e
	}
	return checkTarget(req.Provider, req.Model, req.Fallbacks)
}

func checkEmbedding(req *schemas.EmbeddingRequest) error {
	if req == nil {
		return badRequest("", "request is nil")
	}
	if len(req.Input) == 0 {
		e := badRequest(req.Provider, "input must not be empty")
		e.Param = "input"
		return e
	}
	return checkTarget(req.Provider, req.Model, req.Fallbacks)
}

// checkTarget checks that the primary and every fallback name a provider and a model.
func checkTarget(p schemas.ModelProvider, model string, fallbacks []schemas.Fallback) error {
	if p == "" {
		e := badRequest("", "provider is required")
		e.Param = "provider"
		return e
	}
	if model == "" {
		e := badRequest(p, "model is required")
		e.Param = "model"
		return e
	}
	for i, fb := range fallbacks {
		if fb.Provider == "" || fb.Model == "" {
			e := badRequest(p, "fallback %d needs both a provider and a model", i)
			e.Param = "fallbacks"
			return e
		}
	}
	return nil
}

func badRequest(p schemas.ModelProvider, format string, args ...any) *schemas.Error {
	return schemas.NewError(schemas.ErrBadRequest, p, format, args...)
}
