package sluice_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sluicegw/sluice"
	"github.com/sluicegw/sluice/mockllm"
	"github.com/sluicegw/sluice/schemas"
)

// TestTimeoutFallsBack checks, with the real adapters, that an attempt cut by the
// engine's own request timeout is a timeout and nothing else: it moves on to the
// fallback, and as a final error it does not pass for the caller's cancellation.
func TestTimeoutFallsBack(t *testing.T) {
	mock := mockllm.New(mockllm.Options{FaultDelay: 3 * time.Second})
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	cfg := &schemas.ProviderConfig{NetworkConfig: schemas.NetworkConfig{BaseURL: srv.URL,
		DefaultRequestTimeoutInSeconds: 1}}
	c, err := sluice.Init(schemas.Config{Account: account{schemas.OpenAI: cfg,
		schemas.Anthropic: cfg}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Cleanup)
	req := func(fallbacks ...schemas.Fallback) *schemas.ChatRequest {
		return &schemas.ChatRequest{Provider: schemas.OpenAI, Model: "gpt-4o-mini",
			Messages:  []schemas.Message{{Role: schemas.RoleUser, Content: schemas.Text("hi")}},
			Fallbacks: fallbacks}
	}

	mock.Arm(mockllm.FaultDelay, 1)
	_, err = c.ChatCompletion(context.Background(), req())
	if !errors.Is(err, schemas.ErrTimeout) || errors.Is(err, schemas.ErrCanceled) ||
		errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want ErrTimeout that is not a cancellation", err)
	}

	mock.Arm(mockllm.FaultDelay, 1)
	resp, err := c.ChatCompletion(context.Background(), req(schemas.Fallback{
		Provider: schemas.Anthropic, Model: "claude-sonnet-4-5"}))
	if err != nil || resp.Provider != schemas.Anthropic {
		t.Fatalf("answer %+v, err %v; want the fallback's answer", resp, err)
	}
	if s := c.Stats(); s.Fallbacks != 1 {
		t.Errorf("Stats.Fallbacks = %d, want 1", s.Fallbacks)
	}
}
