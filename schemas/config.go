package schemas

import (
	"context"
	"log/slog"
	"time"
)

// DefaultInitialPoolSize is the number of objects prewarmed in each pool when
// Config.InitialPoolSize is zero.
const DefaultInitialPoolSize = 100

// Config configures a sluice client. The zero value of every field but Account is usable.
type Config struct {
	// Account supplies the configured providers, their keys and their settings.
	// It is required.
	Account Account

	// InitialPoolSize is how many objects each internal pool creates at Init and keeps
	// for reuse. Zero means DefaultInitialPoolSize; a negative value is an error.
	InitialPoolSize int

	// DropExcessRequests makes a call fail at once with ErrQueueFull when its provider's
	// queue is full. When false, the call waits for room until its context ends.
	DropExcessRequests bool

	// Logger receives the client's logs. Nil means slog.Default().
	Logger *slog.Logger
}

// Account is where a client finds its providers, their keys and their settings.
// Implementations must be safe for concurrent use: GetKeysForProvider is called on
// every request so that keys can rotate without restarting.
type Account interface {
	// GetConfiguredProviders lists the providers this account can reach.
	GetConfiguredProviders() ([]ModelProvider, error)
	// GetKeysForProvider returns the keys usable for p. Keyless providers return none.
	GetKeysForProvider(ctx context.Context, p ModelProvider) ([]Key, error)
	// GetConfigForProvider returns p's settings. It is called once, when p is first used.
	GetConfigForProvider(p ModelProvider) (*ProviderConfig, error)
}

// Key is one credential for a provider.
type Key struct {
	// ID names the key in logs and metrics; it is never the secret itself.
	ID string `json:"id,omitempty"`
	// Value is the secret (API key or token). It never appears in logs or errors.
	Value string `json:"value"`
	// Models lists the models this key may be used for; empty means every model.
	Models []string `json:"models,omitempty"`
	// Weight biases the random choice among eligible keys. If every eligible key has
	// weight zero, the choice is uniform.
	Weight float64 `json:"weight"`

	// AzureKeyConfig holds the Azure OpenAI settings of this key, if any.
	AzureKeyConfig *AzureKeyConfig `json:"azure_key_config,omitempty"`
	// BedrockKeyConfig holds the AWS Bedrock settings of this key, if any.
	BedrockKeyConfig *BedrockKeyConfig `json:"bedrock_key_config,omitempty"`
	// VertexKeyConfig holds the Google Vertex AI settings of this key, if any.
	VertexKeyConfig *VertexKeyConfig `json:"vertex_key_config,omitempty"`
}

// AzureKeyConfig addresses an Azure OpenAI resource.
type AzureKeyConfig struct {
	Endpoint string `json:"endpoint"`
	// Deployments maps a model name to the deployment that serves it.
	Deployments map[string]string `json:"deployments,omitempty"`
	APIVersion  string            `json:"api_version,omitempty"`
}

// BedrockKeyConfig holds AWS credentials and routing for Bedrock. Empty AccessKey and
// SecretKey mean the default AWS credential chain.
type BedrockKeyConfig struct {
	AccessKey    string `json:"access_key,omitempty"`
	SecretKey    string `json:"secret_key,omitempty"`
	SessionToken string `json:"session_token,omitempty"`
	Region       string `json:"region,omitempty"`
	// Deployments maps a model name to the model ID or inference profile to call.
	Deployments map[string]string `json:"deployments,omitempty"`
}

// VertexKeyConfig addresses a Google Cloud project for Vertex AI.
type VertexKeyConfig struct {
	ProjectID string `json:"project_id"`
	Region    string `json:"region"`
	// AuthCredentials is a service-account JSON document.
	AuthCredentials string `json:"auth_credentials,omitempty"`
	// Deployments maps a model name to the endpoint or model to call.
	Deployments map[string]string `json:"deployments,omitempty"`
}

// ProviderConfig is the per-provider configuration.
type ProviderConfig struct {
	NetworkConfig            NetworkConfig            `json:"network_config"`
	ConcurrencyAndBufferSize ConcurrencyAndBufferSize `json:"concurrency_and_buffer_size"`
}

// NetworkConfig says how to reach a provider and how hard to try.
type NetworkConfig struct {
	// BaseURL is the provider's root (for example "https://api.openai.com"); the
	// adapter appends the API path. Empty means the provider's public endpoint.
	BaseURL string `json:"base_url,omitempty"`
	// ExtraHeaders are added to every upstream request.
	ExtraHeaders map[string]string `json:"extra_headers,omitempty"`
	// DefaultRequestTimeoutInSeconds bounds the wait for response headers and for a
	// whole non-streamed body. Zero means DefaultRequestTimeout.
	DefaultRequestTimeoutInSeconds int `json:"default_request_timeout_in_seconds,omitempty"`
	// StreamIdleTimeoutInSeconds bounds the silence between two chunks of a stream.
	// Zero means DefaultStreamIdleTimeout.
	StreamIdleTimeoutInSeconds int `json:"stream_idle_timeout_in_seconds,omitempty"`
	// MaxRetries is how many times a retryable failure is tried again (0: never).
	MaxRetries int `json:"max_retries,omitempty"`
	// RetryBackoffInitial and RetryBackoffMax bound the exponential backoff between
	// retries. Zero values mean DefaultRetryBackoffInitial and DefaultRetryBackoffMax.
	RetryBackoffInitial time.Duration `json:"retry_backoff_initial,omitempty"`
	RetryBackoffMax     time.Duration `json:"retry_backoff_max,omitempty"`
}

// Network defaults used where NetworkConfig leaves a field zero.
const (
	DefaultRequestTimeout      = 30 * time.Second
	DefaultStreamIdleTimeout   = 30 * time.Second
	DefaultRetryBackoffInitial = 500 * time.Millisecond
	DefaultRetryBackoffMax     = 5 * time.Second
)

// ConcurrencyAndBufferSize sizes a provider's worker pool and queue.
type ConcurrencyAndBufferSize struct {
	// Concurrency is the number of workers: the most upstream calls in flight.
	Concurrency int `json:"concurrency"`
	// BufferSize is how many requests may wait for a worker.
	BufferSize int `json:"buffer_size"`
}

// DefaultConcurrencyAndBufferSize applies to a provider that sets neither field.
// By Little's law a provider serving R requests/s at L seconds of latency needs R·L
// workers: 1000 workers sustain 10,000 requests/s at 100 ms or 500 requests/s at 2 s.
// An idle worker costs one parked goroutine (a few KiB).
var DefaultConcurrencyAndBufferSize = ConcurrencyAndBufferSize{
	Concurrency: 1000,
	BufferSize:  5000,
}
