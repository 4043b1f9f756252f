package mockllm

import (
	"net/http"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// TestCompatibleRoots reaches the mock with the official OpenAI SDK at the base URLs
// that OpenAI-compatible APIs document, each with its own root before the endpoint.
func TestCompatibleRoots(t *testing.T) {
	m, srv := serve(t, Options{})
	for _, root := range []string{"/v1", "/openai/v1", "/api/v1", "/inference/v1", ""} {
		c := openai.NewClient(option.WithBaseURL(srv.URL+root), option.WithAPIKey("k"),
			option.WithMaxRetries(0))
		resp, err := c.Chat.Completions.New(testCtx(t), chatParams())
		if err != nil || resp.Choices[0].Message.Content == "" {
			t.Fatalf("chat at %q: %v", root, err)
		}
		rec, _ := m.LastRequest()
		if rec.Path != root+"/chat/completions" || rec.Provider != "openai" {
			t.Errorf("chat at %q was recorded as %s %s", root, rec.Provider, rec.Path)
		}
		emb, err := c.Embeddings.New(testCtx(t), openai.EmbeddingNewParams{
			Model: "e", Input: openai.EmbeddingNewParamsInputUnion{
				OfArrayOfStrings: []string{"a", "b"}}})
		if err != nil || len(emb.Data) != 2 {
			t.Fatalf("embeddings at %q: %v", root, err)
		}
	}

	// Only OpenAI's endpoints are served under those roots.
	for _, path := range []string{"/openai/v1/messages", "/api/v1/v2/chat", "/chat",
		"/inference/v1/chat/completions/x"} {
		resp := post(t, srv.URL+path, `{"model":"m"}`, "Authorization: Bearer k")
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s answered %d, want 404", path, resp.StatusCode)
		}
	}
}
