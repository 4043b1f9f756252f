// Package schemas holds the public types of sluice: configuration, the Account that
// supplies providers and keys, the unified request and response types, and errors.
//
// The request and response types follow the OpenAI chat completions wire shape, so a
// response marshals to exactly what an OpenAI client expects. Adapters translate to and
// from every other provider's format.
package schemas

// ModelProvider names an upstream provider. The string value is what appears in config
// files and in "provider/model" names on the HTTP gateway.
type ModelProvider string

// Providers known to sluice.
const (
	OpenAI     ModelProvider = "openai"
	Anthropic  ModelProvider = "anthropic"
	Azure      ModelProvider = "azure"
	Bedrock    ModelProvider = "bedrock"
	Gemini     ModelProvider = "gemini"
	Vertex     ModelProvider = "vertex"
	Cohere     ModelProvider = "cohere"
	Mistral    ModelProvider = "mistral"
	Groq       ModelProvider = "groq"
	OpenRouter ModelProvider = "openrouter"
	Together   ModelProvider = "together"
	Fireworks  ModelProvider = "fireworks"
	DeepSeek   ModelProvider = "deepseek"
	XAI        ModelProvider = "xai"
	Perplexity ModelProvider = "perplexity"
	Cerebras   ModelProvider = "cerebras"
	Ollama     ModelProvider = "ollama"
	VLLM       ModelProvider = "vllm"
)
