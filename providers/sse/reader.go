// Package sse reads server-sent event streams, as every streaming LLM API sends them.
//
// The Reader follows the WHATWG event-stream format closely enough for those APIs: lines
// end with LF or CRLF, "event:" names the event, "data:" lines accumulate (joined by LF),
// a blank line dispatches the event, lines starting with ":" are comments (pings), and
// "id:" and "retry:" are read and ignored. Two departures are deliberate: a lone CR is
// not a line ending (no LLM API sends one, and honouring it would cost a byte scan per
// line), and a final event whose last line is complete is delivered even when the
// stream ends without the blank line that should follow it.
package sse

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxLineSize bounds one line of a stream. A streamed chunk is rarely above a
// few KiB; the bound is there so that a broken upstream cannot make the reader buffer
// without end.
const DefaultMaxLineSize = 4 << 20

// ErrLineTooLong is returned when a line exceeds the reader's limit.
var ErrLineTooLong = errors.New("sse: line exceeds the size limit")

// maxInterned bounds the table of event names the reader keeps to avoid allocating a
// string per event; streams use a handful of names, so a stream that sends more is
// broken or hostile and simply gets fresh strings.
const maxInterned = 32

// Event is one dispatched event.
type Event struct {
	// Type is the "event:" field, or "" when the event has none.
	Type string
	// Data is the event's data lines joined by LF. It is only valid until the next
	// call to Next.
	Data []byte
}

// Reader reads events from a stream. It is not safe for concurrent use.
type Reader struct {
	br      *bufio.Reader
	maxLine int
	line    []byte // accumulates a line longer than the bufio buffer
	data    []byte
	typ     string
	hasData bool
	started bool
	names   map[string]string
}

// NewReader returns a Reader of r. maxLine bounds a line's length in bytes; zero or
// less means DefaultMaxLineSize.
func NewReader(r io.Reader, maxLine int) *Reader {
	if maxLine <= 0 {
		maxLine = DefaultMaxLineSize
	}
	return &Reader{br: bufio.NewReaderSize(r, 4096), maxLine: maxLine}
}

// Next returns the next event. At the end of the stream it returns io.EOF, or
// io.ErrUnexpectedEOF when the stream stopped in the middle of a line (a cut
// connection). It returns ErrLineTooLong for a line over the limit, and the
// underlying reader's error otherwise.
func (r *Reader) Next() (Event, error) {
	r.data, r.typ, r.hasData = r.data[:0], "", false
	for {
		line, err := r.readLine()
		if err != nil {
			if err == io.EOF && r.hasData {
				return Event{Type: r.typ, Data: r.data}, nil
			}
			return Event{}, err
		}
		if len(line) == 0 {
			if r.hasData {
				return Event{Type: r.typ, Data: r.data}, nil
			}
			r.typ = ""
			continue
		}
		r.field(line)
	}
}

// field applies one non-blank line to the event being built.
func (r *Reader) field(line []byte) {
	if line[0] == ':' {
		return
	}
	name, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(name) {
	case "data":
		if r.hasData {
			r.data = append(r.data, '\n')
		}
		r.data = append(r.data, value...)
		r.hasData = true
	case "event":
		r.typ = r.intern(value)
	}
}

// intern returns b as a string, reusing the string of an event name seen before.
func (r *Reader) intern(b []byte) string {
	if s, ok := r.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if r.names == nil {
		r.names = make(map[string]string, 8)
	}
	if len(r.names) < maxInterned {
		r.names[s] = s
	}
	return s
}

// bom is the UTF-8 byte order mark, which may open a stream and is not part of it.
var bom = []byte("\xef\xbb\xbf")

// readLine returns the next line without its line ending. The slice is valid until the
// next call. io.EOF means the stream ended on a line boundary.
func (r *Reader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		line, err = r.readLongLine(line)
	}
	if err != nil {
		if err != io.EOF {
			return nil, err
		}
		if !r.started {
			// A stream holding nothing but a byte order mark is empty, not cut.
			line = bytes.TrimPrefix(line, bom)
		}
		if len(line) > 0 {
			// The stream ended in the middle of a line: the event is cut.
			return nil, io.ErrUnexpectedEOF
		}
		return nil, io.EOF
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) > r.maxLine {
		return nil, fmt.Errorf("%w (%d bytes)", ErrLineTooLong, r.maxLine)
	}
	if !r.started {
		r.started = true
		line = bytes.TrimPrefix(line, bom)
	}
	return line, nil
}

// readLongLine gathers a line that does not fit the bufio buffer into r.line.
func (r *Reader) readLongLine(first []byte) ([]byte, error) {
	r.line = append(r.line[:0], first...)
	for {
		more, err := r.br.ReadSlice('\n')
		r.line = append(r.line, more...)
		if len(r.line) > r.maxLine {
			return nil, fmt.Errorf("%w (%d bytes)", ErrLineTooLong, r.maxLine)
		}
		if err != bufio.ErrBufferFull {
			return r.line, err
		}
	}
}
