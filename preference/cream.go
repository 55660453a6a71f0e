package preference

import (
	"fmt"
	"math"
)

// KendallTau returns Kendall's rank correlation τ-b between two lists of
// scores of the same items (x[i] and y[i] score item i):
//
//	τ_b = (n_c − n_d) / sqrt((n_0 − n_x)(n_0 − n_y))
//
// where n_c and n_d count concordant and discordant pairs, n_0 = n(n−1)/2,
// and n_x, n_y count the pairs tied in x and in y. Without ties it is τ-a;
// it is SciPy's default (scipy.stats.kendalltau). It takes O(n²) time.
//
// It returns an error for lists of different lengths, fewer than two
// items, a NaN or Inf, or a list whose values are all equal (τ undefined).
//
// References: Kendall 1945, "The treatment of ties in ranking problems".
func KendallTau(x, y []float64) (float64, error) {
	if len(x) != len(y) {
		return 0, fmt.Errorf("preference: KendallTau: len(x) = %d, len(y) = %d, want equal", len(x), len(y))
	}
	n := len(x)
	if n < 2 {
		return 0, fmt.Errorf("preference: KendallTau: %d items, want at least 2", n)
	}
	for i := range n {
		if err := checkFinite("KendallTau: x", i, x[i]); err != nil {
			return 0, err
		}
		if err := checkFinite("KendallTau: y", i, y[i]); err != nil {
			return 0, err
		}
	}
	var nc, nd, tx, ty float64
	for i := range n {
		for j := i + 1; j < n; j++ {
			dx, dy := x[i]-x[j], y[i]-y[j]
			switch {
			case dx == 0 && dy == 0:
				tx++
				ty++
			case dx == 0:
				tx++
			case dy == 0:
				ty++
			case (dx > 0) == (dy > 0):
				nc++
			default:
				nd++
			}
		}
	}
	n0 := float64(n) * float64(n-1) / 2
	if tx == n0 {
		return 0, fmt.Errorf("preference: KendallTau: every x is equal, τ is undefined")
	}
	if ty == n0 {
		return 0, fmt.Errorf("preference: KendallTau: every y is equal, τ is undefined")
	}
	return (nc - nd) / math.Sqrt((n0-tx)*(n0-ty)), nil
}

// CREAMSmoothing returns CREAM's label smoothing for one prompt,
//
//	ε = 1 − C,  C = (τ + 1)/2,
//
// where τ = KendallTau(prev, cur) is the rank consistency between the
// rewards the previous and the current iteration's model give the same
// responses. Use it as DPO{Variant: Sigmoid, LabelSmoothing: ε}: the loss
// becomes C·L(y_w ≻ y_l) + (1 − C)·L(y_l ≻ y_w), trusting a self-rewarded
// pair as much as the two iterations agree. For the dataset-level variant,
// average ε (equivalently C) over prompts and set DPO.LabelSmoothing; for
// the per-prompt variant give each pair its prompt's ε in
// DPO.PairSmoothing. ε ∈ [0, 1]; above 0.5 when the rankings disagree more
// than they agree.
//
// References: Wang et al. 2024, "CREAM: Consistency Regularized
// Self-Rewarding Language Models"; docs/ALGORITHMS.md §4.
func CREAMSmoothing(prev, cur []float64) (float64, error) {
	tau, err := KendallTau(prev, cur)
	if err != nil {
		return 0, err
	}
	// Guard rounding: τ ∈ [−1, 1].
	c := (min(1, max(-1, tau)) + 1) / 2
	return 1 - c, nil
}
