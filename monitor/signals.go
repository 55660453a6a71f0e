package monitor

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/evolve-go/evolve/curriculum"
	"github.com/evolve-go/evolve/internal/nanmean"
	"github.com/evolve-go/evolve/preference"
	"github.com/evolve-go/evolve/reward"
)

// The signals below are the pure functions a Monitor computes each step
// from; each is usable alone. Rows are laid out as in policy.Batch:
// groups[i] is the group (prompt) of row i, any non-negative int; the rows
// of a group need not be adjacent. A NaN reward is a missing one (not
// applicable, see reward.ErrSkip) and is left out.

// members returns the rows of each group, groups in order of first
// appearance.
func members(who string, groups []int) ([][]int, error) {
	index := map[int]int{}
	var out [][]int
	for i, g := range groups {
		if g < 0 {
			return nil, fmt.Errorf("monitor: %s: groups[%d] = %d, want ≥ 0", who, i, g)
		}
		k, ok := index[g]
		if !ok {
			k = len(out)
			index[g] = k
			out = append(out, nil)
		}
		out[k] = append(out[k], i)
	}
	return out, nil
}

// checkRows reports a slice of per-row values whose length is not that of
// groups, or that holds an infinity.
func checkRows(who, name string, v []float64, groups []int) error {
	if len(v) != len(groups) {
		return fmt.Errorf("monitor: %s: len(%s) = %d, want len(groups) = %d", who, name, len(v), len(groups))
	}
	for i, x := range v {
		if math.IsInf(x, 0) {
			return fmt.Errorf("monitor: %s: %s[%d] = %v, want finite or NaN (missing)", who, name, i, x)
		}
	}
	return nil
}

// words splits a text into lower-cased whitespace-separated words.
func words(text string) []string {
	return strings.Fields(strings.ToLower(text))
}

// DistinctN is distinct-n over texts: the number of distinct word n-grams
// divided by the number of word n-grams, over all texts together,
//
//	distinct-n = |{n-grams}| / Σ_texts (words − n + 1)⁺,
//
// words being the lower-cased, whitespace-separated fields. It is 1 when
// no n-gram repeats and 1/count when every text is the same single
// n-gram; NaN when no text has n words. n must be ≥ 1.
//
// References: Li et al., "A Diversity-Promoting Objective Function for
// Neural Conversation Models" (NAACL 2016).
func DistinctN(texts []string, n int) (float64, error) {
	if n < 1 {
		return 0, fmt.Errorf("monitor: DistinctN: n = %d, want ≥ 1", n)
	}
	seen := map[string]struct{}{}
	total := 0
	for _, t := range texts {
		w := words(t)
		for i := 0; i+n <= len(w); i++ {
			seen[strings.Join(w[i:i+n], " ")] = struct{}{}
			total++
		}
	}
	if total == 0 {
		return math.NaN(), nil
	}
	return float64(len(seen)) / float64(total), nil
}

// GroupDistinctN is the mean over groups of DistinctN of each group's
// texts: how differently a policy answers one prompt, which is what GRPO
// compares (EVOL-RL's diversity within a group). Groups whose distinct-n
// is NaN are left out; NaN when all are.
func GroupDistinctN(texts []string, groups []int, n int) (float64, error) {
	if len(texts) != len(groups) {
		return 0, fmt.Errorf("monitor: GroupDistinctN: len(texts) = %d, want len(groups) = %d", len(texts), len(groups))
	}
	rows, err := members("GroupDistinctN", groups)
	if err != nil {
		return 0, err
	}
	var each []float64
	for _, r := range rows {
		g := make([]string, len(r))
		for k, i := range r {
			g[k] = texts[i]
		}
		d, err := DistinctN(g, n)
		if err != nil {
			return 0, err
		}
		each = append(each, d)
	}
	return nanmean.Of(each), nil
}

// GroupSimilarity is the mean over groups of the mean cosine similarity
// (reward.Cosine) between the embeddings of two different rows of the
// group: 1 when a group's samples all embed alike, near 0 for unrelated
// texts. Groups of one row are left out; NaN when all are. vecs[i] is the
// embedding of row i.
func GroupSimilarity(vecs [][]float64, groups []int) (float64, error) {
	if len(vecs) != len(groups) {
		return 0, fmt.Errorf("monitor: GroupSimilarity: len(vecs) = %d, want len(groups) = %d", len(vecs), len(groups))
	}
	if err := checkVectors("GroupSimilarity", vecs); err != nil {
		return 0, err
	}
	rows, err := members("GroupSimilarity", groups)
	if err != nil {
		return 0, err
	}
	var each []float64
	for _, r := range rows {
		s, n := 0.0, 0
		for a := range r {
			for b := a + 1; b < len(r); b++ {
				s += reward.Cosine(vecs[r[a]], vecs[r[b]])
				n++
			}
		}
		if n > 0 {
			each = append(each, s/float64(n))
		}
	}
	return nanmean.Of(each), nil
}

// CrossSimilarity is the mean cosine similarity over every pair (a[i],
// b[j]): with a a step's embeddings and b the previous step's, how much a
// run's samples repeat themselves across steps. NaN when either is empty.
func CrossSimilarity(a, b [][]float64) (float64, error) {
	if len(a) == 0 || len(b) == 0 {
		return math.NaN(), nil
	}
	both := append(append([][]float64(nil), a...), b...)
	if err := checkVectors("CrossSimilarity", both); err != nil {
		return 0, err
	}
	s := 0.0
	for _, x := range a {
		for _, y := range b {
			s += reward.Cosine(x, y)
		}
	}
	return s / float64(len(a)*len(b)), nil
}

// checkVectors reports vectors of different lengths or with a value that
// is not finite.
func checkVectors(who string, vecs [][]float64) error {
	for i, v := range vecs {
		if len(v) != len(vecs[0]) {
			return fmt.Errorf("monitor: %s: vector %d has length %d, vector 0 has %d", who, i, len(v), len(vecs[0]))
		}
		for j, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("monitor: %s: vector %d [%d] is %v", who, i, j, x)
			}
		}
	}
	return nil
}

// ZeroVarianceShare is the share of groups that carry no learning signal:
// whose present (non-NaN) rewards are all equal, or fewer than two. Their
// group-relative advantages are 0 — every sample solved or every sample
// failed — so a GRPO step learns nothing from them; DAPO's dynamic
// sampling drops them (curriculum.FillBatch uses the same rule). NaN when
// there is no group.
//
// References: Yu et al., "DAPO" (2025), §3.2.
func ZeroVarianceShare(rewards []float64, groups []int) (float64, error) {
	flat, _, err := flatShares("ZeroVarianceShare", rewards, groups, math.Inf(-1))
	return flat, err
}

// StarvedShare is the share of groups without learning signal that are
// not solved: the zero-variance groups of ZeroVarianceShare whose common
// reward is below threshold (or that have fewer than two present
// rewards). The zero-variance groups at or above it are solved: nothing
// left to learn there, rather than nothing found. NaN when there is no
// group.
func StarvedShare(rewards []float64, groups []int, threshold float64) (float64, error) {
	if math.IsNaN(threshold) || math.IsInf(threshold, 0) {
		return 0, fmt.Errorf("monitor: StarvedShare: threshold = %v, want finite", threshold)
	}
	_, starved, err := flatShares("StarvedShare", rewards, groups, threshold)
	return starved, err
}

// flatShares returns the share of zero-variance groups and the share of
// those whose reward is below threshold.
func flatShares(who string, rewards []float64, groups []int, threshold float64) (flat, starved float64, err error) {
	if err := checkRows(who, "rewards", rewards, groups); err != nil {
		return 0, 0, err
	}
	rows, err := members(who, groups)
	if err != nil {
		return 0, 0, err
	}
	if len(rows) == 0 {
		return math.NaN(), math.NaN(), nil
	}
	nf, ns := 0, 0
	for _, r := range rows {
		n, first, equal := 0, 0.0, true
		for _, i := range r {
			if math.IsNaN(rewards[i]) {
				continue
			}
			if n == 0 {
				first = rewards[i]
			} else if rewards[i] != first {
				equal = false
			}
			n++
		}
		if n < 2 || equal {
			nf++
			if n < 2 || first < threshold {
				ns++
			}
		}
	}
	return float64(nf) / float64(len(rows)), float64(ns) / float64(len(rows)), nil
}

// Balance is B-STaR's balance score averaged over groups
// (curriculum.BalanceScore per group): a row is selected when its reward
// is ≥ threshold and correct when, in addition, its verdict is ≥
// threshold — verdicts from a verifier watching the reward, or nil to take
// the reward as its own verdict (then every selected row is correct).
// Correct rows are counted once per distinct text when texts is given
// (the paper counts unique correct responses), every row when it is nil.
// nStar is n*, the correct responses wanted per query (0: the paper's 8).
// Rows with a NaN reward or verdict are left out.
//
//	bs_g = min(n'_g/n*, 1) · n'_g/n_g
//
// The first factor falls when the policy stops finding correct answers
// (exploration), the second when the reward selects wrong ones
// (exploitation). NaN when there is no group.
//
// References: Zeng et al., "B-STaR" (ICLR 2025); docs/ALGORITHMS.md §5.
func Balance(rewards, verdicts []float64, texts []string, groups []int, threshold float64, nStar int) (float64, error) {
	if err := checkRows("Balance", "rewards", rewards, groups); err != nil {
		return 0, err
	}
	if verdicts != nil {
		if err := checkRows("Balance", "verdicts", verdicts, groups); err != nil {
			return 0, err
		}
	}
	if texts != nil && len(texts) != len(groups) {
		return 0, fmt.Errorf("monitor: Balance: len(texts) = %d, want len(groups) = %d", len(texts), len(groups))
	}
	if math.IsNaN(threshold) || math.IsInf(threshold, 0) {
		return 0, fmt.Errorf("monitor: Balance: threshold = %v, want finite", threshold)
	}
	rows, err := members("Balance", groups)
	if err != nil {
		return 0, err
	}
	var each []float64
	seen := map[string]bool{} // a group's correct texts
	for _, r := range rows {
		selected, correct := 0, 0
		clear(seen)
		for _, i := range r {
			v := rewards[i]
			if verdicts != nil {
				v = verdicts[i]
			}
			if math.IsNaN(rewards[i]) || math.IsNaN(v) || rewards[i] < threshold {
				continue
			}
			selected++
			switch {
			case v < threshold:
			case texts == nil:
				correct++
			case !seen[texts[i]]:
				seen[texts[i]] = true
				correct++
			}
		}
		bs, err := curriculum.BalanceScore(correct, selected, nStar)
		if err != nil {
			return 0, fmt.Errorf("monitor: Balance: %w", err)
		}
		each = append(each, bs)
	}
	return nanmean.Of(each), nil
}

// Consistency is CREAM's rewarding consistency: the mean over groups of
// Kendall's τ-b (preference.KendallTau) between two iterations' scores of
// the same rows — prev[i] by the previous iteration's model, cur[i] by the
// current one (a self-judge's rewards, or implicit rewards β·log π/π_ref).
// 1: the two iterations rank each prompt's responses alike; 0: no
// relation; −1: reversed. Groups where τ is undefined (fewer than two
// present rows, or all scores of one iteration equal) and rows with a NaN
// score are left out; NaN when no group remains.
//
// References: Wang et al., "CREAM: Consistency Regularized Self-Rewarding
// Language Models" (2024); docs/ALGORITHMS.md §4.
func Consistency(prev, cur []float64, groups []int) (float64, error) {
	if err := checkRows("Consistency", "prev", prev, groups); err != nil {
		return 0, err
	}
	if err := checkRows("Consistency", "cur", cur, groups); err != nil {
		return 0, err
	}
	rows, err := members("Consistency", groups)
	if err != nil {
		return 0, err
	}
	var each []float64
	for _, r := range rows {
		var x, y []float64
		for _, i := range r {
			if !math.IsNaN(prev[i]) && !math.IsNaN(cur[i]) {
				x, y = append(x, prev[i]), append(y, cur[i])
			}
		}
		if tau, err := preference.KendallTau(x, y); err == nil {
			each = append(each, tau)
		}
	}
	return nanmean.Of(each), nil
}

// Disagreement is the share of rows on which the training reward and a
// verifier watching it disagree about success, (r_i ≥ threshold) ≠ (v_i ≥
// threshold), over the rows where both are present. A rising share while
// the training reward rises is the signature of a reward being gamed: the
// policy earns what the reward pays for and the verifier does not
// confirm. NaN when no row has both.
func Disagreement(rewards, verdicts []float64, threshold float64) (float64, error) {
	if len(rewards) != len(verdicts) {
		return 0, fmt.Errorf("monitor: Disagreement: len(rewards) = %d, len(verdicts) = %d, want equal", len(rewards), len(verdicts))
	}
	if math.IsNaN(threshold) || math.IsInf(threshold, 0) {
		return 0, fmt.Errorf("monitor: Disagreement: threshold = %v, want finite", threshold)
	}
	n, d := 0, 0
	for i, r := range rewards {
		v := verdicts[i]
		if math.IsInf(r, 0) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("monitor: Disagreement: row %d: reward %v, verdict %v, want finite or NaN", i, r, v)
		}
		if math.IsNaN(r) || math.IsNaN(v) {
			continue
		}
		n++
		if (r >= threshold) != (v >= threshold) {
			d++
		}
	}
	if n == 0 {
		return math.NaN(), nil
	}
	return float64(d) / float64(n), nil
}

// errNoRollouts is returned by Observe for a Step without rollouts.
var errNoRollouts = errors.New("monitor: Step.Rollouts is nil")
