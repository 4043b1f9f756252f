package openai

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/schemas"
)

// drain reads s to its end and returns the chunks and the final error.
func drain(t *testing.T, s providers.Stream) ([]*schemas.ChatStreamChunk, error) {
	t.Helper()
	defer s.Close()
	var chunks []*schemas.ChatStreamChunk
	for {
		c, err := s.Next()
		if err != nil {
			return chunks, err
		}
		chunks = append(chunks, c)
	}
}

func openStream(t *testing.T, answer http.HandlerFunc) (
	*upstream, providers.Stream, error) {
	t.Helper()
	up := newUpstream(t, answer)
	s, err := newTestProvider(t, up.URL).ChatCompletionStream(context.Background(), key,
		richRequest())
	return up, s, err
}

func TestStream(t *testing.T) {
	up, s, err := openStream(t, serveSSE(golden.Read(t, "stream.sse")))
	if err != nil {
		t.Fatal(err)
	}
	chunks, err := drain(t, s)
	if err != io.EOF {
		t.Fatalf("stream ended with %v, want io.EOF", err)
	}
	golden.JSON(t, "stream.chunks.json", chunks)

	got := up.Last()
	if got.Header.Get("Accept") != "text/event-stream" ||
		!strings.Contains(string(got.Body), `"stream":true,"stream_options":{"include_usage":true}`) {
		t.Errorf("stream request: %v %s", got.Header, got.Body)
	}

	// What a client rebuilds from the chunks: the text, both calls, usage at the end.
	var text strings.Builder
	args := map[int]string{}
	for _, c := range chunks {
		for _, ch := range c.Choices {
			text.WriteString(ch.Delta.Content)
			for _, tc := range ch.Delta.ToolCalls {
				args[tc.Index] += tc.Function.Arguments
			}
		}
	}
	if text.String() != "Checking both." || args[0] != `{"city": "Paris"}` ||
		args[1] != `{"city": "Tokyo"}` {
		t.Errorf("rebuilt %q and %v", text.String(), args)
	}
	last := chunks[len(chunks)-1]
	if last.Usage == nil || last.Usage.TotalTokens != 123 {
		t.Errorf("last chunk usage: %+v", last.Usage)
	}

	if _, err := s.Next(); err != io.EOF {
		t.Errorf("Next after the end: %v, want io.EOF again", err)
	}
}

func TestStreamWithoutDone(t *testing.T) {
	full := string(golden.Read(t, "stream.sse"))
	for name, body := range map[string]string{
		"cut between events": full[:strings.Index(full, "data: [DONE]")],
		"cut mid-event":      full[:strings.Index(full, `"Checking`)],
	} {
		t.Run(name, func(t *testing.T) {
			_, s, err := openStream(t, serveSSE([]byte(body)))
			if err != nil {
				t.Fatal(err)
			}
			chunks, err := drain(t, s)
			if !errors.Is(err, schemas.ErrUpstream) ||
				!strings.Contains(err.Error(), "stream ended before [DONE]") {
				t.Fatalf("err = %v, want ErrUpstream about [DONE]", err)
			}
			if len(chunks) == 0 {
				t.Error("the chunks before the cut were lost")
			}
		})
	}
}

func TestStreamErrorMidStream(t *testing.T) {
	first := "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n"
	tests := []struct {
		name  string
		event string
		kind  error
		msg   string
	}{
		{"openai error object",
			`data: {"error":{"message":"The server had an error","type":"server_error"}}`,
			schemas.ErrUpstream, "The server had an error"},
		{"rate limit", `data: {"error":{"message":"Too fast","type":"rate_limit_error"}}`,
			schemas.ErrRateLimited, "Too fast"},
		{"error event", "event: error\ndata: {\"message\":\"upstream boom\"}",
			schemas.ErrUpstream, "upstream boom"},
		{"malformed chunk", `data: {"id":`, schemas.ErrUpstream, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, s, err := openStream(t, serveSSE([]byte(first+tt.event+"\n\ndata: [DONE]\n\n")))
			if err != nil {
				t.Fatal(err)
			}
			chunks, err := drain(t, s)
			if len(chunks) != 1 || chunks[0].Choices[0].Delta.Content != "Hi" {
				t.Errorf("chunks before the error: %d", len(chunks))
			}
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %v with %q", err, tt.kind, tt.msg)
			}
			if _, again := s.Next(); again != err {
				t.Errorf("Next after the error: %v", again)
			}
		})
	}
}

func TestStreamRefusedBeforeFirstChunk(t *testing.T) {
	_, _, err := openStream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(429)
		w.Write([]byte(`{"error":{"message":"Rate limit reached","type":"requests"}}`))
	})
	var e *schemas.Error
	if !errors.As(err, &e) || !errors.Is(err, schemas.ErrRateLimited) || e.RetryAfter.Seconds() != 3 {
		t.Fatalf("err = %v", err)
	}
}

func TestStreamCloseAbortsUpstream(t *testing.T) {
	release := make(chan struct{})
	gone := make(chan struct{})
	_, s, err := openStream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write([]byte("data: {\"id\":\"c\",\"choices\":[]}\n\n"))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			close(gone)
		case <-release:
		}
	})
	defer close(release)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Next(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close()
	<-gone
}

func TestStreamNoStreamOptionsDialect(t *testing.T) {
	up := newUpstream(t, serveSSE([]byte("data: [DONE]\n\n")))
	p, _ := NewCompatible(options(schemas.Mistral, up.URL), Dialects[schemas.Mistral])
	s, err := p.ChatCompletionStream(context.Background(), key, &schemas.ChatRequest{Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := drain(t, s); err != io.EOF {
		t.Fatal(err)
	}
	if b := string(up.Last().Body); strings.Contains(b, "stream_options") {
		t.Fatalf("mistral got stream_options: %s", b)
	}
}
