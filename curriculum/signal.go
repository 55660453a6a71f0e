package curriculum

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"

	"github.com/evolve-go/evolve/policy"
)

// Signal turns the rewards of one group of samples drawn from arm into a
// learning-progress signal for the bandit. Stateless signals ignore arm;
// stateful ones (RewardChange) keep per-arm history.
//
// A NaN reward marks a sample whose reward is missing (not applicable:
// package reward scores reward.ErrSkip as NaN, and package policy's
// advantage estimators leave such samples out). The signals of this
// package (AbsAdvantage, Learnability, RewardChange, SuccessRate) leave
// NaN rewards out of every mean and standard deviation; a group whose
// rewards are all missing gives no gradient and scores 0 (RewardChange
// keeps its previous mean; SuccessRate, which measures a level rather than
// progress, returns ErrNoReward). An empty group or a ±Inf reward is an
// error.
type Signal func(arm int, rewards []float64) (float64, error)

// checkRewards validates a group of rewards: non-empty, no ±Inf; NaN
// marks a missing reward and is allowed.
func checkRewards(who string, rewards []float64) error {
	if len(rewards) == 0 {
		return fmt.Errorf("curriculum: %s: empty group", who)
	}
	for i, r := range rewards {
		if math.IsInf(r, 0) {
			return fmt.Errorf("curriculum: %s: rewards[%d] = %v is not finite", who, i, r)
		}
	}
	return nil
}

// checkUnitRewards is checkRewards for rewards that must lie in [0, 1]
// (NaN = missing is allowed).
func checkUnitRewards(who string, rewards []float64) error {
	if err := checkRewards(who, rewards); err != nil {
		return err
	}
	for i, r := range rewards {
		if r < 0 || r > 1 {
			return fmt.Errorf("curriculum: %s: rewards[%d] = %v outside [0, 1]", who, i, r)
		}
	}
	return nil
}

// present returns the number of non-NaN rewards, their mean, and whether
// they all are equal (exactly; true when fewer than two are present).
func present(rewards []float64) (n int, mean float64, equal bool) {
	equal = true
	first, sum := math.NaN(), 0.0
	for _, r := range rewards {
		if math.IsNaN(r) {
			continue
		}
		n++
		sum += r
		if n == 1 {
			first = r
		} else if r != first {
			equal = false
		}
	}
	if n > 0 {
		mean = sum / float64(n)
	}
	return n, mean, equal
}

// MeanAbsAdvantage is SEC's reward for a category: mean_i |A_i| over the
// advantages of its samples, from any estimator (for example package
// policy's GroupNorm{Std: policy.Population}, which AbsAdvantage uses).
// The advantages must be finite and non-empty.
func MeanAbsAdvantage(adv []float64) (float64, error) {
	if len(adv) == 0 {
		return 0, errors.New("curriculum: MeanAbsAdvantage: no advantages")
	}
	if err := checkFinite("MeanAbsAdvantage: adv", adv); err != nil {
		return 0, err
	}
	return floats.Norm(adv, 1) / float64(len(adv)), nil
}

// AbsAdvantage is SEC's learning-progress signal computed from a group's
// rewards: the mean |A| over the present rewards of the GRPO group
// z-scores
//
//	A_i = (R_i − mean R) / std R,    std the population standard deviation,
//
// as package policy's GroupNorm{Std: policy.Population} computes them (no
// ε: mean |A| is then exactly 2·sqrt(q(1−q)) for binary rewards with
// success share q). Its expectation peaks at success rate p = 0.5. A group
// whose present rewards are all equal (or with fewer than two present)
// scores 0. NaN rewards are missing and left out (see Signal).
//
// References: Chen et al., "Self-Evolving Curriculum for LLM Reasoning"
// (2025); Shao et al., "DeepSeekMath" (2024) (GRPO); docs/ALGORITHMS.md §1, §6.
func AbsAdvantage(arm int, rewards []float64) (float64, error) {
	if err := checkRewards("AbsAdvantage", rewards); err != nil {
		return 0, err
	}
	n, _, equal := present(rewards)
	// The exact all-equal check: three 0.1s average to
	// 0.10000000000000002, which must not become a spread of ±1 std.
	if equal {
		return 0, nil
	}
	adv := make([]float64, len(rewards))
	if err := (policy.GroupNorm{Std: policy.Population}).Advantages(adv, rewards, make([]int, len(rewards))); err != nil {
		return 0, fmt.Errorf("curriculum: AbsAdvantage: %w", err)
	}
	// Missing rewards get A = 0 from GroupNorm; the mean is over the
	// present ones.
	return floats.Norm(adv, 1) / float64(n), nil
}

// Learnability is p(1−p) with p the group's mean reward over its present
// rewards: largest for tasks solved half the time, 0 for tasks always or
// never solved, and 0 for a group with no reward present. Rewards must
// lie in [0, 1] (NaN = missing, see Signal).
//
// References: Tzannetos et al., "Proximal Curriculum for Reinforcement
// Learning Agents" (2023); Foster, Foerster, "Learning to Reason at the
// Frontier of Learnability" (2025).
func Learnability(arm int, rewards []float64) (float64, error) {
	if err := checkUnitRewards("Learnability", rewards); err != nil {
		return 0, err
	}
	n, p, _ := present(rewards)
	if n == 0 {
		return 0, nil
	}
	return p * (1 - p), nil
}

// ErrNoReward is returned (wrapped) by SuccessRate for a group with no
// reward present.
var ErrNoReward = errors.New("curriculum: no reward present")

// SuccessRate is the mean of a group's present rewards, in [0, 1]: the
// share of samples solved for binary rewards. It is the Ladder's signal.
// Rewards must lie in [0, 1] (NaN = missing, see Signal). Unlike the
// learning-progress signals, a group with no reward present is an error
// wrapping ErrNoReward rather than a score of 0, which would read as a
// group that failed every task: leave such a group out.
func SuccessRate(arm int, rewards []float64) (float64, error) {
	if err := checkUnitRewards("SuccessRate", rewards); err != nil {
		return 0, err
	}
	n, m, _ := present(rewards)
	if n == 0 {
		return 0, fmt.Errorf("%w: SuccessRate: all %d rewards are missing (NaN)", ErrNoReward, len(rewards))
	}
	return m, nil
}

// RewardChange is the absolute-learning-progress signal |mean_t − mean_{t−1}|:
// how much an arm's mean group reward moved since that arm's previous
// group. An arm's first group scores 0 (no previous mean). Use its Signal
// method as a Signal.
//
// References: Graves et al., "Automated Curriculum Learning for Neural
// Networks", ICML 2017; Portelas et al., "Teacher Algorithms for
// Curriculum Learning of Deep RL in Continuously Parameterized
// Environments", CoRL 2019.
type RewardChange struct {
	prev []float64
	seen []bool
}

// NewRewardChange returns a RewardChange for k arms.
func NewRewardChange(k int) (*RewardChange, error) {
	if err := checkK("NewRewardChange", k); err != nil {
		return nil, err
	}
	return &RewardChange{prev: make([]float64, k), seen: make([]bool, k)}, nil
}

// Signal returns |mean(rewards) − previous mean of arm| and records the
// new mean. The mean is over the present rewards; a group with none
// present scores 0 and leaves the previous mean in place. On an error
// nothing is recorded.
func (c *RewardChange) Signal(arm int, rewards []float64) (float64, error) {
	if err := noArms("RewardChange.Signal", len(c.prev)); err != nil {
		return 0, err
	}
	if arm < 0 || arm >= len(c.prev) {
		return 0, fmt.Errorf("curriculum: RewardChange.Signal: arm %d out of range [0, %d)", arm, len(c.prev))
	}
	if err := checkRewards("RewardChange.Signal", rewards); err != nil {
		return 0, err
	}
	n, m, _ := present(rewards)
	if n == 0 {
		return 0, nil
	}
	d := 0.0
	if c.seen[arm] {
		d = math.Abs(m - c.prev[arm])
	}
	c.prev[arm], c.seen[arm] = m, true
	return d, nil
}

type changeState struct {
	Prev []float64 `json:"prev"`
	Seen []bool    `json:"seen"`
}

// MarshalJSON saves the previous means.
func (c *RewardChange) MarshalJSON() ([]byte, error) {
	return json.Marshal(changeState{c.prev, c.seen})
}

// UnmarshalJSON restores a state written by MarshalJSON.
func (c *RewardChange) UnmarshalJSON(b []byte) error {
	var st changeState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("curriculum: RewardChange state: %w", err)
	}
	if err := checkK("RewardChange state", len(st.Prev)); err != nil {
		return err
	}
	if len(st.Seen) != len(st.Prev) {
		return fmt.Errorf("curriculum: RewardChange state: len(seen) = %d, len(prev) = %d", len(st.Seen), len(st.Prev))
	}
	if err := checkFinite("RewardChange state prev", st.Prev); err != nil {
		return err
	}
	c.prev, c.seen = st.Prev, st.Seen
	return nil
}
