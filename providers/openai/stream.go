package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// doneMarker is the data of the event that ends an OpenAI stream.
var doneMarker = []byte("[DONE]")

// wireChunk is a stream event: a chunk, or an error object some servers send instead.
type wireChunk struct {
	schemas.ChatStreamChunk
	Error json.RawMessage `json:"error"`
}

// stream reads the chunks of one streamed chat completion.
type stream struct {
	provider schemas.ModelProvider
	key      *schemas.Key
	src      *providers.EventSource
	err      error // sticky: once set, every Next returns it
}

func newStream(ctx context.Context, p schemas.ModelProvider, key *schemas.Key,
	resp *http.Response) *stream {
	return &stream{provider: p, key: key, src: providers.NewEventSource(ctx, p, resp)}
}

// Next returns the next chunk, io.EOF after "data: [DONE]", or the error that ended
// the stream: an error object sent by the server, a malformed chunk, or a stream that
// stopped before [DONE].
func (s *stream) Next() (*schemas.ChatStreamChunk, error) {
	if s.err != nil {
		return nil, s.err
	}
	c, err := s.next()
	if err != nil {
		s.err = err
		s.src.Close()
	}
	return c, err
}

func (s *stream) next() (*schemas.ChatStreamChunk, error) {
	for {
		ev, err := s.src.Next("[DONE]")
		if err != nil {
			return nil, err
		}
		data := bytes.TrimSpace(ev.Data)
		switch {
		case bytes.Equal(data, doneMarker):
			return nil, io.EOF
		case len(data) == 0:
			continue
		case ev.Type == "error":
			return nil, providers.StreamError(s.provider, data, s.key)
		}
		c := &wireChunk{}
		if err := json.Unmarshal(data, c); err != nil {
			return nil, providers.MalformedError(s.provider, err)
		}
		if len(c.Error) > 0 && !bytes.Equal(c.Error, []byte("null")) {
			return nil, providers.StreamError(s.provider, data, s.key)
		}
		return &c.ChatStreamChunk, nil
	}
}

// Close ends the upstream call. It is safe to call more than once, and concurrently
// with Next to abort it.
func (s *stream) Close() error { return s.src.Close() }
