package curriculum

import (
	"encoding/json"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"
)

// Signal turns the rewards of one group of samples drawn from arm into a
// learning-progress signal for the bandit. Stateless signals ignore arm;
// stateful ones (RewardChange) keep per-arm history.
type Signal func(arm int, rewards []float64) (float64, error)

func checkRewards(who string, rewards []float64) error {
	if len(rewards) == 0 {
		return fmt.Errorf("curriculum: %s: empty group", who)
	}
	for i, r := range rewards {
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return fmt.Errorf("curriculum: %s: rewards[%d] = %v is not finite", who, i, r)
		}
	}
	return nil
}

// allEqual reports whether every value of x equals x[0]. Such a group has
// no spread, yet its computed mean can miss the common value in the last
// bit (three 0.1s average to 0.10000000000000002), so the rule "all equal
// gives 0" is checked exactly rather than left to the rounding of a
// standard deviation.
func allEqual(x []float64) bool {
	for _, v := range x {
		if v != x[0] {
			return false
		}
	}
	return true
}

// GroupZScore writes GRPO's group-normalised advantages
//
//	A_i = (R_i − mean R) / std R,    std the population standard deviation,
//
// into dst (grown when too short) and returns it. A group whose rewards are
// all equal gets A = 0. No ε is added to the std (TRL adds 1e-4, which
// changes A by a relative 1e-4 at most for rewards in [0, 1]); the exact
// form makes mean|A| = 2·sqrt(q(1−q)) for binary rewards with success
// share q.
//
// References: Shao et al., "DeepSeekMath" (2024) (GRPO); ALGORITHMS.md §1.
func GroupZScore(dst, rewards []float64) ([]float64, error) {
	if err := checkRewards("GroupZScore", rewards); err != nil {
		return nil, err
	}
	dst = grow(dst, len(rewards))
	m, sd := stat.PopMeanStdDev(rewards, nil)
	if allEqual(rewards) || !(sd > 0) {
		clear(dst)
		return dst, nil
	}
	for i, r := range rewards {
		dst[i] = (r - m) / sd
	}
	return dst, nil
}

// MeanAbsAdvantage is SEC's reward for a category: mean_i |A_i| over the
// advantages of its samples (from any estimator, e.g. package policy's).
func MeanAbsAdvantage(adv []float64) (float64, error) {
	if err := checkRewards("MeanAbsAdvantage", adv); err != nil {
		return 0, err
	}
	return floats.Norm(adv, 1) / float64(len(adv)), nil
}

// AbsAdvantage is SEC's learning-progress signal computed from a group's
// rewards: the mean |A| of the group z-scores (GroupZScore). For binary
// rewards with success share q it equals 2·sqrt(q(1−q)), so its
// expectation peaks at success rate p = 0.5; a group whose rewards are all
// equal scores 0.
//
// References: Chen et al., "Self-Evolving Curriculum for LLM Reasoning"
// (2025); ALGORITHMS.md §6.
func AbsAdvantage(arm int, rewards []float64) (float64, error) {
	if err := checkRewards("AbsAdvantage", rewards); err != nil {
		return 0, err
	}
	m, sd := stat.PopMeanStdDev(rewards, nil)
	if allEqual(rewards) || !(sd > 0) {
		return 0, nil
	}
	a := 0.0
	for _, r := range rewards {
		a += math.Abs(r - m)
	}
	return a / float64(len(rewards)) / sd, nil
}

// Learnability is p(1−p) with p the group's mean reward: largest for tasks
// solved half the time, 0 for tasks always or never solved. Rewards must
// lie in [0, 1].
//
// References: Tzannetos et al., "Proximal Curriculum for Reinforcement
// Learning Agents" (2023); Foster, Foerster, "Learning to Reason at the
// Frontier of Learnability" (2025).
func Learnability(arm int, rewards []float64) (float64, error) {
	if err := checkRewards("Learnability", rewards); err != nil {
		return 0, err
	}
	for i, r := range rewards {
		if r < 0 || r > 1 {
			return 0, fmt.Errorf("curriculum: Learnability: rewards[%d] = %v outside [0, 1]", i, r)
		}
	}
	p := stat.Mean(rewards, nil)
	return p * (1 - p), nil
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
// new mean.
func (c *RewardChange) Signal(arm int, rewards []float64) (float64, error) {
	if arm < 0 || arm >= len(c.prev) {
		return 0, fmt.Errorf("curriculum: RewardChange.Signal: arm %d out of range [0, %d)", arm, len(c.prev))
	}
	if err := checkRewards("RewardChange.Signal", rewards); err != nil {
		return 0, err
	}
	m := stat.Mean(rewards, nil)
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
