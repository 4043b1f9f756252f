package config

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/sluicegw/sluice/schemas"
)

// FuzzLoadBytes checks that no input makes LoadBytes panic, that its answer is
// deterministic, and that whatever it accepts satisfies the documented limits.
// Seeds live in testdata/fuzz/FuzzLoadBytes; run with
// go test ./config -run '^$' -fuzz FuzzLoadBytes -fuzztime 30s.
func FuzzLoadBytes(f *testing.F) {
	if data, err := os.ReadFile("testdata/bifrost.json"); err == nil {
		f.Add(data)
	}
	if data, err := os.ReadFile("../config.example.json"); err == nil {
		f.Add(data)
	}
	// Variables with an even-length name are set, the others are not, so both
	// sides of env.NAME resolution are reachable.
	getenv := func(name string) string {
		if len(name)%2 == 0 {
			return "fuzz-" + name
		}
		return ""
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, warnings, err := LoadBytes(data, getenv)
		if (file == nil) == (err == nil) {
			t.Fatalf("LoadBytes returned file %v and error %v", file, err)
		}
		file2, warnings2, err2 := LoadBytes(data, getenv)
		if errString(err) != errString(err2) || !slices.Equal(warnings, warnings2) ||
			(file == nil) != (file2 == nil) {
			t.Fatalf("LoadBytes is not deterministic:\n%v\n%v", err, err2)
		}
		for _, w := range warnings {
			if w.Path == "" || w.Message == "" {
				t.Fatalf("warning without path or message: %+v", w)
			}
		}
		if file != nil {
			checkAccepted(t, file)
		}
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// checkAccepted asserts the invariants of a successfully loaded file.
func checkAccepted(t *testing.T, f *File) {
	a := f.Account()
	names, _ := a.GetConfiguredProviders()
	if len(names) != len(f.Providers) {
		t.Fatalf("account lists %v for %d providers", names, len(f.Providers))
	}
	for _, p := range names {
		if !slices.Contains(knownProviders, p) {
			t.Fatalf("unknown provider %q accepted", p)
		}
		keys, err := a.GetKeysForProvider(context.Background(), p)
		if err != nil || (!keyless(p) && len(keys) == 0) {
			t.Fatalf("%s: %d keys, %v", p, len(keys), err)
		}
		for _, k := range keys {
			if k.ID == "" || k.Weight < 0 {
				t.Fatalf("%s: key %+v", p, k)
			}
		}
		cfg, err := a.GetConfigForProvider(p)
		if err != nil || !withinLimits(cfg) {
			t.Fatalf("%s: config %+v, %v", p, cfg, err)
		}
	}
	_ = f.String()
}

func withinLimits(c *schemas.ProviderConfig) bool {
	cb, n := c.ConcurrencyAndBufferSize, c.NetworkConfig
	return cb.Concurrency >= 0 && cb.Concurrency <= maxConcurrency &&
		cb.BufferSize >= 0 && cb.BufferSize <= maxBufferSize &&
		n.MaxRetries >= 0 && n.RetryBackoffInitial >= 0 && n.RetryBackoffMax >= 0 &&
		n.DefaultRequestTimeoutInSeconds >= 0 && n.StreamIdleTimeoutInSeconds >= 0
}
