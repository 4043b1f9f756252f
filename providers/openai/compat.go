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
	// NoEmbeddings, NoTextCompletions and NoTools mark operations the API does not
	// offer. The engine refuses them with a 400 naming the operation, rather than
	// sending them where the answer would be a 404, or tools the API would ignore.
	NoEmbeddings      bool
	NoTextCompletions bool
	NoTools           bool

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
// The entries reflect each API's documentation when they were written; the comment
// above an entry names the page its operations were read from. Every API listed
// offers chat completions and streams them. They are tested against mock servers,
// not against the live APIs.
var Dialects = map[schemas.ModelProvider]Dialect{
	schemas.OpenAI: {DefaultBaseURL: "https://api.openai.com", Prefix: "/v1"},
	// console.groq.com/docs/api-reference: chat, responses, audio, batches, files and
	// models; neither embeddings nor legacy completions.
	schemas.Groq: {DefaultBaseURL: "https://api.groq.com/openai", Prefix: "/v1",
		DeveloperAsSystem: true, NoEmbeddings: true, NoTextCompletions: true},
	// docs.mistral.ai/api: chat and embeddings; its completions are fill-in-the-middle
	// at /v1/fim/completions, with a body other than OpenAI's /v1/completions.
	schemas.Mistral: {DefaultBaseURL: "https://api.mistral.ai", Prefix: "/v1",
		DeveloperAsSystem: true, NoStreamOptions: true, NoTextCompletions: true},
	// openrouter.ai/docs/api/api-reference: chat, completions and embeddings.
	schemas.OpenRouter: {DefaultBaseURL: "https://openrouter.ai/api", Prefix: "/v1",
		TopK: true, DeveloperAsSystem: true},
	// docs.together.ai/reference: chat, completions and embeddings.
	schemas.Together: {DefaultBaseURL: "https://api.together.xyz", Prefix: "/v1",
		TopK: true, DeveloperAsSystem: true},
	// docs.fireworks.ai/api-reference: chat, completions and embeddings.
	schemas.Fireworks: {DefaultBaseURL: "https://api.fireworks.ai/inference", Prefix: "/v1",
		TopK: true, DeveloperAsSystem: true},
	// api-docs.deepseek.com: chat; no embeddings. Its completions are a beta served
	// only under https://api.deepseek.com/beta, without the /v1 this entry adds.
	schemas.DeepSeek: {DefaultBaseURL: "https://api.deepseek.com", Prefix: "/v1",
		DeveloperAsSystem: true, NoEmbeddings: true, NoTextCompletions: true},
	// docs.x.ai/docs/api-reference: chat, responses and legacy completions; no
	// embeddings.
	schemas.XAI: {DefaultBaseURL: "https://api.x.ai", Prefix: "/v1",
		DeveloperAsSystem: true, NoEmbeddings: true},
	// docs.perplexity.ai: Sonar chat completions, without function calling and without
	// legacy completions. Its embeddings (at /v1/embeddings, beside a chat endpoint
	// without /v1) come only as base64 int8 or binary, which the unified float vectors
	// do not carry, so they are refused too.
	schemas.Perplexity: {DefaultBaseURL: "https://api.perplexity.ai",
		TopK: true, DeveloperAsSystem: true,
		NoEmbeddings: true, NoTextCompletions: true, NoTools: true},
	// inference-docs.cerebras.ai/api-reference: chat, completions and models; no
	// embeddings.
	schemas.Cerebras: {DefaultBaseURL: "https://api.cerebras.ai", Prefix: "/v1",
		DeveloperAsSystem: true, NoEmbeddings: true},
	// docs.ollama.com/api/openai-compatibility: chat with tools, completions and
	// embeddings.
	schemas.Ollama: {Prefix: "/v1", Auth: AuthOptional, DeveloperAsSystem: true},
	// docs.vllm.ai, OpenAI-compatible server: chat, completions, and embeddings for
	// embedding models; tools need the server's --enable-auto-tool-choice.
	schemas.VLLM: {Prefix: "/v1", Auth: AuthOptional, TopK: true, DeveloperAsSystem: true},
}

var _ providers.Capabilities = (*Provider)(nil)

// Supports reports whether the provider's API offers op, as its dialect says.
func (p *Provider) Supports(op providers.Op) bool {
	switch op {
	case providers.OpEmbedding:
		return !p.dialect.NoEmbeddings
	case providers.OpTextCompletion:
		return !p.dialect.NoTextCompletions
	case providers.OpTools:
		return !p.dialect.NoTools
	}
	return true
}
