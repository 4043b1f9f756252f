package config

import (
	"context"
	"errors"
	"os"
	"reflect"
	"sync"
	"testing"

	"github.com/sluicegw/sluice/schemas"
)

func fixtureAccount(t *testing.T) (*File, *Account) {
	t.Helper()
	data, err := os.ReadFile("testdata/bifrost.json")
	if err != nil {
		t.Fatal(err)
	}
	f, _, err := LoadBytes(data, fixtureEnv)
	if err != nil {
		t.Fatal(err)
	}
	return f, f.Account()
}

func TestAccount(t *testing.T) {
	_, a := fixtureAccount(t)
	ctx := context.Background()

	names, err := a.GetConfiguredProviders()
	want := []schemas.ModelProvider{schemas.Anthropic, schemas.Azure, schemas.Bedrock,
		schemas.Groq, schemas.Ollama, schemas.OpenAI, schemas.Vertex}
	if err != nil || !reflect.DeepEqual(names, want) {
		t.Errorf("GetConfiguredProviders = %v, %v; want %v", names, err, want)
	}

	keys, err := a.GetKeysForProvider(ctx, schemas.OpenAI)
	if err != nil || len(keys) != 2 || keys[0].Value != "sk-test-openai-primary-1111" {
		t.Errorf("GetKeysForProvider(openai) = %+v, %v", keys, err)
	}
	if keys, err := a.GetKeysForProvider(ctx, schemas.Ollama); err != nil || len(keys) != 0 {
		t.Errorf("GetKeysForProvider(ollama) = %+v, %v; want no keys", keys, err)
	}

	// Absent settings stay zero for the engine to default.
	cfg, err := a.GetConfigForProvider(schemas.Groq)
	if err != nil || !reflect.DeepEqual(*cfg, schemas.ProviderConfig{}) {
		t.Errorf("GetConfigForProvider(groq) = %+v, %v; want zero", cfg, err)
	}
	cfg, _ = a.GetConfigForProvider(schemas.Anthropic)
	if n := cfg.NetworkConfig; n.DefaultRequestTimeoutInSeconds != 120 || n.MaxRetries != 0 {
		t.Errorf("GetConfigForProvider(anthropic) = %+v", cfg)
	}

	// The returned config is the caller's to change.
	cfg, _ = a.GetConfigForProvider(schemas.OpenAI)
	cfg.NetworkConfig.ExtraHeaders["X-Mutated"] = "1"
	cfg.ConcurrencyAndBufferSize.Concurrency = 1
	again, _ := a.GetConfigForProvider(schemas.OpenAI)
	if _, ok := again.NetworkConfig.ExtraHeaders["X-Mutated"]; ok ||
		again.ConcurrencyAndBufferSize.Concurrency != 20 {
		t.Errorf("a caller's change to a returned config leaked into the account: %+v", again)
	}
}

func TestAccountNotConfigured(t *testing.T) {
	_, a := fixtureAccount(t)
	_, err := a.GetKeysForProvider(context.Background(), schemas.Mistral)
	if !errors.Is(err, schemas.ErrProviderNotConfigured) {
		t.Errorf("GetKeysForProvider(mistral) error = %v, want ErrProviderNotConfigured", err)
	}
	if _, err := a.GetConfigForProvider(schemas.Mistral); !errors.Is(err,
		schemas.ErrProviderNotConfigured) {
		t.Errorf("GetConfigForProvider(mistral) error = %v, want ErrProviderNotConfigured", err)
	}
	var nilFile *File
	if names, _ := nilFile.Account().GetConfiguredProviders(); len(names) != 0 {
		t.Errorf("nil File account lists %v", names)
	}
}

// The account is a snapshot: changing the File afterwards does not reach it.
func TestAccountSnapshot(t *testing.T) {
	f, a := fixtureAccount(t)
	f.Providers[schemas.OpenAI].Keys[0].Value = "changed"
	f.Providers[schemas.Azure].Keys[0].AzureKeyConfig.Deployments["gpt-4o"] = "changed"
	delete(f.Providers, schemas.Groq)

	keys, _ := a.GetKeysForProvider(context.Background(), schemas.OpenAI)
	az, _ := a.GetKeysForProvider(context.Background(), schemas.Azure)
	if keys[0].Value == "changed" || az[0].AzureKeyConfig.Deployments["gpt-4o"] == "changed" {
		t.Error("a change to the File reached the account")
	}
	if _, err := a.GetConfigForProvider(schemas.Groq); err != nil {
		t.Errorf("groq removed from the File vanished from the account: %v", err)
	}
}

// Many goroutines may use one account at once (run with -race).
func TestAccountConcurrent(t *testing.T) {
	_, a := fixtureAccount(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				names, _ := a.GetConfiguredProviders()
				for _, p := range names {
					keys, err := a.GetKeysForProvider(context.Background(), p)
					cfg, err2 := a.GetConfigForProvider(p)
					if err != nil || err2 != nil {
						t.Errorf("%s: %v %v", p, err, err2)
						return
					}
					cfg.NetworkConfig.MaxRetries = len(keys)
				}
			}
		})
	}
	wg.Wait()
}

// GetKeysForProvider runs on every request, which is why it hands out the shared
// slice instead of a copy: it must not allocate.
func BenchmarkGetKeysForProvider(b *testing.B) {
	data, err := os.ReadFile("testdata/bifrost.json")
	if err != nil {
		b.Fatal(err)
	}
	f, _, err := LoadBytes(data, fixtureEnv)
	if err != nil {
		b.Fatal(err)
	}
	a, ctx := f.Account(), context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if keys, _ := a.GetKeysForProvider(ctx, schemas.OpenAI); len(keys) != 2 {
			b.Fatal("wrong keys")
		}
	}
}

// BenchmarkLoadBytes measures start-up parsing of the Bifrost fixture.
func BenchmarkLoadBytes(b *testing.B) {
	data, err := os.ReadFile("testdata/bifrost.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := LoadBytes(data, fixtureEnv); err != nil {
			b.Fatal(err)
		}
	}
}
