package cohere_test

import (
	"context"
	"io"
	"testing"

	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/providers/internal/wiretest"
)

// BenchmarkChatCompletion is the adapter's whole path against a loopback server:
// translate, encode, send, receive, decode, convert.
func BenchmarkChatCompletion(b *testing.B) {
	up := wiretest.New(b, wiretest.JSON(200, golden.Read(b, "chat_response.json")))
	p := newCohere(b, up.URL)
	req, ctx := richRequest(), context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.ChatCompletion(ctx, key, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStream reads a six-event stream to its end, per iteration.
func BenchmarkStream(b *testing.B) {
	up := wiretest.New(b, wiretest.SSE(golden.Read(b, "stream.sse")))
	p := newCohere(b, up.URL)
	req, ctx := richRequest(), context.Background()
	b.ReportAllocs()
	for b.Loop() {
		s, err := p.ChatCompletionStream(ctx, key, req)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := s.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		s.Close()
	}
}
