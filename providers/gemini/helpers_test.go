package gemini_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/providers/gemini"
	"github.com/sluicegw/sluice/schemas"
)

const testKey = "AIzaSy-test-0123456789abcdef"

var key = &schemas.Key{ID: "k1", Value: testKey}

func options(p schemas.ModelProvider, baseURL string) providers.Options {
	return providers.Options{Provider: p, Config: &schemas.ProviderConfig{
		NetworkConfig: schemas.NetworkConfig{BaseURL: baseURL}}}
}

// newGemini returns a Gemini API adapter pointed at baseURL.
func newGemini(t testing.TB, baseURL string) *gemini.Provider {
	t.Helper()
	p, err := gemini.New(options(schemas.Gemini, baseURL))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ptr[T any](v T) *T { return &v }

func userText(s string) schemas.Message {
	return schemas.Message{Role: schemas.RoleUser, Content: schemas.Text(s)}
}

// canonical re-encodes a JSON document with sorted keys and no insignificant space,
// so that two documents compare equal when they hold the same values.
func canonical(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// wantKind fails t unless err is a *schemas.Error of kind with the given status.
func wantKind(t *testing.T, err error, kind error, status int) *schemas.Error {
	t.Helper()
	e, ok := err.(*schemas.Error)
	if !ok {
		t.Fatalf("err = %#v, want a *schemas.Error", err)
	}
	if e.Kind != kind || e.StatusCode != status {
		t.Fatalf("err = %v (kind %v, status %d), want kind %v status %d",
			err, e.Kind, e.StatusCode, kind, status)
	}
	if strings.Contains(e.Error(), testKey) {
		t.Fatalf("error %q leaks the key", e.Error())
	}
	return e
}
