package preference

import (
	"sync"

	"github.com/evolve-go/evolve/policy"
)

// Bound is a preference objective with its per-step arguments (pairs,
// rewards or labels) bound, as a policy.Loss, so that a training loop can
// drive it like any policy-gradient objective. Each objective's Bind
// returns one.
//
// policy.Stats holds only part of a preference objective's diagnostics:
// Eval reports Stats.Loss and Stats.Tokens there and leaves the
// policy-gradient fields (ClipFracLow, ClipFracHigh, MeanRatio, ApproxKL,
// KLTerm) zero, since a preference objective computes none of them. The
// others (Pairs, ChosenReward, RejectedReward, RewardAccuracy, Margin,
// ClipFraction, ClippedPairs, RefPoint) are not lost: Last returns the
// whole Stats of the latest Eval.
//
// A Bound may be evaluated from several goroutines at once, as the
// objectives may; Last then returns the Stats of one of the latest calls.
type Bound struct {
	eval func(grad []float64, b *policy.Batch) (Stats, error)

	mu   sync.Mutex
	last Stats
}

// Eval evaluates the bound objective, writes its gradient into grad (nil
// skips it) and reports its loss and token count as policy.Stats. After a
// successful call, Last returns the objective's full Stats.
func (l *Bound) Eval(grad []float64, b *policy.Batch) (policy.Stats, error) {
	st, err := l.eval(grad, b)
	if err != nil {
		return policy.Stats{}, err
	}
	l.mu.Lock()
	l.last = st
	l.mu.Unlock()
	return policy.Stats{Loss: st.Loss, Tokens: st.Tokens}, nil
}

// Last returns the preference Stats of the latest successful Eval: the
// diagnostics that policy.Stats has no field for. It is the zero Stats
// before the first; a failed Eval leaves it unchanged.
func (l *Bound) Last() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// Bind returns d over the given pairs as a policy.Loss. The pairs are
// used, not copied.
func (d DPO) Bind(pairs []Pair) *Bound {
	return &Bound{eval: func(grad []float64, b *policy.Batch) (Stats, error) { return d.Eval(grad, b, pairs) }}
}

// Bind returns r over the given rewards and pairs as a policy.Loss. The
// slices are used, not copied.
func (r RDP) Bind(rewards []float64, pairs []Pair) *Bound {
	return &Bound{eval: func(grad []float64, b *policy.Batch) (Stats, error) { return r.Eval(grad, b, rewards, pairs) }}
}

// Bind returns o over the given rewards and pairs as a policy.Loss. The
// slices are used, not copied.
func (o CoPG) Bind(rewards []float64, pairs []Pair) *Bound {
	return &Bound{eval: func(grad []float64, b *policy.Batch) (Stats, error) { return o.Eval(grad, b, rewards, pairs) }}
}

// Bind returns k over the given labels as a policy.Loss. The slice is
// used, not copied.
func (k KTO) Bind(labels []Label) *Bound {
	return &Bound{eval: func(grad []float64, b *policy.Batch) (Stats, error) { return k.Eval(grad, b, labels) }}
}
