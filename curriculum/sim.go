package curriculum

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// SimConfig configures the skill simulator. The zero value is the
// reference scenario: five categories of difficulty (−2, 0, 2, 4, 6),
// groups of 8, η = 0.05, transfer 0.3, goal p ≥ 0.8 on the hardest
// category within 20,000 steps.
type SimConfig struct {
	// Difficulties d_k of the categories; nil means (−2, 0, 2, 4, 6).
	Difficulties []float64
	// GroupSize G is the number of samples per training step; zero
	// means 8.
	GroupSize int
	// Rate is η, the skill gain scale; zero means 0.05.
	Rate float64
	// Transfer is the share of a step's gain that each neighbouring
	// category k±1 also receives, > 0. Zero means 0.3, the reference
	// scenario's value; a transfer of 0 is set with NoTransfer.
	Transfer float64
	// NoTransfer sets Transfer = 0: categories learn independently. Off
	// by default; setting it together with a non-zero Transfer is an
	// error.
	NoTransfer bool
	// Goal is the success rate on the hardest (last) category that ends a
	// run; zero means 0.8.
	Goal float64
	// MaxSteps caps a run; zero means 20,000. A run that reaches the cap
	// is a miss.
	MaxSteps int
}

func (c SimConfig) resolve() (SimConfig, error) {
	if c.Difficulties == nil {
		c.Difficulties = []float64{-2, 0, 2, 4, 6}
	}
	if len(c.Difficulties) == 0 {
		return c, fmt.Errorf("%w: SimConfig.Difficulties", ErrNoArms)
	}
	if err := checkFinite("SimConfig.Difficulties", c.Difficulties); err != nil {
		return c, err
	}
	if c.GroupSize < 0 || c.MaxSteps < 0 {
		return c, fmt.Errorf("curriculum: SimConfig.GroupSize = %d, MaxSteps = %d, want ≥ 0", c.GroupSize, c.MaxSteps)
	}
	if c.GroupSize == 0 {
		c.GroupSize = 8
	}
	if c.MaxSteps == 0 {
		c.MaxSteps = 20000
	}
	var err error
	if c.Rate, err = param("SimConfig.Rate", c.Rate, 0.05, 0); err != nil {
		return c, err
	}
	if c.NoTransfer && c.Transfer != 0 {
		return c, fmt.Errorf("curriculum: SimConfig.NoTransfer is set with Transfer = %v, want Transfer = 0", c.Transfer)
	}
	if c.Transfer, err = param("SimConfig.Transfer", c.Transfer, 0.3, 0); err != nil {
		return c, err
	}
	if c.NoTransfer {
		c.Transfer = 0
	}
	if c.Goal, err = param("SimConfig.Goal", c.Goal, 0.8, 1); err != nil {
		return c, err
	}
	c.Difficulties = slices.Clone(c.Difficulties)
	return c, nil
}

// Teacher picks the category to train on at each simulated step and sees
// the group's rewards afterwards.
type Teacher interface {
	Choose(rng *rand.Rand) (int, error)
	Observe(arm int, rewards []float64) error
}

// SimResult is the outcome of one simulated run.
type SimResult struct {
	// Steps is the number of steps taken: the step at which the goal was
	// met, or MaxSteps for a miss.
	Steps int
	// Reached reports whether the goal was met.
	Reached bool
	// Counts[k] is how many steps trained category k.
	Counts []int
	// Success holds the final success rates p_k.
	Success []float64
}

// Simulate runs the skill simulator with teacher t. The learner has one
// skill s_k per category, all starting at 0, and solves a task of category
// k with probability p_k = σ(s_k − d_k). Each step the teacher picks k; a
// group of G rewards ~ Bernoulli(p_k) is drawn and shown to the teacher;
// training raises
//
//	s_k by Δ = η·4p_k(1−p_k),   s_{k±1} by Transfer·Δ,
//
// so learning is fastest on tasks solved half the time (the GRPO signal
// vanishes at p = 0 and p = 1) and spills over to neighbouring
// difficulties. The run ends when p on the last category reaches Goal.
//
// References: docs/ALGORITHMS.md §6; the scenario mirrors the SEC paper's claim
// that an adaptive curriculum beats random ordering on the hardest split.
func Simulate(cfg SimConfig, t Teacher, rng *rand.Rand) (SimResult, error) {
	cfg, err := cfg.resolve()
	if err != nil {
		return SimResult{}, err
	}
	if t == nil {
		return SimResult{}, errors.New("curriculum: Simulate: nil teacher")
	}
	if rng == nil {
		return SimResult{}, errors.New("curriculum: Simulate: nil rng")
	}
	K := len(cfg.Difficulties)
	s := make([]float64, K)
	p := func(k int) float64 { return 1 / (1 + math.Exp(cfg.Difficulties[k]-s[k])) }
	res := SimResult{Counts: make([]int, K), Success: make([]float64, K)}
	rewards := make([]float64, cfg.GroupSize)
	for step := 0; step < cfg.MaxSteps; step++ {
		if p(K-1) >= cfg.Goal {
			res.Steps, res.Reached = step, true
			break
		}
		k, err := t.Choose(rng)
		if err != nil {
			return res, fmt.Errorf("curriculum: Simulate step %d: %w", step, err)
		}
		if k < 0 || k >= K {
			return res, fmt.Errorf("curriculum: Simulate step %d: teacher chose arm %d out of range [0, %d)", step, k, K)
		}
		res.Counts[k]++
		pk := p(k)
		for i := range rewards {
			rewards[i] = 0
			if rng.Float64() < pk {
				rewards[i] = 1
			}
		}
		if err := t.Observe(k, rewards); err != nil {
			return res, fmt.Errorf("curriculum: Simulate step %d: %w", step, err)
		}
		d := cfg.Rate * 4 * pk * (1 - pk)
		s[k] += d
		if k > 0 {
			s[k-1] += cfg.Transfer * d
		}
		if k < K-1 {
			s[k+1] += cfg.Transfer * d
		}
	}
	if !res.Reached {
		if p(K-1) >= cfg.Goal {
			res.Reached = true
		}
		res.Steps = cfg.MaxSteps
	}
	for k := range res.Success {
		res.Success[k] = p(k)
	}
	return res, nil
}

// BanditTeacher lets a Bandit pick categories, fed with Signal (nil means
// AbsAdvantage, SEC's mean |advantage|) of each group's rewards.
type BanditTeacher struct {
	Bandit Bandit
	Signal Signal
}

// Choose selects an arm with the bandit.
func (b BanditTeacher) Choose(rng *rand.Rand) (int, error) {
	if b.Bandit == nil {
		return 0, errors.New("curriculum: BanditTeacher: nil Bandit")
	}
	return b.Bandit.Select(rng)
}

// Observe updates the bandit with the group's signal.
func (b BanditTeacher) Observe(arm int, rewards []float64) error {
	if b.Bandit == nil {
		return errors.New("curriculum: BanditTeacher: nil Bandit")
	}
	sig := b.Signal
	if sig == nil {
		sig = AbsAdvantage
	}
	r, err := sig(arm, rewards)
	if err != nil {
		return err
	}
	return b.Bandit.Update(arm, r)
}

// UniformTeacher picks one of K categories uniformly at random.
type UniformTeacher struct{ K int }

// Choose returns a uniform arm.
func (u UniformTeacher) Choose(rng *rand.Rand) (int, error) {
	if u.K <= 0 {
		return 0, fmt.Errorf("%w: UniformTeacher.K = %d", ErrNoArms, u.K)
	}
	return rng.IntN(u.K), nil
}

// Observe does nothing.
func (UniformTeacher) Observe(int, []float64) error { return nil }

// FixedTeacher always picks Arm (for example the hardest category).
type FixedTeacher struct{ Arm int }

// Choose returns Arm.
func (f FixedTeacher) Choose(*rand.Rand) (int, error) { return f.Arm, nil }

// Observe does nothing.
func (FixedTeacher) Observe(int, []float64) error { return nil }

// ScheduleTeacher is a fixed easy-to-hard schedule over K categories
// ordered by difficulty: Steps steps on category 0, then Steps on
// category 1, and so on, staying on the last one.
type ScheduleTeacher struct {
	K, Steps int
	t        int
}

// Choose returns the scheduled category.
func (s *ScheduleTeacher) Choose(*rand.Rand) (int, error) {
	if s.K <= 0 || s.Steps <= 0 {
		return 0, fmt.Errorf("curriculum: ScheduleTeacher: K = %d, Steps = %d, want both > 0", s.K, s.Steps)
	}
	k := min(s.t/s.Steps, s.K-1)
	s.t++
	return k, nil
}

// Observe does nothing.
func (*ScheduleTeacher) Observe(int, []float64) error { return nil }

// AdaptiveTeacher is an adaptive easy-to-hard schedule over K categories
// ordered by difficulty: it stays on a category until the mean reward of
// its last Window groups there reaches Threshold (zero means 0.8), then
// moves to the next one.
type AdaptiveTeacher struct {
	K, Window int
	Threshold float64
	cur       int
	recent    []float64
}

// Choose returns the current category.
func (a *AdaptiveTeacher) Choose(*rand.Rand) (int, error) {
	if a.K <= 0 || a.Window <= 0 {
		return 0, fmt.Errorf("curriculum: AdaptiveTeacher: K = %d, Window = %d, want both > 0", a.K, a.Window)
	}
	if _, err := param("AdaptiveTeacher.Threshold", a.Threshold, 0.8, 1); err != nil {
		return 0, err
	}
	return a.cur, nil
}

// Observe records the group's mean reward (over its present rewards; a
// group with none is skipped) and advances when the window's mean passes
// the threshold.
func (a *AdaptiveTeacher) Observe(arm int, rewards []float64) error {
	if err := checkRewards("AdaptiveTeacher.Observe", rewards); err != nil {
		return err
	}
	th := a.Threshold
	if th == 0 {
		th = 0.8
	}
	n, m, _ := present(rewards)
	if n == 0 {
		return nil // no reward present: nothing to record
	}
	a.recent = append(a.recent, m)
	if len(a.recent) > a.Window {
		a.recent = a.recent[1:]
	}
	if len(a.recent) == a.Window && stat.Mean(a.recent, nil) >= th && a.cur < a.K-1 {
		a.cur++
		a.recent = a.recent[:0]
	}
	return nil
}

// SimSummary aggregates runs: the mean and sample standard deviation
// (n−1 denominator; 0 for a single run) of Steps (a miss counts as
// MaxSteps), the min, max and median, and the number of misses.
type SimSummary struct {
	Mean, Std, Median float64
	Min, Max, Misses  int
	Runs              int
	// Share[k] is the share of all steps spent on category k.
	Share []float64
}

// Summarize aggregates simulation results.
func Summarize(rs []SimResult) SimSummary {
	var s SimSummary
	s.Runs = len(rs)
	if len(rs) == 0 {
		return s
	}
	steps := make([]float64, len(rs))
	s.Min, s.Max = rs[0].Steps, rs[0].Steps
	tot := 0
	for i, r := range rs {
		steps[i] = float64(r.Steps)
		s.Min, s.Max = min(s.Min, r.Steps), max(s.Max, r.Steps)
		if !r.Reached {
			s.Misses++
		}
		if s.Share == nil {
			s.Share = make([]float64, len(r.Counts))
		}
		for k, c := range r.Counts {
			if k < len(s.Share) {
				s.Share[k] += float64(c)
				tot += c
			}
		}
	}
	for k := range s.Share {
		if tot > 0 {
			s.Share[k] /= float64(tot)
		}
	}
	s.Mean = steps[0]
	if len(steps) > 1 {
		s.Mean, s.Std = stat.MeanStdDev(steps, nil)
	}
	slices.Sort(steps)
	n := len(steps)
	s.Median = (steps[(n-1)/2] + steps[n/2]) / 2
	return s
}
