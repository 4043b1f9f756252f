package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// A Bifrost user's config.json that uses every section sluice reads loads as is.
func TestLoadBifrostConfig(t *testing.T) {
	data, err := os.ReadFile("testdata/bifrost.json")
	if err != nil {
		t.Fatal(err)
	}
	f, warnings, err := LoadBytes(data, fixtureEnv)
	if err != nil {
		t.Fatalf("LoadBytes: %v", err)
	}

	wantClient := ClientConfig{InitialPoolSize: 500, DropExcessRequests: true,
		MaxRequestBodySizeMB: 64}
	if f.Client != wantClient {
		t.Errorf("client = %+v, want %+v", f.Client, wantClient)
	}

	openai := f.Providers[schemas.OpenAI]
	wantKeys := []schemas.Key{
		{ID: "openai-primary", Value: "sk-test-openai-primary-1111",
			Models: []string{"gpt-4o", "gpt-4o-mini"}, Weight: 0.7},
		{ID: "openai-1", Value: "sk-test-openai-second-2222", Models: []string{}, Weight: 0.3},
	}
	if !reflect.DeepEqual(openai.Keys, wantKeys) {
		t.Errorf("openai keys = %+v, want %+v (the disabled key left out)", openai.Keys, wantKeys)
	}
	wantOpenAI := schemas.ProviderConfig{
		NetworkConfig: schemas.NetworkConfig{
			BaseURL: "https://api.openai.com",
			ExtraHeaders: map[string]string{
				"OpenAI-Organization": "org-example",
			},
			DefaultRequestTimeoutInSeconds: 60,
			MaxRetries:                     2,
			RetryBackoffInitial:            500 * time.Millisecond,
			RetryBackoffMax:                5 * time.Second,
		},
		ConcurrencyAndBufferSize: schemas.ConcurrencyAndBufferSize{
			Concurrency: 20, BufferSize: 200,
		},
	}
	if !reflect.DeepEqual(openai.Config, wantOpenAI) {
		t.Errorf("openai config = %+v, want %+v", openai.Config, wantOpenAI)
	}

	az := f.Providers[schemas.Azure].Keys[0].AzureKeyConfig
	wantAz := &schemas.AzureKeyConfig{Endpoint: "https://example-resource.openai.azure.com",
		Deployments: map[string]string{"gpt-4o": "gpt-4o-prod"}, APIVersion: "2024-10-21"}
	if !reflect.DeepEqual(az, wantAz) {
		t.Errorf("azure_key_config = %+v, want %+v", az, wantAz)
	}
	br := f.Providers[schemas.Bedrock].Keys[0].BedrockKeyConfig
	if br.AccessKey != "AKIATESTACCESS5555" || br.SecretKey != "aws-test-secret-6666" ||
		br.SessionToken != "aws-test-session-7777" || br.Region != "us-east-1" ||
		br.Deployments["claude-3-5-sonnet"] != "us.anthropic.claude-3-5-sonnet-20240620-v1:0" {
		t.Errorf("bedrock_key_config = %+v", br)
	}
	brNet := f.Providers[schemas.Bedrock].Config.NetworkConfig
	if got := brNet.StreamIdleTimeoutInSeconds; got != 45 {
		t.Errorf("bedrock stream_idle_timeout_in_seconds = %d, want 45", got)
	}
	vx := f.Providers[schemas.Vertex].Keys[0].VertexKeyConfig
	if vx.ProjectID != "example-project" || vx.Region != "us-central1" ||
		!strings.Contains(vx.AuthCredentials, "vertex-test-8888") {
		t.Errorf("vertex_key_config = %+v", vx)
	}
	ollama := f.Providers[schemas.Ollama]
	if len(ollama.Keys) != 0 || ollama.Config.NetworkConfig.BaseURL != "http://localhost:11434" {
		t.Errorf("ollama = %+v", ollama)
	}

	wantWarnings := strings.Join([]string{
		"client.allowed_origins: Bifrost setting not supported by sluice; ignored",
		"client.enable_logging: Bifrost setting not supported by sluice; ignored",
		"client.prometheus_labels: Bifrost setting not supported by sluice; ignored",
		"providers.anthropic.send_back_raw_response: " +
			"Bifrost setting not supported by sluice; ignored",
	}, "\n")
	if got := warningStrings(warnings); got != wantWarnings {
		t.Errorf("warnings:\n%s\nwant:\n%s", got, wantWarnings)
	}
}

// The documented example stays loadable.
func TestLoadExampleConfig(t *testing.T) {
	data, err := os.ReadFile("../config.example.json")
	if err != nil {
		t.Fatal(err)
	}
	f, warnings, err := LoadBytes(data, fixtureEnv)
	if err != nil {
		t.Fatalf("config.example.json: %v", err)
	}
	if len(warnings) > 0 {
		t.Errorf("config.example.json warnings:\n%s", warningStrings(warnings))
	}
	if len(f.Providers) < 5 {
		t.Errorf("config.example.json configures %d providers, want the main ones",
			len(f.Providers))
	}
}

// Invalid values are reported with their JSON path and the reason.
func TestLoadErrors(t *testing.T) {
	const key = `"keys":[{"value":"k"}]`
	const openai = `{"providers":{"openai":{` + key
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"not an object", `[]`, []string{"(top level): must be an object, got an array"}},
		{"empty input", ``, []string{"unexpected end of JSON input"}},
		{"syntax error with position", "{\n  \"client\": {\"a\": 1,}\n}",
			[]string{"line 2, column 21: client: invalid character '}'"}},
		{"trailing data", `{} {}`, []string{"unexpected data after the top-level object"}},
		{"deep nesting", strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat(`}`, 40),
			[]string{"nesting deeper than 32 levels"}},
		{"negative pool size", `{"client":{"initial_pool_size":-1}}`,
			[]string{"client.initial_pool_size: must be ≥ 0, got -1"}},
		{"fractional pool size", `{"client":{"initial_pool_size":1.5}}`,
			[]string{"client.initial_pool_size: must be a whole number, got 1.5"}},
		{"pool size as string", `{"client":{"initial_pool_size":"300"}}`,
			[]string{"client.initial_pool_size: must be a number, got a string"}},
		{"drop as string", `{"client":{"drop_excess_requests":"yes"}}`,
			[]string{"client.drop_excess_requests: must be true or false, got a string"}},
		{"unknown provider", `{"providers":{"openia":{` + key + `}}}`,
			[]string{"providers.openia: unknown provider; known providers are anthropic,"}},
		{"providers not an object", `{"providers":[]}`,
			[]string{"providers: must be an object, got an array"}},
		{"negative concurrency",
			openai + `,"concurrency_and_buffer_size":{"concurrency":-1}}}}`,
			[]string{"providers.openai.concurrency_and_buffer_size.concurrency: " +
				"must be ≥ 0, got -1"}},
		{"huge buffer",
			openai + `,"concurrency_and_buffer_size":{"buffer_size":1e12}}}}`,
			[]string{"providers.openai.concurrency_and_buffer_size.buffer_size: " +
				"must be ≤ 10000000, got 1000000000000"}},
		{"keys not an array", `{"providers":{"openai":{"keys":{}}}}`,
			[]string{"providers.openai.keys: must be an array, got an object"}},
		{"no keys", `{"providers":{"anthropic":{"keys":[]}}}`,
			[]string{"providers.anthropic.keys: " +
				"at least one enabled key is required for anthropic"}},
		{"missing value", `{"providers":{"openai":{"keys":[{"models":["m"]}]}}}`,
			[]string{"providers.openai.keys[0].value: required for openai"}},
		{"value as number", `{"providers":{"openai":{"keys":[{"value":42}]}}}`,
			[]string{"providers.openai.keys[0].value: must be a string, got a number"}},
		{"negative weight", `{"providers":{"openai":{"keys":[{"value":"k","weight":-1}]}}}`,
			[]string{"providers.openai.keys[0].weight: must be a finite number ≥ 0, got -1"}},
		{"empty model", `{"providers":{"openai":{"keys":[{"value":"k","models":["a",""]}]}}}`,
			[]string{"providers.openai.keys[0].models[1]: must not be empty"}},
		{"duplicate key id",
			`{"providers":{"openai":{"keys":[{"value":"k","id":"a"},{"value":"k","name":"a"}]}}}`,
			[]string{`providers.openai.keys[1].id: duplicate key id "a"`}},
		{"relative base_url",
			openai + `,"network_config":{"base_url":"api.openai.com"}}}}`,
			[]string{"providers.openai.network_config.base_url: must be an absolute http"}},
		{"base_url with query",
			openai + `,"network_config":{"base_url":"https://h/?a=1"}}}}`,
			[]string{"providers.openai.network_config.base_url: " +
				"must not have a query or fragment"}},
		{"negative retries",
			openai + `,"network_config":{"max_retries":-2}}}}`,
			[]string{"providers.openai.network_config.max_retries: must be ≥ 0, got -2"}},
		{"backoff initial above max", openai +
			`,"network_config":{"retry_backoff_initial":9000,"retry_backoff_max":1000}}}}`,
			[]string{"providers.openai.network_config.retry_backoff_initial: " +
				"must be ≤ retry_backoff_max (1000), got 9000"}},
		{"bad header name", openai +
			`,"network_config":{"extra_headers":{"X Bad":"v"}}}}}`,
			[]string{`providers.openai.network_config.extra_headers["X Bad"]: ` +
				"is not a valid HTTP header name"}},
		{"header value with newline", openai +
			`,"network_config":{"extra_headers":{"X-Ok":"a\r\nInjected: 1"}}}}}`,
			[]string{"providers.openai.network_config.extra_headers.X-Ok: " +
				"value must not contain CR, LF or NUL"}},
		{"ollama without base_url", `{"providers":{"ollama":{"keys":[]}}}`,
			[]string{"providers.ollama.network_config.base_url: required for ollama"}},
		{"azure without azure_key_config", `{"providers":{"azure":{"keys":[{"value":"k"}]}}}`,
			[]string{"providers.azure.keys[0].azure_key_config: required for azure"}},
		{"azure endpoint not a URL", `{"providers":{"azure":{"keys":[{"value":"k",` +
			`"azure_key_config":{"endpoint":"example"}}]}}}`,
			[]string{"providers.azure.keys[0].azure_key_config.endpoint: must be an absolute"}},
		{"bedrock half credentials", `{"providers":{"bedrock":{"keys":[{` +
			`"bedrock_key_config":{"access_key":"a","region":"us-east-1"}}]}}}`,
			[]string{"providers.bedrock.keys[0].bedrock_key_config: " +
				"access_key and secret_key must be set together"}},
		{"vertex without region", `{"providers":{"vertex":{"keys":[{` +
			`"vertex_key_config":{"project_id":"p"}}]}}}`,
			[]string{"providers.vertex.keys[0].vertex_key_config.region: required for vertex"}},
		{"deployments not strings", `{"providers":{"azure":{"keys":[{"value":"k",` +
			`"azure_key_config":{"endpoint":"https://a.example","deployments":{"gpt-4o":1}}}]}}}`,
			[]string{"providers.azure.keys[0].azure_key_config.deployments.gpt-4o: " +
				"must be a string, got a number"}},
		{"every problem reported",
			`{"client":{"initial_pool_size":-5},"providers":{"groq":{"keys":[{"value":1}]}}}`,
			[]string{"client.initial_pool_size: must be ≥ 0, got -5",
				"providers.groq.keys[0].value: must be a string, got a number"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, err := LoadBytes([]byte(tt.doc), env())
			if err == nil {
				t.Fatalf("LoadBytes succeeded (%v), want an error", f)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error:\n%v\nwant it to contain:\n%s", err, want)
				}
			}
		})
	}
}

// A path-qualified error can be inspected with errors.As.
func TestLoadErrorIsFieldError(t *testing.T) {
	_, _, err := LoadBytes([]byte(`{"client":{"initial_pool_size":-1}}`), env())
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Path != "client.initial_pool_size" {
		t.Fatalf("errors.As(%v) = %v, want a FieldError for client.initial_pool_size", err, fe)
	}
}

// Zero and absent sizes are left zero for the engine's defaults; a buffer smaller
// than the concurrency is allowed.
func TestLoadZeroMeansDefault(t *testing.T) {
	f, _ := mustLoad(t, `{"providers":{
		"openai":{"keys":[{"value":"k"}],"concurrency_and_buffer_size":{"concurrency":0}},
		"groq":{"keys":[{"value":"k"}],
			"concurrency_and_buffer_size":{"concurrency":8,"buffer_size":2}}}}`,
		env())
	got := f.Providers[schemas.OpenAI].Config
	if !reflect.DeepEqual(got, schemas.ProviderConfig{}) {
		t.Errorf("openai config = %+v, want zero", got)
	}
	want := schemas.ConcurrencyAndBufferSize{Concurrency: 8, BufferSize: 2}
	if got := f.Providers[schemas.Groq].Config.ConcurrencyAndBufferSize; got != want {
		t.Errorf("groq sizes = %+v, want %+v", got, want)
	}
}

// Unknown keys do not stop loading; each is reported by its path.
func TestLoadWarnings(t *testing.T) {
	const key = `{"value":"k","colour":"blue"}`
	doc := `{"clinet":{},"mcp":{},"client":{"poolsize":3},"providers":{"openai":{
		"keys":[` + key + `],"extra":1,"meta_config":{},
		"network_config":{"base_url":"https://a.example","timeout":5,"ca_cert_pem":"x"},
		"concurrency_and_buffer_size":{"concurency":3}},
		"anthropic":{"keys":[{"value":"k","azure_key_config":{"endpoint":"https://a.example"}}]}}}`
	f, warnings := mustLoad(t, doc, env())

	want := []string{
		"clinet: unknown key; ignored",
		"client.poolsize: unknown key; ignored",
		"mcp: Bifrost setting not supported by sluice; ignored",
		"providers.anthropic.keys[0].azure_key_config: " +
			"only the azure provider reads this; ignored",
		"providers.openai.concurrency_and_buffer_size.concurency: unknown key; ignored",
		"providers.openai.extra: unknown key; ignored",
		"providers.openai.keys[0].colour: unknown key; ignored",
		"providers.openai.meta_config: Bifrost's legacy meta_config is not supported",
		"providers.openai.network_config.ca_cert_pem: " +
			"Bifrost setting not supported by sluice; ignored",
		"providers.openai.network_config.timeout: unknown key; ignored",
	}
	got := warningStrings(warnings)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("warnings:\n%s\nmissing: %s", got, w)
		}
	}
	if len(warnings) != len(want) {
		t.Errorf("got %d warnings, want %d:\n%s", len(warnings), len(want), got)
	}
	if f.Providers[schemas.Anthropic].Keys[0].AzureKeyConfig != nil {
		t.Error("azure_key_config under anthropic was kept, want it dropped")
	}
}

// A key repeated in one object is reported; the last value wins, as in Bifrost.
func TestLoadDuplicateKey(t *testing.T) {
	f, warnings := mustLoad(t, `{"client":{"initial_pool_size":1,"initial_pool_size":2}}`, env())
	if f.Client.InitialPoolSize != 2 {
		t.Errorf("initial_pool_size = %d, want the last value 2", f.Client.InitialPoolSize)
	}
	want := "client.initial_pool_size: duplicate key; the last value is used"
	if got := warningStrings(warnings); got != want {
		t.Errorf("warnings = %q, want %q", got, want)
	}
}

// "env.NAME" works in every string: key values, URLs, credentials, models, headers.
func TestLoadEnvResolution(t *testing.T) {
	doc := `{"providers":{
		"openai":{"keys":[{"value":"env.OAI","models":["env.MODEL"]}],
			"network_config":{"base_url":"env.OAI_URL","extra_headers":{"X-Team":"env.TEAM"}}},
		"bedrock":{"keys":[{"bedrock_key_config":{"access_key":"env.AK","secret_key":"env.SK",
			"region":"env.REGION"}}]}}}`
	f, _ := mustLoad(t, doc, env("OAI", "sk-1", "MODEL", "gpt-4o",
		"OAI_URL", "http://127.0.0.1:9/", "TEAM", "red",
		"AK", "ak", "SK", "sk", "REGION", "eu-west-1"))

	oa := f.Providers[schemas.OpenAI]
	if k := oa.Keys[0]; k.Value != "sk-1" || k.Models[0] != "gpt-4o" {
		t.Errorf("openai key = %+v", k)
	}
	n := oa.Config.NetworkConfig
	if n.BaseURL != "http://127.0.0.1:9" || n.ExtraHeaders["X-Team"] != "red" {
		t.Errorf("openai network_config = %+v", n)
	}
	br := f.Providers[schemas.Bedrock].Keys[0].BedrockKeyConfig
	if br.AccessKey != "ak" || br.SecretKey != "sk" || br.Region != "eu-west-1" {
		t.Errorf("bedrock_key_config = %+v", br)
	}
}

// A missing variable names the path and the variable, and no secret appears.
func TestLoadEnvErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"unset key", `{"providers":{"openai":{"keys":[{"value":"env.OPENAI_API_KEY"}]}}}`,
			"providers.openai.keys[0].value: environment variable OPENAI_API_KEY is not set"},
		{"unset secret_key", `{"providers":{"bedrock":{"keys":[{"bedrock_key_config":` +
			`{"access_key":"AKIAVISIBLE","secret_key":"env.AWS_SK"}}]}}}`,
			"providers.bedrock.keys[0].bedrock_key_config.secret_key: " +
				"environment variable AWS_SK is not set"},
		{"bad name", `{"providers":{"openai":{"keys":[{"value":"env.OPENAI-KEY"}]}}}`,
			`providers.openai.keys[0].value: ` +
				`"OPENAI-KEY" is not a valid environment variable name`},
		{"empty name", `{"providers":{"openai":{"keys":[{"value":"env."}]}}}`,
			`providers.openai.keys[0].value: "" is not a valid environment variable name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := LoadBytes([]byte(tt.doc), env("OTHER", "sk-should-not-leak"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "AKIAVISIBLE") {
				t.Errorf("error repeats a credential: %v", err)
			}
			if strings.Count(err.Error(), "\n") != 1 {
				t.Errorf("want exactly one problem (no 'value required' echo), got:\n%v", err)
			}
		})
	}
}

// Load reads files from disk and names them in errors.
func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(good, []byte(`{"client":{"initial_pool_size":7}}`), 0o600)
	os.WriteFile(bad, []byte(`{"client":{"initial_pool_size":-7}}`), 0o600)

	if f, _, err := Load(good); err != nil || f.Client.InitialPoolSize != 7 {
		t.Errorf("Load(good) = %+v, %v", f, err)
	}
	if _, _, err := Load(bad); err == nil || !strings.Contains(err.Error(), bad) ||
		!strings.Contains(err.Error(), "client.initial_pool_size: must be ≥ 0, got -7") {
		t.Errorf("Load(bad) error = %v, want the file name and the path", err)
	}
	if _, _, err := Load(filepath.Join(dir, "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) error = %v, want os.ErrNotExist", err)
	}
}
