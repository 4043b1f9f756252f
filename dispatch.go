package sluice

import (
	"context"

	"github.com/sluicegw/sluice/schemas"
)

// call is one public call on its way to one provider. Exactly one request field is
// set, the one that op needs.
type call struct {
	op       op
	provider schemas.ModelProvider
	model    string
	chat     *schemas.ChatRequest
	emb      *schemas.EmbeddingRequest
	text     *schemas.TextCompletionRequest
	raw      *schemas.RawRequest
}

// retarget returns the call sent to fallback fb: a shallow copy of the request naming
// fb's provider and model, without fallbacks of its own.
func (cl call) retarget(fb schemas.Fallback) call {
	cl.provider, cl.model = fb.Provider, fb.Model
	switch {
	case cl.chat != nil:
		r := *cl.chat
		r.Provider, r.Model, r.Fallbacks = fb.Provider, fb.Model, nil
		cl.chat = &r
	case cl.emb != nil:
		r := *cl.emb
		r.Provider, r.Model, r.Fallbacks = fb.Provider, fb.Model, nil
		cl.emb = &r
	case cl.text != nil:
		r := *cl.text
		r.Provider, r.Model, r.Fallbacks = fb.Provider, fb.Model, nil
		cl.text = &r
	}
	return cl
}

// do runs a call on its primary provider, then on each fallback in order while
// shouldFallback allows. The result of the last provider tried is returned.
func (c *Client) do(ctx context.Context, cl call, fallbacks []schemas.Fallback) result {
	if !c.enter() {
		return result{err: errClosed()}
	}
	defer c.calls.Done()

	trace := traceFrom(ctx)
	r := c.attempt(ctx, cl, trace)
	for _, fb := range fallbacks {
		if r.err == nil || !shouldFallback(ctx, r.err) {
			break
		}
		c.fallbacks.Add(1)
		if trace != nil {
			trace.Fallbacks++
		}
		r = c.attempt(ctx, cl.retarget(fb), trace)
	}
	return r
}

// attempt sends cl through its provider's queue and waits for the worker's result.
func (c *Client) attempt(ctx context.Context, cl call, trace *Trace) result {
	if trace != nil {
		trace.Provider, trace.Model = cl.provider, cl.model
	}
	l, err := c.laneFor(ctx, cl.provider)
	if err != nil {
		return result{err: err}
	}
	if err := l.supports(&cl); err != nil {
		return result{err: err}
	}
	if ctx.Err() != nil {
		return result{err: canceled(ctx, cl.provider)}
	}

	e := c.envelopes.Get()
	e.ctx, e.op, e.model, e.trace = ctx, cl.op, cl.model, trace
	e.chat, e.emb, e.text, e.raw = cl.chat, cl.emb, cl.text, cl.raw
	e.owners.Store(2)
	if err := l.admit(ctx, e); err != nil {
		c.envelopes.Put(e)
		return result{err: err}
	}
	return c.wait(ctx, l.name, e)
}

// wait returns e's result, or gives up on it when ctx ends first; the worker then
// finds the request abandoned, or stops its upstream call through the same ctx.
func (c *Client) wait(ctx context.Context, p schemas.ModelProvider, e *envelope) result {
	select {
	case r := <-e.done:
		c.release(e)
		return r
	case <-ctx.Done():
	}

	// A result that arrived together with the cancellation is still worth returning.
	select {
	case r := <-e.done:
		c.release(e)
		return r
	default:
	}
	e.abandon()
	c.release(e)
	return result{err: canceled(ctx, p)}
}
