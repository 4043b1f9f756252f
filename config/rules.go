package config

import "github.com/sluicegw/sluice/schemas"

// keyless reports whether prov works without credentials.
func keyless(prov schemas.ModelProvider) bool {
	return prov == schemas.Ollama || prov == schemas.VLLM
}

// checkProvider enforces what a provider needs as a whole. Checks of single keys are
// in checkKey.
func (l *loader) checkProvider(p jsonPath, prov schemas.ModelProvider, e *ProviderEntry) {
	if keyless(prov) {
		if e.Config.NetworkConfig.BaseURL == "" {
			l.fail(p.key("network_config").key("base_url"),
				"required for %s, which has no public endpoint", prov)
		}
		return
	}
	if len(e.Keys) == 0 {
		l.fail(p.key("keys"), "at least one enabled key is required for %s", prov)
	}
}

// checkKey enforces what prov needs from each key. Bedrock may use the default AWS
// credential chain and Vertex its service account, so neither needs a value.
func (l *loader) checkKey(p jsonPath, prov schemas.ModelProvider, k *schemas.Key) {
	switch prov {
	case schemas.Ollama, schemas.VLLM:
	case schemas.Azure:
		l.requireValue(p, prov, k)
		l.checkAzure(p.key("azure_key_config"), k.AzureKeyConfig)
	case schemas.Bedrock:
		l.checkBedrock(p.key("bedrock_key_config"), k.BedrockKeyConfig)
	case schemas.Vertex:
		l.checkVertex(p.key("vertex_key_config"), k.VertexKeyConfig)
	default:
		l.requireValue(p, prov, k)
	}
}

func (l *loader) requireValue(p jsonPath, prov schemas.ModelProvider, k *schemas.Key) {
	if k.Value == "" {
		l.fail(p.key("value"), "required for %s", prov)
	}
}

func (l *loader) checkAzure(p jsonPath, c *schemas.AzureKeyConfig) {
	switch {
	case c == nil:
		l.fail(p, "required for azure (endpoint, deployments, api_version)")
	case c.Endpoint == "":
		l.fail(p.key("endpoint"), "required for azure")
	}
}

func (l *loader) checkBedrock(p jsonPath, c *schemas.BedrockKeyConfig) {
	if c == nil {
		return
	}
	if (c.AccessKey == "") != (c.SecretKey == "") {
		l.fail(p, "access_key and secret_key must be set together")
	}
	if c.SessionToken != "" && c.AccessKey == "" {
		l.fail(p.key("session_token"), "needs access_key and secret_key")
	}
}

func (l *loader) checkVertex(p jsonPath, c *schemas.VertexKeyConfig) {
	switch {
	case c == nil:
		l.fail(p, "required for vertex (project_id, region)")
	case c.ProjectID == "":
		l.fail(p.key("project_id"), "required for vertex")
	case c.Region == "":
		l.fail(p.key("region"), "required for vertex")
	}
}
