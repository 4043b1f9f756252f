package config

import (
	"context"
	"maps"
	"slices"

	"github.com/sluicegw/sluice/schemas"
)

// Account serves a File's providers, keys and settings to the engine. It is an
// immutable snapshot, so it is safe for concurrent use without locks.
type Account struct {
	names   []schemas.ModelProvider
	entries map[schemas.ModelProvider]*ProviderEntry
}

var _ schemas.Account = (*Account)(nil)

// Account returns a snapshot of f as a schemas.Account. Later changes to f do not
// affect it. A nil File yields an account with no providers.
func (f *File) Account() *Account {
	a := &Account{entries: make(map[schemas.ModelProvider]*ProviderEntry)}
	if f == nil {
		return a
	}
	for name, e := range f.Providers {
		if e == nil {
			continue
		}
		a.entries[name] = e.clone()
		a.names = append(a.names, name)
	}
	slices.Sort(a.names)
	return a
}

// GetConfiguredProviders returns the account's providers in name order.
func (a *Account) GetConfiguredProviders() ([]schemas.ModelProvider, error) {
	return slices.Clone(a.names), nil
}

// GetKeysForProvider returns p's enabled keys, with "env.NAME" values resolved.
// It does not copy them, because the engine calls it for every request: callers
// must treat the keys, their Models slices and their Deployments maps as read-only.
// A provider not in the account yields an error matching
// schemas.ErrProviderNotConfigured.
func (a *Account) GetKeysForProvider(
	_ context.Context, p schemas.ModelProvider,
) ([]schemas.Key, error) {
	e, ok := a.entries[p]
	if !ok {
		return nil, notConfigured(p)
	}
	return e.Keys, nil
}

// GetConfigForProvider returns a copy of p's settings. Fields the config left out are
// zero; the engine applies its defaults to them.
func (a *Account) GetConfigForProvider(p schemas.ModelProvider) (*schemas.ProviderConfig, error) {
	e, ok := a.entries[p]
	if !ok {
		return nil, notConfigured(p)
	}
	c := e.Config
	c.NetworkConfig.ExtraHeaders = maps.Clone(c.NetworkConfig.ExtraHeaders)
	return &c, nil
}

func notConfigured(p schemas.ModelProvider) error {
	return schemas.NewError(schemas.ErrProviderNotConfigured, p,
		"provider %q is not configured", p)
}

// clone copies e deeply enough that no slice or map is shared with it.
func (e *ProviderEntry) clone() *ProviderEntry {
	c := &ProviderEntry{Config: e.Config, Keys: make([]schemas.Key, len(e.Keys))}
	c.Config.NetworkConfig.ExtraHeaders = maps.Clone(e.Config.NetworkConfig.ExtraHeaders)
	for i, k := range e.Keys {
		k.Models = slices.Clone(k.Models)
		if k.AzureKeyConfig != nil {
			az := *k.AzureKeyConfig
			az.Deployments = maps.Clone(az.Deployments)
			k.AzureKeyConfig = &az
		}
		if k.BedrockKeyConfig != nil {
			br := *k.BedrockKeyConfig
			br.Deployments = maps.Clone(br.Deployments)
			k.BedrockKeyConfig = &br
		}
		if k.VertexKeyConfig != nil {
			vx := *k.VertexKeyConfig
			vx.Deployments = maps.Clone(vx.Deployments)
			k.VertexKeyConfig = &vx
		}
		c.Keys[i] = k
	}
	return c
}
