package bedrock_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/schemas"
)

// titanKey maps a model name to Titan text embeddings v2.
var titanKey = &schemas.Key{ID: "titan", BedrockKeyConfig: &schemas.BedrockKeyConfig{
	AccessKey: accessKey, SecretKey: secretKey, Region: "us-east-1",
	Deployments: map[string]string{"titan-v2": "amazon.titan-embed-text-v2:0"}}}

// TestEmbeddingGolden checks that each input is one signed InvokeModel call with
// Titan's body (testdata/embed_request.json, as sent) and that the answers
// (embed_response.json, as received) are gathered in order with their token counts.
func TestEmbeddingGolden(t *testing.T) {
	u := newUpstream(t, serveJSON(http.StatusOK, "", golden.Read(t, "embed_response.json")))
	p := newProvider(t, u.URL)
	resp, err := p.Embedding(context.Background(), titanKey, &schemas.EmbeddingRequest{
		Model: "titan-v2", Input: []string{"first text", "second text"}, Dimensions: ptr(256)})
	if err != nil {
		t.Fatal(err)
	}
	if u.count() != 2 {
		t.Fatalf("%d calls for 2 inputs", u.count())
	}
	got := u.last(t)
	if got.RawPath != "/model/amazon.titan-embed-text-v2%3A0/invoke" ||
		!strings.HasPrefix(got.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential="+accessKey) {
		t.Errorf("sent to %s with %q", got.RawPath, got.Header.Get("Authorization"))
	}
	golden.Check(t, "embed_request.json", golden.Indent(t, got.Body))
	if resp.Provider != schemas.Bedrock || len(resp.Data) != 2 || resp.Data[1].Index != 1 ||
		len(resp.Data[0].Embedding) != 4 || resp.Data[0].Embedding[1] != float32(-0.0479126) ||
		resp.Usage.PromptTokens != 10 || resp.Usage.TotalTokens != 10 || resp.Model != "titan-v2" {
		t.Errorf("read %+v usage %+v", resp, resp.Usage)
	}
}

// TestEmbeddingRefused checks the embedding requests refused before any call.
func TestEmbeddingRefused(t *testing.T) {
	u := newUpstream(t, serveJSON(http.StatusOK, "", nil))
	p := newProvider(t, u.URL)
	cases := []struct {
		req   *schemas.EmbeddingRequest
		kind  error
		param string
	}{
		{&schemas.EmbeddingRequest{Model: "cohere.embed-english-v3", Input: []string{"x"}},
			schemas.ErrUnsupported, "model"},
		{&schemas.EmbeddingRequest{Model: "titan-v2", Input: []string{"x"}, User: "u"},
			schemas.ErrUnsupported, "user"},
		{&schemas.EmbeddingRequest{Model: "titan-v2"}, schemas.ErrBadRequest, "input"},
	}
	for _, tc := range cases {
		_, err := p.Embedding(context.Background(), titanKey, tc.req)
		if !errors.Is(err, tc.kind) || asError(t, err).Param != tc.param {
			t.Errorf("%s: %v", tc.param, err)
		}
	}
	if u.count() != 0 {
		t.Errorf("%d refused requests were sent", u.count())
	}
}

// TestEmbeddingFailure checks that a failed input fails the whole request with the
// upstream's error.
func TestEmbeddingFailure(t *testing.T) {
	u := newUpstream(t, serveJSON(http.StatusBadRequest, "ValidationException",
		[]byte(`{"message":"400 Bad Request: Malformed input request"}`)))
	_, err := newProvider(t, u.URL).Embedding(context.Background(), titanKey,
		&schemas.EmbeddingRequest{Model: "titan-v2", Input: []string{"a", "b"}})
	if !errors.Is(err, schemas.ErrBadRequest) || u.count() != 1 {
		t.Errorf("got %v after %d calls", err, u.count())
	}
}
