package sluice

import (
	"slices"

	"github.com/sluicegw/sluice/schemas"
)

// RegisteredProviders lists the providers of the adapters table, sorted, so that the
// provider matrix in package sluice_test can check that it leaves none out.
func RegisteredProviders() []schemas.ModelProvider {
	out := make([]schemas.ModelProvider, 0, len(adapters))
	for p := range adapters {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
