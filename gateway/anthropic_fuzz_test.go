package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"testing"
	"testing/iotest"
)

// FuzzEventScanner checks the relay's splitting of an upstream stream: it never
// panics, every event it returns ends with a blank line and was read in order from
// the input as it was, and it always ends.
func FuzzEventScanner(f *testing.F) {
	f.Add([]byte("event: message_start\ndata: {\"type\":\"message_start\"}\n\n" +
		"event: ping\r\ndata: {}\r\n\r\n\n\nevent: message_stop\ndata: {}\n"))
	f.Add([]byte("data: a\ndata: b\n\n: comment\n\ndata: cut"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// One byte per read exercises lines split across reads.
		sc := newEventScanner(iotest.OneByteReader(bytes.NewReader(data)), &bytes.Buffer{})
		rest := data
		var scratch []byte
		for range len(data) + 1 {
			ev, err := sc.Next()
			if err != nil {
				if err != io.EOF && err != io.ErrUnexpectedEOF {
					t.Fatalf("error %v", err)
				}
				return
			}
			if !bytes.HasSuffix(ev, []byte("\n\n")) && !bytes.HasSuffix(ev, []byte("\n\r\n")) {
				t.Fatalf("event %q does not end with a blank line", ev)
			}
			eventFields(ev, &scratch)
			whole := ev
			if len(rest) > 0 && !bytes.Contains(rest, ev) {
				whole = ev[:len(ev)-1] // the blank line added at the end of the input
			}
			i := bytes.Index(rest, whole)
			if i < 0 {
				t.Fatalf("event %q is not in the input that is left, %q", ev, rest)
			}
			rest = rest[i+len(whole):]
		}
		t.Fatal("the scanner did not end")
	})
}

// FuzzAnthropicRequest checks the decoding of a Messages request, on the translated
// path and on the native one, where only the model may change: no panic, a translated
// request is complete or refused, and a rewritten model leaves every other member's
// bytes as they were.
func FuzzAnthropicRequest(f *testing.F) {
	f.Add([]byte(`{"model":"claude-x","max_tokens":5,"messages":[{"role":"user",` +
		`"content":"hi"}]}`))
	f.Add([]byte(`{"model":"openai/gpt","model":1,"max_tokens":5,"stream":true,` +
		`"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t",` +
		`"content":[{"type":"text","text":"x"}]}]}],"tools":[{"name":"f"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var head anthropicHead
		_ = decodeHead(data, &head)

		var body anthropicBody
		if decodeBody(data, &body, anthropicKeys) == nil {
			req, err := body.request(anthropicTarget{provider: "openai", model: "m"})
			if err == nil && (len(req.Messages) == 0 || req.Params == nil ||
				req.Params.MaxTokens == nil || *req.Params.MaxTokens < 1) {
				t.Fatalf("accepted an incomplete request: %+v", req)
			}
		}

		var members map[string]json.RawMessage
		if json.Unmarshal(data, &members) != nil || members == nil {
			return
		}
		out, ok := withModel(nil, data, "m2")
		if _, has := members["model"]; has != ok {
			t.Fatalf("model member found %v, want %v", ok, has)
		}
		if !ok {
			return
		}
		var after map[string]json.RawMessage
		if err := json.Unmarshal(out, &after); err != nil {
			t.Fatalf("rewritten body is not JSON: %v\n%s", err, out)
		}
		if !bytes.Equal(after["model"], []byte(`"m2"`)) {
			t.Fatalf("model is %s, want \"m2\"", after["model"])
		}
		delete(after, "model")
		delete(members, "model")
		if !maps.EqualFunc(after, members, func(a, b json.RawMessage) bool {
			return bytes.Equal(a, b)
		}) {
			t.Fatalf("other members changed:\n%s\n%s", data, out)
		}
	})
}

func TestEventScannerBoundsAnEvent(t *testing.T) {
	big := append([]byte("data: "), bytes.Repeat([]byte("x"), maxEventBytes)...)
	sc := newEventScanner(bytes.NewReader(big), &bytes.Buffer{})
	if _, err := sc.Next(); !errors.Is(err, errEventTooLarge) {
		t.Fatalf("err = %v, want errEventTooLarge", err)
	}
}
