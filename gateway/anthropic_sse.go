package gateway

import (
	"bufio"
	"bytes"
	"errors"
	"io"

	"github.com/sluicegw/sluice/internal/pool"
)

// maxEventBytes bounds one event of a relayed stream. Anthropic's events are a few
// KiB; the bound keeps a broken upstream from making the relay buffer without end.
const maxEventBytes = 4 << 20

// errEventTooLarge reports an event over maxEventBytes.
var errEventTooLarge = errors.New("gateway: upstream stream event is larger than 4 MiB")

// eventReaders lends the scanners' read buffers, one per stream for as long as it
// lasts; BenchmarkAnthropicNativeStream shows them as most of a stream's allocation
// otherwise. A line longer than the buffer is gathered in pieces.
var eventReaders = pool.New("anthropic_event_readers", 64, 0,
	func() *bufio.Reader { return bufio.NewReaderSize(nil, 4<<10) },
	func(r *bufio.Reader) { r.Reset(nil) })

// eventScanner splits a server-sent event stream into whole events, each with its
// bytes exactly as they arrived, so that a relay can pass them on untouched and yet
// never send half an event: a stream cut in the middle of one leaves it out.
type eventScanner struct {
	br  *bufio.Reader
	buf *bytes.Buffer // the event being gathered
}

// newEventScanner returns a scanner of r gathering events in buf. Close gives its
// read buffer back.
func newEventScanner(r io.Reader, buf *bytes.Buffer) *eventScanner {
	br := eventReaders.Get()
	br.Reset(r)
	return &eventScanner{br: br, buf: buf}
}

// Close returns the scanner's read buffer to the pool; the scanner is not used after.
func (s *eventScanner) Close() {
	eventReaders.Put(s.br)
	s.br = nil
}

// Next returns the next event's bytes, from its first line to the blank line that
// ends it, both included; they are valid until the next call. At the end of the
// stream it returns io.EOF. A last event whose lines are complete but which lacks the
// blank line is returned with one added, as the sse package delivers it; a stream that
// ends inside a line returns io.ErrUnexpectedEOF. Read errors are returned as they are.
func (s *eventScanner) Next() ([]byte, error) {
	s.buf.Reset()
	for {
		line, err := s.br.ReadSlice('\n')
		s.buf.Write(line)
		switch {
		case s.buf.Len() > maxEventBytes:
			return nil, errEventTooLarge
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF:
			return s.atEOF()
		case err != nil:
			return nil, err
		}
		if isBlankLine(line) {
			if s.buf.Len() == len(line) {
				s.buf.Reset() // blank lines between events belong to none
				continue
			}
			return s.buf.Bytes(), nil
		}
	}
}

// atEOF returns what the stream left when it ended.
func (s *eventScanner) atEOF() ([]byte, error) {
	b := s.buf.Bytes()
	switch {
	case len(b) == 0:
		return nil, io.EOF
	case b[len(b)-1] != '\n':
		return nil, io.ErrUnexpectedEOF
	}
	s.buf.WriteByte('\n')
	return s.buf.Bytes(), nil
}

func isBlankLine(line []byte) bool {
	return len(line) == 1 || (len(line) == 2 && line[0] == '\r')
}

// eventFields returns the name and the data of one event as eventScanner returns it.
// Several data lines are joined with LF into *scratch, as the event-stream format
// says, and a single one is returned in place.
func eventFields(ev []byte, scratch *[]byte) (name, data []byte) {
	lines := 0
	for len(ev) > 0 {
		line := ev
		if i := bytes.IndexByte(ev, '\n'); i >= 0 {
			line, ev = ev[:i], ev[i+1:]
		} else {
			ev = nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		field, value, _ := bytes.Cut(line, []byte{':'})
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
		switch string(field) {
		case "event":
			name = value
		case "data":
			lines++
			switch lines {
			case 1:
				data = value
			case 2:
				*scratch = append(append(append((*scratch)[:0], data...), '\n'), value...)
				data = *scratch
			default:
				*scratch = append(append(*scratch, '\n'), value...)
				data = *scratch
			}
		}
	}
	return name, data
}
