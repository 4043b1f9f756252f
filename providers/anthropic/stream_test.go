package anthropic

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/providers/internal/wiretest"
	"github.com/sluicegw/sluice/schemas"
)

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

func openStream(t *testing.T, body string) (*wiretest.Upstream, providers.Stream) {
	t.Helper()
	up := wiretest.New(t, wiretest.SSE([]byte(body)))
	s, err := newTestProvider(t, up.URL, nil).ChatCompletionStream(context.Background(), key,
		richRequest())
	if err != nil {
		t.Fatal(err)
	}
	return up, s
}

func TestStream(t *testing.T) {
	up, s := openStream(t, string(golden.Read(t, "stream.sse")))
	chunks, err := drain(t, s)
	if err != io.EOF {
		t.Fatalf("stream ended with %v, want io.EOF", err)
	}
	if b := string(up.Last().Body); !strings.Contains(b, `"stream":true`) ||
		up.Last().Header.Get("Accept") != "text/event-stream" {
		t.Errorf("stream request: %s", b)
	}
	for _, c := range chunks {
		if c.Created == 0 {
			t.Fatal("a chunk has no created time")
		}
		c.Created = 0
	}
	golden.JSON(t, "stream.chunks.json", chunks)

	var text strings.Builder
	args := map[int]string{}
	ids := map[int]string{}
	for _, c := range chunks {
		for _, ch := range c.Choices {
			text.WriteString(ch.Delta.Content)
			for _, tc := range ch.Delta.ToolCalls {
				args[tc.Index] += tc.Function.Arguments
				ids[tc.Index] += tc.ID
			}
		}
	}
	if text.String() != "Checking both." || args[0] != `{"city": "Paris"}` ||
		args[1] != `{"city": "Tokyo"}` || ids[0] != "toolu_paris" || ids[1] != "toolu_tokyo" {
		t.Errorf("rebuilt %q, %v, %v", text.String(), args, ids)
	}
	last := chunks[len(chunks)-1]
	if f := last.Choices[0].FinishReason; f == nil || *f != schemas.FinishToolCalls {
		t.Errorf("finish reason %v", f)
	}
	if u := last.Usage; u == nil || u.PromptTokens != 52 || u.CompletionTokens != 89 ||
		u.PromptTokensDetails.CachedTokens != 40 {
		t.Errorf("usage %+v", last.Usage)
	}
}

func TestStreamWithoutMessageStop(t *testing.T) {
	full := string(golden.Read(t, "stream.sse"))
	for name, body := range map[string]string{
		"cut between events": full[:strings.Index(full, "event: message_stop")],
		"cut mid-event":      full[:strings.Index(full, `"both."`)],
	} {
		t.Run(name, func(t *testing.T) {
			_, s := openStream(t, body)
			chunks, err := drain(t, s)
			if !errors.Is(err, schemas.ErrUpstream) ||
				!strings.Contains(err.Error(), "stream ended before message_stop") {
				t.Fatalf("err = %v", err)
			}
			if len(chunks) < 2 {
				t.Errorf("chunks before the cut were lost: %d", len(chunks))
			}
		})
	}
}

func TestStreamErrorEvent(t *testing.T) {
	full := string(golden.Read(t, "stream.sse"))
	cut := strings.Index(full, "event: content_block_stop")
	tests := []struct {
		errType string
		kind    error
	}{
		{"overloaded_error", schemas.ErrUpstream},
		{"api_error", schemas.ErrUpstream},
		{"rate_limit_error", schemas.ErrRateLimited},
		{"invalid_request_error", schemas.ErrBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.errType, func(t *testing.T) {
			body := full[:cut] + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"" +
				tt.errType + "\",\"message\":\"it broke\"}}\n\n" + full[cut:]
			_, s := openStream(t, body)
			chunks, err := drain(t, s)
			var e *schemas.Error
			if !errors.As(err, &e) || !errors.Is(err, tt.kind) || e.Message != "it broke" ||
				e.Type != tt.errType {
				t.Fatalf("err = %#v", err)
			}
			if len(chunks) != 3 {
				t.Errorf("%d chunks before the error, want 3", len(chunks))
			}
			if tt.errType == "overloaded_error" && !e.Retryable() {
				t.Error("overloaded_error is not retryable")
			}
		})
	}
}
