package bedrock_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/schemas"
)

// streamOutcome is what a stream yielded, as recorded in testdata/stream_*.golden.json.
type streamOutcome struct {
	Chunks []*schemas.ChatStreamChunk `json:"chunks"`
	Error  *outcomeError              `json:"error"`
}

type outcomeError struct {
	Kind    string `json:"kind"`
	Status  int    `json:"status"`
	Type    string `json:"type"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

// TestStreamGolden replays recorded ConverseStream answers (testdata/stream_*.jsonl,
// framed with the AWS event-stream encoder) and checks the chunks and the final error
// against testdata/stream_*.golden.json. A stream ends with io.EOF only after
// messageStop; an exception, an error message or a stream cut short ends it with an
// error.
func TestStreamGolden(t *testing.T) {
	cases := []struct {
		name string
		kind error // nil: the stream must end cleanly
	}{
		{"stream_text", nil},
		{"stream_tools", nil},
		{"stream_no_metadata", nil},
		{"stream_throttled", schemas.ErrRateLimited},
		{"stream_model_error", schemas.ErrUpstream},
		{"stream_validation", schemas.ErrBadRequest},
		{"stream_error", schemas.ErrUpstream},
		{"stream_cut", schemas.ErrUpstream},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := newUpstream(t, serveStream(encodeStream(t, tc.name+".jsonl")))
			p := newProvider(t, u.URL)
			s, err := p.ChatCompletionStream(context.Background(), staticKey, textRequest())
			if err != nil {
				t.Fatal(err)
			}
			got := u.last(t)
			const path = "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream"
			if got.RawPath != path ||
				got.Header.Get("Accept") != "application/vnd.amazon.eventstream" {
				t.Errorf("sent to %s accepting %q", got.RawPath, got.Header.Get("Accept"))
			}

			chunks, err := drain(t, s)
			out := streamOutcome{Chunks: chunks}
			for _, c := range chunks {
				if c.ID != "req-0002" || c.Model != "claude" || c.Created == 0 {
					t.Errorf("chunk id %q model %q created %d", c.ID, c.Model, c.Created)
				}
				c.Created = 0
			}
			switch {
			case tc.kind == nil && err != nil:
				t.Fatalf("stream failed: %v", err)
			case tc.kind != nil && !errors.Is(err, tc.kind):
				t.Fatalf("stream ended with %v, want %v", err, tc.kind)
			case err != nil:
				e := asError(t, err)
				out.Error = &outcomeError{Kind: e.Kind.Error(), Status: e.StatusCode,
					Type: e.Type, Code: e.Code, Message: e.Message}
				if again, _ := s.Next(); again != nil {
					t.Error("Next after the error returned a chunk")
				}
			}
			golden.JSON(t, tc.name+".golden.json", out)
		})
	}
}

// TestStreamTruncated cuts a recorded stream inside its last message (the metadata
// that follows messageStop): a message cut short is a failure even after messageStop.
func TestStreamTruncated(t *testing.T) {
	whole := encodeStream(t, "stream_text.jsonl")
	for _, cut := range []int{1, 10, 40} {
		u := newUpstream(t, serveStream(whole[:len(whole)-cut]))
		s, err := newProvider(t, u.URL).ChatCompletionStream(context.Background(), staticKey,
			textRequest())
		if err != nil {
			t.Fatal(err)
		}
		chunks, err := drain(t, s)
		if !errors.Is(err, schemas.ErrUpstream) {
			t.Errorf("cut %d bytes: ended with %v after %d chunks, want ErrUpstream", cut, err,
				len(chunks))
		}
	}
}

// TestStreamCorrupt flips one byte of a payload: the message checksum fails and the
// stream ends with a malformed-answer error rather than with garbage.
func TestStreamCorrupt(t *testing.T) {
	b := encodeStream(t, "stream_text.jsonl")
	b[len(b)/2] ^= 0xff
	u := newUpstream(t, serveStream(b))
	s, err := newProvider(t, u.URL).ChatCompletionStream(context.Background(), staticKey,
		textRequest())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := drain(t, s); !errors.Is(err, schemas.ErrUpstream) {
		t.Fatalf("corrupt stream ended with %v, want ErrUpstream", err)
	}
}

// TestStreamCancel checks that a stream blocked on a silent upstream ends when the
// caller cancels, with ErrCanceled, and that Close from another goroutine unblocks Next.
func TestStreamCancel(t *testing.T) {
	release := make(chan struct{})
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	p := newProvider(t, u.URL)

	ctx, cancel := context.WithCancel(context.Background())
	s, err := p.ChatCompletionStream(ctx, staticKey, textRequest())
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(20*time.Millisecond, cancel)
	if _, err := s.Next(); !errors.Is(err, schemas.ErrCanceled) {
		t.Errorf("canceled stream: %v, want ErrCanceled", err)
	}

	s, err = p.ChatCompletionStream(context.Background(), staticKey, textRequest())
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(20*time.Millisecond, func() { s.Close() })
	if _, err := s.Next(); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("closed stream: %v, want an error", err)
	}
}
