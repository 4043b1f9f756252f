package sluice

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// streamChunks answers a stream of the given chunks and the end marker.
func streamChunks(chunks ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for _, c := range chunks {
			fmt.Fprintf(w, "data: %s\n\n", c)
			w.(http.Flusher).Flush()
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	}
}

// collect reads a stream to its end and returns its texts and final error.
func collect(t *testing.T, ch <-chan schemas.StreamEvent) (texts []string, err error) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return texts, err
			}
			if err != nil {
				t.Fatalf("event after the error event: %+v", ev)
			}
			if ev.Err != nil {
				err = ev.Err
				continue
			}
			texts = append(texts, ev.Chunk.Choices[0].Delta.Content)
		case <-timeout:
			t.Fatal("stream did not end")
		}
	}
}

func TestStreamDeliversChunksInOrder(t *testing.T) {
	up := newUpstream(t, streamChunks("a", "b", "c"))
	acct := newAccount()
	acct.add(schemas.OpenAI, up.URL, 1, 0)
	c := newTestClient(t, acct, true)

	var tr Trace
	ch, err := c.ChatCompletionStream(WithTrace(context.Background(), &tr),
		chatReq(schemas.OpenAI, "hi"))
	if err != nil {
		t.Fatal(err)
	}
	texts, err := collect(t, ch)
	if err != nil || fmt.Sprint(texts) != "[a b c]" {
		t.Fatalf("got %v, %v; want [a b c] and no error", texts, err)
	}
	if tr.Provider != schemas.OpenAI || tr.Attempts != 1 || tr.Upstream <= 0 {
		t.Errorf("trace = %+v", tr)
	}
	// The worker was given back before the channel closed: a call made right away
	// is admitted although there is no waiting room.
	_, err = c.ChatCompletionStream(context.Background(), chatReq(schemas.OpenAI, "again"))
	if err != nil {
		t.Fatalf("next stream: %v", err)
	}
}

func TestStreamCutShortEndsWithError(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "data: a\n\n")
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // drop the connection without the end marker
	})
	acct := newAccount()
	acct.add(schemas.OpenAI, up.URL, 1, 0)
	c := newTestClient(t, acct, true)

	ch, err := c.ChatCompletionStream(context.Background(), chatReq(schemas.OpenAI, "hi"))
	if err != nil {
		t.Fatal(err)
	}
	texts, err := collect(t, ch)
	if len(texts) != 1 || !errors.Is(err, schemas.ErrUpstream) {
		t.Fatalf("got %v, %v; want one chunk then ErrUpstream", texts, err)
	}
}

func TestStreamRetriedBeforeFirstChunkOnly(t *testing.T) {
	var calls atomic.Int32
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
		case 2:
			fmt.Fprint(w, "data: a\n\n")
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		default:
			streamChunks("late")(w, r)
		}
	})
	acct := newAccount()
	cfg := acct.add(schemas.OpenAI, up.URL, 1, 0)
	cfg.NetworkConfig.MaxRetries = 3
	cfg.NetworkConfig.RetryBackoffInitial = time.Millisecond
	c := newTestClient(t, acct, true)

	ch, err := c.ChatCompletionStream(context.Background(), chatReq(schemas.OpenAI, "hi"))
	if err != nil {
		t.Fatal(err)
	}
	texts, err := collect(t, ch)
	if fmt.Sprint(texts) != "[a]" || !errors.Is(err, schemas.ErrUpstream) {
		t.Fatalf("got %v, %v; want [a] then ErrUpstream", texts, err)
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("upstream got %d calls, want 2: no retry after the first chunk", n)
	}
}

func TestStreamCancelStopsUpstream(t *testing.T) {
	gone := make(chan struct{})
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		for i := 0; ; i++ {
			select {
			case <-r.Context().Done():
				close(gone)
				return
			case <-time.After(5 * time.Millisecond):
			}
			fmt.Fprintf(w, "data: %d\n\n", i)
			w.(http.Flusher).Flush()
		}
	})
	acct := newAccount()
	acct.add(schemas.OpenAI, up.URL, 1, 0)
	c := newTestClient(t, acct, true)

	ctx, cancel := context.WithCancel(context.Background())
	ch, err := c.ChatCompletionStream(ctx, chatReq(schemas.OpenAI, "hi"))
	if err != nil {
		t.Fatal(err)
	}
	<-ch
	<-ch
	cancel()
	_, err = collect(t, ch)
	if !errors.Is(err, schemas.ErrCanceled) {
		t.Errorf("last event: %v, want ErrCanceled", err)
	}
	select {
	case <-gone:
	case <-time.After(2 * time.Second):
		t.Fatal("upstream never saw the cancellation")
	}
}

func TestStreamUnsupportedIsRefusedBeforeQueueing(t *testing.T) {
	acct := newAccount()
	acct.add(schemas.OpenAI, "http://127.0.0.1:1", 1, 0)
	c, err := newClient(schemas.Config{Account: acct, Logger: quiet}, nopConstructor)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Cleanup()
	_, err = c.ChatCompletionStream(context.Background(), chatReq(schemas.OpenAI, "hi"))
	if !errors.Is(err, schemas.ErrUnsupported) {
		t.Fatalf("stream on a chat-only adapter: %v, want ErrUnsupported", err)
	}
}
