package sluice

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

func TestInitChecksConfig(t *testing.T) {
	if _, err := Init(schemas.Config{}); err == nil {
		t.Error("Init without an Account succeeded")
	}
	if _, err := Init(schemas.Config{Account: newAccount(), InitialPoolSize: -1}); err == nil {
		t.Error("Init with a negative pool size succeeded")
	}
	c, err := Init(schemas.Config{Account: newAccount()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Cleanup()
	for _, p := range c.Stats().Pools {
		if p.Idle != schemas.DefaultInitialPoolSize {
			t.Errorf("pool %s prewarmed %d objects, want %d", p.Name, p.Idle,
				schemas.DefaultInitialPoolSize)
		}
	}
}

func TestCleanupDrainsQueuedRequests(t *testing.T) {
	up := newUpstream(t, answerAfter(latency))
	acct := newAccount()
	acct.add(schemas.OpenAI, up.URL, 1, 3)
	c := newTestClient(t, acct, true)

	results := make(chan error, 4)
	for range 4 {
		go func() {
			_, err := c.ChatCompletion(context.Background(), chatReq(schemas.OpenAI, "hi"))
			results <- err
		}()
	}
	waitFor(t, func() bool { return providerStats(c).QueueDepth == 3 })

	c.Cleanup()
	for range 4 {
		if err := <-results; err != nil {
			t.Errorf("accepted request lost at Cleanup: %v", err)
		}
	}
	if n := up.calls.Load(); n != 4 {
		t.Errorf("upstream got %d calls, want 4", n)
	}
	_, err := c.ChatCompletion(context.Background(), chatReq(schemas.OpenAI, "late"))
	if !errors.Is(err, schemas.ErrClosed) {
		t.Fatalf("call after Cleanup: %v, want ErrClosed", err)
	}
	c.Cleanup() // a second Cleanup is harmless
}

func TestCleanupWhileCallsArrive(t *testing.T) {
	up := newUpstream(t, answerAfter(time.Millisecond))
	acct := newAccount()
	acct.add(schemas.OpenAI, up.URL, 2, 2)
	c := newTestClient(t, acct, false)

	var ok, closed atomic.Int32
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		parallel(8, func(int) {
			for {
				_, err := c.ChatCompletion(context.Background(), chatReq(schemas.OpenAI, "x"))
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, schemas.ErrClosed):
					closed.Add(1)
					return
				default:
					t.Errorf("unexpected error: %v", err)
					return
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		})
	}()
	waitFor(t, func() bool { return ok.Load() > 10 })
	c.Cleanup()
	close(stop)
	<-done
	if closed.Load() == 0 {
		t.Error("no call saw ErrClosed")
	}
}

func TestNoGoroutineLeftAfterCleanup(t *testing.T) {
	up := newUpstream(t, streamChunks("a", "b"))
	acct := newAccount()
	acct.add(schemas.OpenAI, up.URL, 4, 4)
	acct.add(schemas.Anthropic, up.URL, 2, 0)
	before := numGoroutines()

	c, err := newClient(schemas.Config{Account: acct, Logger: quiet}, newHTTPAdapter)
	if err != nil {
		t.Fatal(err)
	}
	parallel(6, func(i int) {
		p := []schemas.ModelProvider{schemas.OpenAI, schemas.Anthropic}[i%2]
		ch, err := c.ChatCompletionStream(context.Background(), chatReq(p, "hi"))
		if err != nil {
			t.Error(err)
			return
		}
		for range ch {
		}
	})
	if len(c.Stats().Providers) != 2 {
		t.Fatal("both providers should be set up")
	}

	// A stream abandoned after its first chunk, and a call whose context ends
	// around the same time, leave nothing behind either.
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := c.ChatCompletionStream(ctx, chatReq(schemas.OpenAI, "hi"))
	if err != nil {
		t.Fatal(err)
	}
	<-ch
	go c.ChatCompletion(ctx, chatReq(schemas.Anthropic, "hi"))
	cancel()

	c.Cleanup()
	settleGoroutines(t, before)
}

func TestProviderSetUpOnceUnderConcurrentFirstCalls(t *testing.T) {
	up := newUpstream(t, answerAfter(0))
	acct := newAccount()
	acct.add(schemas.OpenAI, up.URL, 4, 100)
	c := newTestClient(t, acct, false)

	parallel(50, func(int) {
		if _, err := ask(c, schemas.OpenAI); err != nil {
			t.Error(err)
		}
	})
	if n := acct.configCalls.Load(); n != 1 {
		t.Fatalf("provider configuration read %d times, want 1", n)
	}
}

func TestProviderSetupErrors(t *testing.T) {
	acct := newAccount()
	acct.add(schemas.OpenAI, "http://127.0.0.1:1", 0, 5)
	c := newTestClient(t, acct, false)

	_, err := c.ChatCompletion(context.Background(), chatReq(schemas.Groq, "hi"))
	if !errors.Is(err, schemas.ErrProviderNotConfigured) {
		t.Errorf("unlisted provider: %v, want ErrProviderNotConfigured", err)
	}
	_, err = c.ChatCompletion(context.Background(), chatReq(schemas.OpenAI, "hi"))
	if !errors.Is(err, schemas.ErrProviderNotConfigured) {
		t.Errorf("concurrency 0 with a buffer: %v, want a configuration error", err)
	}

	// The failed setup is not remembered: once fixed, the provider works.
	up := newUpstream(t, answerAfter(0))
	acct.add(schemas.OpenAI, up.URL, 1, 0)
	if _, err := ask(c, schemas.OpenAI); err != nil {
		t.Errorf("after fixing the config: %v", err)
	}
}

func TestRequestValidation(t *testing.T) {
	c := newTestClient(t, newAccount(), false)
	ctx := context.Background()
	cases := map[string]error{}
	_, cases["nil"] = c.ChatCompletion(ctx, nil)
	_, cases["no provider"] = c.ChatCompletion(ctx, &schemas.ChatRequest{Model: "m",
		Messages: []schemas.Message{{Role: "user", Content: schemas.Text("x")}}})
	_, cases["no model"] = c.ChatCompletion(ctx, &schemas.ChatRequest{Provider: "openai",
		Messages: []schemas.Message{{Role: "user", Content: schemas.Text("x")}}})
	_, cases["no messages"] = c.ChatCompletion(ctx, &schemas.ChatRequest{Provider: "openai",
		Model: "m"})
	_, cases["bad fallback"] = c.ChatCompletion(ctx, chatReq(schemas.OpenAI, "x",
		schemas.Fallback{Provider: schemas.Anthropic}))
	_, cases["no input"] = c.Embedding(ctx, &schemas.EmbeddingRequest{Provider: "openai",
		Model: "m"})
	_, cases["nil text"] = c.TextCompletion(ctx, nil)
	for name, err := range cases {
		if !errors.Is(err, schemas.ErrBadRequest) {
			t.Errorf("%s: %v, want ErrBadRequest", name, err)
		}
	}
}

func TestUnsupportedOperation(t *testing.T) {
	up := newUpstream(t, answerAfter(0))
	acct := newAccount()
	acct.add(schemas.OpenAI, up.URL, 1, 1)
	c := newTestClient(t, acct, false)
	_, err := c.Embedding(context.Background(), &schemas.EmbeddingRequest{
		Provider: schemas.OpenAI, Model: "e", Input: []string{"x"}})
	if !errors.Is(err, schemas.ErrUnsupported) {
		t.Fatalf("embedding on a chat-only adapter: %v, want ErrUnsupported", err)
	}
}

func TestAdapterPanicFailsOnlyItsRequest(t *testing.T) {
	acct := newAccount()
	acct.add(schemas.OpenAI, "", 1, 0)
	p := &panicky{}
	c, err := newClient(schemas.Config{Account: acct, Logger: quiet},
		func(schemas.ModelProvider, providers.Options) (providers.Provider, error) {
			return p, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Cleanup()

	if _, err := ask(c, schemas.OpenAI); !errors.Is(err, schemas.ErrUpstream) {
		t.Fatalf("call meeting a panic: %v, want ErrUpstream", err)
	}
	// The single worker survived: the next call is served.
	if resp, err := ask(c, schemas.OpenAI); err != nil || resp.ID != "fine" {
		t.Fatalf("call after the panic: %v", err)
	}

	ch, err := c.ChatCompletionStream(context.Background(), chatReq(schemas.OpenAI, "hi"))
	if err != nil {
		t.Fatal(err)
	}
	texts, err := collect(t, ch)
	if len(texts) != 1 || !errors.Is(err, schemas.ErrUpstream) {
		t.Fatalf("stream meeting a panic: %d chunks, %v; want 1 then ErrUpstream", len(texts), err)
	}
}
