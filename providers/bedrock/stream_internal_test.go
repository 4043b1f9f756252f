package bedrock

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/sluicegw/sluice/schemas"
)

// frames encodes messages given as (message type, type header value, JSON payload).
func frames(tb testing.TB, msgs ...[3]string) []byte {
	tb.Helper()
	var out bytes.Buffer
	enc := eventstream.NewEncoder()
	for _, m := range msgs {
		var msg eventstream.Message
		msg.Headers.Set(":message-type", eventstream.StringValue(m[0]))
		typeHeader := ":event-type"
		if m[0] == "exception" {
			typeHeader = ":exception-type"
		}
		msg.Headers.Set(typeHeader, eventstream.StringValue(m[1]))
		msg.Payload = []byte(m[2])
		if err := enc.Encode(&out, msg); err != nil {
			tb.Fatal(err)
		}
	}
	return out.Bytes()
}

// textStream is a stream of n text deltas, as Bedrock sends one.
func textStream(tb testing.TB, n int) []byte {
	msgs := [][3]string{{"event", "messageStart", `{"role":"assistant"}`}}
	for i := range n {
		msgs = append(msgs, [3]string{"event", "contentBlockDelta",
			fmt.Sprintf(`{"contentBlockIndex":0,"delta":{"text":"word%d "},"p":"abcdefgh"}`, i)})
	}
	msgs = append(msgs, [3]string{"event", "contentBlockStop", `{"contentBlockIndex":0}`},
		[3]string{"event", "messageStop", `{"stopReason":"end_turn"}`},
		[3]string{"event", "metadata",
			`{"usage":{"inputTokens":3,"outputTokens":9,"totalTokens":12}}`})
	return frames(tb, msgs...)
}

func readerStream(b []byte) *stream {
	resp := &http.Response{Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(b))}
	return newStream(context.Background(), schemas.Bedrock, nil, resp, "m")
}

// FuzzStream feeds arbitrary bytes to the stream reader: it must end, with io.EOF only
// after messageStop and otherwise with a *schemas.Error, and never panic.
func FuzzStream(f *testing.F) {
	f.Add(textStream(f, 3))
	f.Add(frames(f, [3]string{"event", "messageStart", `{"role":"assistant"}`},
		[3]string{"event", "contentBlockStart",
			`{"contentBlockIndex":1,"start":{"toolUse":{"toolUseId":"t","name":"n"}}}`},
		[3]string{"event", "contentBlockDelta",
			`{"contentBlockIndex":1,"delta":{"toolUse":{"input":"{}"}}}`},
		[3]string{"event", "messageStop", `{"stopReason":"tool_use"}`}))
	f.Add(frames(f, [3]string{"exception", "throttlingException", `{"message":"slow down"}`}))
	f.Add(textStream(f, 2)[:40])
	f.Fuzz(func(t *testing.T, b []byte) {
		s := readerStream(b)
		defer s.Close()
		for range len(b) + 2 {
			c, err := s.Next()
			switch {
			case err == io.EOF:
				if !s.stopped {
					t.Fatal("io.EOF before messageStop")
				}
				return
			case err != nil:
				var e *schemas.Error
				if !errors.As(err, &e) {
					t.Fatalf("error %T is not a *schemas.Error: %v", err, err)
				}
				return
			case c == nil:
				t.Fatal("nil chunk without error")
			}
		}
		t.Fatal("the stream yielded more chunks than it has bytes")
	})
}

// BenchmarkStream measures decoding and translating a 200-delta stream; allocations
// are per stream.
func BenchmarkStream(b *testing.B) {
	data := textStream(b, 200)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		s := readerStream(data)
		n := 0
		for {
			_, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 203 {
			b.Fatalf("%d chunks", n)
		}
	}
}

// BenchmarkConverseBody measures translating a request with tools, a tool round trip
// and a system prompt.
func BenchmarkConverseBody(b *testing.B) {
	req := &schemas.ChatRequest{Model: "m", Messages: []schemas.Message{
		{Role: "system", Content: schemas.Text("be brief")},
		{Role: "user", Content: schemas.Text("weather in Paris?")},
		{Role: "assistant", ToolCalls: []schemas.ToolCall{{ID: "t1", Type: "function",
			Function: schemas.ToolCallFunction{Name: "w", Arguments: `{"city":"Paris"}`}}}},
		{Role: "tool", ToolCallID: "t1", Content: schemas.Text("18C")},
	}, Params: &schemas.ChatParams{MaxTokens: new(int), Tools: []schemas.Tool{{
		Type: "function", Function: schemas.ToolFunction{Name: "w",
			Parameters: []byte(`{"type":"object"}`)}}}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := converseBody(schemas.Bedrock, req); err != nil {
			b.Fatal(err)
		}
	}
}
