package config

import (
	"strings"

	"github.com/sluicegw/sluice/schemas"
)

// envKeys maps providers to the variables their own SDKs and CLIs read for an API
// key; the first one set wins.
var envKeys = []struct {
	provider schemas.ModelProvider
	vars     []string
}{
	{schemas.OpenAI, []string{"OPENAI_API_KEY"}},
	{schemas.Anthropic, []string{"ANTHROPIC_API_KEY"}},
	{schemas.Gemini, []string{"GEMINI_API_KEY", "GOOGLE_API_KEY"}},
	{schemas.Cohere, []string{"COHERE_API_KEY", "CO_API_KEY"}},
	{schemas.Mistral, []string{"MISTRAL_API_KEY"}},
	{schemas.Groq, []string{"GROQ_API_KEY"}},
	{schemas.OpenRouter, []string{"OPENROUTER_API_KEY"}},
	{schemas.Together, []string{"TOGETHER_API_KEY"}},
	{schemas.Fireworks, []string{"FIREWORKS_API_KEY"}},
	{schemas.DeepSeek, []string{"DEEPSEEK_API_KEY"}},
	{schemas.XAI, []string{"XAI_API_KEY"}},
	{schemas.Perplexity, []string{"PERPLEXITY_API_KEY", "PPLX_API_KEY"}},
	{schemas.Cerebras, []string{"CEREBRAS_API_KEY"}},
}

// FromEnvironment builds the configuration used when there is no config file: one
// key per provider whose API key variable is set (OPENAI_API_KEY,
// ANTHROPIC_API_KEY, GEMINI_API_KEY, GROQ_API_KEY, …), Azure OpenAI when both
// AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT are set, and Bedrock when
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set. Providers get default
// settings. Vertex, Ollama and vLLM need a config file. The result may have no
// providers at all.
func FromEnvironment(getenv func(string) string) *File {
	f := &File{Providers: make(map[schemas.ModelProvider]*ProviderEntry)}
	for _, ek := range envKeys {
		if v := firstSet(getenv, ek.vars...); v != "" {
			f.Providers[ek.provider] = envEntry(ek.provider, schemas.Key{Value: v})
		}
	}
	if k, ok := azureFromEnv(getenv); ok {
		f.Providers[schemas.Azure] = envEntry(schemas.Azure, k)
	}
	if k, ok := bedrockFromEnv(getenv); ok {
		f.Providers[schemas.Bedrock] = envEntry(schemas.Bedrock, k)
	}
	return f
}

func envEntry(p schemas.ModelProvider, k schemas.Key) *ProviderEntry {
	k.ID = string(p) + "-env"
	k.Weight = 1
	return &ProviderEntry{Keys: []schemas.Key{k}}
}

// azureFromEnv reads the variables of Azure's own OpenAI client libraries. The API
// version is optional; the adapter has a default.
func azureFromEnv(getenv func(string) string) (schemas.Key, bool) {
	key, endpoint := getenv("AZURE_OPENAI_API_KEY"), getenv("AZURE_OPENAI_ENDPOINT")
	if key == "" || endpoint == "" {
		return schemas.Key{}, false
	}
	return schemas.Key{Value: key, AzureKeyConfig: &schemas.AzureKeyConfig{
		Endpoint:   strings.TrimRight(endpoint, "/"),
		APIVersion: firstSet(getenv, "AZURE_OPENAI_API_VERSION", "OPENAI_API_VERSION"),
	}}, true
}

// bedrockFromEnv reads the AWS SDK's standard variables.
func bedrockFromEnv(getenv func(string) string) (schemas.Key, bool) {
	access, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	if access == "" || secret == "" {
		return schemas.Key{}, false
	}
	return schemas.Key{BedrockKeyConfig: &schemas.BedrockKeyConfig{
		AccessKey:    access,
		SecretKey:    secret,
		SessionToken: getenv("AWS_SESSION_TOKEN"),
		Region:       firstSet(getenv, "AWS_REGION", "AWS_DEFAULT_REGION"),
	}}, true
}

func firstSet(getenv func(string) string, names ...string) string {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return v
		}
	}
	return ""
}
