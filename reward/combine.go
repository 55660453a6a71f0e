package reward

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// Term is one component of a Weighted reward.
type Term struct {
	// Name labels the component in errors; "" is allowed (the index is
	// always reported).
	Name string
	// Reward is the component. Required.
	Reward Reward
	// Weight multiplies the component's score. Zero turns the component off
	// (it is not even called); negative weights are allowed (a penalty
	// term); NaN or ±Inf is an error.
	Weight float64
}

// Weighted is the weighted sum of several rewards:
//
//	R = Σ_{k applicable} w_k · r_k
//
// A component that returns ErrSkip ("not applicable") is left out of the sum
// without renormalising the other weights — the convention of
// docs/ALGORITHMS.md §1 (multi-reward) and of TRL, where a None reward function
// output is ignored. When every component with a non-zero weight skips,
// Weighted itself returns ErrSkip. Any other component error fails the
// sample with an error that names the component.
//
// The components are evaluated one after another in Terms order; wrap the
// whole Weighted reward in a Scorer for concurrency across samples.
//
// References: docs/ALGORITHMS.md §1 "multi-reward"; TRL GRPOTrainer
// reward_weights (nansum over reward functions).
type Weighted []Term

// Score returns Σ w_k r_k over the applicable components.
func (w Weighted) Score(ctx context.Context, s Sample) (float64, error) {
	sum, applied := 0.0, false
	for k, t := range w {
		if err := checkTerm(k, t); err != nil {
			return math.NaN(), err
		}
		if t.Weight == 0 {
			continue
		}
		v, err := t.Reward.Score(ctx, s)
		if errors.Is(err, ErrSkip) {
			continue
		}
		if err != nil {
			return math.NaN(), fmt.Errorf("reward: Weighted[%d]%s: %w", k, termName(t.Name), err)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return math.NaN(), fmt.Errorf("reward: Weighted[%d]%s: score is %v", k, termName(t.Name), v)
		}
		sum += t.Weight * v
		applied = true
	}
	if !applied {
		return math.NaN(), ErrSkip
	}
	return sum, nil
}

// ScoreBatch implements BatchScorer, so that a Weighted reward with a
// batched component (a remote reward model) costs one batch call per
// component instead of one call per sample. Each component scores the whole
// batch through a Scorer with default settings — one ScoreBatch call when it
// implements BatchScorer, otherwise concurrent Score calls — and the
// results combine per sample exactly as in Score (a failed component fails
// only the samples it failed on; errs[i] names the component). A Scorer
// uses this path only when some component with a non-zero weight is itself
// batched; then Scorer.Timeout bounds the whole batch rather than each
// sample. The returned error is non-nil for a misconfigured term or when
// ctx ends.
func (w Weighted) ScoreBatch(ctx context.Context, samples []Sample, dst []float64, errs []error) error {
	if len(dst) != len(samples) {
		return fmt.Errorf("reward: Weighted.ScoreBatch: len(dst) = %d, len(samples) = %d", len(dst), len(samples))
	}
	if errs != nil && len(errs) != len(samples) {
		return fmt.Errorf("reward: Weighted.ScoreBatch: len(errs) = %d, len(samples) = %d", len(errs), len(samples))
	}
	for k, t := range w {
		if err := checkTerm(k, t); err != nil {
			return err
		}
	}
	failed := make([]error, len(samples))
	applied := make([]bool, len(samples))
	for i := range dst {
		dst[i] = 0
	}
	for k, t := range w {
		if t.Weight == 0 {
			continue
		}
		sc := Scorer{Reward: t.Reward}
		scores, es, err := sc.ScoreAll(ctx, samples)
		if err != nil {
			return fmt.Errorf("reward: Weighted[%d]%s: %w", k, termName(t.Name), err)
		}
		for i := range samples {
			e := es[i]
			switch {
			case failed[i] != nil || errors.Is(e, ErrSkip):
			case e != nil:
				var se *sampleError
				if errors.As(e, &se) {
					e = se.err
				}
				failed[i] = fmt.Errorf("reward: Weighted[%d]%s: %w", k, termName(t.Name), e)
			default:
				dst[i] += t.Weight * scores[i]
				applied[i] = true
			}
		}
	}
	for i := range samples {
		var e error
		switch {
		case failed[i] != nil:
			e = failed[i]
		case !applied[i]:
			e = ErrSkip
		}
		if e != nil {
			dst[i] = math.NaN()
		}
		if errs != nil {
			errs[i] = e
		}
	}
	return nil
}

// prefersBatch reports whether a component with a non-zero weight is
// batched (see batchPreferrer).
func (w Weighted) prefersBatch() bool {
	for _, t := range w {
		if t.Weight == 0 || t.Reward == nil {
			continue
		}
		if _, ok := wantsBatch(t.Reward); ok {
			return true
		}
	}
	return false
}

func checkTerm(k int, t Term) error {
	if t.Reward == nil {
		return fmt.Errorf("reward: Weighted[%d]%s.Reward is nil", k, termName(t.Name))
	}
	if math.IsNaN(t.Weight) || math.IsInf(t.Weight, 0) {
		return fmt.Errorf("reward: Weighted[%d]%s.Weight is %v", k, termName(t.Name), t.Weight)
	}
	return nil
}

func termName(n string) string {
	if n == "" {
		return ""
	}
	return fmt.Sprintf(" (%q)", n)
}

// Vector evaluates several rewards on one sample into a reward vector
// r ∈ ℝ^K (the multi-objective reward of DPA). A component that returns
// ErrSkip is NaN in the vector; any other error fails the whole vector.
//
// Turning rewards into advantages is package policy's: policy.GroupNorm
// z-scores one reward per group (choose the standard deviation with Std,
// the epsilon with Eps), and policy.MultiReward with NormalizeFirst is
// GDPO's normalise-each-component-then-sum over the columns of
// Scorer.ScoreVectors. There a NaN score (a skipped or failed sample) is
// a missing reward: left out of the group statistics, it gets advantage 0.
//
// References: Wang et al., "Arithmetic Control of LLMs for Diverse User
// Preferences: Directional Preference Alignment with Multi-Objective
// Rewards" (DPA), 2024.
type Vector []Reward

// ScoreVector writes one score per component into dst (allocated when nil
// or too short) and returns it.
func (v Vector) ScoreVector(ctx context.Context, s Sample, dst []float64) ([]float64, error) {
	if cap(dst) < len(v) {
		dst = make([]float64, len(v))
	}
	dst = dst[:len(v)]
	for k, r := range v {
		if r == nil {
			return dst, fmt.Errorf("reward: Vector[%d] is nil", k)
		}
		x, err := r.Score(ctx, s)
		switch {
		case errors.Is(err, ErrSkip):
			dst[k] = math.NaN()
		case err != nil:
			return dst, fmt.Errorf("reward: Vector[%d]: %w", k, err)
		case math.IsNaN(x) || math.IsInf(x, 0):
			return dst, fmt.Errorf("reward: Vector[%d]: score is %v", k, x)
		default:
			dst[k] = x
		}
	}
	return dst, nil
}

// Direction scalarises a multi-objective reward along a user preference
// direction, as in Directional Preference Alignment (DPA):
//
//	R = vᵀ r = Σ_k v_k r_k,   ‖v‖₂ = 1
//
// DPA requires v to be a unit vector. Direction rejects a V whose norm
// differs from 1 by more than 1e-9 unless Normalize is set, in which case
// V is divided by its norm (a zero V is always an error). Components that
// return ErrSkip are left out of the sum, as in Weighted; if every component
// with v_k ≠ 0 skips, the result is ErrSkip.
//
// References: DPA (Wang et al., 2024); docs/ALGORITHMS.md §5.
type Direction struct {
	// Rewards are the K objectives (for example helpfulness and
	// verbosity). Required, len(Rewards) == len(V).
	Rewards Vector
	// V is the preference direction. Required; see Normalize.
	V []float64
	// Normalize divides V by ‖V‖₂ instead of rejecting a non-unit V.
	// Default false: a non-unit V is an error.
	Normalize bool
}

// UnitDirection returns v/‖v‖₂, or an error naming the first non-finite
// entry, or an error when v is empty or zero.
func UnitDirection(v []float64) ([]float64, error) {
	n, err := directionNorm(v)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x / n
	}
	return out, nil
}

// AngleDirection is the 2-objective direction (cos θ, sin θ) of DPA's
// helpfulness/verbosity experiments, θ in radians.
func AngleDirection(theta float64) []float64 {
	return []float64{math.Cos(theta), math.Sin(theta)}
}

func directionNorm(v []float64) (float64, error) {
	if len(v) == 0 {
		return 0, errors.New("reward: direction V is empty")
	}
	ss := 0.0
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("reward: direction V[%d] is %v", i, x)
		}
		ss += x * x
	}
	if ss == 0 {
		return 0, errors.New("reward: direction V is the zero vector")
	}
	return math.Sqrt(ss), nil
}

// unit validates V and returns the direction to use.
func (d *Direction) unit() ([]float64, error) {
	if len(d.V) != len(d.Rewards) {
		return nil, fmt.Errorf("reward: Direction.V has %d entries, Direction.Rewards has %d", len(d.V), len(d.Rewards))
	}
	n, err := directionNorm(d.V)
	if err != nil {
		return nil, err
	}
	if d.Normalize {
		return UnitDirection(d.V)
	}
	if math.Abs(n-1) > 1e-9 {
		return nil, fmt.Errorf("reward: Direction.V has norm %v, want 1 (set Normalize or use UnitDirection)", n)
	}
	return d.V, nil
}

// Score returns vᵀr over the applicable components.
func (d Direction) Score(ctx context.Context, s Sample) (float64, error) {
	v, err := d.unit()
	if err != nil {
		return math.NaN(), err
	}
	sum, applied := 0.0, false
	for k, r := range d.Rewards {
		if v[k] == 0 {
			continue
		}
		if r == nil {
			return math.NaN(), fmt.Errorf("reward: Direction.Rewards[%d] is nil", k)
		}
		x, err := r.Score(ctx, s)
		if errors.Is(err, ErrSkip) {
			continue
		}
		if err != nil {
			return math.NaN(), fmt.Errorf("reward: Direction.Rewards[%d]: %w", k, err)
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return math.NaN(), fmt.Errorf("reward: Direction.Rewards[%d]: score is %v", k, x)
		}
		sum += v[k] * x
		applied = true
	}
	if !applied {
		return math.NaN(), ErrSkip
	}
	return sum, nil
}

// Gate makes a reward count only once a format reward has passed a
// threshold (the "format first, then correctness" gating of R1-style
// recipes):
//
//	R = Then(s)  if Format(s) > Threshold
//	R = Fail     otherwise
//
// If Format returns ErrSkip, no format requirement applies and Then is
// used. If Then returns ErrSkip, so does the Gate.
type Gate struct {
	// Format is the gating reward (for example ThinkAnswerFormat). Required.
	Format Reward
	// Threshold: the gate opens when the Format score is strictly greater.
	// Default 0, which suits 0/1 and ±1 format rewards. Any finite value is
	// allowed.
	Threshold float64
	// Then is the reward that counts once the gate is open. Required.
	Then Reward
	// Fail is the score when the gate stays shut. Default 0. Any finite
	// value is allowed (−1 is a common choice).
	Fail float64
}

// Score applies the gate.
func (g Gate) Score(ctx context.Context, s Sample) (float64, error) {
	switch {
	case g.Format == nil:
		return math.NaN(), errors.New("reward: Gate.Format is nil")
	case g.Then == nil:
		return math.NaN(), errors.New("reward: Gate.Then is nil")
	case math.IsNaN(g.Threshold) || math.IsInf(g.Threshold, 0):
		return math.NaN(), fmt.Errorf("reward: Gate.Threshold is %v", g.Threshold)
	case math.IsNaN(g.Fail) || math.IsInf(g.Fail, 0):
		return math.NaN(), fmt.Errorf("reward: Gate.Fail is %v", g.Fail)
	}
	f, err := g.Format.Score(ctx, s)
	switch {
	case errors.Is(err, ErrSkip):
	case err != nil:
		return math.NaN(), fmt.Errorf("reward: Gate.Format: %w", err)
	case math.IsNaN(f) || math.IsInf(f, 0):
		return math.NaN(), fmt.Errorf("reward: Gate.Format: score is %v", f)
	case f <= g.Threshold:
		return g.Fail, nil
	}
	v, err := g.Then.Score(ctx, s)
	if err != nil {
		if errors.Is(err, ErrSkip) {
			return math.NaN(), err
		}
		return math.NaN(), fmt.Errorf("reward: Gate.Then: %w", err)
	}
	if err := finiteScore("Gate.Then", v); err != nil {
		return math.NaN(), err
	}
	return v, nil
}

// finiteScore returns an error naming the component when v, a score its
// reward returned without an error, is NaN or ±Inf (a reward says "not
// applicable" with ErrSkip, never with a bare NaN).
func finiteScore(component string, v float64) error {
	switch {
	case math.IsNaN(v):
		return fmt.Errorf("reward: %s: score is NaN without an error (return ErrSkip for not applicable)", component)
	case math.IsInf(v, 0):
		return fmt.Errorf("reward: %s: score is %v", component, v)
	}
	return nil
}

// Clip returns a reward whose score is r's score clamped to [lo, hi].
// lo > hi or a NaN bound makes every Score return an error (use ±Inf for a
// one-sided clip). ErrSkip passes through. A NaN or ±Inf score that r
// returns without an error is an error, not clipped.
func Clip(r Reward, lo, hi float64) Reward {
	return Func(func(ctx context.Context, s Sample) (float64, error) {
		if math.IsNaN(lo) || math.IsNaN(hi) || lo > hi {
			return math.NaN(), fmt.Errorf("reward: Clip bounds [%v, %v] are invalid", lo, hi)
		}
		if r == nil {
			return math.NaN(), errors.New("reward: Clip reward is nil")
		}
		v, err := r.Score(ctx, s)
		if err != nil {
			return math.NaN(), err
		}
		if err := finiteScore("Clip", v); err != nil {
			return math.NaN(), err
		}
		return math.Max(lo, math.Min(hi, v)), nil
	})
}

// Scale returns a reward whose score is a·r + b (an affine rescale, for
// example Scale(r, 2, -1) maps [0, 1] to [−1, 1]). Non-finite a or b makes
// every Score return an error. ErrSkip passes through. A NaN or ±Inf score
// that r returns without an error is an error, and so is a·r + b that
// overflows to ±Inf.
func Scale(r Reward, a, b float64) Reward {
	return Func(func(ctx context.Context, s Sample) (float64, error) {
		if math.IsNaN(a) || math.IsInf(a, 0) || math.IsNaN(b) || math.IsInf(b, 0) {
			return math.NaN(), fmt.Errorf("reward: Scale(a=%v, b=%v) needs finite a and b", a, b)
		}
		if r == nil {
			return math.NaN(), errors.New("reward: Scale reward is nil")
		}
		v, err := r.Score(ctx, s)
		if err != nil {
			return math.NaN(), err
		}
		if err := finiteScore("Scale", v); err != nil {
			return math.NaN(), err
		}
		if err := finiteScore("Scale", a*v+b); err != nil {
			return math.NaN(), fmt.Errorf("%w (a=%v, b=%v, inner score %v)", err, a, b, v)
		}
		return a*v + b, nil
	})
}
