package openai

import (
	"github.com/sluicegw/sluice/schemas"
)

// chatRequest is the body of POST /chat/completions. Embedding the unified parameters
// flattens them into the top-level object, as OpenAI expects; a nil pointer adds none.
type chatRequest struct {
	Model    string            `json:"model"`
	Messages []schemas.Message `json:"messages"`
	*schemas.ChatParams
	Stream        bool           `json:"stream,omitempty"`
	StreamOptions *streamOptions `json:"stream_options,omitempty"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// completionRequest is the body of POST /completions.
type completionRequest struct {
	Model  string `json:"model"`
	Prompt string `json:"prompt"`
	*schemas.ChatParams
}

// embeddingRequest is the body of POST /embeddings.
type embeddingRequest struct {
	Model          string   `json:"model"`
	Input          []string `json:"input"`
	Dimensions     *int     `json:"dimensions,omitempty"`
	User           string   `json:"user,omitempty"`
	EncodingFormat string   `json:"encoding_format"`
}

var includeUsage = &streamOptions{IncludeUsage: true}

// chatBody builds the wire request for req, refusing what the dialect cannot take.
func (p *Provider) chatBody(req *schemas.ChatRequest, stream bool) (*chatRequest, error) {
	if err := p.checkParams(req.Params); err != nil {
		return nil, err
	}
	body := &chatRequest{Model: req.Model, Messages: req.Messages, ChatParams: req.Params,
		Stream: stream}
	if stream && !p.dialect.NoStreamOptions {
		body.StreamOptions = includeUsage
	}
	if p.dialect.DeveloperAsSystem {
		body.Messages = developerAsSystem(req.Messages)
	}
	return body, nil
}

// completionBody builds the wire request for a legacy completion.
func (p *Provider) completionBody(req *schemas.TextCompletionRequest) (*completionRequest, error) {
	if err := p.checkParams(req.Params); err != nil {
		return nil, err
	}
	if prm := req.Params; prm != nil {
		field := ""
		switch {
		case len(prm.Tools) > 0:
			field = "tools"
		case prm.ToolChoice != nil:
			field = "tool_choice"
		case prm.ParallelToolCalls != nil:
			field = "parallel_tool_calls"
		case len(prm.ResponseFormat) > 0:
			field = "response_format"
		}
		if field != "" {
			return nil, unsupported(p.name, field, "text completions")
		}
	}
	return &completionRequest{Model: req.Model, Prompt: req.Prompt, ChatParams: req.Params}, nil
}

// checkParams refuses parameters the dialect does not accept.
func (p *Provider) checkParams(prm *schemas.ChatParams) error {
	if prm != nil && prm.TopK != nil && !p.dialect.TopK {
		return unsupported(p.name, "top_k", "this API")
	}
	return nil
}

func unsupported(p schemas.ModelProvider, field, where string) error {
	e := schemas.NewError(schemas.ErrUnsupported, p,
		"%s is not supported by %s for %s; remove it from the request", field, p, where)
	e.Param = field
	return e
}

// developerAsSystem returns msgs with "developer" roles renamed "system". The caller's
// slice is never modified: it is copied on the first rename, and returned as is when
// there is nothing to rename.
func developerAsSystem(msgs []schemas.Message) []schemas.Message {
	out, copied := msgs, false
	for i := range msgs {
		if msgs[i].Role != schemas.RoleDeveloper {
			continue
		}
		if !copied {
			out, copied = append([]schemas.Message(nil), msgs...), true
		}
		out[i].Role = schemas.RoleSystem
	}
	return out
}
