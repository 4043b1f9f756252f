package gateway

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/binary"
	"math"
	"net/http"
	"slices"

	"github.com/sluicegw/sluice/schemas"
)

// openAIRoutes serves the OpenAI dialect under prefix. def is the provider of a model
// named without a provider prefix; "" makes the prefix required.
func (s *Server) openAIRoutes(prefix string, def schemas.ModelProvider) {
	s.handle(http.MethodPost, prefix+"/chat/completions", s.openAIChat(def))
	s.handle(http.MethodPost, prefix+"/completions", s.openAICompletion(def))
	s.handle(http.MethodPost, prefix+"/embeddings", s.openAIEmbedding(def))
	s.handle(http.MethodGet, prefix+"/models", s.openAIModels(def))
}

func (s *Server) openAIChat(def schemas.ModelProvider) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		x := s.begin(w, r, routeChat)
		defer x.end()
		b, rerr := s.readBody(w, r)
		if rerr != nil {
			x.fail(rerr)
			return
		}
		defer s.putBuffer(b)
		if s.chatNative(x, b.Bytes(), def) {
			return
		}
		var body chatBody
		if err := decodeBody(b.Bytes(), &body, chatKeys); err != nil {
			x.fail(err)
			return
		}
		req, err := body.request(s.cat, def)
		if err != nil {
			x.fail(err)
			return
		}
		x.provider, x.model = req.Provider, req.Model
		if body.Stream {
			x.route = routeChatStream
			s.streamChat(x, req, openAIStream{})
			return
		}
		resp, cerr := s.engine.ChatCompletion(x.traced(r.Context()), req)
		if cerr != nil {
			x.fail(cerr)
			return
		}
		x.tokens.set(resp.Usage)
		x.writeJSON(resp)
	}
}

func (s *Server) openAICompletion(def schemas.ModelProvider) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		x := s.begin(w, r, routeCompletions)
		defer x.end()
		var body completionBody
		if !x.decode(&body, completionKeys) {
			return
		}
		req, err := body.request(s.cat, def)
		if err != nil {
			x.fail(err)
			return
		}
		x.provider, x.model = req.Provider, req.Model
		resp, cerr := s.engine.TextCompletion(x.traced(r.Context()), req)
		if cerr != nil {
			x.fail(cerr)
			return
		}
		x.tokens.set(resp.Usage)
		x.writeJSON(resp)
	}
}

func (s *Server) openAIEmbedding(def schemas.ModelProvider) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		x := s.begin(w, r, routeEmbeddings)
		defer x.end()
		var body embeddingBody
		if !x.decode(&body, embeddingKeys) {
			return
		}
		req, err := body.request(s.cat, def)
		if err != nil {
			x.fail(err)
			return
		}
		x.provider, x.model = req.Provider, req.Model
		resp, cerr := s.engine.Embedding(x.traced(r.Context()), req)
		if cerr != nil {
			x.fail(cerr)
			return
		}
		x.tokens.set(resp.Usage)
		if body.EncodingFormat == "base64" {
			x.writeJSON(base64Embeddings(resp))
			return
		}
		x.writeJSON(resp)
	}
}

// decode reads the request body into v, refusing members not in known. On failure it
// has answered the client and returns false.
func (x *exchange) decode(v any, known keySet) bool {
	b, err := x.s.readBody(x.w, x.r)
	if err != nil {
		x.fail(err)
		return false
	}
	defer x.s.putBuffer(b)
	if err := decodeBody(b.Bytes(), v, known); err != nil {
		x.fail(err)
		return false
	}
	return true
}

// base64EmbeddingResponse is an embedding response with each vector sent as base64 of
// its little-endian float32 values, as OpenAI does for encoding_format "base64".
type base64EmbeddingResponse struct {
	Object string            `json:"object"`
	Data   []base64Embedding `json:"data"`
	Model  string            `json:"model"`
	Usage  *schemas.Usage    `json:"usage,omitempty"`
}

type base64Embedding struct {
	Object    string `json:"object"`
	Index     int    `json:"index"`
	Embedding string `json:"embedding"`
}

func base64Embeddings(resp *schemas.EmbeddingResponse) *base64EmbeddingResponse {
	out := &base64EmbeddingResponse{Object: resp.Object, Model: resp.Model, Usage: resp.Usage,
		Data: make([]base64Embedding, len(resp.Data))}
	var raw []byte
	for i, e := range resp.Data {
		raw = raw[:0]
		for _, f := range e.Embedding {
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(f))
		}
		out.Data[i] = base64Embedding{Object: e.Object, Index: e.Index,
			Embedding: base64.StdEncoding.EncodeToString(raw)}
	}
	return out
}

// modelList is OpenAI's answer to GET /models.
type modelList struct {
	Object string       `json:"object"`
	Data   []modelEntry `json:"data"`
}

type modelEntry struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// openAIModels lists the models of the account's keys, read at each request so that
// rotated keys show. Each id is what the same routes take back as model: models of
// def are bare, all others are "provider/model".
func (s *Server) openAIModels(def schemas.ModelProvider) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		x := s.begin(w, r, routeNone)
		defer x.end()
		list, err := s.listModels(r.Context(), def)
		if err != nil {
			x.fail(err)
			return
		}
		x.writeJSON(list)
	}
}

func (s *Server) listModels(ctx context.Context, def schemas.ModelProvider) (*modelList, error) {
	providers, err := s.account.GetConfiguredProviders()
	if err != nil {
		return nil, schemas.NewError(schemas.ErrUpstream, "", "cannot list providers: %v", err)
	}
	list := &modelList{Object: "list", Data: []modelEntry{}}
	for _, p := range providers {
		models, err := keyModels(ctx, s.account, p)
		if err != nil {
			return nil, schemas.NewError(schemas.ErrUpstream, p, "cannot read keys: %v", err)
		}
		for _, m := range models {
			id := string(p) + "/" + m
			if p == def {
				id = m
			}
			list.Data = append(list.Data, modelEntry{ID: id, Object: "model",
				OwnedBy: string(p)})
		}
	}
	slices.SortFunc(list.Data, func(a, b modelEntry) int { return cmp.Compare(a.ID, b.ID) })
	return list, nil
}

// openAIStream writes a chat stream as OpenAI does: one "data:" event per chunk, then
// "data: [DONE]"; a failure ends the stream with a "data:" event holding OpenAI's
// error object, and no [DONE].
type openAIStream struct{}

func (openAIStream) chunk(b *buffer, c *schemas.ChatStreamChunk) error {
	b.WriteString("data: ")
	if err := b.enc.Encode(c); err != nil { // Encode ends the line
		return err
	}
	b.WriteByte('\n')
	return nil
}

func (openAIStream) done(b *buffer) { b.WriteString("data: [DONE]\n\n") }

func (openAIStream) fail(b *buffer, e *schemas.Error) {
	b.WriteString("data: ")
	encodeOpenAIError(b, e)
	b.WriteByte('\n')
}
