package gateway

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/sluicegw/sluice/schemas"
)

// forwardingEngine is the fake engine that can also forward, answering every raw
// request with payload at once.
type forwardingEngine struct {
	fakeEngine
	payload []byte
	rd      bytes.Reader
	resp    schemas.RawResponse
}

func (f *forwardingEngine) Forward(context.Context, *schemas.RawRequest) (
	*schemas.RawResponse, error) {
	f.rd.Reset(f.payload)
	f.resp = schemas.RawResponse{Provider: schemas.Anthropic, StatusCode: http.StatusOK,
		Body: io.NopCloser(&f.rd)}
	return &f.resp, nil
}

func benchFixture(b *testing.B, name string) []byte {
	data, err := os.ReadFile("testdata/anthropic/" + name)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

const benchMessages = `"max_tokens":64,"system":"You are terse.",` +
	`"messages":[{"role":"user","content":"Say hello to the benchmark."}]}`

func BenchmarkAnthropicNative(b *testing.B) {
	eng := &forwardingEngine{payload: benchFixture(b, "native/upstream_response.json")}
	benchServe(b, eng, "/anthropic/v1/messages",
		[]byte(`{"model":"claude-sonnet-4-5",`+benchMessages))
}

func BenchmarkAnthropicNativeStream(b *testing.B) {
	eng := &forwardingEngine{payload: benchFixture(b, "native/upstream_stream.sse")}
	benchServe(b, eng, "/anthropic/v1/messages",
		[]byte(`{"model":"claude-sonnet-4-5","stream":true,`+benchMessages))
}

func BenchmarkAnthropicTranslated(b *testing.B) {
	benchServe(b, &fakeEngine{}, "/anthropic/v1/messages",
		[]byte(`{"model":"openai/gpt-4o-mini",`+benchMessages))
}

func BenchmarkAnthropicTranslatedStream(b *testing.B) {
	eng := &fakeEngine{events: []schemas.StreamEvent{chunk("Hello"), chunk(" to"),
		chunk(" the"), chunk(" benchmark.")}}
	benchServe(b, eng, "/anthropic/v1/messages",
		[]byte(`{"model":"openai/gpt-4o-mini","stream":true,`+benchMessages))
}
