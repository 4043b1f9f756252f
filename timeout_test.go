package sluice

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// stall waits for the request to be cancelled or for the test to end, at most 5 s.
func stall(t *testing.T) func(w http.ResponseWriter, r *http.Request) {
	end := make(chan struct{})
	t.Cleanup(func() { close(end) })
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-end:
		case <-time.After(5 * time.Second):
		}
	}
}

func timeoutClient(t *testing.T, h http.HandlerFunc) *Client {
	acct := newAccount()
	cfg := acct.add(schemas.OpenAI, newUpstream(t, h).URL, 1, 1)
	cfg.NetworkConfig.DefaultRequestTimeoutInSeconds = 1
	cfg.NetworkConfig.StreamIdleTimeoutInSeconds = 1
	return newTestClient(t, acct, false)
}

func checkTimeout(t *testing.T, err error, took time.Duration) {
	t.Helper()
	if !errors.Is(err, schemas.ErrTimeout) ||
		schemas.AsError(err).StatusCode != http.StatusGatewayTimeout {
		t.Fatalf("err = %v, want ErrTimeout with status 504", err)
	}
	if errors.Is(err, context.Canceled) {
		t.Errorf("a timeout must not look like the caller's cancellation: %v", err)
	}
	if took < time.Second || took > 2*time.Second {
		t.Errorf("timed out after %s, want about 1s", took)
	}
}

func TestTimeoutBeforeHeaders(t *testing.T) {
	c := timeoutClient(t, stall(t))
	start := time.Now()
	_, err := c.ChatCompletion(context.Background(), chatReq(schemas.OpenAI, "hi"))
	checkTimeout(t, err, time.Since(start))
}

func TestTimeoutCoversWholeBody(t *testing.T) {
	wait := stall(t)
	c := timeoutClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		wait(w, r)
	})
	start := time.Now()
	_, err := c.ChatCompletion(context.Background(), chatReq(schemas.OpenAI, "hi"))
	checkTimeout(t, err, time.Since(start))
}

func TestStreamTimeoutBeforeHeaders(t *testing.T) {
	c := timeoutClient(t, stall(t))
	start := time.Now()
	_, err := c.ChatCompletionStream(context.Background(), chatReq(schemas.OpenAI, "hi"))
	checkTimeout(t, err, time.Since(start))
}

func TestStreamIdleTimeout(t *testing.T) {
	wait := stall(t)
	c := timeoutClient(t, func(w http.ResponseWriter, r *http.Request) {
		// Chunks every 400 ms stay under the 1 s idle limit although the whole
		// stream lasts longer than the request timeout; then the upstream stalls.
		for i := range 4 {
			fmt.Fprintf(w, "data: %d\n\n", i)
			w.(http.Flusher).Flush()
			time.Sleep(400 * time.Millisecond)
		}
		wait(w, r)
	})
	ch, err := c.ChatCompletionStream(context.Background(), chatReq(schemas.OpenAI, "hi"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	texts, err := collect(t, ch)
	if len(texts) != 4 {
		t.Fatalf("got chunks %v, want 4 before the stall", texts)
	}
	checkTimeout(t, err, time.Since(start)-1200*time.Millisecond)
}

func TestCallerDeadlineIsNotATimeoutOfTheEngine(t *testing.T) {
	c := timeoutClient(t, stall(t))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.ChatCompletion(ctx, chatReq(schemas.OpenAI, "hi"))
	if !errors.Is(err, schemas.ErrCanceled) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrCanceled wrapping the caller's deadline", err)
	}
}
