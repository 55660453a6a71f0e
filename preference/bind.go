package preference

import "github.com/evolve-go/evolve/policy"

// bound is an objective with its per-step arguments bound, as a
// policy.Loss.
type bound struct {
	eval func(grad []float64, b *policy.Batch) (Stats, error)
}

// Eval evaluates the bound objective and reports its loss and token count
// as policy.Stats; the preference diagnostics are dropped (call the
// objective's own Eval to keep them).
func (l bound) Eval(grad []float64, b *policy.Batch) (policy.Stats, error) {
	st, err := l.eval(grad, b)
	return policy.Stats{Loss: st.Loss, Tokens: st.Tokens}, err
}

// Bind returns d over the given pairs as a policy.Loss, so that a
// training loop can drive it like any policy-gradient objective. The pairs
// are used, not copied.
func (d DPO) Bind(pairs []Pair) policy.Loss {
	return bound{func(grad []float64, b *policy.Batch) (Stats, error) { return d.Eval(grad, b, pairs) }}
}

// Bind returns r over the given rewards and pairs as a policy.Loss. The
// slices are used, not copied.
func (r RDP) Bind(rewards []float64, pairs []Pair) policy.Loss {
	return bound{func(grad []float64, b *policy.Batch) (Stats, error) { return r.Eval(grad, b, rewards, pairs) }}
}

// Bind returns o over the given rewards and pairs as a policy.Loss. The
// slices are used, not copied.
func (o CoPG) Bind(rewards []float64, pairs []Pair) policy.Loss {
	return bound{func(grad []float64, b *policy.Batch) (Stats, error) { return o.Eval(grad, b, rewards, pairs) }}
}

// Bind returns k over the given labels as a policy.Loss. The slice is
// used, not copied.
func (k KTO) Bind(labels []Label) policy.Loss {
	return bound{func(grad []float64, b *policy.Batch) (Stats, error) { return k.Eval(grad, b, labels) }}
}
