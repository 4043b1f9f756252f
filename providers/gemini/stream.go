package gemini

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// endMarker names, in errors, what a Gemini stream must end with. Gemini sends no
// terminator: a stream is complete when its body ends right after an event that
// carried a finish reason.
const endMarker = "an event with a finish reason"

// stream reads the events of one streamed generateContent call. Each event is a whole
// GenerateContentResponse holding the next piece of each candidate.
type stream struct {
	provider schemas.ModelProvider
	key      *schemas.Key
	model    string
	body     *eofWatcher
	src      *providers.EventSource
	err      error // sticky: once set, every Next returns it

	id       string
	created  int64
	started  bool // the assistant role was sent
	finished bool // the last event carried a finish reason
	calls    int  // tool calls sent so far, which numbers the next one
}

func newStream(ctx context.Context, p schemas.ModelProvider, key *schemas.Key, model string,
	resp *http.Response) *stream {
	body := &eofWatcher{ReadCloser: resp.Body}
	resp.Body = body
	return &stream{provider: p, key: key, model: model, body: body,
		src: providers.NewEventSource(ctx, p, resp), created: time.Now().Unix()}
}

// eofWatcher records whether the body ended cleanly, which tells a stream that ended
// after its last event from one whose connection broke.
type eofWatcher struct {
	io.ReadCloser
	eof bool
}

func (w *eofWatcher) Read(p []byte) (int, error) {
	n, err := w.ReadCloser.Read(p)
	if err == io.EOF {
		w.eof = true
	}
	return n, err
}

// Next returns the next chunk; io.EOF when the body ended cleanly after an event with
// a finish reason; or the error that ended the stream: an error object sent by Google,
// a malformed event, or a body that ended (or broke) before any finish reason.
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
		ev, err := s.src.Next(endMarker)
		if err != nil {
			if s.finished && s.body.eof {
				return nil, io.EOF
			}
			return nil, err
		}
		if len(ev.Data) == 0 {
			continue
		}
		var r generateResponse
		if err := json.Unmarshal(ev.Data, &r); err != nil {
			return nil, providers.MalformedError(s.provider, err)
		}
		if r.Error != nil {
			return nil, newError(s.provider, r.Error, s.key)
		}
		if c := s.chunk(&r); c != nil {
			return c, nil
		}
	}
}

// chunk converts one event. It returns nil for an event that adds nothing (no text,
// call, finish reason or usage), which is skipped.
func (s *stream) chunk(r *generateResponse) *schemas.ChatStreamChunk {
	if s.id == "" {
		s.id = r.ResponseID
		if s.id == "" {
			s.id = newResponseID()
		}
	}
	c := &schemas.ChatStreamChunk{ID: s.id, Object: "chat.completion.chunk",
		Created: s.created, Model: r.ModelVersion}
	if c.Model == "" {
		c.Model = s.model
	}

	s.finished = false
	for i := range r.Candidates {
		c.Choices = append(c.Choices, s.choice(&r.Candidates[i]))
	}
	if len(r.Candidates) == 0 && r.PromptFeedback != nil && r.PromptFeedback.BlockReason != "" {
		// A blocked prompt ends the stream with no candidate at all.
		filtered := schemas.FinishContentFilter
		c.Choices = append(c.Choices, schemas.StreamChoice{
			Delta: schemas.StreamDelta{Role: schemas.RoleAssistant}, FinishReason: &filtered})
		s.finished = true
	}
	if s.finished {
		// Google repeats the running usage on many events; the total is final only
		// on the last one, so it is passed on there alone.
		c.Usage = usage(r.UsageMetadata)
	}
	if len(c.Choices) == 0 && c.Usage == nil {
		return nil
	}
	return c
}

// choice converts one candidate's piece. The first piece of the stream carries the
// assistant role, as OpenAI's first chunk does. Each function call arrives whole, so
// it is sent as one tool call fragment holding the name and all the arguments.
func (s *stream) choice(cd *candidate) schemas.StreamChoice {
	ch := schemas.StreamChoice{Index: cd.Index}
	if !s.started {
		ch.Delta.Role, s.started = schemas.RoleAssistant, true
	}
	if cd.Content != nil {
		for _, p := range cd.Content.Parts {
			switch {
			case p.FunctionCall != nil:
				tc := toolCall(&p)
				ch.Delta.ToolCalls = append(ch.Delta.ToolCalls, schemas.ToolCallDelta{
					Index: s.calls, ID: tc.ID, Type: tc.Type, Function: schemas.FunctionDelta{
						Name: tc.Function.Name, Arguments: tc.Function.Arguments}})
				s.calls++
			case !p.Thought:
				ch.Delta.Content += p.Text
			}
		}
	}
	if fr := finishReason(cd.FinishReason, s.calls > 0); fr != "" {
		ch.FinishReason = &fr
		s.finished = true
	}
	return ch
}

// Close ends the upstream call. It is safe to call more than once, and concurrently
// with Next to abort it.
func (s *stream) Close() error { return s.src.Close() }
