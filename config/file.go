package config

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/sluicegw/sluice/schemas"
)

// File is a loaded config.json with every "env.NAME" already resolved. Build one
// with Load, LoadBytes or FromEnvironment, or by hand (the gateway's demo mode does).
// A File holds secrets: log it through its String or LogValue methods, which redact
// them, and do not marshal it.
type File struct {
	// Client holds the settings of the "client" section.
	Client ClientConfig
	// Providers holds one entry per configured provider.
	Providers map[schemas.ModelProvider]*ProviderEntry
}

// ClientConfig is the "client" section. Zero values mean "not set in the file": the
// flag, environment variable or default decides (see Parse).
type ClientConfig struct {
	// InitialPoolSize is client.initial_pool_size: objects prewarmed per pool.
	InitialPoolSize int
	// DropExcessRequests is client.drop_excess_requests: refuse at once when a
	// provider's queue is full instead of waiting.
	DropExcessRequests bool
	// MaxRequestBodySizeMB is client.max_request_body_size_mb: the largest request
	// body the gateway accepts, in MiB.
	MaxRequestBodySizeMB int
}

// ProviderEntry is one member of the "providers" section.
type ProviderEntry struct {
	// Keys are the provider's credentials, in file order, with disabled keys
	// ("enabled": false) left out. Every key has an ID: its "id" or "name" from the
	// file, or "<provider>-<index>".
	Keys []schemas.Key
	// Config holds network_config and concurrency_and_buffer_size. Fields the file
	// leaves out stay zero; the engine applies its defaults to them.
	Config schemas.ProviderConfig
}

// Limits on values, chosen to catch typos (an extra zero or two) rather than to
// restrict real deployments.
const (
	maxFileSize    = 16 << 20
	maxPoolSize    = 1_000_000
	maxConcurrency = 100_000
	maxBufferSize  = 10_000_000
	maxBodyMB      = 4096
	maxRetries     = 100
	maxSeconds     = 24 * 60 * 60
	maxBackoffMS   = 60 * 60 * 1000
)

// Load reads and validates the config file at path, resolving "env.NAME" values
// with os.Getenv. The error lists every invalid value with its JSON path; the
// warnings list unknown or unsupported keys and should be logged by the caller.
func Load(path string) (*File, []Warning, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, nil, err
	}
	return loadNamed(path, data, os.Getenv)
}

// LoadBytes is Load for a document already in memory, with getenv standing in for
// os.Getenv. It never panics, whatever data holds.
func LoadBytes(data []byte, getenv func(string) string) (*File, []Warning, error) {
	return loadNamed("", data, getenv)
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot open config file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read config file %s: %w", path, err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("config file %s is larger than %d MiB", path, maxFileSize>>20)
	}
	return data, nil
}

// loadNamed parses data and prefixes errors with the file's name, if any.
func loadNamed(name string, data []byte, getenv func(string) string) (*File, []Warning, error) {
	prefix := "invalid config"
	if name != "" {
		prefix = "invalid config file " + name
	}
	root, warnings, err := parseTree(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", prefix, err)
	}

	l := &loader{getenv: getenv, warnings: warnings}
	f := l.file(root)
	if len(l.errs) > 0 {
		return nil, l.warnings, fmt.Errorf("%s:\n%w", prefix, joinErrors(l.errs))
	}
	return f, l.warnings, nil
}

func (l *loader) file(root any) *File {
	f := &File{Providers: make(map[schemas.ModelProvider]*ProviderEntry)}
	l.object("", root, fields{
		"$schema":   func(jsonPath, any) {},
		"client":    func(p jsonPath, v any) { f.Client = l.client(p, v) },
		"providers": func(p jsonPath, v any) { l.providers(p, v, f.Providers) },
	}, "mcp", "plugins", "governance", "config_store", "logs_store", "vector_store",
		"auth_config", "encryption_key", "framework", "cluster_config")
	return f
}

func (l *loader) client(p jsonPath, v any) ClientConfig {
	var c ClientConfig
	l.object(p, v, fields{
		"initial_pool_size": func(p jsonPath, v any) {
			c.InitialPoolSize, _ = l.integer(p, v, 0, maxPoolSize)
		},
		"drop_excess_requests": func(p jsonPath, v any) {
			c.DropExcessRequests, _ = l.boolean(p, v)
		},
		"max_request_body_size_mb": func(p jsonPath, v any) {
			c.MaxRequestBodySizeMB, _ = l.integer(p, v, 0, maxBodyMB)
		},
	}, bifrostClientKeys...)
	return c
}

// bifrostClientKeys are Bifrost client settings that sluice accepts and ignores.
var bifrostClientKeys = []string{
	"prometheus_labels", "enable_logging", "disable_content_logging",
	"disable_db_pings_in_health", "log_retention_days", "enforce_auth_on_inference",
	"enforce_governance_header", "enforce_scim_auth", "enable_governance",
	"allow_direct_keys", "allowed_origins", "allowed_headers", "enable_litellm_fallbacks",
	"mcp_agent_depth", "mcp_tool_execution_timeout", "mcp_code_mode_binding_level",
	"mcp_tool_sync_interval", "mcp_disable_auto_tool_inject", "header_filter_config",
	"async_job_result_ttl", "required_headers", "logging_headers",
	"hide_deleted_virtual_keys_in_filters",
}

func (l *loader) providers(p jsonPath, v any, out map[schemas.ModelProvider]*ProviderEntry) {
	m, ok := v.(map[string]any)
	if !ok {
		l.fail(p, "must be an object, got %s", kindOf(v))
		return
	}
	for _, name := range sortedKeys(m) {
		if isComment(name) {
			continue
		}
		pp := p.key(name)
		prov := schemas.ModelProvider(name)
		if !slices.Contains(knownProviders, prov) {
			l.fail(pp, "unknown provider; known providers are %s", knownProviderList())
			continue
		}
		if m[name] == nil {
			continue
		}
		out[prov] = l.provider(pp, prov, m[name])
	}
}

// knownProviders lists every provider a config file may name.
var knownProviders = []schemas.ModelProvider{
	schemas.OpenAI, schemas.Anthropic, schemas.Azure, schemas.Bedrock, schemas.Gemini,
	schemas.Vertex, schemas.Cohere, schemas.Mistral, schemas.Groq, schemas.OpenRouter,
	schemas.Together, schemas.Fireworks, schemas.DeepSeek, schemas.XAI,
	schemas.Perplexity, schemas.Cerebras, schemas.Ollama, schemas.VLLM,
}

func knownProviderList() string {
	names := make([]string, len(knownProviders))
	for i, p := range knownProviders {
		names[i] = string(p)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
