package gemini_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/providers/internal/wiretest"
	"github.com/sluicegw/sluice/schemas"
)

// drain reads s to its end, returning the chunks and the error that ended it.
func drain(t *testing.T, s providers.Stream) ([]*schemas.ChatStreamChunk, error) {
	t.Helper()
	defer s.Close()
	var chunks []*schemas.ChatStreamChunk
	for range 100 {
		c, err := s.Next()
		if err != nil {
			return chunks, err
		}
		chunks = append(chunks, c)
	}
	t.Fatal("the stream did not end")
	return nil, nil
}

func openStream(t *testing.T, answer http.HandlerFunc) (providers.Stream, *wiretest.Upstream) {
	t.Helper()
	up := wiretest.New(t, answer)
	s, err := newGemini(t, up.URL+"/v1beta").ChatCompletionStream(context.Background(), key,
		&schemas.ChatRequest{Model: model, Messages: []schemas.Message{userText("hi")}})
	if err != nil {
		t.Fatal(err)
	}
	return s, up
}

func TestStreamText(t *testing.T) {
	s, up := openStream(t, wiretest.SSE(golden.Read(t, "stream_text.sse")))
	chunks, err := drain(t, s)
	if err != io.EOF {
		t.Fatalf("a stream whose last event has a finish reason ended with %v", err)
	}

	got := up.Last()
	if got.Path != "/v1beta/models/"+model+":streamGenerateContent" || got.Query != "alt=sse" ||
		got.Header.Get("Accept") != "text/event-stream" {
		t.Errorf("stream request to %s?%s", got.Path, got.Query)
	}
	for _, c := range chunks {
		c.Created = 0
	}
	golden.JSON(t, "stream_text.unified.json", chunks)

	var text strings.Builder
	for _, c := range chunks {
		text.WriteString(c.Choices[0].Delta.Content)
	}
	last := chunks[len(chunks)-1]
	if text.String() != "Paris is 18C and rainy." || chunks[0].Choices[0].Delta.Role != "assistant" {
		t.Errorf("text %q, first delta %+v", text.String(), chunks[0].Choices[0].Delta)
	}
	if fr := last.Choices[0].FinishReason; fr == nil || *fr != schemas.FinishStop {
		t.Errorf("last chunk's finish reason %v", fr)
	}
	if u := last.Usage; u == nil || u.TotalTokens != 15 || u.PromptTokensDetails.CachedTokens != 4 {
		t.Errorf("usage on the last chunk %+v", last.Usage)
	}
	if chunks[0].Usage != nil {
		t.Error("running usage was passed on before the end")
	}
}

func TestStreamToolCalls(t *testing.T) {
	s, _ := openStream(t, wiretest.SSE(golden.Read(t, "stream_tools.sse")))
	chunks, err := drain(t, s)
	if err != io.EOF || len(chunks) != 1 {
		t.Fatalf("%d chunks, err %v", len(chunks), err)
	}
	ch := chunks[0].Choices[0]
	if ch.FinishReason == nil || *ch.FinishReason != schemas.FinishToolCalls {
		t.Errorf("finish %v", ch.FinishReason)
	}
	calls := ch.Delta.ToolCalls
	if len(calls) != 2 || calls[0].Index != 0 || calls[1].Index != 1 ||
		calls[1].Function.Arguments != `{"city":"Tokyo"}` || calls[1].Function.Name != "get_weather" ||
		calls[0].ID == "" || calls[0].ID == calls[1].ID || calls[0].Type != "function" {
		t.Errorf("tool call deltas %+v", calls)
	}
}

func TestStreamCutShort(t *testing.T) {
	s, _ := openStream(t, wiretest.SSE(golden.Read(t, "stream_cut.sse")))
	chunks, err := drain(t, s)
	if !errors.Is(err, schemas.ErrUpstream) || len(chunks) != 2 {
		t.Fatalf("a stream without a finish reason: %d chunks, then %v", len(chunks), err)
	}
	if _, again := s.Next(); again != err {
		t.Errorf("Next after the end returned %v, want the same error", again)
	}
}

func TestStreamBrokenAfterFinish(t *testing.T) {
	// The connection breaks right after the last event: what was sent is complete,
	// but the body did not end cleanly, so the stream is not trusted to be whole.
	s, _ := openStream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write(golden.Read(t, "stream_text.sse"))
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	})
	_, err := drain(t, s)
	if !errors.Is(err, schemas.ErrUpstream) {
		t.Fatalf("a broken connection ended the stream with %v", err)
	}
}

func TestStreamErrorEvent(t *testing.T) {
	s, _ := openStream(t, wiretest.SSE(golden.Read(t, "stream_error.sse")))
	chunks, err := drain(t, s)
	e := wantKind(t, err, schemas.ErrRateLimited, http.StatusTooManyRequests)
	if len(chunks) != 1 || e.Code != "RESOURCE_EXHAUSTED" ||
		!strings.Contains(e.Message, "exhausted") {
		t.Errorf("%d chunks, error %+v", len(chunks), e)
	}
}

func TestStreamMalformedEvent(t *testing.T) {
	s, _ := openStream(t, wiretest.SSE([]byte("data: {\"candidates\":[\n\n")))
	_, err := drain(t, s)
	wantKind(t, err, schemas.ErrUpstream, http.StatusBadGateway)
}

func TestStreamRefused(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(429, googleError(429, "RESOURCE_EXHAUSTED", "quota")))
	_, err := newGemini(t, up.URL).ChatCompletionStream(context.Background(), key,
		&schemas.ChatRequest{Model: model, Messages: []schemas.Message{userText("hi")}})
	wantKind(t, err, schemas.ErrRateLimited, http.StatusTooManyRequests)
}
