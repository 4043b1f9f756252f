package sluice

import (
	"context"
	"math/rand/v2"
	"slices"

	"github.com/sluicegw/sluice/schemas"
)

// keyless lists the providers that may be used without any key, such as local
// servers.
var keyless = map[schemas.ModelProvider]bool{
	schemas.Ollama: true,
	schemas.VLLM:   true,
}

// pickKey chooses the key for one attempt at model. The account is asked on every
// attempt, so that keys can rotate without a restart. A keyless provider with no
// eligible key gets a nil key.
func (l *lane) pickKey(ctx context.Context, model string) (*schemas.Key, error) {
	keys, err := l.c.account.GetKeysForProvider(ctx, l.name)
	if err != nil {
		if ctx.Err() != nil {
			return nil, canceled(ctx, l.name)
		}
		e := schemas.NewError(schemas.ErrUpstream, l.name,
			"cannot read the provider's keys from the account: %v", err)
		e.Cause = err
		return nil, e
	}
	if k := selectKey(keys, model, rand.Float64()); k != nil || keyless[l.name] {
		return k, nil
	}
	return nil, schemas.NewError(schemas.ErrNoKey, l.name,
		"no key may be used for model %q; list the model in a key's models, "+
			"or leave a key's models empty to allow every model", model)
}

// selectKey picks among the keys eligible for model (those whose Models is empty or
// lists it) at random in proportion to their weights, or uniformly when no eligible
// key has a positive weight. r is a random number in [0, 1). It returns nil when no
// key is eligible, and never allocates.
func selectKey(keys []schemas.Key, model string, r float64) *schemas.Key {
	var total float64
	n := 0
	for i := range keys {
		if eligible(&keys[i], model) {
			n++
			total += max(keys[i].Weight, 0)
		}
	}
	if n == 0 {
		return nil
	}

	// Walk the eligible keys again until the running sum passes the target. With no
	// positive weight every key counts as one.
	uniform := total <= 0
	if uniform {
		total = float64(n)
	}
	target := r * total
	var last *schemas.Key
	for i := range keys {
		k := &keys[i]
		if !eligible(k, model) {
			continue
		}
		w := max(k.Weight, 0)
		if uniform {
			w = 1
		}
		if w == 0 {
			continue
		}
		last = k
		if target < w {
			return k
		}
		target -= w
	}
	// Rounding can leave target just above the total: the last weighted key wins.
	return last
}

func eligible(k *schemas.Key, model string) bool {
	return len(k.Models) == 0 || slices.Contains(k.Models, model)
}
