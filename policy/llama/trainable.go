package llama

import (
	"math"

	"github.com/evolve-go/evolve/policy"
)

// Trainable is a Model with the state that training it needs — an AdamW
// Optimizer, the gradients held between updates and a reused Tape — as a
// policy.Trainable, so that a policy.Trainer trains it with any objective.
//
// Forward and Backward may alternate several times (micro-batches) before
// Update; gradients add up. A Trainable is not safe for concurrent use,
// and its model's weights change at each Update: a Sampler of the same
// model must not run during one.
type Trainable struct {
	// Model is the model being trained.
	Model *Model
	// Optimizer applies the updates.
	Optimizer *Optimizer

	grads *Grads
	tape  Tape
}

var (
	_ policy.Trainable     = (*Trainable)(nil)
	_ policy.EntropyProber = (*Trainable)(nil)
)

// NewTrainable returns m with an AdamW optimizer configured by cfg (see
// AdamW for its defaults).
func NewTrainable(m *Model, cfg AdamW) (*Trainable, error) {
	opt, err := NewOptimizer(m, cfg)
	if err != nil {
		return nil, err
	}
	return &Trainable{Model: m, Optimizer: opt, grads: m.NewGrads()}, nil
}

// LogProbs implements policy.LogProber with Model.LogProbs (no
// activations kept).
func (t *Trainable) LogProbs(dst []float64, seqs []policy.Sequence, T int) error {
	return t.Model.LogProbs(dst, seqs, T)
}

// Forward implements policy.Trainable: Model.LogProbs keeping the
// activations on the Trainable's tape.
func (t *Trainable) Forward(dst []float64, seqs []policy.Sequence, T int) error {
	return t.tape.Forward(t.Model, dst, seqs, T)
}

// LogProbsEntropy implements policy.EntropyProber with
// Model.LogProbsEntropy (no activations kept).
func (t *Trainable) LogProbsEntropy(dst, ent []float64, seqs []policy.Sequence, T int) error {
	return t.Model.LogProbsEntropy(dst, ent, seqs, T)
}

// ForwardEntropy implements policy.EntropyProber: Forward that also
// writes each scored token's entropy (Tape.ForwardEntropy).
func (t *Trainable) ForwardEntropy(dst, ent []float64, seqs []policy.Sequence, T int) error {
	return t.tape.ForwardEntropy(t.Model, dst, ent, seqs, T)
}

// Backward implements policy.Trainable: it adds the gradient of every
// weight to those held since the last Update.
func (t *Trainable) Backward(grad []float64) error {
	return t.tape.Backward(grad, t.grads)
}

// Update implements policy.Trainable: one AdamW step with the held
// gradients, which it then clears. A gradient whose norm is not finite
// leaves the weights and the optimizer's moments unchanged and is
// reported as Skipped.
func (t *Trainable) Update() (policy.UpdateStats, error) {
	defer t.grads.Zero()
	if n := t.grads.Norm(); math.IsNaN(n) || math.IsInf(n, 0) {
		return policy.UpdateStats{Step: t.Optimizer.Steps(), GradNorm: n, Skipped: true}, nil
	}
	st, err := t.Optimizer.Step(t.grads)
	if err != nil {
		return policy.UpdateStats{}, err
	}
	return policy.UpdateStats{Step: st.Step, LR: st.LR, GradNorm: st.GradNorm, Clipped: st.Clipped}, nil
}
