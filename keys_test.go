package sluice

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

func TestSelectKeyDistribution(t *testing.T) {
	cases := []struct {
		name  string
		keys  []schemas.Key
		model string
		want  map[string]float64 // key value → expected share
	}{
		{"weighted", []schemas.Key{{Value: "a", Weight: 1}, {Value: "b", Weight: 3}},
			"m", map[string]float64{"a": 0.25, "b": 0.75}},
		{"all zero is uniform", []schemas.Key{{Value: "a"}, {Value: "b"}, {Value: "c"}},
			"m", map[string]float64{"a": 1.0 / 3, "b": 1.0 / 3, "c": 1.0 / 3}},
		{"zero weight never picked among weighted", []schemas.Key{{Value: "a", Weight: 2},
			{Value: "b"}}, "m", map[string]float64{"a": 1}},
		{"models filter", []schemas.Key{
			{Value: "a", Weight: 1, Models: []string{"gpt-4o"}},
			{Value: "b", Weight: 1, Models: []string{"other"}},
			{Value: "c", Weight: 1}},
			"gpt-4o", map[string]float64{"a": 0.5, "c": 0.5}},
	}
	const n = 20000
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]float64{}
			for range n {
				got[selectKey(tc.keys, tc.model, rand.Float64()).Value]++
			}
			for v, share := range got {
				if want := tc.want[v]; math.Abs(share/n-want) > 0.02 {
					t.Errorf("key %s picked %.3f of the time, want %.3f", v, share/n, want)
				}
			}
		})
	}
	if k := selectKey([]schemas.Key{{Value: "a", Models: []string{"x"}}}, "y", 0.5); k != nil {
		t.Error("a key for another model was selected")
	}
	justBelowOne := math.Nextafter(1, 0)
	if k := selectKey([]schemas.Key{{Value: "a", Weight: 1}}, "y", justBelowOne); k == nil {
		t.Error("r just below 1 picked no key")
	}
}

// keyRecorder records the key of every call.
type keyRecorder struct {
	mu   sync.Mutex
	seen map[string]int
}

func (k *keyRecorder) ChatCompletion(_ context.Context, key *schemas.Key,
	_ *schemas.ChatRequest) (*schemas.ChatResponse, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if key == nil {
		k.seen["<nil>"]++
	} else {
		k.seen[key.Value]++
	}
	return &schemas.ChatResponse{}, nil
}

func TestKeysThroughTheEngine(t *testing.T) {
	rec := &keyRecorder{seen: map[string]int{}}
	acct := newAccount()
	acct.add(schemas.OpenAI, "", 4, 100)
	acct.keys[schemas.OpenAI] = []schemas.Key{{Value: "sk-light", Weight: 1},
		{Value: "sk-heavy", Weight: 4}, {Value: "sk-other", Models: []string{"other"}}}
	acct.add(schemas.Ollama, "", 1, 1)
	acct.keys[schemas.Ollama] = nil
	c, err := newClient(schemas.Config{Account: acct, Logger: quiet},
		func(schemas.ModelProvider, providers.Options) (providers.Provider, error) {
			return rec, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Cleanup()

	const n = 2000
	parallel(4, func(int) {
		for range n / 4 {
			if _, err := ask(c, schemas.OpenAI); err != nil {
				t.Error(err)
				return
			}
		}
	})
	if rec.seen["sk-other"] != 0 {
		t.Error("a key restricted to another model was used")
	}
	if share := float64(rec.seen["sk-heavy"]) / n; math.Abs(share-0.8) > 0.05 {
		t.Errorf("heavy key used %.3f of the time, want 0.8", share)
	}

	// A keyless provider is called without a key.
	if _, err := c.ChatCompletion(context.Background(), chatReq(schemas.Ollama, "x")); err != nil {
		t.Fatal(err)
	}
	if rec.seen["<nil>"] != 1 {
		t.Error("keyless provider did not get a nil key")
	}

	// No eligible key: a clear error naming provider and model, never a key.
	req := chatReq(schemas.OpenAI, "x")
	acct.keys[schemas.OpenAI] = []schemas.Key{{Value: "sk-secret", Models: []string{"gpt-4o"}}}
	_, err = c.ChatCompletion(context.Background(), req)
	if !errors.Is(err, schemas.ErrNoKey) {
		t.Fatalf("err = %v, want ErrNoKey", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "openai") || !strings.Contains(msg, req.Model) ||
		strings.Contains(msg, "sk-secret") {
		t.Errorf("message %q should name provider and model and no key", msg)
	}
}
