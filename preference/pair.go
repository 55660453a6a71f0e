package preference

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/evolve-go/evolve/internal/vec"
	"github.com/evolve-go/evolve/policy"
)

// Pair names two rows of a batch: Chosen, the preferred completion (y_w),
// and Rejected, the dispreferred one (y_l); it is policy.Pair, the type of
// policy.Batch.Pairs. For RDP and CoPG, whose losses are symmetric in the
// two rows, the order carries no preference.
type Pair = policy.Pair

// ErrNoPairs is returned by a pairwise objective given no pair at all (for
// example a batch whose groups all tie).
var ErrNoPairs = errors.New("preference: no pair")

// BestWorstPairs appends to dst one pair per group of rows sharing a group
// id: the row with the highest reward chosen over the row with the lowest
// (the first such row at a tie), when their rewards differ; a group whose
// rewards all tie gives none. It returns the extended slice, groups in the
// order of their first row. A NaN reward (missing) leaves its row out.
// It returns an error when the lengths differ or a reward is ±Inf.
//
// This is the pairing of self-rewarding loops (Yuan et al. 2024, best vs
// worst of the samples of a prompt by the model's own judgement).
func BestWorstPairs(dst []Pair, rewards []float64, groups []int) ([]Pair, error) {
	runs, err := groupRows("BestWorstPairs", rewards, groups)
	if err != nil {
		return dst, err
	}
	for _, rows := range runs {
		hi, lo := rows[0], rows[0]
		for _, r := range rows[1:] {
			if rewards[r] > rewards[hi] {
				hi = r
			}
			if rewards[r] < rewards[lo] {
				lo = r
			}
		}
		if rewards[hi] > rewards[lo] {
			dst = append(dst, Pair{Chosen: hi, Rejected: lo})
		}
	}
	return dst, nil
}

// MarginPairs appends to dst every pair of rows sharing a group id whose
// rewards differ by more than margin, the row with the higher reward
// chosen, and returns the extended slice: groups in the order of their
// first row, then pairs (i, j), i < j, in row order, each oriented by
// reward. Margin 0 takes every pair whose rewards differ; two rewards that
// tie never make a pair. A NaN reward (missing) leaves its row out. It
// returns an error when the lengths differ, a reward is ±Inf, or margin is
// negative or not finite.
//
// A group of n rows with distinct rewards gives n(n−1)/2 pairs, so the
// objectives average over all pairs pooled across groups (RDP, CoPG).
func MarginPairs(dst []Pair, rewards []float64, groups []int, margin float64) ([]Pair, error) {
	if !finite(margin) || margin < 0 {
		return dst, fmt.Errorf("preference: MarginPairs: margin = %v, want finite ≥ 0", margin)
	}
	runs, err := groupRows("MarginPairs", rewards, groups)
	if err != nil {
		return dst, err
	}
	for _, rows := range runs {
		for x, i := range rows {
			for _, j := range rows[x+1:] {
				switch d := rewards[i] - rewards[j]; {
				case d > margin:
					dst = append(dst, Pair{Chosen: i, Rejected: j})
				case -d > margin:
					dst = append(dst, Pair{Chosen: j, Rejected: i})
				}
			}
		}
	}
	return dst, nil
}

// OrientPairs orients pairs by reward in place: each pair's chosen row
// becomes the one with the higher reward, and a pair whose rewards tie or
// are missing (NaN) is dropped. It returns the kept pairs (a prefix of
// pairs' storage), or an error naming a pair with a row outside rewards or
// a reward that is ±Inf.
func OrientPairs(pairs []Pair, rewards []float64) ([]Pair, error) {
	kept := pairs[:0]
	for k, p := range pairs {
		for _, r := range [2]int{p.Chosen, p.Rejected} {
			if r < 0 || r >= len(rewards) {
				return nil, fmt.Errorf("preference: OrientPairs: pairs[%d] names row %d, want in [0, %d)", k, r, len(rewards))
			}
			if math.IsInf(rewards[r], 0) {
				return nil, fmt.Errorf("preference: OrientPairs: rewards[%d] is Inf", r)
			}
		}
		switch rc, rr := rewards[p.Chosen], rewards[p.Rejected]; {
		case rc > rr:
			kept = append(kept, p)
		case rr > rc:
			kept = append(kept, Pair{Chosen: p.Rejected, Rejected: p.Chosen})
		}
	}
	return kept, nil
}

// groupRows returns the rows of each group id in row order, groups in the
// order of their first row, leaving out rows with a NaN reward; who names
// the caller in errors.
func groupRows(who string, rewards []float64, groups []int) ([][]int, error) {
	if len(rewards) != len(groups) {
		return nil, fmt.Errorf("preference: %s: len(rewards) = %d, len(groups) = %d, want equal", who, len(rewards), len(groups))
	}
	index := make(map[int]int)
	var runs [][]int
	for i, r := range rewards {
		if math.IsNaN(r) {
			continue
		}
		if math.IsInf(r, 0) {
			return nil, fmt.Errorf("preference: %s: rewards[%d] is Inf", who, i)
		}
		k, ok := index[groups[i]]
		if !ok {
			k = len(runs)
			index[groups[i]] = k
			runs = append(runs, nil)
		}
		runs[k] = append(runs[k], i)
	}
	return runs, nil
}

// scratch holds per-row working values; the pool makes repeated
// evaluations allocation-free.
var scratch = sync.Pool{New: func() any { return new([]float64) }}

func getScratch(n int) *[]float64 {
	p := scratch.Get().(*[]float64)
	if cap(*p) < n {
		*p = make([]float64, n)
	}
	*p = (*p)[:n]
	clear(*p)
	return p
}

// checkShape checks the batch's shape, the lengths of the slices the
// objective reads, and the gradient buffer. needRef and needOld say which
// optional slices must be present.
func checkShape(grad []float64, b *policy.Batch, needRef, needOld bool) error {
	if b == nil || b.B <= 0 || b.T <= 0 {
		return policy.ErrEmptyBatch
	}
	if b.T > math.MaxInt/b.B {
		return fmt.Errorf("preference: Batch.B*Batch.T = %d*%d overflows int", b.B, b.T)
	}
	n := b.B * b.T
	if len(b.LogProbs) != n {
		return fmt.Errorf("preference: len(Batch.LogProbs) = %d, want B*T = %d", len(b.LogProbs), n)
	}
	if needRef {
		if b.RefLogProbs == nil {
			return errors.New("preference: Batch.RefLogProbs is nil")
		}
		if len(b.RefLogProbs) != n {
			return fmt.Errorf("preference: len(Batch.RefLogProbs) = %d, want B*T = %d", len(b.RefLogProbs), n)
		}
	}
	if needOld {
		if b.OldLogProbs == nil {
			return errors.New("preference: Batch.OldLogProbs is nil (needed by the proximal clip)")
		}
		if len(b.OldLogProbs) != n {
			return fmt.Errorf("preference: len(Batch.OldLogProbs) = %d, want B*T = %d", len(b.OldLogProbs), n)
		}
	}
	if b.Mask != nil && len(b.Mask) != n {
		return fmt.Errorf("preference: len(Batch.Mask) = %d, want B*T = %d", len(b.Mask), n)
	}
	if grad != nil && len(grad) != n {
		return fmt.Errorf("preference: len(grad) = %d, want B*T = %d", len(grad), n)
	}
	return nil
}

// checkPairs checks that pairs is non-empty and every index names a row
// of a batch of B rows, and that no pair joins a row with itself.
func checkPairs(pairs []Pair, B int) error {
	if len(pairs) == 0 {
		return ErrNoPairs
	}
	for k, p := range pairs {
		if p.Chosen < 0 || p.Chosen >= B {
			return fmt.Errorf("preference: Batch.Pairs[%d].Chosen = %d, want in [0, B=%d)", k, p.Chosen, B)
		}
		if p.Rejected < 0 || p.Rejected >= B {
			return fmt.Errorf("preference: Batch.Pairs[%d].Rejected = %d, want in [0, B=%d)", k, p.Rejected, B)
		}
		if p.Chosen == p.Rejected {
			return fmt.Errorf("preference: Batch.Pairs[%d] joins row %d with itself", k, p.Chosen)
		}
	}
	return nil
}

// rowError finds why row i gave a non-finite or invalid sum: the first
// NaN/Inf among the named slices or a mask value other than 0 or 1. When
// every input is fine the sum overflowed.
func rowError(b *policy.Batch, i int, fields ...string) error {
	T := b.T
	for _, f := range fields {
		var v []float64
		switch f {
		case "LogProbs":
			v = b.LogProbs
		case "RefLogProbs":
			v = b.RefLogProbs
		case "OldLogProbs":
			v = b.OldLogProbs
		}
		for t, x := range v[i*T : i*T+T] {
			if math.IsNaN(x) {
				return fmt.Errorf("preference: Batch.%s[%d*T+%d] is NaN", f, i, t)
			}
			if math.IsInf(x, 0) {
				return fmt.Errorf("preference: Batch.%s[%d*T+%d] is Inf", f, i, t)
			}
		}
	}
	if b.Mask != nil {
		for t, m := range b.Mask[i*T : i*T+T] {
			if m != 0 && m != 1 {
				return fmt.Errorf("preference: Batch.Mask[%d*T+%d] = %v, want 0 or 1", i, t, m)
			}
		}
	}
	return fmt.Errorf("preference: row %d: sum of log-probs overflows", i)
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// checkFinite reports an error naming name[i] when x is NaN or Inf.
func checkFinite(name string, i int, x float64) error {
	if math.IsNaN(x) {
		return fmt.Errorf("preference: %s[%d] is NaN", name, i)
	}
	if math.IsInf(x, 0) {
		return fmt.Errorf("preference: %s[%d] is Inf", name, i)
	}
	return nil
}

// sumDiff returns Σ_t m_t(a_t − c_t) and Σ_t m_t over one row (m nil: all
// ones), and whether the mask was valid. Any NaN or Inf input makes the
// sum non-finite (Inf·0 is NaN), which the caller checks. The sum runs in
// four lanes (see package internal/vec).
func sumDiff(a, c, m []float64) (s, n float64, ok bool) { return vec.MaskedDiffSum(a, c, m) }

// sumMasked returns Σ_t m_t a_t and Σ_t m_t over one row (m nil: all ones)
// and whether the mask was valid. The sum runs in two lanes.
func sumMasked(a, m []float64) (s, n float64, ok bool) { return vec.MaskedSum(a, m) }

// scaleMask writes g_t = c·m_t (g_t = c when m is nil).
func scaleMask(g []float64, c float64, m []float64) { vec.ScaleMask(g, c, m) }

// rowMask returns row i of b's mask, nil without one.
func rowMask(b *policy.Batch, i int) []float64 {
	if b.Mask == nil {
		return nil
	}
	return b.Mask[i*b.T : (i+1)*b.T]
}

// scaleRows writes the gradient of a loss that depends on each row only
// through its summed log-probs: grad[i*T+t] = coef[i]·M_{i,t}.
func scaleRows(grad []float64, b *policy.Batch, coef []float64) {
	for i, c := range coef[:b.B] {
		scaleMask(grad[i*b.T:(i+1)*b.T], c, rowMask(b, i))
	}
}

// Numerically stable logistic helpers.

// sigmoid returns σ(x) = 1/(1+e^−x).
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// logSigmoid returns log σ(x) = −softplus(−x).
func logSigmoid(x float64) float64 {
	if x >= 0 {
		return -math.Log1p(math.Exp(-x))
	}
	return x - math.Log1p(math.Exp(x))
}
