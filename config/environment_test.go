package config

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/sluicegw/sluice/schemas"
)

func TestFromEnvironment(t *testing.T) {
	f := FromEnvironment(env(
		"OPENAI_API_KEY", "sk-o",
		"ANTHROPIC_API_KEY", "sk-a",
		"GOOGLE_API_KEY", "g-fallback",
		"GROQ_API_KEY", "",
		"AZURE_OPENAI_API_KEY", "az",
		"AZURE_OPENAI_ENDPOINT", "https://r.openai.azure.com/",
		"AWS_ACCESS_KEY_ID", "ak",
		"AWS_SECRET_ACCESS_KEY", "sk",
		"AWS_DEFAULT_REGION", "eu-west-1",
	))
	a := f.Account()
	names, _ := a.GetConfiguredProviders()
	want := []schemas.ModelProvider{schemas.Anthropic, schemas.Azure, schemas.Bedrock,
		schemas.Gemini, schemas.OpenAI}
	if !slices.Equal(names, want) {
		t.Fatalf("providers = %v, want %v (empty GROQ_API_KEY is unset)", names, want)
	}

	ctx := context.Background()
	keys, _ := a.GetKeysForProvider(ctx, schemas.OpenAI)
	if !reflect.DeepEqual(keys, []schemas.Key{{ID: "openai-env", Value: "sk-o", Weight: 1}}) {
		t.Errorf("openai keys = %+v", keys)
	}
	keys, _ = a.GetKeysForProvider(ctx, schemas.Gemini)
	if keys[0].Value != "g-fallback" {
		t.Errorf("gemini key = %+v, want GOOGLE_API_KEY as fallback", keys[0])
	}
	keys, _ = a.GetKeysForProvider(ctx, schemas.Azure)
	if az := keys[0].AzureKeyConfig; keys[0].Value != "az" || az == nil ||
		az.Endpoint != "https://r.openai.azure.com" {
		t.Errorf("azure key = %+v", keys[0])
	}
	keys, _ = a.GetKeysForProvider(ctx, schemas.Bedrock)
	br := keys[0].BedrockKeyConfig
	if br == nil || br.AccessKey != "ak" || br.SecretKey != "sk" || br.Region != "eu-west-1" {
		t.Errorf("bedrock key = %+v", keys[0])
	}
	if cfg, _ := a.GetConfigForProvider(schemas.OpenAI); !reflect.DeepEqual(*cfg,
		schemas.ProviderConfig{}) {
		t.Errorf("openai config = %+v, want engine defaults (zero)", cfg)
	}
}

func TestFromEnvironmentEmpty(t *testing.T) {
	// Azure needs both variables; one alone configures nothing.
	f := FromEnvironment(env("AZURE_OPENAI_API_KEY", "az"))
	if len(f.Providers) != 0 {
		t.Errorf("providers = %v, want none", f.Providers)
	}
}
