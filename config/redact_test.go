package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/sluicegw/sluice/schemas"
)

// No rendering of the settings, file, provider entries or account shows a secret,
// while the facts an operator needs are still there.
func TestRedaction(t *testing.T) {
	data, err := os.ReadFile("testdata/bifrost.json")
	if err != nil {
		t.Fatal(err)
	}
	// A proxy URL with credentials must lose them too.
	data = bytes.Replace(data, []byte(`"http://localhost:11434"`),
		[]byte(`"http://ops:pw-in-url-secret@localhost:11434"`), 1)
	f, _, err := LoadBytes(data, fixtureEnv)
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := Parse(nil, env())
	if err != nil {
		t.Fatal(err)
	}
	s.File = f

	var js, txt bytes.Buffer
	slog.New(slog.NewJSONHandler(&js, nil)).Info("effective config", "settings", s)
	slog.New(slog.NewTextHandler(&txt, nil)).Info("effective config", "settings", s,
		"account", f.Account(), "openai", f.Providers[schemas.OpenAI])
	renderings := map[string]string{
		"json handler": js.String(),
		"text handler": txt.String(),
		"String":       s.String(),
		"%v":           fmt.Sprintf("%v", s),
		"%+v":          fmt.Sprintf("%+v", s),
		"%#v":          fmt.Sprintf("%#v", s) + fmt.Sprintf("%#v", f.Providers[schemas.Bedrock]),
		"account":      fmt.Sprint(f.Account()),
	}
	secrets := append(slices.Clone(fixtureSecrets), "org-example", "pw-in-url-secret", "ops:")
	visible := []string{"openai-primary", "api.openai.com", "OpenAI-Organization",
		"us-east-1", "example-resource.openai.azure.com", "gpt-4o-prod", redacted}

	for name, out := range renderings {
		for _, sec := range secrets {
			if strings.Contains(out, sec) {
				t.Errorf("%s shows secret %q:\n%s", name, sec, out)
			}
		}
		for _, v := range visible {
			if !strings.Contains(out, v) {
				t.Errorf("%s lacks %q:\n%s", name, v, out)
			}
		}
	}
}
