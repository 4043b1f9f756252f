package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/sluicegw/sluice/schemas"
)

// catalog is the account's providers and the models their keys list, as read at
// start-up. It bounds the label sets of the metrics, and tells the /openai routes which
// prefixes of a model name are providers.
type catalog struct {
	providers []schemas.ModelProvider
	models    map[schemas.ModelProvider][]string // sorted, without duplicates
}

// loadCatalog reads the account. A provider whose keys cannot be read is kept with no
// models and a warning: a key store that is down at start-up should not stop the
// gateway, and requests will report the problem as they come.
func loadCatalog(ctx context.Context, acct schemas.Account, log *slog.Logger) (
	*catalog, error) {
	ps, err := acct.GetConfiguredProviders()
	if err != nil {
		return nil, fmt.Errorf("cannot list the account's providers: %w", err)
	}
	c := &catalog{models: make(map[schemas.ModelProvider][]string, len(ps))}
	for _, p := range ps {
		models, err := keyModels(ctx, acct, p)
		if err != nil {
			log.LogAttrs(ctx, slog.LevelWarn, "cannot read provider keys",
				slog.String("provider", string(p)), slog.String("error", err.Error()))
		}
		c.providers = append(c.providers, p)
		c.models[p] = models
	}
	return c, nil
}

// keyModels lists the models named by p's keys, sorted and without duplicates. A key
// without a model list serves every model, but adds none to the list.
func keyModels(ctx context.Context, acct schemas.Account, p schemas.ModelProvider) (
	[]string, error) {
	keys, err := acct.GetKeysForProvider(ctx, p)
	if err != nil {
		return nil, err
	}
	var models []string
	for _, k := range keys {
		models = append(models, k.Models...)
	}
	slices.Sort(models)
	return slices.Compact(models), nil
}

// configured reports whether p is one of the account's providers.
func (c *catalog) configured(p schemas.ModelProvider) bool {
	_, ok := c.models[p]
	return ok
}

// resolve splits a request's model name into provider and model. With def empty (the
// /v1 routes) the name must be "provider/model". With a default provider (the /openai
// routes) a name whose prefix is a configured provider goes there, and any other name,
// slashes included, is a model of def. ok is false when the name cannot be resolved.
func (c *catalog) resolve(name string, def schemas.ModelProvider) (
	schemas.ModelProvider, string, bool) {
	prefix, model, found := strings.Cut(name, "/")
	if def == "" {
		return schemas.ModelProvider(prefix), model, found && prefix != "" && model != ""
	}
	if found && model != "" && c.configured(schemas.ModelProvider(prefix)) {
		return schemas.ModelProvider(prefix), model, true
	}
	return def, name, name != ""
}
