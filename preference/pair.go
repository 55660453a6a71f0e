package preference

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/evolve-go/evolve/internal/vec"
	"github.com/evolve-go/evolve/policy"
)

// Pair names two rows of a batch: Chosen, the preferred completion (y_w),
// and Rejected, the dispreferred one (y_l). For RDP and CoPG, whose losses
// are symmetric in the two rows, the order carries no preference.
type Pair struct {
	Chosen, Rejected int
}

// ErrNoPairs is returned by a pairwise objective given no pair at all (for
// example a batch whose group ids are all different).
var ErrNoPairs = errors.New("preference: no pair")

// Stats are the diagnostics of one evaluation of an objective. Rewards are
// the implicit rewards β·u (β times the mean log-prob for SimPO), as TRL
// reports them.
type Stats struct {
	Loss float64 // the objective's value (mean over pairs or samples)

	Pairs  int     // pairs (samples for KTO) the loss averages over
	Tokens float64 // tokens that count (mask sum) over all rows of the batch

	ChosenReward   float64 // mean implicit reward of the chosen (KTO: desirable) rows
	RejectedReward float64 // mean implicit reward of the rejected (KTO: undesirable) rows
	// RewardAccuracy is the fraction of pairs whose chosen reward exceeds
	// the rejected one; for RDP and CoPG it is the fraction of pairs with
	// R_a ≠ R_b whose log-ratio difference h_a − h_b has the sign of R_a − R_b.
	RewardAccuracy float64
	Margin         float64 // mean chosen minus rejected implicit reward

	// ClipFraction (RDP with a proximal clip) is the fraction of counted
	// tokens, over all rows, whose log-ratio lies outside the clip range.
	ClipFraction float64
	// ClippedPairs (RDP with a proximal clip) is the fraction of pairs whose
	// clipped loss l^clip exceeded the unclipped one and so was used.
	ClippedPairs float64

	RefPoint float64 // KTO: the reference point z₀ used
}

// GroupPairs appends to dst every pair (i, j), i < j, of rows whose group
// ids are equal, as Pair{Chosen: i, Rejected: j}, and returns the extended
// slice. Ids are arbitrary integers, need not be sorted or contiguous; a
// group of one row forms no pair. Pairs come ordered by the first row of
// their group, then by i, then by j. It takes O(n + pairs) time after an
// O(n log n) sort; for fewer than 64 rows it scans instead and, given a
// dst large enough, allocates nothing.
//
// A group of n rows gives n(n−1)/2 pairs, so the pairwise objectives that
// take these pairs (RDP, CoPG) average over all pairs pooled across groups.
func GroupPairs(dst []Pair, groups []int) []Pair {
	n := len(groups)
	if n < 64 {
		// Quadratic scan: no allocation, fast for small batches.
		for i := 0; i < n; i++ {
			first := true
			for k := 0; k < i; k++ {
				if groups[k] == groups[i] {
					first = false
					break
				}
			}
			if !first {
				continue
			}
			// i is the first row of its group: emit the group's pairs.
			for a := i; a < n; a++ {
				if groups[a] != groups[i] {
					continue
				}
				for c := a + 1; c < n; c++ {
					if groups[c] == groups[i] {
						dst = append(dst, Pair{a, c})
					}
				}
			}
		}
		return dst
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	// Stable sort by id keeps rows ascending within a group.
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case groups[a] < groups[b]:
			return -1
		case groups[a] > groups[b]:
			return 1
		}
		return 0
	})
	// Runs of equal ids, ordered by their first row.
	type run struct{ lo, hi int }
	runs := make([]run, 0)
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && groups[idx[hi]] == groups[idx[lo]] {
			hi++
		}
		runs = append(runs, run{lo, hi})
		lo = hi
	}
	slices.SortFunc(runs, func(a, b run) int { return idx[a.lo] - idx[b.lo] })
	for _, r := range runs {
		for a := r.lo; a < r.hi; a++ {
			for c := a + 1; c < r.hi; c++ {
				dst = append(dst, Pair{idx[a], idx[c]})
			}
		}
	}
	return dst
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
			return fmt.Errorf("preference: pairs[%d].Chosen = %d, want in [0, B=%d)", k, p.Chosen, B)
		}
		if p.Rejected < 0 || p.Rejected >= B {
			return fmt.Errorf("preference: pairs[%d].Rejected = %d, want in [0, B=%d)", k, p.Rejected, B)
		}
		if p.Chosen == p.Rejected {
			return fmt.Errorf("preference: pairs[%d] joins row %d with itself", k, p.Chosen)
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
