package openai

import (
	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// Auth says how a dialect sends the key.
type Auth int

// Auth styles.
const (
	// AuthBearer sends "Authorization: Bearer <key>" and refuses a call without a key.
	AuthBearer Auth = iota
	// AuthOptional sends a bearer token when the call has a key and nothing otherwise,
	// for self-hosted servers that may run with or without one.
	AuthOptional
)

// Dialect is what sets one OpenAI-compatible API apart from OpenAI's own: where it
// lives, how it authenticates, and which of the request fields it accepts. A request
// using a field the dialect lacks is refused with ErrUnsupported naming the field.
type Dialect struct {
	// DefaultBaseURL is used when the configuration sets no base_url. Empty means the
	// provider has no public endpoint and base_url is required.
	DefaultBaseURL string
	// Prefix is put between the base URL and the endpoint ("/chat/completions"):
	// "/v1" for most APIs, empty for those that serve the endpoints at their root.
	Prefix string
	// Auth is how the key is sent.
	Auth Auth
	// TopK reports whether the API accepts top_k.
	TopK bool
	// DeveloperAsSystem sends "developer" messages with the role "system", for APIs
	// that predate the developer role. Both roles carry the same instructions.
	DeveloperAsSystem bool
	// NoStreamOptions leaves out stream_options, for APIs that refuse the field. Such
	// APIs must report usage on their own in the last chunk, or streams carry none.
	NoStreamOptions bool

	// Route, if not nil, returns the URL of one call to endpoint ("/chat/completions",
	// "/completions" or "/embeddings"), for APIs whose URLs depend on the key or the
	// model, such as Azure OpenAI's per-resource deployments. base is the configured
	// base_url, or DefaultBaseURL. Nil means base + Prefix + endpoint.
	Route func(base string, key *schemas.Key, model, endpoint string) (string, error)
	// Authorize, if not nil, sends the key in place of the Auth style, for APIs with
	// their own credential header.
	Authorize providers.Authorizer
}

// Dialects is the OpenAI-compatible family: every provider served by this adapter,
// with its defaults. The engine builds these providers with NewCompatible and the
// provider's entry; an explicit base_url always wins over DefaultBaseURL.
//
// The entries reflect each API's documentation when they were written. They are
// tested against mock servers, not against the live APIs.
var Dialects = map[schemas.ModelProvider]Dialect{
	schemas.OpenAI: {DefaultBaseURL: "https://api.openai.com", Prefix: "/v1"},
	schemas.Groq: {DefaultBaseURL: "https://api.groq.com/openai", Prefix: "/v1",
		DeveloperAsSystem: true},
	schemas.Mistral: {DefaultBaseURL: "https://api.mistral.ai", Prefix: "/v1",
		DeveloperAsSystem: true, NoStreamOptions: true},
	schemas.OpenRouter: {DefaultBaseURL: "https://openrouter.ai/api", Prefix: "/v1",
		TopK: true, DeveloperAsSystem: true},
	schemas.Together: {DefaultBaseURL: "https://api.together.xyz", Prefix: "/v1",
		TopK: true, DeveloperAsSystem: true},
	schemas.Fireworks: {DefaultBaseURL: "https://api.fireworks.ai/inference", Prefix: "/v1",
		TopK: true, DeveloperAsSystem: true},
	schemas.DeepSeek: {DefaultBaseURL: "https://api.deepseek.com", Prefix: "/v1",
		DeveloperAsSystem: true},
	schemas.XAI: {DefaultBaseURL: "https://api.x.ai", Prefix: "/v1",
		DeveloperAsSystem: true},
	schemas.Perplexity: {DefaultBaseURL: "https://api.perplexity.ai",
		TopK: true, DeveloperAsSystem: true},
	schemas.Cerebras: {DefaultBaseURL: "https://api.cerebras.ai", Prefix: "/v1",
		DeveloperAsSystem: true},
	schemas.Ollama: {Prefix: "/v1", Auth: AuthOptional, DeveloperAsSystem: true},
	schemas.VLLM:   {Prefix: "/v1", Auth: AuthOptional, TopK: true, DeveloperAsSystem: true},
}
