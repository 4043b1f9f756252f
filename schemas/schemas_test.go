package schemas

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
)

func TestContentJSONForms(t *testing.T) {
	cases := []struct {
		name, in, out, text string
		parts               bool
	}{
		{"string", `"hi"`, `"hi"`, "hi", false},
		{"null", `null`, `null`, "", false},
		{"parts", `[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"data:x"}},{"type":"text","text":"b"}]`,
			`[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"data:x"}},{"type":"text","text":"b"}]`, "ab", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got Content
			if err := json.Unmarshal([]byte(c.in), &got); err != nil {
				t.Fatal(err)
			}
			if got.String() != c.text || got.IsParts() != c.parts {
				t.Fatalf("decoded text %q parts %v; want %q %v", got.String(), got.IsParts(), c.text, c.parts)
			}
			out, err := json.Marshal(got)
			if err != nil || string(out) != c.out {
				t.Fatalf("re-encoded %s, %v; want %s", out, err, c.out)
			}
		})
	}
	for _, bad := range []string{`1`, `{"a":1}`, `nul`, `true`} {
		var c Content
		if err := json.Unmarshal([]byte(bad), &c); err == nil {
			t.Errorf("content %s accepted; want an error", bad)
		}
	}
}

func TestToolChoiceJSON(t *testing.T) {
	for _, in := range []string{`"auto"`, `"none"`, `"required"`,
		`{"type":"function","function":{"name":"get_weather"}}`} {
		var tc ToolChoice
		if err := json.Unmarshal([]byte(in), &tc); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		out, _ := json.Marshal(tc)
		if string(out) != in {
			t.Errorf("round trip of %s gave %s", in, out)
		}
	}
	for _, bad := range []string{`"sometimes"`, `{"type":"function"}`, `3`} {
		var tc ToolChoice
		if err := json.Unmarshal([]byte(bad), &tc); err == nil {
			t.Errorf("tool_choice %s accepted; want an error", bad)
		}
	}
}

func TestErrorKindsAndStatus(t *testing.T) {
	cases := []struct {
		kind   error
		status int
	}{
		{ErrQueueFull, http.StatusServiceUnavailable},
		{ErrRateLimited, http.StatusTooManyRequests},
		{ErrTimeout, http.StatusGatewayTimeout},
		{ErrUpstream, http.StatusBadGateway},
		{ErrBadRequest, http.StatusBadRequest},
		{ErrProviderNotConfigured, http.StatusNotFound},
	}
	for _, c := range cases {
		err := error(NewError(c.kind, OpenAI, "boom"))
		if !errors.Is(err, c.kind) {
			t.Errorf("errors.Is(%v, kind) = false", err)
		}
		if got := AsError(err).StatusCode; got != c.status {
			t.Errorf("%v: status %d, want %d", c.kind, got, c.status)
		}
	}
	if errors.Is(NewError(ErrTimeout, OpenAI, "x"), ErrQueueFull) {
		t.Error("a timeout matched ErrQueueFull")
	}
	foreign := AsError(errors.New("dial tcp: refused"))
	if !errors.Is(foreign, ErrUpstream) || !foreign.Retryable() {
		t.Errorf("a foreign error should be a retryable upstream failure, got %+v", foreign)
	}
}
