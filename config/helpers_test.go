package config

import (
	"strings"
	"testing"
)

// env returns a getenv that reads only the given variables.
func env(kv ...string) func(string) string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(name string) string { return m[name] }
}

// fixtureEnv holds the variables testdata/bifrost.json and config.example.json
// refer to. The values are recognisable so that redaction tests can look for them.
var fixtureEnv = env(
	"OPENAI_API_KEY", "sk-test-openai-primary-1111",
	"OPENAI_API_KEY_2", "sk-test-openai-second-2222",
	"ANTHROPIC_API_KEY", "sk-ant-test-3333",
	"AZURE_API_KEY", "azure-test-key-4444",
	"AZURE_ENDPOINT", "https://example-resource.openai.azure.com",
	"AWS_ACCESS_KEY_ID", "AKIATESTACCESS5555",
	"AWS_SECRET_ACCESS_KEY", "aws-test-secret-6666",
	"AWS_SESSION_TOKEN", "aws-test-session-7777",
	"VERTEX_PROJECT_ID", "example-project",
	"VERTEX_CREDENTIALS", `{"type":"service_account","private_key":"vertex-test-8888"}`,
	"GROQ_API_KEY", "gsk-test-9999",
)

// fixtureSecrets are the secret values of fixtureEnv.
var fixtureSecrets = []string{
	"sk-test-openai-primary-1111", "sk-test-openai-second-2222", "sk-ant-test-3333",
	"azure-test-key-4444", "AKIATESTACCESS5555", "aws-test-secret-6666",
	"aws-test-session-7777", "vertex-test-8888", "gsk-test-9999",
}

// mustLoad loads doc and fails the test on error.
func mustLoad(t *testing.T, doc string, getenv func(string) string) (*File, []Warning) {
	t.Helper()
	f, w, err := LoadBytes([]byte(doc), getenv)
	if err != nil {
		t.Fatalf("LoadBytes: %v", err)
	}
	return f, w
}

func warningStrings(ws []Warning) string {
	s := make([]string, len(ws))
	for i, w := range ws {
		s[i] = w.String()
	}
	return strings.Join(s, "\n")
}
