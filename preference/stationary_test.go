package preference_test

import (
	"math"
	"testing"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/preference"
)

// A categorical policy over K single-token completions with logits θ:
// π = softmax(θ). Each completion is one row of a K×1 batch, so a loss's
// ∂/∂lp chains to ∂/∂θ_j = g_j − π_j Σ_k g_k.

const catBeta = 0.5

var (
	catRefLogits = []float64{0.3, -0.2, 1.1, 0}
	catRewards   = []float64{1, -0.5, 0.2, 0.7}
)

func logSoftmax(theta []float64) []float64 {
	m := math.Inf(-1)
	for _, x := range theta {
		m = math.Max(m, x)
	}
	s := 0.0
	for _, x := range theta {
		s += math.Exp(x - m)
	}
	lse := m + math.Log(s)
	out := make([]float64, len(theta))
	for k, x := range theta {
		out[k] = x - lse
	}
	return out
}

func catBatch(theta []float64) *policy.Batch {
	lp := logSoftmax(theta)
	return &policy.Batch{B: len(lp), T: 1, LogProbs: lp, OldLogProbs: append([]float64(nil), lp...),
		RefLogProbs: logSoftmax(catRefLogits)}
}

// chain maps ∂loss/∂lp to ∂loss/∂θ.
func chain(b *policy.Batch, g []float64) []float64 {
	sum := 0.0
	for _, x := range g {
		sum += x
	}
	out := make([]float64, len(g))
	for j := range g {
		out[j] = g[j] - math.Exp(b.LogProbs[j])*sum
	}
	return out
}

func maxAbs(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		m = math.Max(m, math.Abs(x))
	}
	return m
}

// thetaGrads returns ∂/∂θ of each objective at θ.
func thetaGrads(t *testing.T, theta []float64) map[string][]float64 {
	t.Helper()
	b := catBatch(theta)
	K := b.B
	all := allPairs([]int{4, 4, 4, 4})
	out := map[string][]float64{}
	g := make([]float64, K)
	must := func(_ policy.Stats, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	must(preference.RDP{Beta: catBeta}.Eval(g, withPairs(b, catRewards, all)))
	out["rdp"] = chain(b, g)
	// On-policy (old = lp) with the proximal clip: the clip is inactive.
	must(preference.RDP{Beta: catBeta, Epsilon: 0.1}.Eval(g, withPairs(b, catRewards, all)))
	out["rdp_clip"] = chain(b, g)
	must(preference.RDP{Beta: catBeta, Reduce: preference.Mean}.Eval(g, withPairs(b, catRewards, all)))
	out["rdp_mean"] = chain(b, g)
	must(preference.CoPG{Beta: catBeta}.Eval(g, withPairs(b, catRewards, all)))
	out["copg"] = chain(b, g)
	// CoPG under another sampling distribution of pairs (repeats, gaps).
	skewed := []preference.Pair{{Chosen: 0, Rejected: 1}, {Chosen: 0, Rejected: 1}, {Chosen: 0, Rejected: 1}, {Chosen: 3, Rejected: 2}, {Chosen: 1, Rejected: 3}}
	must(preference.CoPG{Beta: catBeta}.Eval(g, withPairs(b, catRewards, skewed)))
	out["copg_skewed"] = chain(b, g)

	// Expected sigmoid-DPO loss under Bradley–Terry labels: each ordered
	// pair (a, b) is labelled a ≻ b with probability σ(R_a − R_b).
	exp := make([]float64, K)
	for a := range K {
		for c := range K {
			if a == c {
				continue
			}
			must(preference.DPO{Beta: catBeta}.Eval(g, withPairs(b, nil, []preference.Pair{{Chosen: a, Rejected: c}})))
			w := 1 / (1 + math.Exp(-(catRewards[a] - catRewards[c])))
			for k := range exp {
				exp[k] += w * g[k]
			}
		}
	}
	out["dpo_expected"] = chain(b, exp)
	return out
}

// docs/ALGORITHMS.md §4: RDP, CoPG and the expected sigmoid-DPO loss are
// stationary at π ∝ π_ref·exp(R/β) and not elsewhere.
func TestStationaryAtTiltedReference(t *testing.T) {
	star := make([]float64, len(catRefLogits))
	half := make([]float64, len(catRefLogits))
	for k := range star {
		star[k] = catRefLogits[k] + catRewards[k]/catBeta
		half[k] = catRefLogits[k] + catRewards[k]/(2*catBeta)
	}
	for name, g := range thetaGrads(t, star) {
		if m := maxAbs(g); m > 1e-12 {
			t.Errorf("%s: |∂L/∂θ| = %g at π ∝ π_ref·exp(R/β), want 0", name, m)
		}
	}
	for _, theta := range [][]float64{catRefLogits, half, {0, 0, 0, 0}, {2, -1, 0.5, 0.3}} {
		for name, g := range thetaGrads(t, theta) {
			if m := maxAbs(g); m < 1e-3 {
				t.Errorf("%s: |∂L/∂θ| = %g at θ = %v, want it away from 0", name, m, theta)
			}
		}
	}
	// Every RDP pair loss is 0 at the optimum.
	st, err := preference.RDP{Beta: catBeta}.Eval(nil, withPairs(catBatch(star), catRewards, allPairs([]int{0, 0, 0, 0})))
	if err != nil {
		t.Fatal(err)
	}
	if st.Loss > 1e-25 || st.RewardAccuracy != 1 {
		t.Errorf("RDP at the optimum: %+v, want loss 0 and accuracy 1", st)
	}
}
