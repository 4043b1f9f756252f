package gemini

import (
	"context"

	"github.com/sluicegw/sluice/schemas"
)

// batchEmbedRequest is the body of the Gemini API's :batchEmbedContents.
type batchEmbedRequest struct {
	Requests []embedContentRequest `json:"requests"`
}

type embedContentRequest struct {
	Model                string  `json:"model"`
	Content              content `json:"content"`
	OutputDimensionality *int    `json:"outputDimensionality,omitempty"`
}

type batchEmbedResponse struct {
	Embeddings []struct {
		Values []float32 `json:"values"`
	} `json:"embeddings"`
}

// predictRequest is the body of Vertex AI's :predict for text embedding models.
type predictRequest struct {
	Instances  []predictInstance `json:"instances"`
	Parameters *predictParams    `json:"parameters,omitempty"`
}

type predictInstance struct {
	Content string `json:"content"`
}

type predictParams struct {
	OutputDimensionality *int `json:"outputDimensionality,omitempty"`
}

type predictResponse struct {
	Predictions []struct {
		Embeddings struct {
			Values     []float32 `json:"values"`
			Statistics struct {
				TokenCount float64 `json:"token_count"`
			} `json:"statistics"`
		} `json:"embeddings"`
	} `json:"predictions"`
}

// Embedding embeds req.Input: with :batchEmbedContents on the Gemini API, which
// reports no token counts, and with :predict on Vertex AI, whose token counts become
// the usage. EmbeddingRequest.User is not sent; neither API has such a field.
func (p *Provider) Embedding(ctx context.Context, key *schemas.Key,
	req *schemas.EmbeddingRequest) (*schemas.EmbeddingResponse, error) {
	if len(req.Input) == 0 {
		e := schemas.NewError(schemas.ErrBadRequest, p.name, "input: needs at least one text")
		e.Param = "input"
		return nil, e
	}
	if p.vertex != nil {
		return p.predict(ctx, key, req)
	}

	body := batchEmbedRequest{Requests: make([]embedContentRequest, len(req.Input))}
	for i, text := range req.Input {
		body.Requests[i] = embedContentRequest{Model: resource(req.Model),
			Content: content{Parts: []part{{Text: text}}}, OutputDimensionality: req.Dimensions}
	}
	resp, err := p.post(ctx, key, req.Model, ":batchEmbedContents", &body, "")
	if err != nil {
		return nil, err
	}
	var wire batchEmbedResponse
	if err := p.http.DecodeJSON(ctx, resp, &wire); err != nil {
		return nil, err
	}
	out := p.embeddings(req, len(wire.Embeddings))
	if out == nil {
		return nil, p.countMismatch(len(req.Input), len(wire.Embeddings))
	}
	for i, e := range wire.Embeddings {
		out.Data[i].Embedding = e.Values
	}
	return out, nil
}

// predict embeds req.Input with Vertex AI's :predict.
func (p *Provider) predict(ctx context.Context, key *schemas.Key,
	req *schemas.EmbeddingRequest) (*schemas.EmbeddingResponse, error) {
	body := predictRequest{Instances: make([]predictInstance, len(req.Input))}
	for i, text := range req.Input {
		body.Instances[i].Content = text
	}
	if req.Dimensions != nil {
		body.Parameters = &predictParams{OutputDimensionality: req.Dimensions}
	}
	resp, err := p.post(ctx, key, req.Model, ":predict", &body, "")
	if err != nil {
		return nil, err
	}
	var wire predictResponse
	if err := p.http.DecodeJSON(ctx, resp, &wire); err != nil {
		return nil, err
	}
	out := p.embeddings(req, len(wire.Predictions))
	if out == nil {
		return nil, p.countMismatch(len(req.Input), len(wire.Predictions))
	}
	tokens := 0
	for i, pr := range wire.Predictions {
		out.Data[i].Embedding = pr.Embeddings.Values
		tokens += int(pr.Embeddings.Statistics.TokenCount)
	}
	out.Usage = &schemas.Usage{PromptTokens: tokens, TotalTokens: tokens}
	return out, nil
}

// embeddings returns a response with n empty vectors, or nil when n does not match
// the number of inputs.
func (p *Provider) embeddings(req *schemas.EmbeddingRequest, n int) *schemas.EmbeddingResponse {
	if n != len(req.Input) {
		return nil
	}
	out := &schemas.EmbeddingResponse{Object: "list", Model: req.Model, Provider: p.name,
		Data: make([]schemas.Embedding, n)}
	for i := range out.Data {
		out.Data[i] = schemas.Embedding{Object: "embedding", Index: i}
	}
	return out
}

func (p *Provider) countMismatch(want, got int) error {
	return schemas.NewError(schemas.ErrUpstream, p.name,
		"malformed upstream answer: %d embeddings for %d inputs", got, want)
}
