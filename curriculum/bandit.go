package curriculum

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
)

// Bandit is a multi-armed bandit policy over a fixed number of arms.
//
// Select draws an arm using rng for every random choice it makes. Update
// feeds back the reward observed for an arm. Implementations validate
// their input: an arm outside [0, Arms()), a nil rng or a non-finite reward
// is an error, never a panic.
type Bandit interface {
	// Arms is the number of arms, fixed at construction.
	Arms() int
	// Select draws one arm.
	Select(rng *rand.Rand) (int, error)
	// Update records reward r for arm.
	Update(arm int, r float64) error
}

// Prober is implemented by bandits whose selection rule is an explicit
// distribution over the arms (SEC's Boltzmann policy, EXP3, ε-greedy).
// Probabilities writes P(arm = i) into dst[i] and returns dst; when dst
// is shorter than Arms() a new slice is allocated. A bandit with no arms
// (a zero value) has the empty distribution: the result has length 0.
type Prober interface {
	Probabilities(dst []float64) []float64
}

// BatchUpdater is implemented by bandits with their own rule for a batch
// of (arm, reward) pairs observed in one training step. UpdateBatch uses
// it when present.
type BatchUpdater interface {
	UpdateBatch(arms []int, rewards []float64) error
}

// ErrNoArms is returned (wrapped) when a bandit or curriculum is built
// with no arm, and by Select, Update, SelectBatch and UpdateBatch on a
// bandit that has none (the zero value of a bandit type, which must be
// built by its constructor or restored with UnmarshalJSON before use).
var ErrNoArms = errors.New("curriculum: no arms")

// SelectBatch draws k arms i.i.d. from b's current policy, as SEC does for
// one training batch: Select is called k times with no update in between.
// The arms are written to dst (grown when too short) and returned. For a
// deterministic rule (UCB1 and its variants) the k draws are the same arm
// up to tie-breaking; use a stochastic policy for batch curricula.
func SelectBatch(dst []int, b Bandit, rng *rand.Rand, k int) ([]int, error) {
	if b == nil {
		return nil, errors.New("curriculum: SelectBatch: nil bandit")
	}
	if k <= 0 {
		return nil, fmt.Errorf("curriculum: SelectBatch: k = %d, want k > 0", k)
	}
	if err := noArms("SelectBatch", b.Arms()); err != nil {
		return nil, err
	}
	if cap(dst) < k {
		dst = make([]int, k)
	}
	dst = dst[:k]
	for i := range dst {
		a, err := b.Select(rng)
		if err != nil {
			return nil, err
		}
		dst[i] = a
	}
	return dst, nil
}

// UpdateBatch feeds one training step's (arm, reward) pairs to b. If b
// implements BatchUpdater its rule is used (SEC averages the rewards of
// each drawn arm and updates it once, see SEC.UpdateBatch); otherwise each
// pair is an observation of its own and Update is called in order. For
// the bandits of this package all pairs are validated before any is
// applied, including the [0, 1] range of EXP3 and BetaThompson, so an
// error leaves b unchanged; a Bandit implementation from elsewhere has
// the pairs before the one its Update rejects applied.
func UpdateBatch(b Bandit, arms []int, rewards []float64) error {
	if b == nil {
		return errors.New("curriculum: UpdateBatch: nil bandit")
	}
	if err := checkBatch("UpdateBatch", b, arms, rewards); err != nil {
		return err
	}
	if bu, ok := b.(BatchUpdater); ok {
		return bu.UpdateBatch(arms, rewards)
	}
	for i, a := range arms {
		if err := b.Update(a, rewards[i]); err != nil {
			return err
		}
	}
	return nil
}

// rewardChecker is implemented by the bandits of this package that accept
// only some finite rewards: checkReward returns the error Update would.
type rewardChecker interface {
	checkReward(arm int, r float64) error
}

// checkBatch validates (arm, reward) pairs for b: checkPairs, then each
// pair against b's own reward range.
func checkBatch(who string, b Bandit, arms []int, rewards []float64) error {
	if err := checkPairs(who, b.Arms(), arms, rewards); err != nil {
		return err
	}
	if rc, ok := b.(rewardChecker); ok {
		for i, a := range arms {
			if err := rc.checkReward(a, rewards[i]); err != nil {
				return fmt.Errorf("curriculum: %s: pair %d: %w", who, i, err)
			}
		}
	}
	return nil
}

func checkPairs(who string, k int, arms []int, rewards []float64) error {
	if len(arms) != len(rewards) {
		return fmt.Errorf("curriculum: %s: len(arms) = %d, len(rewards) = %d", who, len(arms), len(rewards))
	}
	if err := noArms(who, k); err != nil {
		return err
	}
	if len(arms) == 0 {
		return fmt.Errorf("curriculum: %s: empty batch", who)
	}
	for i, a := range arms {
		if a < 0 || a >= k {
			return fmt.Errorf("curriculum: %s: arms[%d] = %d out of range [0, %d)", who, i, a, k)
		}
		if r := rewards[i]; math.IsNaN(r) || math.IsInf(r, 0) {
			return fmt.Errorf("curriculum: %s: rewards[%d] = %v is not finite", who, i, r)
		}
	}
	return nil
}

func checkK(who string, k int) error {
	if k <= 0 {
		return fmt.Errorf("%w: %s: %d arms, want > 0", ErrNoArms, who, k)
	}
	return nil
}

// noArms reports the use of a bandit with no arms (a zero value, not
// built by its constructor or restored from a saved state).
func noArms(who string, k int) error {
	if k <= 0 {
		return fmt.Errorf("%w: %s on a bandit with %d arms (build it with its constructor)", ErrNoArms, who, k)
	}
	return nil
}

func checkSelect(who string, k int, rng *rand.Rand) error {
	if err := noArms(who+".Select", k); err != nil {
		return err
	}
	if rng == nil {
		return fmt.Errorf("curriculum: %s.Select: nil rng", who)
	}
	return nil
}

func checkUpdate(who string, k, arm int, r float64) error {
	if err := noArms(who+".Update", k); err != nil {
		return err
	}
	if arm < 0 || arm >= k {
		return fmt.Errorf("curriculum: %s.Update: arm %d out of range [0, %d)", who, arm, k)
	}
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return fmt.Errorf("curriculum: %s.Update: reward %v for arm %d is not finite", who, r, arm)
	}
	return nil
}

// checkUnitUpdate is checkUpdate for a bandit whose rewards must lie in
// [0, 1] (EXP3, BetaThompson, Ladder).
func checkUnitUpdate(who string, k, arm int, r float64) error {
	if err := checkUpdate(who, k, arm, r); err != nil {
		return err
	}
	if r < 0 || r > 1 {
		return fmt.Errorf("curriculum: %s.Update: reward %v for arm %d outside [0, 1]", who, r, arm)
	}
	return nil
}

// param resolves a config value: zero means def; negative, non-finite or
// above hi (when hi > 0) is an error naming the field.
func param(name string, v, def, hi float64) (float64, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, fmt.Errorf("curriculum: %s = %v, want a finite value > 0", name, v)
	}
	if v == 0 {
		return def, nil
	}
	if hi > 0 && v > hi {
		return 0, fmt.Errorf("curriculum: %s = %v, want a value in (0, %v]", name, v, hi)
	}
	return v, nil
}

// argmaxRand returns the index of the largest value, breaking exact ties
// uniformly at random with rng. +Inf beats every finite value.
func argmaxRand(v []float64, rng *rand.Rand) int {
	best, n := 0, 0
	for i, x := range v {
		switch {
		case i == 0 || x > v[best]:
			best, n = i, 1
		case x == v[best]:
			n++
			if rng.IntN(n) == 0 {
				best = i
			}
		}
	}
	return best
}

// sample draws an index from the distribution p (summing to 1).
func sample(p []float64, rng *rand.Rand) int {
	u := rng.Float64()
	c := 0.0
	for i, x := range p {
		c += x
		if u < c {
			return i
		}
	}
	// Rounding left u above the final cumulative sum: take the last arm
	// with positive mass.
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] > 0 {
			return i
		}
	}
	return len(p) - 1
}

func grow(dst []float64, k int) []float64 {
	if cap(dst) < k {
		return make([]float64, k)
	}
	return dst[:k]
}

// softmax writes exp(x_i/τ)/Σ exp(x_j/τ) into dst, stably; an empty x
// writes nothing.
func softmax(dst, x []float64, tau float64) {
	if len(x) == 0 {
		return
	}
	m := floats.Max(x)
	for i, v := range x {
		dst[i] = math.Exp((v - m) / tau)
	}
	floats.Scale(1/floats.Sum(dst), dst)
}
