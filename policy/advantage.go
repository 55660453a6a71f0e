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
//
// Rewards count as equal when they differ only at the level of
// floating-point rounding: a group whose population standard deviation is
// at most 2^-40 (about 9.1e-13) times the largest |R| of the group gets
// advantage 0 from every estimator, as does a batch-wide statistic that
// meets the same bound. 2^-40 is 4096 units in the last place of a
// float64: room for the rounding error of a reward computed in a few
// thousand floating-point operations, so that 0.1+0.2 and 0.3, or 1e15 and
// 1e15+1, are the same reward instead of a z-score of ±0.7 made of noise.
//
// Means and variances are computed by the corrected two-pass algorithm, in
// a power-of-two scale of each group, so the advantages of a group sum to
// zero to rounding and no finite input overflows an intermediate result.
// Where an advantage itself is not representable (GroupMean and RLOO of
// rewards near ±MaxFloat64), Advantages returns an error naming the reward.
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
// Since every group's c sums to zero, mean c is zero in exact arithmetic
// and is taken as exactly zero (var_unbiased c = Σc²/(n−1)): subtracting
// its computed value, as verl does, changes the result only by rounding
// but gives equal-reward groups advantages of ±1e-17 instead of 0.
//
// References: Hu, REINFORCE++ (2025); verl
// compute_reinforce_plus_plus_baseline_outcome_advantage; OpenRLHF.
type RPPBaseline struct {
	// Eps is added to the variance under the square root. Zero means
	// none; verl uses 1e-8 (masked_whiten). Negative or non-finite is an
	// error.
	Eps float64
}

// checkNonNeg validates a non-negative finite hyperparameter.
func checkNonNeg(who, field string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("policy: %s.%s = %v is not finite", who, field, v)
	}
	if v < 0 {
		return fmt.Errorf("policy: %s.%s = %v is negative", who, field, v)
	}
	return nil
}

// noiseRel is the relative spread below which a set of rewards counts as
// equal: see AdvantageEstimator. 2^-40 is 4096 units in the last place of a
// float64.
const noiseRel = 0x1p-40

// spread holds the statistics of one set of values (a group, or the whole
// batch), computed in the set's own scale: every value is multiplied by
// 2^-exp, the power of two that brings the largest magnitude into [0.5, 1).
// Scaling by a power of two is exact, so the results are those of unscaled
// arithmetic, but neither sums nor sums of squares can overflow.
type spread struct {
	n     float64 // number of present values
	max   float64 // largest |value|
	exp   int     // value = x·2^exp
	mean  float64 // mean of x (first pass)
	corr  float64 // mean of x − mean (second pass): the correction to mean
	ss    float64 // Σc², c = x − mean − corr, in the scaled unit
	noise bool    // fewer than two values, or a spread at rounding level
}

func (s *spread) std(k StdKind) float64 {
	if k == Population {
		return math.Sqrt(s.ss / s.n)
	}
	return math.Sqrt(s.ss / (s.n - 1))
}

// centreSets centres the present (non-NaN) values of v within their sets
// by the corrected two-pass algorithm: with m the mean of the scaled values
// x and d = x − m, c = d − mean(d). c is written to dst (scaled; 0 for a
// missing value and for every value of a noise set), and the sum of squares
// is that of the very c written, so centred values and variance agree.
// idx[i] is the set of value i, nil meaning one set.
func centreSets(dst, v []float64, idx []int, sets []spread) {
	set := func(i int) *spread {
		if idx == nil {
			return &sets[0]
		}
		return &sets[idx[i]]
	}
	for i, x := range v {
		if math.IsNaN(x) {
			continue
		}
		s := set(i)
		s.n++
		s.max = max(s.max, math.Abs(x))
	}
	for k := range sets {
		if s := &sets[k]; s.max > 0 {
			_, s.exp = math.Frexp(s.max)
		}
	}
	for i, x := range v {
		if !math.IsNaN(x) {
			s := set(i)
			s.mean += math.Ldexp(x, -s.exp)
		}
	}
	for k := range sets {
		if s := &sets[k]; s.n > 0 {
			s.mean /= s.n
		}
	}
	for i, x := range v {
		if math.IsNaN(x) {
			dst[i] = 0
			continue
		}
		s := set(i)
		dst[i] = math.Ldexp(x, -s.exp) - s.mean
		s.corr += dst[i]
	}
	for k := range sets {
		if s := &sets[k]; s.n > 0 {
			s.corr /= s.n
		}
	}
	for i, x := range v {
		if !math.IsNaN(x) {
			s := set(i)
			dst[i] -= s.corr
			s.ss += dst[i] * dst[i]
		}
	}
	for k := range sets {
		s := &sets[k]
		s.noise = s.n < 2 || s.ss == 0 || math.Sqrt(s.ss/s.n) <= noiseRel*math.Ldexp(s.max, -s.exp)
	}
	for i := range v {
		if set(i).noise {
			dst[i] = 0
		}
	}
}

// gatherGroups validates the inputs, numbers the groups densely and
// writes into dst the scaled group-centred rewards (see centreSets). It
// returns the set of each sample and the statistics of each group.
func gatherGroups(who string, dst, rewards []float64, groups []int) ([]int, []spread, error) {
	if len(dst) != len(rewards) {
		return nil, nil, fmt.Errorf("policy: %s: len(dst) = %d, want len(rewards) = %d", who, len(dst), len(rewards))
	}
	if len(groups) != len(rewards) {
		return nil, nil, fmt.Errorf("policy: %s: len(groups) = %d, want len(rewards) = %d", who, len(groups), len(rewards))
	}
	for i, r := range rewards {
		if math.IsInf(r, 0) {
			return nil, nil, fmt.Errorf("policy: %s: rewards[%d] is %v", who, i, r)
		}
	}
	ids := make(map[int]int)
	idx := make([]int, len(rewards))
	for i, g := range groups {
		k, ok := ids[g]
		if !ok {
			k = len(ids)
			ids[g] = k
		}
		idx[i] = k
	}
	sets := make([]spread, len(ids))
	centreSets(dst, rewards, idx, sets)
	return idx, sets, nil
}

// unscale writes dst[i]·2^exp of sample i's group back into dst and
// reports an advantage that overflows, naming the reward it came from.
func unscale(who string, dst, rewards []float64, idx []int, sets []spread) error {
	for i, c := range dst {
		if c == 0 {
			continue
		}
		dst[i] = math.Ldexp(c, sets[idx[i]].exp)
		if math.IsInf(dst[i], 0) {
			return fmt.Errorf("policy: %s: the advantage of rewards[%d] = %v overflows float64 (its group's rewards are too far apart)", who, i, rewards[i])
		}
	}
	return nil
}

// Advantages implements AdvantageEstimator.
func (e GroupNorm) Advantages(dst, rewards []float64, groups []int) error {
	if err := e.Std.check("GroupNorm"); err != nil {
		return err
	}
	if err := checkNonNeg("GroupNorm", "Eps", e.Eps); err != nil {
		return err
	}
	idx, sets, err := gatherGroups("GroupNorm", dst, rewards, groups)
	if err != nil {
		return err
	}
	// In the group's scale: (c·2^e)/(std·2^e + Eps) = c/(std + Eps·2^-e),
	// finite for every finite input since std exceeds the noise level.
	for i, c := range dst {
		if c != 0 {
			s := &sets[idx[i]]
			dst[i] = c / (s.std(e.Std) + math.Ldexp(e.Eps, -s.exp))
		}
	}
	return nil
}

// Advantages implements AdvantageEstimator.
func (GroupMean) Advantages(dst, rewards []float64, groups []int) error {
	idx, sets, err := gatherGroups("GroupMean", dst, rewards, groups)
	if err != nil {
		return err
	}
	return unscale("GroupMean", dst, rewards, idx, sets)
}

// Advantages implements AdvantageEstimator.
func (e GroupMeanBatchStd) Advantages(dst, rewards []float64, groups []int) error {
	if err := e.Std.check("GroupMeanBatchStd"); err != nil {
		return err
	}
	if err := checkNonNeg("GroupMeanBatchStd", "Eps", e.Eps); err != nil {
		return err
	}
	idx, sets, err := gatherGroups("GroupMeanBatchStd", dst, rewards, groups)
	if err != nil {
		return err
	}
	batch := make([]spread, 1)
	centreSets(make([]float64, len(rewards)), rewards, nil, batch)
	b := &batch[0]
	if b.noise {
		clear(dst)
		return nil
	}
	// In the batch's scale; a group's scale never exceeds it.
	den := b.std(e.Std) + math.Ldexp(e.Eps, -b.exp)
	for i, c := range dst {
		if c != 0 {
			dst[i] = math.Ldexp(c, sets[idx[i]].exp-b.exp) / den
		}
	}
	return nil
}

// Advantages implements AdvantageEstimator.
func (RLOO) Advantages(dst, rewards []float64, groups []int) error {
	idx, sets, err := gatherGroups("RLOO", dst, rewards, groups)
	if err != nil {
		return err
	}
	for i := range dst {
		if dst[i] != 0 {
			n := sets[idx[i]].n
			dst[i] *= n / (n - 1)
		}
	}
	return unscale("RLOO", dst, rewards, idx, sets)
}

// Advantages implements AdvantageEstimator.
func (e RPPBaseline) Advantages(dst, rewards []float64, groups []int) error {
	if err := checkNonNeg("RPPBaseline", "Eps", e.Eps); err != nil {
		return err
	}
	idx, sets, err := gatherGroups("RPPBaseline", dst, rewards, groups)
	if err != nil {
		return err
	}
	// Bring every centred value to the scale of the largest group with a
	// spread, so that the batch statistics cannot overflow (groups without
	// one are all 0 and must not set the scale: their size would push the
	// others into subnormal numbers).
	top, seen := 0, false
	for k := range sets {
		if !sets[k].noise && (!seen || sets[k].exp > top) {
			top, seen = sets[k].exp, true
		}
	}
	y := make([]float64, len(dst))
	for i, r := range rewards {
		y[i] = math.NaN()
		if !math.IsNaN(r) {
			y[i] = math.Ldexp(dst[i], sets[idx[i]].exp-top)
		}
	}
	whiten(dst, y, top, e.Eps)
	return nil
}

// whiten writes y/sqrt(Σy²/(n−1) + eps) into dst over the n present
// (non-NaN) entries of y, and 0 for the others; y is in units of 2^unit
// (eps is in the square of the caller's unit). The values are group-centred
// already, so their batch mean is zero in exact arithmetic; it is not
// subtracted, since its computed value is rounding noise that would give
// the samples of an equal-reward group ±1e-17 instead of 0 and unbalance
// every group's sum. With fewer than two present values, or all zero,
// every entry becomes 0.
func whiten(dst, y []float64, unit int, eps float64) {
	var n, top float64
	for _, v := range y {
		if !math.IsNaN(v) {
			n++
			top = max(top, math.Abs(v))
		}
	}
	if n < 2 || top == 0 {
		clear(dst)
		return
	}
	// In y's own scale 2^e: y·2^(e+unit)/sqrt(ss·2^(2(e+unit)) + eps).
	_, e := math.Frexp(top)
	ss := 0.0
	for _, v := range y {
		if !math.IsNaN(v) {
			x := math.Ldexp(v, -e)
			ss += x * x
		}
	}
	den := math.Sqrt(ss/(n-1) + math.Ldexp(eps, -2*(e+unit)))
	for i, v := range y {
		dst[i] = 0
		if !math.IsNaN(v) && v != 0 {
			dst[i] = math.Ldexp(v, -e) / den
		}
	}
}
