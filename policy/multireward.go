package policy

import (
	"fmt"
	"math"
)

// MultiReward combines K reward functions into one advantage per sample.
//
// Sum then normalise (the default, TRL's reward_weights):
//
//	R_i = Σ_k w_k r_ik,  A = Estimator(R)
//
// Normalise then sum (GDPO, NormalizeFirst): each reward is z-scored within
// its group first, the weighted z-scores are summed and the sums whitened
// over the batch:
//
//	z_ik = (r_ik − mean_g r_k)/(std_g r_k + Eps),  S_i = Σ_k w_k z_ik,
//	A_i = (S_i − mean S)/(std S + Eps)
//
// so that a reward with a wide spread cannot drown the others.
//
// A NaN r_ik marks reward k as not applicable to sample i: it is left out
// of the sum of that sample and out of the group statistics of reward k. A
// sample whose rewards are all missing gets advantage 0 and is left out of
// every baseline and batch statistic. Rewards or weights so large that a
// weighted sum overflows are an error on the sum path; GDPO's result does
// not depend on the scale of the weights and is computed without overflow.
//
// References: TRL GRPOTrainer (reward_weights, NaN rewards); Liu et al.,
// GDPO: Group reward-Decoupled Normalization Policy Optimization (2026).
type MultiReward struct {
	// Weights holds w_k, one per reward function. nil means every weight
	// is 1 (TRL's default). Weights must be finite; a zero weight turns its
	// reward off.
	Weights []float64
	// NormalizeFirst selects GDPO's normalise-then-sum. Default (false):
	// sum then normalise.
	NormalizeFirst bool
	// Estimator turns the summed reward into advantages (sum then
	// normalise only). nil means GroupNorm{} (unbiased std, no epsilon).
	// Setting it together with NormalizeFirst is an error: GDPO's
	// per-reward normalisation is the group z-score set by Std and Eps.
	Estimator AdvantageEstimator
	// Std is the standard deviation of GDPO's per-reward z-score and batch
	// whitening (NormalizeFirst only; the sum path uses the Estimator's).
	// Default (zero value) Unbiased.
	Std StdKind
	// Eps is added to GDPO's standard deviations (NormalizeFirst only).
	// Zero means none. Negative or non-finite is an error.
	Eps float64
}

// Advantages writes one advantage per sample into dst. rewards[k] holds
// the scores of reward function k, one per sample (len(dst) each); groups
// holds one group id per sample.
func (m MultiReward) Advantages(dst []float64, rewards [][]float64, groups []int) error {
	if err := m.check(len(dst), rewards, groups); err != nil {
		return err
	}
	if m.NormalizeFirst {
		return m.gdpo(dst, rewards, groups)
	}
	// sum[i] is NaN for a sample whose rewards are all missing.
	sum := nanSlice(len(dst))
	for k, r := range rewards {
		w := m.weight(k)
		for i, x := range r {
			if math.IsNaN(x) {
				continue
			}
			sum[i] = zeroNaN(sum[i]) + w*x
			if math.IsInf(sum[i], 0) {
				return fmt.Errorf("policy: MultiReward: the weighted sum of sample %d overflows float64 (Weights[%d] = %v, rewards[%d][%d] = %v)", i, k, w, k, i, x)
			}
		}
	}
	est := m.Estimator
	if est == nil {
		est = GroupNorm{}
	}
	if err := est.Advantages(dst, sum, groups); err != nil {
		return fmt.Errorf("policy: MultiReward: on the weighted sums (rewards[i] is the sum of sample i): %w", err)
	}
	return nil
}

// check validates m and the shapes and values of its inputs for n samples.
func (m MultiReward) check(n int, rewards [][]float64, groups []int) error {
	K := len(rewards)
	if K == 0 {
		return fmt.Errorf("policy: MultiReward: no reward function")
	}
	if m.Weights != nil && len(m.Weights) != K {
		return fmt.Errorf("policy: len(MultiReward.Weights) = %d, want len(rewards) = %d", len(m.Weights), K)
	}
	for k, w := range m.Weights {
		if math.IsNaN(w) || math.IsInf(w, 0) {
			return fmt.Errorf("policy: MultiReward.Weights[%d] = %v is not finite", k, w)
		}
	}
	if m.NormalizeFirst && m.Estimator != nil {
		return fmt.Errorf("policy: MultiReward.Estimator is set with NormalizeFirst: GDPO z-scores each reward within its group itself (set Std and Eps), leave Estimator nil")
	}
	if err := m.Std.check("MultiReward"); err != nil {
		return err
	}
	if err := checkNonNeg("MultiReward", "Eps", m.Eps); err != nil {
		return err
	}
	for k, r := range rewards {
		if len(r) != n {
			return fmt.Errorf("policy: MultiReward: len(rewards[%d]) = %d, want len(dst) = %d", k, len(r), n)
		}
		for i, x := range r {
			if math.IsInf(x, 0) {
				return fmt.Errorf("policy: MultiReward: rewards[%d][%d] is %v", k, i, x)
			}
		}
	}
	if len(groups) != n {
		return fmt.Errorf("policy: MultiReward: len(groups) = %d, want len(dst) = %d", len(groups), n)
	}
	return nil
}

// weight returns the weight of reward k (1 without Weights).
func (m MultiReward) weight(k int) float64 {
	if m.Weights == nil {
		return 1
	}
	return m.Weights[k]
}

// nanSlice returns n NaNs.
func nanSlice(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = math.NaN()
	}
	return v
}

// zeroNaN returns x, or 0 for NaN.
func zeroNaN(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return x
}

// gdpo is GDPO's path: z-score each reward within its group, sum with the
// weights, whiten the sums over the batch.
func (m MultiReward) gdpo(dst []float64, rewards [][]float64, groups []int) error {
	// The weights are scaled by a power of two that brings the largest
	// into [0.5, 1): the whitened result does not change (Eps is scaled
	// along) and the weighted sums cannot overflow.
	wmax := 1.0
	if m.Weights != nil {
		wmax = 0
		for _, w := range m.Weights {
			wmax = max(wmax, math.Abs(w))
		}
	}
	wexp := 0
	if wmax > 0 {
		_, wexp = math.Frexp(wmax)
	}
	sum, z := nanSlice(len(dst)), make([]float64, len(dst))
	for k, r := range rewards {
		if err := (GroupNorm{Std: m.Std, Eps: m.Eps}).Advantages(z, r, groups); err != nil {
			return fmt.Errorf("policy: MultiReward: reward %d: %w", k, err)
		}
		w := math.Ldexp(m.weight(k), -wexp)
		for i, x := range r {
			if !math.IsNaN(x) {
				sum[i] = zeroNaN(sum[i]) + w*z[i]
			}
		}
	}
	// Whiten the present sums over the batch: (S − mean S)/(std S + Eps),
	// in the scale 2^(exp+wexp) of the sums.
	st := make([]spread, 1)
	centreSets(dst, sum, nil, st)
	s := &st[0]
	if s.noise {
		clear(dst)
		return nil
	}
	den := s.std(m.Std) + math.Ldexp(m.Eps, -s.exp-wexp)
	for i, c := range dst {
		if c != 0 {
			dst[i] = c / den
		}
	}
	return nil
}
