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
// every baseline and batch statistic.
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
	// Estimator turns the summed reward into advantages when
	// NormalizeFirst is false. nil means GroupNorm{} (unbiased std, no
	// epsilon).
	Estimator AdvantageEstimator
	// Std is the standard deviation of GDPO's per-reward z-score and batch
	// whitening. Default (zero value) Unbiased.
	Std StdKind
	// Eps is added to GDPO's standard deviations. Zero means none.
	// Negative or non-finite is an error.
	Eps float64
}

// Advantages writes one advantage per sample into dst. rewards[k] holds
// the scores of reward function k, one per sample (len(dst) each); groups
// holds one group id per sample.
func (m MultiReward) Advantages(dst []float64, rewards [][]float64, groups []int) error {
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
	if err := m.Std.check("MultiReward"); err != nil {
		return err
	}
	if err := checkNonNeg("MultiReward", "Eps", m.Eps); err != nil {
		return err
	}
	n := len(dst)
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
	weight := func(k int) float64 {
		if m.Weights == nil {
			return 1
		}
		return m.Weights[k]
	}
	// present[i]: at least one reward of sample i is there. The summed
	// (or z-scored and summed) reward is NaN for the others.
	sum := make([]float64, n)
	for i := range sum {
		sum[i] = math.NaN()
	}
	if !m.NormalizeFirst {
		for k, r := range rewards {
			w := weight(k)
			for i, x := range r {
				if math.IsNaN(x) {
					continue
				}
				if math.IsNaN(sum[i]) {
					sum[i] = 0
				}
				sum[i] += w * x
			}
		}
		est := m.Estimator
		if est == nil {
			est = GroupNorm{}
		}
		return est.Advantages(dst, sum, groups)
	}
	z := make([]float64, n)
	for k, r := range rewards {
		if err := (GroupNorm{Std: m.Std, Eps: m.Eps}).Advantages(z, r, groups); err != nil {
			return err
		}
		w := weight(k)
		for i, x := range r {
			if math.IsNaN(x) {
				continue
			}
			if math.IsNaN(sum[i]) {
				sum[i] = 0
			}
			sum[i] += w * z[i]
		}
	}
	copy(dst, sum)
	for i := range dst {
		if math.IsNaN(dst[i]) {
			dst[i] = 0
		}
	}
	var cnt, mean, m2 float64
	for _, s := range sum {
		if math.IsNaN(s) {
			continue
		}
		cnt++
		d := s - mean
		mean += d / cnt
		m2 += d * (s - mean)
	}
	if cnt < 2 || m2 == 0 {
		for i := range dst {
			dst[i] = 0
		}
		return nil
	}
	sd := math.Sqrt(m2/cnt) + m.Eps
	if m.Std == Unbiased {
		sd = math.Sqrt(m2/(cnt-1)) + m.Eps
	}
	for i, s := range sum {
		if math.IsNaN(s) {
			continue
		}
		dst[i] = (s - mean) / sd
	}
	return nil
}
