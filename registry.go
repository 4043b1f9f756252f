package sluice

import (
	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/providers/anthropic"
	"github.com/sluicegw/sluice/providers/azure"
	"github.com/sluicegw/sluice/providers/bedrock"
	"github.com/sluicegw/sluice/providers/cohere"
	"github.com/sluicegw/sluice/providers/gemini"
	"github.com/sluicegw/sluice/providers/openai"
	"github.com/sluicegw/sluice/schemas"
)

// constructor builds the adapter of provider p.
type constructor func(p schemas.ModelProvider, opts providers.Options) (providers.Provider, error)

// adapters maps each provider to the constructor of its adapter. A provider missing
// here is refused with ErrUnsupported on first use. The OpenAI-compatible family
// shares one adapter, told apart by its dialect.
var adapters = func() map[schemas.ModelProvider]newFunc {
	m := map[schemas.ModelProvider]newFunc{}
	for p, d := range openai.Dialects {
		m[p] = adapt(func(opts providers.Options) (*openai.Provider, error) {
			return openai.NewCompatible(opts, d)
		})
	}
	m[schemas.OpenAI] = adapt(openai.New)
	m[schemas.Anthropic] = adapt(anthropic.New)
	m[schemas.Azure] = adapt(azure.New)
	m[schemas.Bedrock] = adapt(bedrock.New)
	m[schemas.Gemini] = adapt(gemini.New)
	m[schemas.Vertex] = adapt(gemini.NewVertex)
	m[schemas.Cohere] = adapt(cohere.New)
	return m
}()

// lookupAdapter is the constructor Init uses: the adapters table.
func lookupAdapter(p schemas.ModelProvider, opts providers.Options) (providers.Provider, error) {
	newAdapter, ok := adapters[p]
	if !ok {
		return nil, schemas.NewError(schemas.ErrUnsupported, p,
			"this build of sluice has no adapter for provider %q", p)
	}
	a, err := newAdapter(opts)
	if err != nil {
		return nil, notConfigured(p, err, "cannot set up the provider: %v", err)
	}
	return a, nil
}

// newFunc is an adapter package's constructor, as the adapters table holds it.
type newFunc = func(providers.Options) (providers.Provider, error)

// adapt turns a package's typed constructor into a table entry, so that a failed
// construction never yields a non-nil interface holding a nil pointer.
func adapt[P providers.Provider](newP func(providers.Options) (P, error)) newFunc {
	return func(opts providers.Options) (providers.Provider, error) {
		p, err := newP(opts)
		if err != nil {
			return nil, err
		}
		return p, nil
	}
}
