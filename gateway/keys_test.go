package gateway

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestUnknownKey(t *testing.T) {
	known := keySet{"model": {}, "messages": {}, "stream": {}}
	cases := []struct {
		body, want string
	}{
		{`{}`, ""},
		{`{"model":"a","stream":true}`, ""},
		{` { "model" : "a" , "messages" : [ {"role":"user","temperature":1} ] } `, ""},
		{`{"model":"a","temperature":0.5}`, "temperature"},
		{`{"messages":[{"x":"}],\""}],"n":2}`, "n"},
		{`{"model":"a\"b","stream":false,"seed":-1.5e3}`, "seed"},
		{`{"model":null,"stream":{"a":[1,{"b":"]"}]},"logit_bias":{}}`, "logit_bias"},
		{`[1,2]`, ""},
		{`"model"`, ""},
		{`{"":1}`, ""},
	}
	for _, c := range cases {
		if got, _ := unknownKey([]byte(c.body), known); got != c.want {
			t.Errorf("unknownKey(%s) = %q, want %q", c.body, got, c.want)
		}
	}
}

func TestJSONKeysSeesEmbeddedAndShadowedFields(t *testing.T) {
	for _, k := range []string{"model", "messages", "temperature", "tools", "stop", "n",
		"max_completion_tokens", "fallbacks", "stream_options"} {
		if _, ok := chatKeys[k]; !ok {
			t.Errorf("chat requests refuse %q", k)
		}
	}
	if _, ok := completionKeys["tools"]; ok {
		t.Error("completion requests accept tools, which they cannot carry")
	}
}

// FuzzUnknownKey checks the scanner against encoding/json on every valid object: the
// key it reports must be one json sees and the set does not hold, and it reports one
// whenever such a key exists.
func FuzzUnknownKey(f *testing.F) {
	for _, s := range []string{`{"model":"x","b":[1,"]",{"c":"}"}],"n":null}`,
		`{"a":"\"","model":1}`, `{}`, `{"model":{"model":{}},"zz":true}`} {
		f.Add(s)
	}
	known := keySet{"model": {}, "messages": {}}
	f.Fuzz(func(t *testing.T, body string) {
		var obj map[string]json.RawMessage
		if json.Unmarshal([]byte(body), &obj) != nil || strings.Contains(body, `\`) ||
			!utf8.ValidString(body) {
			return // not an object, or keys that json rewrites and the scanner keeps raw
		}
		want := false
		for k := range obj {
			if _, ok := known[k]; !ok {
				want = true
			}
		}
		got, found := unknownKey([]byte(body), known)
		if _, isKnown := known[got]; found && isKnown {
			t.Fatalf("reported known key %q in %s", got, body)
		}
		if _, inBody := obj[got]; found && !inBody {
			t.Fatalf("reported %q, which is not a key of %s", got, body)
		}
		if want != found {
			t.Fatalf("unknownKey(%s) = %q, %v; want found = %v", body, got, found, want)
		}
	})
}

func TestRequestIDs(t *testing.T) {
	a, b := newID(), newID()
	if a == b || len(a) != 29 || !saneID(a) {
		t.Fatalf("ids %q and %q should differ, have 29 characters and be sane", a, b)
	}
	for id, want := range map[string]bool{
		"abc-123":                true,
		"":                       false,
		"has space":              false,
		`quo"te`:                 false,
		strings.Repeat("x", 129): false,
		"ünïcode":                false,
	} {
		if saneID(id) != want {
			t.Errorf("saneID(%q) = %v, want %v", id, !want, want)
		}
	}
}

func TestFormatOverhead(t *testing.T) {
	for d, want := range map[int64]string{123456: "0.123ms", 0: "0.000ms", 12_345_678: "12.346ms"} {
		if got := formatOverhead(durationNS(d)); got != want {
			t.Errorf("formatOverhead(%dns) = %q, want %q", d, got, want)
		}
	}
}

func durationNS(n int64) time.Duration { return time.Duration(n) }
