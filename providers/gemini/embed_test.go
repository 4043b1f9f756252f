package gemini_test

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/genai"

	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/providers/internal/wiretest"
	"github.com/sluicegw/sluice/schemas"
)

func TestEmbedding(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(200, golden.Read(t, "embed_response.json")))
	p := newGemini(t, up.URL+"/v1beta")
	resp, err := p.Embedding(context.Background(), key, &schemas.EmbeddingRequest{
		Model: "text-embedding-004", Input: []string{"first text", "second"},
		Dimensions: ptr(3)})
	if err != nil {
		t.Fatal(err)
	}

	got := up.Last()
	if got.Path != "/v1beta/models/text-embedding-004:batchEmbedContents" ||
		got.Header.Get("x-goog-api-key") != testKey {
		t.Errorf("request to %s", got.Path)
	}
	golden.Check(t, "embed_request.json", golden.Indent(t, got.Body))

	if resp.Object != "list" || resp.Model != "text-embedding-004" || len(resp.Data) != 2 ||
		resp.Provider != schemas.Gemini {
		t.Fatalf("response %+v", resp)
	}
	if d := resp.Data[1]; d.Index != 1 || d.Object != "embedding" ||
		!slices.Equal(d.Embedding, []float32{1, 0, -1}) {
		t.Errorf("second vector %+v", d)
	}
}

func TestEmbeddingMatchesOfficialSDK(t *testing.T) {
	// The SDK embeds the same texts against the same fixture: it must send the golden
	// request and read the answer fixture.
	up := wiretest.New(t, wiretest.JSON(200, golden.Read(t, "embed_response.json")))
	ctx := context.Background()
	client, err := genai.NewClient(ctx, &genai.ClientConfig{APIKey: testKey,
		Backend:     genai.BackendGeminiAPI,
		HTTPOptions: genai.HTTPOptions{BaseURL: up.URL, APIVersion: "v1beta"}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := client.Models.EmbedContent(ctx, "text-embedding-004",
		[]*genai.Content{{Parts: []*genai.Part{{Text: "first text"}}},
			{Parts: []*genai.Part{{Text: "second"}}}},
		&genai.EmbedContentConfig{OutputDimensionality: genai.Ptr[int32](3)})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Embeddings) != 2 || r.Embeddings[0].Values[1] != -0.5 {
		t.Errorf("the SDK read %+v", r.Embeddings)
	}
	sdk := up.Last()
	if sdk.Path != "/v1beta/models/text-embedding-004:batchEmbedContents" {
		t.Errorf("the SDK posted to %s", sdk.Path)
	}
	want := canonical(t, golden.Read(t, "embed_request.json"))
	if got := canonical(t, sdk.Body); got != want {
		t.Errorf("the SDK sent\n%s\nthe golden request is\n%s", got, want)
	}
}

func TestEmbeddingCountMismatch(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(200, golden.Read(t, "embed_response.json")))
	_, err := newGemini(t, up.URL).Embedding(context.Background(), key,
		&schemas.EmbeddingRequest{Model: "text-embedding-004", Input: []string{"only one"}})
	wantKind(t, err, schemas.ErrUpstream, 502)
}
