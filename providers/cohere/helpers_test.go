package cohere_test

import (
	"testing"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/providers/cohere"
	"github.com/sluicegw/sluice/schemas"
)

const testKey = "co-test-0123456789abcdef"

var key = &schemas.Key{ID: "k1", Value: testKey}

func newCohere(t testing.TB, baseURL string) *cohere.Provider {
	t.Helper()
	p, err := cohere.New(providers.Options{Provider: schemas.Cohere,
		Config: &schemas.ProviderConfig{NetworkConfig: schemas.NetworkConfig{BaseURL: baseURL}}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ptr[T any](v T) *T { return &v }

func userText(s string) schemas.Message {
	return schemas.Message{Role: schemas.RoleUser, Content: schemas.Text(s)}
}

// wantKind fails t unless err is a *schemas.Error of kind with the given status that
// does not hold the key.
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
	return e
}
