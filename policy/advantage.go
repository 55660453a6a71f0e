package policy

import (
	"fmt"
	"math"
)

// AdvantageEstimator turns one scalar reward per sample into one advantage
// per sample, using the group each sample belongs to (the completions of
// one prompt share a group id).
//
// Advantages writes len(rewards) advantages into dst, which must have the
// length of rewards; groups holds one group id per sample. Group ids are
// arbitrary integers: they need be neither contiguous nor sorted. A NaN
// reward marks a sample whose reward is missing (not applicable): it is
// left out of every sum, mean and standard deviation and gets advantage 0.
// A group with fewer than two present rewards, or whose present rewards are
// all equal, gets advantage 0 (never NaN). ±Inf rewards are errors.
type AdvantageEstimator interface {
	Advantages(dst, rewards []float64, groups []int) error
}

// StdKind selects the standard deviation an estimator divides by.
type StdKind int

const (
	// Unbiased is the Bessel-corrected standard deviation
	// sqrt(Σ(x−mean)²/(n−1)), as TRL and verl compute it (torch.std).
	Unbiased StdKind = iota
	// Population is sqrt(Σ(x−mean)²/n).
	Population
)

func (k StdKind) String() string {
	switch k {
	case Unbiased:
		return "Unbiased"
	case Population:
		return "Population"
	}
	return fmt.Sprintf("StdKind(%d)", int(k))
}

func (k StdKind) check(who string) error {
	if k != Unbiased && k != Population {
		return fmt.Errorf("policy: %s.Std = %d is not a StdKind", who, int(k))
	}
	return nil
}

// GroupNorm is the group z-score of GRPO:
//
//	A_i = (R_i − mean_g R) / (std_g R + Eps)
//
// where g is the group of sample i.
//
// References: Shao et al., DeepSeekMath (2024), §4.1.2; TRL GRPOTrainer
// (scale_rewards="group"); verl compute_grpo_outcome_advantage.
type GroupNorm struct {
	// Std is the standard deviation used. Default (zero value) Unbiased,
	// as TRL and verl.
	Std StdKind
	// Eps is added to the standard deviation. Zero means no epsilon
	// (groups of equal rewards still get 0); TRL uses 1e-4, verl 1e-6,
	// OpenRLHF 1e-9. Negative or non-finite is an error.
	Eps float64
}

// GroupMean is the group-mean baseline of Dr. GRPO, without the std
// scaling that biases GRPO towards too easy and too hard questions:
//
//	A_i = R_i − mean_g R
//
// References: Liu et al., Understanding R1-Zero-Like Training: A Critical
// Perspective (Dr. GRPO, 2025); TRL scale_rewards="none".
type GroupMean struct{}

// GroupMeanBatchStd centres by the group mean and scales by the standard
// deviation of the raw rewards of the whole batch:
//
//	A_i = (R_i − mean_g R) / (std_batch R + Eps)
//
// References: TRL GRPOTrainer (scale_rewards="batch").
type GroupMeanBatchStd struct {
	// Std is the standard deviation used. Default (zero value) Unbiased,
	// as TRL.
	Std StdKind
	// Eps is added to the standard deviation. Zero means none; TRL uses
	// 1e-4. Negative or non-finite is an error.
	Eps float64
}

// RLOO is the leave-one-out baseline:
//
//	A_i = R_i − (Σ_g R − R_i)/(n_g − 1) = n_g/(n_g − 1)·(R_i − mean_g R)
//
// where n_g is the number of present rewards of the group.
//
// References: Ahmadian et al., Back to Basics: Revisiting REINFORCE Style
// Optimization for Learning from Human Feedback in LLMs (2024); Kool et al.
// (2019).
type RLOO struct{}

// RPPBaseline is the REINFORCE++ baseline: centre by the group mean, then
// whiten over the whole batch,
//
//	c_i = R_i − mean_g R
//	A_i = (c_i − mean c) / sqrt(var_unbiased c + Eps)
//
// Samples with a missing reward are left out of the batch statistics.
//
// References: Hu, REINFORCE++ (2025); verl
// compute_reinforce_plus_plus_baseline_outcome_advantage; OpenRLHF.
type RPPBaseline struct {
	// Eps is added to the variance under the square root. Zero means
	// none; verl uses 1e-8 (masked_whiten). Negative or non-finite is an
	// error.
	Eps float64
}

// checkEps validates a non-negative finite hyperparameter.
func checkNonNeg(who, field string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("policy: %s.%s = %v is not finite", who, field, v)
	}
	if v < 0 {
		return fmt.Errorf("policy: %s.%s = %v is negative", who, field, v)
	}
	return nil
}

// groupStats holds, per group, the count of present rewards, their mean,
// their sum of squared deviations and whether they all are equal.
type groupStats struct {
	n, mean, m2 float64
	first       float64
	equal       bool
}

// gatherGroups validates the inputs and returns the per-group statistics
// of the present (non-NaN) rewards, keyed by group id.
func gatherGroups(who string, dst, rewards []float64, groups []int) (map[int]*groupStats, error) {
	if len(dst) != len(rewards) {
		return nil, fmt.Errorf("policy: %s: len(dst) = %d, want len(rewards) = %d", who, len(dst), len(rewards))
	}
	if len(groups) != len(rewards) {
		return nil, fmt.Errorf("policy: %s: len(groups) = %d, want len(rewards) = %d", who, len(groups), len(rewards))
	}
	st := make(map[int]*groupStats)
	for i, r := range rewards {
		if math.IsInf(r, 0) {
			return nil, fmt.Errorf("policy: %s: rewards[%d] is %v", who, i, r)
		}
		g := st[groups[i]]
		if g == nil {
			g = &groupStats{equal: true}
			st[groups[i]] = g
		}
		if math.IsNaN(r) {
			continue
		}
		// Welford's update keeps the variance accurate for large offsets.
		g.n++
		d := r - g.mean
		g.mean += d / g.n
		g.m2 += d * (r - g.mean)
		if g.n == 1 {
			g.first = r
		} else if r != g.first {
			g.equal = false
		}
	}
	return st, nil
}

// degenerate reports whether a group's advantages are all 0: fewer than
// two present rewards, or all of them equal.
func (g *groupStats) degenerate() bool { return g.n < 2 || g.equal }

func (g *groupStats) std(k StdKind) float64 {
	if k == Population {
		return math.Sqrt(g.m2 / g.n)
	}
	return math.Sqrt(g.m2 / (g.n - 1))
}

// centre writes R_i − mean_g R into dst, and 0 for missing rewards and
// degenerate groups.
func centre(dst, rewards []float64, groups []int, st map[int]*groupStats) {
	for i, r := range rewards {
		g := st[groups[i]]
		if math.IsNaN(r) || g.degenerate() {
			dst[i] = 0
			continue
		}
		dst[i] = r - g.mean
	}
}

// Advantages implements AdvantageEstimator.
func (e GroupNorm) Advantages(dst, rewards []float64, groups []int) error {
	if err := e.Std.check("GroupNorm"); err != nil {
		return err
	}
	if err := checkNonNeg("GroupNorm", "Eps", e.Eps); err != nil {
		return err
	}
	st, err := gatherGroups("GroupNorm", dst, rewards, groups)
	if err != nil {
		return err
	}
	centre(dst, rewards, groups, st)
	for i := range dst {
		if dst[i] != 0 {
			dst[i] /= st[groups[i]].std(e.Std) + e.Eps
		}
	}
	return nil
}

// Advantages implements AdvantageEstimator.
func (GroupMean) Advantages(dst, rewards []float64, groups []int) error {
	st, err := gatherGroups("GroupMean", dst, rewards, groups)
	if err != nil {
		return err
	}
	centre(dst, rewards, groups, st)
	return nil
}

// Advantages implements AdvantageEstimator.
func (e GroupMeanBatchStd) Advantages(dst, rewards []float64, groups []int) error {
	if err := e.Std.check("GroupMeanBatchStd"); err != nil {
		return err
	}
	if err := checkNonNeg("GroupMeanBatchStd", "Eps", e.Eps); err != nil {
		return err
	}
	st, err := gatherGroups("GroupMeanBatchStd", dst, rewards, groups)
	if err != nil {
		return err
	}
	all := groupStats{equal: true}
	for _, r := range rewards {
		if math.IsNaN(r) {
			continue
		}
		all.n++
		d := r - all.mean
		all.mean += d / all.n
		all.m2 += d * (r - all.mean)
	}
	centre(dst, rewards, groups, st)
	if all.n < 2 || all.m2 == 0 {
		return nil // every centred value is 0 already
	}
	s := all.std(e.Std) + e.Eps
	for i := range dst {
		dst[i] /= s
	}
	return nil
}

// Advantages implements AdvantageEstimator.
func (RLOO) Advantages(dst, rewards []float64, groups []int) error {
	st, err := gatherGroups("RLOO", dst, rewards, groups)
	if err != nil {
		return err
	}
	centre(dst, rewards, groups, st)
	for i := range dst {
		if dst[i] != 0 {
			n := st[groups[i]].n
			dst[i] *= n / (n - 1)
		}
	}
	return nil
}

// Advantages implements AdvantageEstimator.
func (e RPPBaseline) Advantages(dst, rewards []float64, groups []int) error {
	if err := checkNonNeg("RPPBaseline", "Eps", e.Eps); err != nil {
		return err
	}
	st, err := gatherGroups("RPPBaseline", dst, rewards, groups)
	if err != nil {
		return err
	}
	centre(dst, rewards, groups, st)
	whiten(dst, rewards, e.Eps)
	return nil
}

// whiten replaces dst by (dst − mean)/sqrt(var_unbiased + eps) over the
// samples whose reward is present (not NaN); the others stay 0. When the
// present values are all equal (or fewer than two), they all become 0.
func whiten(dst, rewards []float64, eps float64) {
	var n, mean, m2 float64
	for i, c := range dst {
		if math.IsNaN(rewards[i]) {
			continue
		}
		n++
		d := c - mean
		mean += d / n
		m2 += d * (c - mean)
	}
	if n < 2 || m2 == 0 {
		for i := range dst {
			dst[i] = 0
		}
		return
	}
	s := math.Sqrt(m2/(n-1) + eps)
	for i := range dst {
		if math.IsNaN(rewards[i]) {
			dst[i] = 0
			continue
		}
		dst[i] = (dst[i] - mean) / s
	}
}
