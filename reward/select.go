package reward

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
)

// TopFraction returns the indices of the best ⌈α·n⌉ scores (RAFT's
// reward-ranked selection), highest first, where n counts the non-NaN
// scores; NaN scores (missing rewards) are never selected. Equal scores
// keep index order. α = 0 means the default 0.2; α must lie in [0, 1].
// ±Inf scores are an error naming the index.
//
// References: Dong et al., "RAFT: Reward rAnked FineTuning for Generative
// Foundation Model Alignment", 2023; docs/ALGORITHMS.md §5.
func TopFraction(scores []float64, alpha float64) ([]int, error) {
	if math.IsNaN(alpha) || alpha < 0 || alpha > 1 {
		return nil, fmt.Errorf("reward: TopFraction: alpha is %v, want in [0, 1]", alpha)
	}
	if alpha == 0 {
		alpha = 0.2
	}
	idx := make([]int, 0, len(scores))
	for i, s := range scores {
		if math.IsInf(s, 0) {
			return nil, fmt.Errorf("reward: TopFraction: scores[%d] is %v", i, s)
		}
		if !math.IsNaN(s) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] > scores[idx[b]] })
	k := int(math.Ceil(alpha * float64(len(idx))))
	if k > len(idx) {
		k = len(idx)
	}
	return idx[:k], nil
}

// BestOfK returns, for each consecutive group of k scores (the usual
// layout: k completions per prompt, prompt after prompt), the index into
// scores of the group's highest score; −1 for a group whose scores are all
// NaN. Ties go to the earlier index. k must be positive and divide
// len(scores); ±Inf scores are an error.
//
// References: RAFT's per-prompt best-of-K variant; docs/ALGORITHMS.md §5.
func BestOfK(scores []float64, k int) ([]int, error) {
	if k <= 0 {
		return nil, fmt.Errorf("reward: BestOfK: k is %d, want > 0", k)
	}
	if len(scores)%k != 0 {
		return nil, fmt.Errorf("reward: BestOfK: len(scores) = %d is not a multiple of k = %d", len(scores), k)
	}
	out := make([]int, len(scores)/k)
	for g := range out {
		best := -1
		for i := g * k; i < (g+1)*k; i++ {
			s := scores[i]
			if math.IsInf(s, 0) {
				return nil, fmt.Errorf("reward: BestOfK: scores[%d] is %v", i, s)
			}
			if !math.IsNaN(s) && (best < 0 || s > scores[best]) {
				best = i
			}
		}
		out[g] = best
	}
	return out, nil
}

// SelectDirection is DPA's preference-conditioned rejection sampling: it
// returns argmax_i vᵀr_i over the reward vectors of the candidates and
// the best value. v must be a unit vector (‖v‖₂ within 1e-9 of 1; see
// UnitDirection); NaN components of a vector (skipped objectives) are left
// out of its sum, as in Direction; a vector with no usable component is
// never selected. It returns −1 when no candidate is usable. Ties go to the
// earlier candidate. Every vector must have len(v) entries; ±Inf is an
// error.
//
// References: DPA (Wang et al., 2024), rejection-sampling finetuning with
// directions; docs/ALGORITHMS.md §5.
func SelectDirection(vectors [][]float64, v []float64) (int, float64, error) {
	n, err := directionNorm(v)
	if err != nil {
		return -1, math.NaN(), err
	}
	if math.Abs(n-1) > 1e-9 {
		return -1, math.NaN(), fmt.Errorf("reward: SelectDirection: v has norm %v, want 1", n)
	}
	best, bestV := -1, math.NaN()
	for i, r := range vectors {
		if len(r) != len(v) {
			return -1, math.NaN(), fmt.Errorf("reward: SelectDirection: vectors[%d] has %d entries, v has %d", i, len(r), len(v))
		}
		sum, used := 0.0, false
		for k, x := range r {
			if math.IsInf(x, 0) {
				return -1, math.NaN(), fmt.Errorf("reward: SelectDirection: vectors[%d][%d] is %v", i, k, x)
			}
			if math.IsNaN(x) || v[k] == 0 {
				continue
			}
			sum += v[k] * x
			used = true
		}
		if used && (best < 0 || sum > bestV) {
			best, bestV = i, sum
		}
	}
	return best, bestV, nil
}

// ScoreGroups applies a GroupReward to each group (all completions of one
// prompt per group). A group whose ScoreGroup fails, panics, or returns
// the wrong number of scores or a ±Inf score gets NaN for every sample and
// an error naming the group; a NaN score from the reward is kept (missing).
// The other groups are unaffected. The returned error is non-nil only when
// gr is nil or ctx ended before every group was scored (the remaining
// groups then get NaN and ctx's error).
func ScoreGroups(ctx context.Context, gr GroupReward, groups [][]Sample) (scores [][]float64, errs []error, err error) {
	if gr == nil {
		return nil, nil, errors.New("reward: ScoreGroups: GroupReward is nil")
	}
	scores = make([][]float64, len(groups))
	errs = make([]error, len(groups))
	for g, group := range groups {
		if cerr := ctx.Err(); cerr != nil {
			for h := g; h < len(groups); h++ {
				scores[h] = nanSlice(len(groups[h]))
				errs[h] = fmt.Errorf("reward: groups[%d]: not scored: %w", h, cerr)
			}
			return scores, errs, fmt.Errorf("reward: ScoreGroups stopped with %d of %d groups unscored: %w", len(groups)-g, len(groups), cerr)
		}
		s, e := scoreGroup(ctx, gr, group)
		if e == nil && len(s) != len(group) {
			e = fmt.Errorf("returned %d scores for %d samples", len(s), len(group))
		}
		if e == nil {
			for i, x := range s {
				if math.IsInf(x, 0) {
					e = fmt.Errorf("score %d is %v", i, x)
					break
				}
			}
		}
		if e != nil {
			scores[g] = nanSlice(len(group))
			errs[g] = fmt.Errorf("reward: groups[%d]: %w", g, e)
			continue
		}
		scores[g] = s
	}
	return scores, errs, nil
}

func scoreGroup(ctx context.Context, gr GroupReward, group []Sample) (s []float64, err error) {
	defer func() {
		if p := recover(); p != nil {
			s, err = nil, fmt.Errorf("ScoreGroup panicked: %v", p)
		}
	}()
	return gr.ScoreGroup(ctx, group)
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}
