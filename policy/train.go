package policy

import (
	"errors"
	"fmt"
	"math"
)

// LogProber computes teacher-forced log-probs without keeping anything for
// a backward pass: the frozen reference model of a KL penalty or of DPO,
// and the first pass of a Trainer's micro-batches.
//
// LogProbs writes into dst[i*T+j] (len(dst) = len(seqs)*T) the log-prob of
// token j of seqs[i].Completion given its prompt and the completion before
// it, and 0 for j ≥ len(Completion); a completion longer than T is an
// error.
type LogProber interface {
	LogProbs(dst []float64, seqs []Sequence, T int) error
}

// Trainable is a policy whose parameters train through its log-probs: the
// seam between every objective and every model. An objective turns the
// log-probs into ∂loss/∂logp (a Loss); the model turns that into a step.
// The built-in llama model (llama.Trainable) and the tabular policy
// (package policy/tabular) implement it; so can a remote trainer.
//
// A round is Forward (which keeps what Backward needs), Backward with the
// gradient for those sequences, and, after one or more rounds, Update. A
// Forward not followed by Backward is dropped by the next Forward.
type Trainable interface {
	LogProber
	// Forward is LogProbs keeping what Backward needs.
	Forward(dst []float64, seqs []Sequence, T int) error
	// Backward adds the parameter gradient of a loss to the gradient held
	// since the last Update, given grad = ∂loss/∂logp in the layout of the
	// last Forward's dst (entries past a completion are ignored).
	Backward(grad []float64) error
	// Update applies the held gradient with the model's optimiser and
	// clears it. A gradient that is not finite leaves the parameters as
	// they are and is reported in UpdateStats.Skipped, not as an error.
	Update() (UpdateStats, error)
}

// EntropyProber is a Trainable that reports, with its log-probs, the
// entropy of its next-token distribution at each scored token,
//
//	H_{i,j} = −Σ_v π(v | prompt_i, completion_i[:j]) log π(v | prompt_i, completion_i[:j]),
//
// in nats, written into ent[i*T+j] (0 for j ≥ len(Completion)); ent has
// the length of dst. Its log-probs are those of LogProbs and Forward, bit
// for bit. The built-in llama model (llama.Trainable) and the tabular
// policy implement it; a Trainer reports the mean as StepStats.Entropy
// (EVOL-RL's entropy collapse is its fall).
type EntropyProber interface {
	Trainable
	// LogProbsEntropy is LogProbs with the entropies.
	LogProbsEntropy(dst, ent []float64, seqs []Sequence, T int) error
	// ForwardEntropy is Forward with the entropies.
	ForwardEntropy(dst, ent []float64, seqs []Sequence, T int) error
}

// UpdateStats describes one Update of a Trainable.
type UpdateStats struct {
	Step     int     // updates applied so far, this one included
	LR       float64 // learning rate used
	GradNorm float64 // global L2 norm of the parameter gradient, before clipping
	Clipped  bool    // the gradient was scaled down to the clip norm
	Skipped  bool    // the gradient was not finite: the parameters did not change
}

// Trainer takes training steps of a Trainable with any Loss: GRPO and the
// rest of the policy-gradient family, NFT, and the pairwise and unpaired
// objectives of package preference alike.
//
// A step on Rollouts r: when Ref is set and r has no RefLogProbs, fill
// them from Ref (forward only); when Advantage is set and r has no
// Advantages, compute them from r.Rewards and r.Groups; compute r.LogProbs
// with the model; evaluate the loss and ∂loss/∂logp over the whole batch;
// back-propagate; update. A second Step on the same Rollouts (another
// optimisation epoch on the same samples) keeps the reference log-probs
// and advantages and recomputes LogProbs.
//
// With MicroBatch rows at a time, Step first computes every row's
// log-probs forward only, evaluates the loss over the whole batch, then
// runs Forward and Backward on one micro-batch after another with its rows
// of ∂loss/∂logp. The gradient is then exactly that of the whole batch for
// every objective (group statistics, token means, pairs across
// micro-batches and all), at the cost of one extra forward pass; memory
// holds one micro-batch's activations.
//
// The zero value is not usable: Model and Loss are required. A Trainer
// keeps buffers between steps and is not safe for concurrent use.
type Trainer struct {
	// Model is the policy being trained. Required.
	Model Trainable
	// Loss is the objective. Required.
	Loss Loss
	// Ref is the frozen reference policy for a KL penalty or a preference
	// objective; nil means none (the batch's RefLogProbs are used as they
	// are).
	Ref LogProber
	// Advantage computes advantages from rewards; nil means the batch's
	// Advantages are used as they are (an objective that reads none, such
	// as DPO, needs none).
	Advantage AdvantageEstimator
	// MicroBatch is the number of rows per Forward/Backward; 0 means the
	// whole batch at once. Negative is an error.
	MicroBatch int

	grad, lp, ent []float64
}

// StepStats describes one training step.
type StepStats struct {
	// Stats are the objective's own diagnostics.
	Stats
	// LogProb is the mean log πθ of the counted tokens before the update:
	// the samples' log-likelihood under the policy.
	LogProb float64
	// ChosenLogProb and RejectedLogProb are the mean per-token log πθ of
	// the rows the objective pushes up and of those it pushes down: the
	// chosen and rejected rows of Batch.Pairs when there are pairs,
	// otherwise the rows of positive and of negative advantage. A widening
	// gap is learning whatever the surrogate's value. NaN when there is no
	// such row.
	ChosenLogProb, RejectedLogProb float64
	// KL is the mean k3 estimate of KL(πθ‖π_ref) over the counted tokens,
	// before the update, whether or not the objective penalises it; NaN
	// without RefLogProbs.
	KL float64
	// LossGradNorm is the L2 norm of ∂loss/∂logp: how hard the objective
	// pushes, 0 when it has nothing to learn from the batch.
	LossGradNorm float64
	// Entropy is the mean entropy of the policy's next-token distribution
	// (nats) over the counted tokens, before the update, when the model is
	// an EntropyProber; NaN otherwise. Its fall towards 0 is the entropy
	// collapse of EVOL-RL: the policy stops exploring.
	Entropy float64
	// Update is the model's update.
	Update UpdateStats
}

// Step takes one training step on r (see Trainer).
func (t *Trainer) Step(r *Rollouts) (StepStats, error) {
	if err := t.prepare(r); err != nil {
		return StepStats{}, err
	}
	b := &r.Batch
	n := b.B * b.T
	b.LogProbs = grow(b.LogProbs, n)
	t.grad = grow(t.grad, n)
	micro := t.MicroBatch > 0 && t.MicroBatch < b.B
	ent, err := t.forward(r, micro)
	if err != nil {
		return StepStats{}, err
	}
	st, err := t.Loss.Eval(t.grad, b)
	if err != nil {
		return StepStats{}, err
	}
	out := watch(b, t.grad)
	out.Stats = st
	out.Entropy = maskedMean(ent, b.Mask)
	if micro {
		err = t.backwardMicro(r)
	} else {
		err = t.Model.Backward(t.grad)
	}
	if err != nil {
		return StepStats{}, err
	}
	out.Update, err = t.Model.Update()
	return out, err
}

// forward computes r's log-probs with the model (forward only when the
// step runs micro-batches, keeping activations otherwise) and, when the
// model is an EntropyProber, returns the per-token entropies (else nil).
func (t *Trainer) forward(r *Rollouts, micro bool) ([]float64, error) {
	b := &r.Batch
	ep, ok := t.Model.(EntropyProber)
	switch {
	case ok && micro:
		t.ent = grow(t.ent, len(b.LogProbs))
		return t.ent, ep.LogProbsEntropy(b.LogProbs, t.ent, r.Seqs, b.T)
	case ok:
		t.ent = grow(t.ent, len(b.LogProbs))
		return t.ent, ep.ForwardEntropy(b.LogProbs, t.ent, r.Seqs, b.T)
	case micro:
		return nil, t.Model.LogProbs(b.LogProbs, r.Seqs, b.T)
	}
	return nil, t.Model.Forward(b.LogProbs, r.Seqs, b.T)
}

// maskedMean is the mean of v over the entries where mask is not 0 (all
// when mask is nil); NaN when v is nil or nothing counts.
func maskedMean(v, mask []float64) float64 {
	if v == nil {
		return math.NaN()
	}
	s, n := 0.0, 0.0
	for k, x := range v {
		if mask == nil || mask[k] != 0 {
			s += x
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / n
}

// prepare checks the trainer and r, and fills r's reference log-probs and
// advantages when the trainer computes them.
func (t *Trainer) prepare(r *Rollouts) error {
	switch {
	case t.Model == nil:
		return errors.New("policy: Trainer.Model is nil")
	case t.Loss == nil:
		return errors.New("policy: Trainer.Loss is nil")
	case t.MicroBatch < 0:
		return fmt.Errorf("policy: Trainer.MicroBatch = %d, want ≥ 0", t.MicroBatch)
	case r == nil:
		return fmt.Errorf("policy: Trainer.Step: nil Rollouts: %w", ErrEmptyBatch)
	case len(r.Seqs) != r.B:
		return fmt.Errorf("policy: Trainer.Step: len(Rollouts.Seqs) = %d, want B = %d", len(r.Seqs), r.B)
	}
	if _, err := shape("Batch.B*Batch.T", r.B, r.T); err != nil {
		return err
	}
	if t.Ref != nil && r.RefLogProbs == nil {
		ref := make([]float64, r.B*r.T)
		if err := t.Ref.LogProbs(ref, r.Seqs, r.T); err != nil {
			return fmt.Errorf("policy: Trainer.Ref: %w", err)
		}
		r.RefLogProbs = ref
	}
	if t.Advantage != nil && r.Advantages == nil {
		if r.Rewards == nil || r.Groups == nil {
			return errors.New("policy: Trainer.Advantage needs Rollouts.Rewards and Rollouts.Groups")
		}
		adv := make([]float64, r.B)
		if err := t.Advantage.Advantages(adv, r.Rewards, r.Groups); err != nil {
			return err
		}
		r.Advantages = adv
	}
	return nil
}

// backwardMicro runs Forward and Backward over r's rows MicroBatch at a
// time with the rows of t.grad.
func (t *Trainer) backwardMicro(r *Rollouts) error {
	T := r.T
	t.lp = grow(t.lp, t.MicroBatch*T)
	for i0 := 0; i0 < r.B; i0 += t.MicroBatch {
		i1 := min(i0+t.MicroBatch, r.B)
		if err := t.Model.Forward(t.lp[:(i1-i0)*T], r.Seqs[i0:i1], T); err != nil {
			return err
		}
		if err := t.Model.Backward(t.grad[i0*T : i1*T]); err != nil {
			return err
		}
	}
	return nil
}

// watch returns the step's log-likelihoods, KL and gradient norm (see
// StepStats) from b and the gradient g.
func watch(b *Batch, g []float64) StepStats {
	var s StepStats
	var sum, n, kl, g2 float64
	for k, lp := range b.LogProbs {
		g2 += g[k] * g[k]
		if b.Mask != nil && b.Mask[k] == 0 {
			continue
		}
		sum += lp
		n++
		if b.RefLogProbs != nil {
			v, _ := K3.term(b.RefLogProbs[k] - lp)
			kl += v
		}
	}
	s.LogProb, s.KL, s.LossGradNorm = sum/n, kl/n, math.Sqrt(g2)
	if b.RefLogProbs == nil {
		s.KL = math.NaN()
	}
	var up, down [2]float64 // Σ log-prob, Σ tokens
	add := func(acc *[2]float64, i int) {
		lp, m := rowSums(b, i)
		acc[0] += lp
		acc[1] += m
	}
	switch {
	case len(b.Pairs) > 0:
		for _, p := range b.Pairs {
			add(&up, p.Chosen)
			add(&down, p.Rejected)
		}
	case len(b.Advantages) == b.B:
		for i, a := range b.Advantages {
			if a > 0 {
				add(&up, i)
			} else if a < 0 {
				add(&down, i)
			}
		}
	}
	s.ChosenLogProb, s.RejectedLogProb = up[0]/up[1], down[0]/down[1]
	return s
}

// rowSums returns Σ_t M_t lp_t and Σ_t M_t over row i of b.
func rowSums(b *Batch, i int) (lp, n float64) {
	for k := i * b.T; k < (i+1)*b.T; k++ {
		if b.Mask == nil || b.Mask[k] != 0 {
			lp += b.LogProbs[k]
			n++
		}
	}
	return lp, n
}
