package sluice

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/sluicegw/sluice/schemas"
)

// order records which upstream was called, in order.
type order struct {
	mu   sync.Mutex
	hits []string
}

func (o *order) handler(name string, status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.hits = append(o.hits, name)
		o.mu.Unlock()
		if status != http.StatusOK {
			http.Error(w, name+" failed", status)
			return
		}
		w.Write([]byte("answer from " + name))
	}
}

func TestFallbackOrder(t *testing.T) {
	var o order
	acct := newAccount()
	acct.add(schemas.OpenAI, newUpstream(t, o.handler("openai", 503)).URL, 1, 1)
	acct.add(schemas.Anthropic, newUpstream(t, o.handler("anthropic", 401)).URL, 1, 1)
	acct.add(schemas.Groq, newUpstream(t, o.handler("groq", 200)).URL, 1, 1)
	acct.add(schemas.Mistral, newUpstream(t, o.handler("mistral", 200)).URL, 1, 1)
	c := newTestClient(t, acct, false)

	var tr Trace
	resp, err := c.ChatCompletion(WithTrace(context.Background(), &tr),
		chatReq(schemas.OpenAI, "hi",
			schemas.Fallback{Provider: schemas.Anthropic, Model: "claude"},
			schemas.Fallback{Provider: schemas.Groq, Model: "llama"},
			schemas.Fallback{Provider: schemas.Mistral, Model: "small"}))
	if err != nil {
		t.Fatal(err)
	}
	if answerText(resp) != "answer from groq" || resp.Provider != schemas.Groq {
		t.Fatalf("answer %q from %s, want groq's", answerText(resp), resp.Provider)
	}
	if want := []string{"openai", "anthropic", "groq"}; !slices.Equal(o.hits, want) {
		t.Fatalf("providers called %v, want %v", o.hits, want)
	}
	want := Trace{Provider: schemas.Groq, Model: "llama", Fallbacks: 2, Attempts: 3}
	if tr.Provider != want.Provider || tr.Model != want.Model || tr.Fallbacks != want.Fallbacks ||
		tr.Attempts != want.Attempts {
		t.Errorf("trace = %+v", tr)
	}
	if s := c.Stats(); s.Fallbacks != 2 {
		t.Errorf("Stats.Fallbacks = %d, want 2", s.Fallbacks)
	}
}

func TestFallbackPolicy(t *testing.T) {
	cases := []struct {
		name     string
		status   int
		fallback bool
	}{
		{"server error", 500, true},
		{"rate limited", 429, true},
		{"auth", 401, true},
		{"model not found", 404, true},
		{"bad request", 400, false},
		{"unprocessable", 422, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var o order
			acct := newAccount()
			acct.add(schemas.OpenAI, newUpstream(t, o.handler("openai", tc.status)).URL, 1, 1)
			acct.add(schemas.Anthropic, newUpstream(t, o.handler("anthropic", 200)).URL, 1, 1)
			c := newTestClient(t, acct, false)
			_, err := c.ChatCompletion(context.Background(), chatReq(schemas.OpenAI, "hi",
				schemas.Fallback{Provider: schemas.Anthropic, Model: "claude"}))
			if got := len(o.hits) == 2; got != tc.fallback || (err == nil) != tc.fallback {
				t.Fatalf("calls %v, err %v; fallback wanted: %v", o.hits, err, tc.fallback)
			}
		})
	}
}

func TestFallbackOnProviderProblems(t *testing.T) {
	var o order
	acct := newAccount()
	acct.add(schemas.OpenAI, "http://127.0.0.1:1", 1, 1)
	acct.keys[schemas.OpenAI] = nil // no key at all
	acct.add(schemas.Anthropic, newUpstream(t, o.handler("anthropic", 200)).URL, 1, 1)
	c := newTestClient(t, acct, false)

	for _, primary := range []schemas.ModelProvider{schemas.OpenAI, schemas.Cohere} {
		resp, err := c.ChatCompletion(context.Background(), chatReq(primary, "hi",
			schemas.Fallback{Provider: schemas.Anthropic, Model: "claude"}))
		if err != nil || resp.Provider != schemas.Anthropic {
			t.Errorf("primary %s: %v; want the fallback's answer", primary, err)
		}
	}
}

func TestAllFallbacksFailReturnsLastError(t *testing.T) {
	var o order
	acct := newAccount()
	acct.add(schemas.OpenAI, newUpstream(t, o.handler("openai", 500)).URL, 1, 1)
	acct.add(schemas.Anthropic, newUpstream(t, o.handler("anthropic", 429)).URL, 1, 1)
	c := newTestClient(t, acct, false)
	_, err := c.ChatCompletion(context.Background(), chatReq(schemas.OpenAI, "hi",
		schemas.Fallback{Provider: schemas.Anthropic, Model: "claude"}))
	var ge *schemas.Error
	if !errors.As(err, &ge) || ge.Provider != schemas.Anthropic ||
		!errors.Is(err, schemas.ErrRateLimited) {
		t.Fatalf("err = %v, want anthropic's rate limit", err)
	}
}
