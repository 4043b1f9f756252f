package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"testing"

	"github.com/sluicegw/sluice/schemas"
)

func BenchmarkChatRequestEncode(b *testing.B) {
	p, err := New(options(schemas.OpenAI, "http://127.0.0.1:1"))
	if err != nil {
		b.Fatal(err)
	}
	req := richRequest()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		body, err := p.chatBody(req, false)
		if err != nil {
			b.Fatal(err)
		}
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

func BenchmarkChatResponseDecode(b *testing.B) {
	data, err := os.ReadFile("testdata/chat_response.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var resp schemas.ChatResponse
		if err := json.Unmarshal(data, &resp); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChatCompletion is the adapter's whole path against a loopback server:
// encode, send, receive, decode.
func BenchmarkChatCompletion(b *testing.B) {
	data, err := os.ReadFile("testdata/chat_response.json")
	if err != nil {
		b.Fatal(err)
	}
	up := newUpstream(b, serve(200, data))
	p, _ := New(options(schemas.OpenAI, up.URL))
	req := richRequest()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.ChatCompletion(ctx, key, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStream(b *testing.B) {
	data, err := os.ReadFile("testdata/stream.sse")
	if err != nil {
		b.Fatal(err)
	}
	up := newUpstream(b, serveSSE(data))
	p, _ := New(options(schemas.OpenAI, up.URL))
	req := richRequest()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		s, err := p.ChatCompletionStream(ctx, key, req)
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := s.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
		s.Close()
	}
}
