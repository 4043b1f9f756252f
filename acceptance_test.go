package sluice_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sluicegw/sluice"
	"github.com/sluicegw/sluice/mockllm"
	"github.com/sluicegw/sluice/schemas"
)

// These tests are the acceptance check: an outside program, using only the
// public names, against OpenAI-compatible servers on loopback answering in 300 ms.

const upstreamLatency = 300 * time.Millisecond

// account serves fixed providers, one key each.
type account map[schemas.ModelProvider]*schemas.ProviderConfig

func (a account) GetConfiguredProviders() ([]schemas.ModelProvider, error) {
	var ps []schemas.ModelProvider
	for p := range a {
		ps = append(ps, p)
	}
	return ps, nil
}

func (a account) GetKeysForProvider(context.Context, schemas.ModelProvider) (
	[]schemas.Key, error) {
	return []schemas.Key{{Value: "sk-test", Weight: 1}}, nil
}

func (a account) GetConfigForProvider(p schemas.ModelProvider) (*schemas.ProviderConfig, error) {
	return a[p], nil
}

// openAIAt returns a client whose OpenAI provider is baseURL with concurrency 1 and
// buffer 1.
func openAIAt(t *testing.T, baseURL string, drop bool) *sluice.Client {
	t.Helper()
	c, err := sluice.Init(schemas.Config{
		Account: account{schemas.OpenAI: {
			NetworkConfig:            schemas.NetworkConfig{BaseURL: baseURL},
			ConcurrencyAndBufferSize: size(1, 1),
		}},
		DropExcessRequests: drop,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Cleanup)
	return c
}

func size(concurrency, buffer int) schemas.ConcurrencyAndBufferSize {
	return schemas.ConcurrencyAndBufferSize{Concurrency: concurrency, BufferSize: buffer}
}

func mockServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(mockllm.New(mockllm.Options{Latency: upstreamLatency}))
	t.Cleanup(srv.Close)
	return srv
}

func hello(p schemas.ModelProvider, model string) *schemas.ChatRequest {
	return &schemas.ChatRequest{
		Provider: p,
		Model:    model,
		Messages: []schemas.Message{{Role: "user", Content: schemas.Text("hi")}},
	}
}

// outcome is one call's result and how long it took.
type outcome struct {
	err  error
	took time.Duration
	at   time.Duration // since the burst started
}

func burst(c *sluice.Client, n int) []outcome {
	out := make([]outcome, n)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() {
			t0 := time.Now()
			req := hello(schemas.OpenAI, "gpt-4o-mini")
			resp, err := c.ChatCompletion(context.Background(), req)
			if err == nil && len(resp.Choices) == 0 {
				err = errors.New("answer without choices")
			}
			out[i] = outcome{err: err, took: time.Since(t0), at: time.Since(start)}
		})
	}
	wg.Wait()
	return out
}

func TestAcceptanceDropBurst(t *testing.T) {
	c := openAIAt(t, mockServer(t).URL, true)
	var answers, full int
	for _, o := range burst(c, 5) {
		switch {
		case o.err == nil:
			answers++
		case errors.Is(o.err, schemas.ErrQueueFull):
			full++
			if o.took >= 100*time.Millisecond {
				t.Errorf("ErrQueueFull took %s, want under 100ms", o.took)
			}
		default:
			t.Errorf("unexpected error: %v", o.err)
		}
	}
	if answers != 2 || full != 3 {
		t.Fatalf("%d answers and %d ErrQueueFull, want 2 and 3", answers, full)
	}
}

func TestAcceptanceQueuedOneAtATime(t *testing.T) {
	c := openAIAt(t, mockServer(t).URL, false)
	var ends []time.Duration
	for _, o := range burst(c, 4) {
		if o.err != nil {
			t.Fatalf("queued request failed: %v", o.err)
		}
		ends = append(ends, o.at)
	}
	// One at a time: the k-th answer cannot arrive before k × 300 ms, and answers are
	// at least one upstream latency apart. The upper bound is loose on purpose: a
	// loaded machine (or the race detector) delays answers but never overlaps them.
	slices.Sort(ends)
	const slack = 20 * time.Millisecond
	for k, at := range ends {
		lo := time.Duration(k+1) * upstreamLatency
		if at < lo-slack || at > lo+5*upstreamLatency {
			t.Errorf("answer %d after %s, want no earlier than %s", k+1, at, lo)
		}
		if k > 0 && at-ends[k-1] < upstreamLatency-slack {
			t.Errorf("answers %d and %d only %s apart: two ran at once", k, k+1, at-ends[k-1])
		}
	}
}

func TestAcceptanceCleanupLosesNothing(t *testing.T) {
	c, err := sluice.Init(schemas.Config{
		Account: account{schemas.OpenAI: {
			NetworkConfig:            schemas.NetworkConfig{BaseURL: mockServer(t).URL},
			ConcurrencyAndBufferSize: size(1, 3),
		}},
		DropExcessRequests: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			_, err := c.ChatCompletion(context.Background(), hello(schemas.OpenAI, "gpt-4o-mini"))
			errs <- err
		}()
	}
	// Wait until one request is in flight and three are queued.
	for deadline := time.Now().Add(2 * time.Second); ; {
		if s := c.Stats(); len(s.Providers) == 1 && s.Providers[0].QueueDepth == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("requests never queued")
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.Cleanup()
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("request accepted before Cleanup failed: %v", err)
		}
	}
	_, err = c.ChatCompletion(context.Background(), hello(schemas.OpenAI, "gpt-4o-mini"))
	if !errors.Is(err, schemas.ErrClosed) {
		t.Fatalf("call after Cleanup: %v, want ErrClosed", err)
	}
}

func TestAcceptanceFallbackToAnthropic(t *testing.T) {
	// Nothing listens on port 1: the OpenAI call fails to connect.
	anthropicURL := mockServer(t).URL
	c, err := sluice.Init(schemas.Config{Account: account{
		schemas.OpenAI:    {NetworkConfig: schemas.NetworkConfig{BaseURL: "http://127.0.0.1:1"}},
		schemas.Anthropic: {NetworkConfig: schemas.NetworkConfig{BaseURL: anthropicURL}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Cleanup()

	req := hello(schemas.OpenAI, "gpt-4o-mini")
	req.Fallbacks = []schemas.Fallback{{Provider: schemas.Anthropic, Model: "claude-sonnet-4-5"}}
	resp, err := c.ChatCompletion(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Provider != schemas.Anthropic || len(resp.Choices) != 1 ||
		resp.Choices[0].Message.Content.String() == "" {
		t.Fatalf("answer %+v, want Anthropic's", resp)
	}
	if s := c.Stats(); s.Fallbacks != 1 {
		t.Errorf("Stats.Fallbacks = %d, want 1", s.Fallbacks)
	}
}
