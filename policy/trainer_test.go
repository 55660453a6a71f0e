package policy_test

import (
	"math"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/tabular"
	"github.com/evolve-go/evolve/preference"
)

// bandit returns a tabular policy over four answers and Rollouts holding
// each answer once, rewarded 0.2, 1, 0, 0.
func bandit(t *testing.T) (*tabular.Policy, *policy.Rollouts) {
	t.Helper()
	p, err := tabular.New([]string{"q"}, []string{"a", "b", "c", "d"})
	if err != nil {
		t.Fatal(err)
	}
	r := &policy.Rollouts{Batch: policy.Batch{B: 4, T: 1, Rewards: []float64{0.2, 1, 0, 0}, Groups: []int{0, 0, 0, 0}}}
	for a := range 4 {
		r.Seqs = append(r.Seqs, policy.Sequence{Prompt: []int{0}, Completion: []int{a}})
	}
	return p, r
}

// The step's watch statistics, from their definitions on a batch whose
// log-probs are all log(1/4) (the uniform policy): mean log-prob log ¼,
// KL 0 to an identical reference, chosen and rejected log-probs log ¼.
func TestTrainerStatistics(t *testing.T) {
	p, r := bandit(t)
	tr := policy.Trainer{Model: p, Loss: policy.GRPO(), Ref: p.Clone(), Advantage: policy.GroupNorm{}}
	st, err := tr.Step(r)
	if err != nil {
		t.Fatal(err)
	}
	l4 := math.Log(0.25)
	if math.Abs(st.LogProb-l4) > 1e-15 || st.KL != 0 || math.Abs(st.ChosenLogProb-l4) > 1e-15 || math.Abs(st.RejectedLogProb-l4) > 1e-15 {
		t.Errorf("statistics %+v", st)
	}
	// GRPO's gradient w.r.t. each log-prob is −A_i/B (seq-mean-token-mean,
	// ratio 1, k3 gradient 0 at lp = ref).
	norm := 0.0
	for _, a := range r.Advantages {
		norm += a * a / 16
	}
	if math.Abs(st.LossGradNorm-math.Sqrt(norm)) > 1e-12 {
		t.Errorf("LossGradNorm = %v, want %v", st.LossGradNorm, math.Sqrt(norm))
	}
	if st.Update.Step != 1 || st.Tokens != 4 {
		t.Errorf("update %+v, tokens %v", st.Update, st.Tokens)
	}
	// A preference objective: chosen and rejected rows are those of the
	// pairs; without a reference the KL is NaN.
	p2, r2 := bandit(t)
	r2.RefLogProbs = make([]float64, 4)
	r2.Pairs = []policy.Pair{{Chosen: 1, Rejected: 2}}
	st, err = (&policy.Trainer{Model: p2, Loss: preference.DPO{}}).Step(r2)
	if err != nil || st.Pairs != 1 || math.Abs(st.ChosenLogProb-l4) > 1e-15 {
		t.Errorf("DPO step: %+v, %v", st, err)
	}
	st, err = (&policy.Trainer{Model: p2, Loss: policy.PG{}}).Step(&policy.Rollouts{Batch: policy.Batch{B: 1, T: 1, Advantages: []float64{1}}, Seqs: r2.Seqs[:1]})
	if err != nil || !math.IsNaN(st.KL) || !math.IsNaN(st.RejectedLogProb) {
		t.Errorf("no reference, no negative row: KL %v, rejected %v, %v", st.KL, st.RejectedLogProb, err)
	}
}

func TestTrainerErrors(t *testing.T) {
	p, r := bandit(t)
	for _, tc := range []struct {
		tr   policy.Trainer
		r    *policy.Rollouts
		want string
	}{
		{policy.Trainer{Loss: policy.GRPO()}, r, "Trainer.Model is nil"},
		{policy.Trainer{Model: p}, r, "Trainer.Loss is nil"},
		{policy.Trainer{Model: p, Loss: policy.GRPO(), MicroBatch: -1}, r, "MicroBatch = -1"},
		{policy.Trainer{Model: p, Loss: policy.GRPO()}, nil, "nil Rollouts"},
		{policy.Trainer{Model: p, Loss: policy.GRPO()}, &policy.Rollouts{Batch: policy.Batch{B: 2, T: 1}}, "len(Rollouts.Seqs) = 0, want B = 2"},
		{policy.Trainer{Model: p, Loss: policy.GRPO(), Advantage: policy.GroupNorm{}},
			&policy.Rollouts{Batch: policy.Batch{B: 1, T: 1}, Seqs: r.Seqs[:1]}, "needs Rollouts.Rewards and Rollouts.Groups"},
		{policy.Trainer{Model: p, Loss: policy.GRPO()}, r, "with KL.Coef > 0 needs Batch.RefLogProbs"},
		{policy.Trainer{Model: p, Loss: preference.DPO{}, Ref: p}, r, "no pair"},
	} {
		if _, err := tc.tr.Step(tc.r); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
	}
}

// StepStats.Entropy is the mean entropy of the policy over the counted
// tokens when the model is an EntropyProber: log 4 for the uniform policy
// over four answers, in one pass and in micro-batches; NaN for a model
// that does not report it.
func TestTrainerEntropy(t *testing.T) {
	for _, micro := range []int{0, 1, 3} {
		p, r := bandit(t)
		st, err := (&policy.Trainer{Model: p, Ref: p.Clone(), Loss: policy.GRPO(), Advantage: policy.GroupNorm{}, MicroBatch: micro}).Step(r)
		if err != nil || math.Abs(st.Entropy-math.Log(4)) > 1e-15 {
			t.Errorf("micro %d: Entropy = %v, %v; want log 4", micro, st.Entropy, err)
		}
	}
	p, r := bandit(t)
	st, err := (&policy.Trainer{Model: onlyTrainable{p}, Ref: p.Clone(), Loss: policy.GRPO(), Advantage: policy.GroupNorm{}}).Step(r)
	if err != nil || !math.IsNaN(st.Entropy) {
		t.Errorf("a model without entropies: Entropy = %v, %v; want NaN", st.Entropy, err)
	}
}

// onlyTrainable hides every method of a model but Trainable's.
type onlyTrainable struct{ policy.Trainable }
