package preference_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/preference"
)

// randBatch draws a B×T batch of log-probs with old = lp + 0.1·N,
// ref = lp + 0.3·N, and a mask whose rows end in padding of random length
// and have a few masked tokens inside, every row keeping at least one
// counted token.
func randBatch(rng *rand.Rand, B, T int) *policy.Batch {
	n := B * T
	b := &policy.Batch{B: B, T: T, LogProbs: make([]float64, n), OldLogProbs: make([]float64, n),
		RefLogProbs: make([]float64, n), Mask: make([]float64, n)}
	for k := range n {
		lp := math.Log(rng.Float64()*0.9 + 0.05)
		b.LogProbs[k] = lp
		b.OldLogProbs[k] = lp + 0.1*rng.NormFloat64()
		b.RefLogProbs[k] = lp + 0.3*rng.NormFloat64()
	}
	for i := range B {
		L := 1 + rng.IntN(T)
		for t := range L {
			if t == 0 || rng.Float64() > 0.2 {
				b.Mask[i*T+t] = 1
			}
		}
	}
	return b
}

// fdCheck compares grad with central finite differences of f over the
// batch's log-probs, and checks that masked tokens get exactly 0.
func fdCheck(t *testing.T, b *policy.Batch, grad []float64, f func() float64) {
	t.Helper()
	const h = 1e-6
	for k := range b.LogProbs {
		if b.Mask != nil && b.Mask[k] == 0 {
			if grad[k] != 0 {
				t.Errorf("grad[%d*T+%d] = %v at a masked token, want exactly 0", k/b.T, k%b.T, grad[k])
			}
			continue
		}
		x := b.LogProbs[k]
		b.LogProbs[k] = x + h
		fp := f()
		b.LogProbs[k] = x - h
		fm := f()
		b.LogProbs[k] = x
		num := (fp - fm) / (2 * h)
		if d := math.Abs(num - grad[k]); d > 1e-7+1e-6*math.Abs(num) {
			t.Errorf("grad[%d*T+%d] = %.10g, finite difference %.10g", k/b.T, k%b.T, grad[k], num)
		}
	}
}

// withPairs returns a shallow copy of b (sharing its slices) with
// Batch.Pairs and, when not nil, Batch.Rewards set.
func withPairs(b *policy.Batch, rewards []float64, pairs []preference.Pair) *policy.Batch {
	if b == nil {
		return nil
	}
	c := *b
	c.Pairs = pairs
	if rewards != nil {
		c.Rewards = rewards
	}
	return &c
}

// allPairs returns every pair (i, j), i < j, of rows sharing a group id,
// groups in the order of their first row: the unoriented pooling of RDP
// and CoPG in PRDP's and CoPG's papers, ties included.
func allPairs(groups []int) []preference.Pair {
	var pairs []preference.Pair
	seen := map[int]bool{}
	for i, g := range groups {
		if seen[g] {
			continue
		}
		seen[g] = true
		for a := i; a < len(groups); a++ {
			for c := a + 1; c < len(groups); c++ {
				if groups[a] == g && groups[c] == g {
					pairs = append(pairs, preference.Pair{Chosen: a, Rejected: c})
				}
			}
		}
	}
	return pairs
}

// ktoEval evaluates k with the given labels.
func ktoEval(k preference.KTO, grad []float64, b *policy.Batch, labels []preference.Label) (policy.Stats, error) {
	k.Labels = labels
	return k.Eval(grad, b)
}
