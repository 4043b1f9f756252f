package config

import (
	"strconv"

	"github.com/sluicegw/sluice/schemas"
)

// keys reads a provider's "keys" array, leaving out keys marked "enabled": false.
func (l *loader) keys(p jsonPath, prov schemas.ModelProvider, v any) []schemas.Key {
	a, ok := v.([]any)
	if !ok {
		l.fail(p, "must be an array, got %s", kindOf(v))
		return nil
	}
	keys := make([]schemas.Key, 0, len(a))
	ids := make(map[string]bool, len(a))
	for i, e := range a {
		kp := p.index(i)
		errs := len(l.errs)
		k, enabled := l.key(kp, prov, e)
		if enabled && len(l.errs) == errs {
			// Only a key that read cleanly is checked, so that a missing
			// variable is not reported a second time as a missing value.
			l.checkKey(kp, prov, &k)
		}
		if k.ID == "" {
			k.ID = string(prov) + "-" + strconv.Itoa(i)
		}
		if ids[k.ID] {
			l.fail(kp.key("id"), "duplicate key id %q", k.ID)
		}
		ids[k.ID] = true
		if enabled {
			keys = append(keys, k)
		}
	}
	return keys
}

// key reads one element of "keys" and reports whether it is enabled.
func (l *loader) key(p jsonPath, prov schemas.ModelProvider, v any) (schemas.Key, bool) {
	var k schemas.Key
	var name string
	enabled := true
	l.object(p, v, fields{
		"id":     func(p jsonPath, v any) { k.ID, _ = l.str(p, v) },
		"name":   func(p jsonPath, v any) { name, _ = l.str(p, v) },
		"value":  func(p jsonPath, v any) { k.Value, _ = l.str(p, v) },
		"models": func(p jsonPath, v any) { k.Models = l.strings(p, v) },
		"weight": func(p jsonPath, v any) { k.Weight, _ = l.weight(p, v) },
		"enabled": func(p jsonPath, v any) {
			if b, ok := l.boolean(p, v); ok {
				enabled = b
			}
		},
		"azure_key_config": func(p jsonPath, v any) {
			if c := l.azure(p, v); l.owns(p, prov, schemas.Azure) {
				k.AzureKeyConfig = c
			}
		},
		"bedrock_key_config": func(p jsonPath, v any) {
			if c := l.bedrock(p, v); l.owns(p, prov, schemas.Bedrock) {
				k.BedrockKeyConfig = c
			}
		},
		"vertex_key_config": func(p jsonPath, v any) {
			if c := l.vertex(p, v); l.owns(p, prov, schemas.Vertex) {
				k.VertexKeyConfig = c
			}
		},
	}, "use_for_batch_api", "config_hash", "huggingface_key_config", "vllm_key_config",
		"replicate_key_config")
	if k.ID == "" {
		k.ID = name
	}
	return k, enabled
}

// owns reports whether prov reads the provider-specific key config at p, and warns
// when it does not: a config under another provider would otherwise be dead weight.
func (l *loader) owns(p jsonPath, prov, owner schemas.ModelProvider) bool {
	if prov != owner {
		l.warn(p, "only the %s provider reads this; ignored", owner)
	}
	return prov == owner
}

func (l *loader) azure(p jsonPath, v any) *schemas.AzureKeyConfig {
	c := &schemas.AzureKeyConfig{}
	l.object(p, v, fields{
		"endpoint": func(p jsonPath, v any) {
			if s, ok := l.str(p, v); ok && l.checkURL(p, s) {
				c.Endpoint = s
			}
		},
		"deployments": func(p jsonPath, v any) { c.Deployments = l.stringMap(p, v) },
		"api_version": func(p jsonPath, v any) { c.APIVersion, _ = l.str(p, v) },
	}, "client_id", "client_secret", "tenant_id", "scopes")
	return c
}

func (l *loader) bedrock(p jsonPath, v any) *schemas.BedrockKeyConfig {
	c := &schemas.BedrockKeyConfig{}
	l.object(p, v, fields{
		"access_key":    func(p jsonPath, v any) { c.AccessKey, _ = l.str(p, v) },
		"secret_key":    func(p jsonPath, v any) { c.SecretKey, _ = l.str(p, v) },
		"session_token": func(p jsonPath, v any) { c.SessionToken, _ = l.str(p, v) },
		"region":        func(p jsonPath, v any) { c.Region, _ = l.str(p, v) },
		"deployments":   func(p jsonPath, v any) { c.Deployments = l.stringMap(p, v) },
	}, "arn", "role_arn", "batch_s3_config")
	return c
}

func (l *loader) vertex(p jsonPath, v any) *schemas.VertexKeyConfig {
	c := &schemas.VertexKeyConfig{}
	l.object(p, v, fields{
		"project_id":       func(p jsonPath, v any) { c.ProjectID, _ = l.str(p, v) },
		"region":           func(p jsonPath, v any) { c.Region, _ = l.str(p, v) },
		"auth_credentials": func(p jsonPath, v any) { c.AuthCredentials, _ = l.str(p, v) },
		"deployments":      func(p jsonPath, v any) { c.Deployments = l.stringMap(p, v) },
	}, "project_number")
	return c
}
