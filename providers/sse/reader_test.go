package sse

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll drains r and returns the events and the error that ended the stream.
func readAll(r *Reader) ([]Event, error) {
	var evs []Event
	for {
		ev, err := r.Next()
		if err != nil {
			return evs, err
		}
		evs = append(evs, Event{Type: ev.Type, Data: bytes.Clone(ev.Data)})
	}
}

func TestReader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Event
		err  error
	}{
		{"openai", "data: {\"a\":1}\n\ndata: [DONE]\n\n",
			[]Event{{Data: []byte(`{"a":1}`)}, {Data: []byte("[DONE]")}}, io.EOF},
		{"named events", "event: ping\ndata: {}\n\nevent: message_stop\ndata: {\"x\":2}\n\n",
			[]Event{{"ping", []byte("{}")}, {"message_stop", []byte(`{"x":2}`)}}, io.EOF},
		{"crlf", "event: a\r\ndata: 1\r\n\r\ndata: 2\r\n\r\n",
			[]Event{{"a", []byte("1")}, {"", []byte("2")}}, io.EOF},
		{"multi-line data", "data: one\ndata:two\ndata\ndata:  three\n\n",
			[]Event{{Data: []byte("one\ntwo\n\n three")}}, io.EOF},
		{"comments and pings", ": ping\n\n:\ndata: x\n: mid\n\n",
			[]Event{{Data: []byte("x")}}, io.EOF},
		{"event without data is not dispatched", "event: lonely\n\ndata: y\n\n",
			[]Event{{Data: []byte("y")}}, io.EOF},
		{"id and retry ignored", "id: 7\nretry: 10\ndata: z\n\n",
			[]Event{{Data: []byte("z")}}, io.EOF},
		{"unknown field ignored", "foo: bar\ndata: z\n\n",
			[]Event{{Data: []byte("z")}}, io.EOF},
		{"bom", "\xef\xbb\xbfdata: b\n\n", []Event{{Data: []byte("b")}}, io.EOF},
		{"last event without blank line", "data: 1\n\ndata: 2\n",
			[]Event{{Data: []byte("1")}, {Data: []byte("2")}}, io.EOF},
		{"cut mid-line", "data: 1\n\ndata: {\"trunc",
			[]Event{{Data: []byte("1")}}, io.ErrUnexpectedEOF},
		{"empty stream", "", nil, io.EOF},
		{"empty data line", "data:\n\n", []Event{{Data: []byte{}}}, io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, mode := range []string{"whole", "one byte"} {
				var src io.Reader = strings.NewReader(tt.in)
				if mode == "one byte" {
					src = iotest.OneByteReader(src)
				}
				got, err := readAll(NewReader(src, 0))
				if !errors.Is(err, tt.err) {
					t.Fatalf("%s: err = %v, want %v", mode, err, tt.err)
				}
				if !equalEvents(got, tt.want) {
					t.Fatalf("%s: events = %q, want %q", mode, got, tt.want)
				}
			}
		})
	}
}

func TestReaderLongLines(t *testing.T) {
	long := strings.Repeat("x", 100_000)
	got, err := readAll(NewReader(strings.NewReader("data: "+long+"\n\n"), 0))
	if err != io.EOF || len(got) != 1 || string(got[0].Data) != long {
		t.Fatalf("a 100 kB line: got %d events, err %v", len(got), err)
	}

	for _, size := range []int{100, 10_000} {
		in := "data: ok\n\ndata: " + strings.Repeat("y", size) + "\n\n"
		evs, err := readAll(NewReader(strings.NewReader(in), 64))
		if !errors.Is(err, ErrLineTooLong) {
			t.Fatalf("line of %d over a 64-byte limit: err = %v", size, err)
		}
		if len(evs) != 1 || string(evs[0].Data) != "ok" {
			t.Fatalf("events before the long line: %q", evs)
		}
		if !strings.Contains(err.Error(), "64 bytes") {
			t.Fatalf("error %q does not state the limit", err)
		}
	}
}

func TestReaderPassesReadErrors(t *testing.T) {
	boom := errors.New("connection reset")
	r := NewReader(io.MultiReader(strings.NewReader("data: 1\n\n"), iotest.ErrReader(boom)), 0)
	if ev, err := r.Next(); err != nil || string(ev.Data) != "1" {
		t.Fatalf("first event: %q, %v", ev.Data, err)
	}
	if _, err := r.Next(); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the read error", err)
	}
}

func equalEvents(a, b []Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || !bytes.Equal(a[i].Data, b[i].Data) {
			return false
		}
	}
	return true
}

func BenchmarkReader(b *testing.B) {
	var stream bytes.Buffer
	for range 100 {
		stream.WriteString("event: content_block_delta\ndata: {\"type\":\"content_block_delta\"," +
			"\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello there\"}}\n\n")
	}
	in := stream.Bytes()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	rd := bytes.NewReader(in)
	for b.Loop() {
		rd.Reset(in)
		r := NewReader(rd, 0)
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
	}
}
