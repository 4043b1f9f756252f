package bedrock

import (
	"context"
	"strings"

	"github.com/sluicegw/sluice/schemas"
)

// titanFamily is the model ID part shared by Amazon Titan text embedding models
// (amazon.titan-embed-text-v1, amazon.titan-embed-text-v2:0), the only embedding
// models this adapter speaks to: each Bedrock model family has its own InvokeModel
// body, and Titan's is the one most accounts have enabled.
const titanFamily = "titan-embed-text"

// titanRequest is the InvokeModel body of a Titan text embedding.
type titanRequest struct {
	InputText  string `json:"inputText"`
	Dimensions *int   `json:"dimensions,omitempty"`
}

// titanResponse is its answer.
type titanResponse struct {
	Embedding           []float32 `json:"embedding"`
	InputTextTokenCount int       `json:"inputTextTokenCount"`
}

// Embedding embeds each input with a Titan text embedding model through InvokeModel.
// Titan takes one text per call, so the inputs are sent one after the other, within
// the one worker slot the engine gave the request; the first failure ends the
// request. Other embedding models (Cohere on Bedrock, Titan multimodal) are refused.
func (p *Provider) Embedding(ctx context.Context, key *schemas.Key,
	req *schemas.EmbeddingRequest) (*schemas.EmbeddingResponse, error) {
	id := modelID(keyConfig(key), req.Model)
	switch {
	case !strings.Contains(id, titanFamily) && !strings.Contains(req.Model, titanFamily):
		return nil, unsupported(p.name, "model", "embeddings are served for Amazon Titan "+
			"text embedding models (amazon.titan-embed-text-v2:0) only")
	case req.User != "":
		return nil, unsupported(p.name, "user", "Titan embeddings take no user")
	case len(req.Input) == 0:
		return nil, badRequest(p.name, "input", "at least one text is needed")
	}

	out := &schemas.EmbeddingResponse{Object: "list", Model: req.Model, Provider: p.name,
		Data: make([]schemas.Embedding, len(req.Input)), Usage: &schemas.Usage{}}
	for i, text := range req.Input {
		vec, tokens, err := p.embedOne(ctx, key, req.Model, text, req.Dimensions)
		if err != nil {
			return nil, err
		}
		out.Data[i] = schemas.Embedding{Object: "embedding", Index: i, Embedding: vec}
		out.Usage.PromptTokens += tokens
	}
	out.Usage.TotalTokens = out.Usage.PromptTokens
	return out, nil
}

func (p *Provider) embedOne(ctx context.Context, key *schemas.Key, model, text string,
	dims *int) ([]float32, int, error) {
	resp, err := p.post(ctx, key, model, "invoke",
		&titanRequest{InputText: text, Dimensions: dims}, "application/json")
	if err != nil {
		return nil, 0, err
	}
	var r titanResponse
	if err := p.http.DecodeJSON(ctx, resp, &r); err != nil {
		return nil, 0, err
	}
	return r.Embedding, r.InputTextTokenCount, nil
}
