package sse

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// FuzzReader checks the Reader against a plain reference parser on arbitrary input,
// reading both all at once and one byte at a time, and that it never panics.
func FuzzReader(f *testing.F) {
	f.Add([]byte("data: {\"a\":1}\n\ndata: [DONE]\n\n"))
	f.Add([]byte("event: message_start\r\ndata: {}\r\n\r\n: ping\r\n\r\n"))
	f.Add([]byte("data: a\ndata: b\n\ndata: cut"))
	f.Fuzz(func(t *testing.T, in []byte) {
		want, wantErr := reference(in)
		for _, oneByte := range []bool{false, true} {
			var src io.Reader = bytes.NewReader(in)
			if oneByte {
				src = iotest.OneByteReader(src)
			}
			got, err := readAll(NewReader(src, 1<<16))
			if errors.Is(err, ErrLineTooLong) {
				return
			}
			if err != wantErr {
				t.Fatalf("err = %v, want %v", err, wantErr)
			}
			if !equalEvents(got, want) {
				t.Fatalf("events = %q, want %q", got, want)
			}
		}
	})
}

// reference parses in the slow, obvious way: split into lines, then apply the rules.
func reference(in []byte) ([]Event, error) {
	in = bytes.TrimPrefix(in, []byte("\xef\xbb\xbf"))
	lines := bytes.Split(in, []byte("\n"))
	last := lines[len(lines)-1]
	lines = lines[:len(lines)-1]

	var evs []Event
	var cur Event
	has := false
	for _, l := range lines {
		l = bytes.TrimSuffix(l, []byte("\r"))
		if len(l) == 0 {
			if has {
				evs = append(evs, cur)
			}
			cur, has = Event{}, false
			continue
		}
		if l[0] == ':' {
			continue
		}
		name, value, found := bytes.Cut(l, []byte(":"))
		if found {
			value = bytes.TrimPrefix(value, []byte(" "))
		}
		switch string(name) {
		case "data":
			if has {
				cur.Data = append(cur.Data, '\n')
			}
			cur.Data = append(cur.Data, value...)
			if cur.Data == nil {
				cur.Data = []byte{}
			}
			has = true
		case "event":
			cur.Type = string(value)
		}
	}
	if len(last) > 0 {
		return evs, io.ErrUnexpectedEOF
	}
	if has {
		evs = append(evs, cur)
	}
	return evs, io.EOF
}
