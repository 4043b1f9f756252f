package bedrock

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// maxMessage bounds one event-stream message, the limit the framing itself sets;
// a larger length prefix means a broken stream, refused before anything is read.
const maxMessage = 16 << 20

// stopMarker names the event that ends a Converse stream, for error messages.
const stopMarker = "messageStop"

// stream reads one ConverseStream answer: AWS event-stream messages whose JSON
// payloads are translated into OpenAI-shaped chunks. It is not safe for concurrent
// use, except that Close may be called at any time to abort a blocked Next.
type stream struct {
	ctx      context.Context
	provider schemas.ModelProvider
	key      *schemas.Key
	body     io.ReadCloser
	r        *bufio.Reader
	dec      *eventstream.Decoder
	payload  []byte // decoding buffer, reused from message to message

	id      string
	model   string
	created int64

	tools   map[int]int // content block index → tool call index
	stopped bool        // messageStop was seen: the body may now end
	err     error       // sticky: once set, every Next returns it
}

func newStream(ctx context.Context, p schemas.ModelProvider, key *schemas.Key,
	resp *http.Response, model string) *stream {
	return &stream{ctx: ctx, provider: p, key: key, body: resp.Body,
		r: bufio.NewReader(resp.Body), dec: eventstream.NewDecoder(),
		id: requestID(resp), model: model, created: time.Now().Unix()}
}

// Next returns the next chunk; io.EOF once the body ends after messageStop (and
// the metadata event that carries usage, when Bedrock sends it); or the error that
// ended the stream: an exception sent by Bedrock, a malformed message, or a body
// that ended before messageStop.
func (s *stream) Next() (*schemas.ChatStreamChunk, error) {
	if s.err != nil {
		return nil, s.err
	}
	c, err := s.next()
	if err != nil {
		s.err = err
		s.body.Close()
	}
	return c, err
}

// Close ends the upstream call. It is safe to call more than once, and concurrently
// with Next to abort it.
func (s *stream) Close() error { return s.body.Close() }

func (s *stream) next() (*schemas.ChatStreamChunk, error) {
	for {
		msg, err := s.decode()
		if err != nil {
			return nil, err
		}
		switch header(msg, ":message-type") {
		case "event":
			c, err := s.event(header(msg, ":event-type"), msg.Payload)
			if c != nil || err != nil {
				return c, err
			}
		case "exception":
			return nil, exceptionError(s.provider, header(msg, ":exception-type"),
				msg.Payload, s.key)
		case "error":
			e := schemas.NewError(schemas.ErrUpstream, s.provider, "%s",
				providers.Redact(header(msg, ":error-message"), s.key))
			classify(e, header(msg, ":error-code"))
			return nil, e
		default:
			return nil, providers.MalformedError(s.provider,
				errors.New("event-stream message without a known :message-type"))
		}
	}
}

// decode reads the next message, mapping the end of the body and read failures. The
// body may end cleanly only between two messages and after messageStop; a message
// cut short is a broken stream even after messageStop.
func (s *stream) decode() (eventstream.Message, error) {
	head, err := s.r.Peek(4)
	switch {
	case len(head) == 0 && err != nil:
		return eventstream.Message{}, s.readError(err, s.stopped)
	case len(head) == 4 && binary.BigEndian.Uint32(head) > maxMessage:
		return eventstream.Message{}, providers.MalformedError(s.provider,
			fmt.Errorf("event-stream message of %d bytes", binary.BigEndian.Uint32(head)))
	}
	msg, err := s.dec.Decode(s.r, s.payload)
	if err != nil {
		return msg, s.readError(err, false)
	}
	s.payload = msg.Payload[:0]
	return msg, nil
}

// readError maps a failure to read the body; io.EOF stands for a clean end only
// when clean is true.
func (s *stream) readError(err error, clean bool) error {
	switch {
	case s.ctx.Err() != nil:
		return providers.NetworkError(s.ctx, s.provider, s.ctx.Err())
	case err == io.EOF && clean:
		return io.EOF
	case (err == io.EOF || err == io.ErrUnexpectedEOF) && s.stopped:
		return schemas.NewError(schemas.ErrUpstream, s.provider,
			"stream ended in the middle of a message")
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return schemas.NewError(schemas.ErrUpstream, s.provider,
			"stream ended before %s", stopMarker)
	case errors.As(err, new(eventstream.ChecksumError)),
		errors.As(err, new(eventstream.LengthError)):
		return providers.MalformedError(s.provider, err)
	}
	return providers.NetworkError(s.ctx, s.provider, err)
}

// event translates one event. It returns no chunk for events that carry nothing a
// client sees (block boundaries, reasoning text, unknown events).
func (s *stream) event(typ string, payload []byte) (*schemas.ChatStreamChunk, error) {
	switch typ {
	case "messageStart", "contentBlockStart", "contentBlockDelta", stopMarker, "metadata":
	default:
		// Block ends, and event types added to the API after this adapter was
		// written, carry nothing to translate; their payloads are not even parsed.
		return nil, nil
	}
	var ev streamEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, providers.MalformedError(s.provider, err)
	}
	switch typ {
	case "messageStart":
		role := ev.Role
		if role == "" {
			role = schemas.RoleAssistant
		}
		return s.chunk(schemas.StreamDelta{Role: role}, nil), nil
	case "contentBlockStart":
		return s.blockStart(&ev), nil
	case "contentBlockDelta":
		return s.blockDelta(&ev)
	case stopMarker:
		s.stopped = true
		reason := finishReason(ev.StopReason)
		return s.chunk(schemas.StreamDelta{}, &reason), nil
	}
	// metadata: usage, in a chunk of its own with no choices, as OpenAI sends it.
	c := s.chunk(schemas.StreamDelta{}, nil)
	c.Choices = c.Choices[:0]
	c.Usage = unifiedUsage(ev.Usage)
	return c, nil
}

// blockStart opens a tool call; other blocks start without a chunk of their own.
func (s *stream) blockStart(ev *streamEvent) *schemas.ChatStreamChunk {
	if ev.Start == nil || ev.Start.ToolUse == nil {
		return nil
	}
	if s.tools == nil {
		s.tools = make(map[int]int)
	}
	n := len(s.tools)
	s.tools[ev.ContentBlockIndex] = n
	u := ev.Start.ToolUse
	return s.chunk(schemas.StreamDelta{ToolCalls: []schemas.ToolCallDelta{{Index: n,
		ID: u.ToolUseID, Type: "function", Function: schemas.FunctionDelta{Name: u.Name}}}},
		nil)
}

// blockDelta carries text, or a fragment of a tool call's input, which is appended
// to the call opened by the same content block.
func (s *stream) blockDelta(ev *streamEvent) (*schemas.ChatStreamChunk, error) {
	d := ev.Delta
	switch {
	case d == nil:
		return nil, nil
	case d.Text != nil:
		if *d.Text == "" {
			return nil, nil
		}
		return s.chunk(schemas.StreamDelta{Content: *d.Text}, nil), nil
	case d.ToolUse != nil:
		n, ok := s.tools[ev.ContentBlockIndex]
		if !ok {
			return nil, providers.MalformedError(s.provider, fmt.Errorf(
				"tool input for content block %d, which started no tool call",
				ev.ContentBlockIndex))
		}
		return s.chunk(schemas.StreamDelta{ToolCalls: []schemas.ToolCallDelta{{Index: n,
			Function: schemas.FunctionDelta{Arguments: d.ToolUse.Input}}}}, nil), nil
	}
	return nil, nil
}

func (s *stream) chunk(d schemas.StreamDelta, finish *string) *schemas.ChatStreamChunk {
	return &schemas.ChatStreamChunk{ID: s.id, Object: "chat.completion.chunk",
		Created: s.created, Model: s.model,
		Choices: []schemas.StreamChoice{{Delta: d, FinishReason: finish}}}
}

// header returns the string value of a message header, or "".
func header(msg eventstream.Message, name string) string {
	if v, ok := msg.Headers.Get(name).(eventstream.StringValue); ok {
		return string(v)
	}
	return ""
}
