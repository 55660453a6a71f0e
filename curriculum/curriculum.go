package curriculum

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// ErrEmptyPool is returned when a curriculum is built with an arm whose
// task pool is empty.
var ErrEmptyPool = errors.New("curriculum: empty task pool")

// Config configures a Curriculum.
type Config struct {
	// Signal turns a group's rewards into the bandit's reward in Observe
	// and ObserveBatch. Nil means AbsAdvantage (SEC's mean |advantage|).
	Signal Signal
}

// ArmStats are a curriculum's running statistics for one arm.
type ArmStats struct {
	// Draws counts the tasks handed out from the arm.
	Draws int `json:"draws"`
	// Groups counts the groups observed for the arm.
	Groups int `json:"groups"`
	// Rewards counts the rewards behind MeanReward: those observed
	// through Observe and ObserveBatch, less the missing (NaN) ones.
	Rewards int `json:"rewards"`
	// MeanReward is the mean of every reward counted in Rewards.
	MeanReward float64 `json:"mean_reward"`
	// LastSignal is the most recent learning-progress signal fed to the
	// bandit for the arm.
	LastSignal float64 `json:"last_signal"`
	// Epochs counts how many times the arm's pool was shuffled.
	Epochs int `json:"epochs"`
}

// Curriculum hands out tasks of type T from one pool per arm, choosing the
// arm with a Bandit. Within a pool, tasks come without replacement in a
// random order; when a pool runs out it is reshuffled (with the rng passed
// to Next) and served again. Feed the outcome back with Observe (a group's
// rewards, turned into a signal by Config.Signal), ObserveBatch or
// ObserveSignal.
//
// The tasks themselves are not part of the saved state: MarshalJSON
// records the bandit, the pool orders and positions and the statistics;
// UnmarshalJSON restores them into a Curriculum built by New with the same
// kind of bandit and pools of the same sizes.
type Curriculum[T any] struct {
	bandit Bandit
	signal Signal
	pools  [][]T
	order  [][]int // order[k] is the current permutation of pool k
	pos    []int   // next position in order[k]; len(order[k]) = exhausted
	stats  []ArmStats
	arms   []int // scratch for NextBatch
}

// New returns a curriculum over pools, one per arm of b (len(pools) must
// equal b.Arms()). Pools are used in place, not copied; every pool must be
// non-empty.
func New[T any](b Bandit, pools [][]T, cfg Config) (*Curriculum[T], error) {
	if b == nil {
		return nil, errors.New("curriculum: New: nil bandit")
	}
	if len(pools) == 0 {
		return nil, fmt.Errorf("%w: New: no pools", ErrNoArms)
	}
	if len(pools) != b.Arms() {
		return nil, fmt.Errorf("curriculum: New: %d pools for a bandit with %d arms", len(pools), b.Arms())
	}
	c := &Curriculum[T]{bandit: b, signal: cfg.Signal, pools: pools,
		order: make([][]int, len(pools)), pos: make([]int, len(pools)), stats: make([]ArmStats, len(pools))}
	if c.signal == nil {
		c.signal = AbsAdvantage
	}
	for k, p := range pools {
		if len(p) == 0 {
			return nil, fmt.Errorf("%w: pools[%d]", ErrEmptyPool, k)
		}
		c.order[k] = make([]int, len(p))
		for i := range c.order[k] {
			c.order[k][i] = i
		}
		c.pos[k] = len(p) // shuffled on first use
	}
	return c, nil
}

// Bandit returns the bandit choosing the arms.
func (c *Curriculum[T]) Bandit() Bandit { return c.bandit }

// Stats returns a copy of the per-arm statistics.
func (c *Curriculum[T]) Stats() []ArmStats { return append([]ArmStats(nil), c.stats...) }

// Next draws an arm from the bandit and returns it with the next task of
// its pool. An arm outside [0, len(pools)) from a Bandit implementation
// is an error.
func (c *Curriculum[T]) Next(rng *rand.Rand) (arm int, task T, err error) {
	if err := c.checkNext("Next", rng); err != nil {
		return 0, task, err
	}
	arm, err = c.bandit.Select(rng)
	if err != nil {
		return 0, task, err
	}
	if arm < 0 || arm >= len(c.pools) {
		return 0, task, fmt.Errorf("curriculum: Next: bandit %T selected arm %d out of range [0, %d)", c.bandit, arm, len(c.pools))
	}
	return arm, c.take(arm, rng), nil
}

func (c *Curriculum[T]) checkNext(who string, rng *rand.Rand) error {
	if c.bandit == nil {
		return fmt.Errorf("%w: %s on a Curriculum not built by New", ErrNoArms, who)
	}
	if rng == nil {
		return fmt.Errorf("curriculum: %s: nil rng", who)
	}
	return nil
}

// NextBatch draws k arms i.i.d. from the bandit's current policy
// (SelectBatch) and one task for each.
func (c *Curriculum[T]) NextBatch(rng *rand.Rand, k int) (arms []int, tasks []T, err error) {
	if err := c.checkNext("NextBatch", rng); err != nil {
		return nil, nil, err
	}
	c.arms, err = SelectBatch(c.arms, c.bandit, rng, k)
	if err != nil {
		return nil, nil, err
	}
	for i, a := range c.arms {
		if a < 0 || a >= len(c.pools) {
			return nil, nil, fmt.Errorf("curriculum: NextBatch: bandit %T selected arm %d out of range [0, %d) at draw %d", c.bandit, a, len(c.pools), i)
		}
	}
	arms = append([]int(nil), c.arms...)
	tasks = make([]T, k)
	for i, a := range arms {
		tasks[i] = c.take(a, rng)
	}
	return arms, tasks, nil
}

// Take returns the next task of arm's pool without consulting the bandit.
func (c *Curriculum[T]) Take(rng *rand.Rand, arm int) (T, error) {
	var zero T
	if arm < 0 || arm >= len(c.pools) {
		return zero, fmt.Errorf("curriculum: Take: arm %d out of range [0, %d)", arm, len(c.pools))
	}
	if rng == nil {
		return zero, errors.New("curriculum: Take: nil rng")
	}
	return c.take(arm, rng), nil
}

func (c *Curriculum[T]) take(arm int, rng *rand.Rand) T {
	o := c.order[arm]
	if c.pos[arm] >= len(o) {
		rng.Shuffle(len(o), func(i, j int) { o[i], o[j] = o[j], o[i] })
		c.pos[arm] = 0
		c.stats[arm].Epochs++
	}
	t := c.pools[arm][o[c.pos[arm]]]
	c.pos[arm]++
	c.stats[arm].Draws++
	return t
}

// Observe turns one group's rewards for arm into a signal with
// Config.Signal, updates the bandit with it and records the statistics.
func (c *Curriculum[T]) Observe(arm int, rewards []float64) error {
	return c.ObserveBatch([]int{arm}, [][]float64{rewards})
}

// ObserveBatch handles one training step: groups[i] holds the rewards of
// the group drawn from arms[i]. Each group becomes a signal and the
// (arm, signal) pairs go to the bandit together through UpdateBatch (SEC
// averages the signals of each arm).
//
// The arms and groups are validated first, then Config.Signal is called
// once per group in order, then the signals are validated against the
// bandit (finite, and in [0, 1] for EXP3 and BetaThompson); only when all
// of that succeeds are the bandit and the statistics updated, so an error
// leaves the curriculum unchanged. Config.Signal itself is called before
// that last check: a stateful signal (RewardChange) has recorded every
// group before the first one whose signal fails, or every group when the
// bandit rejects a signal. Restore such a signal from its saved state
// after an error, or use a bandit that accepts every finite signal.
func (c *Curriculum[T]) ObserveBatch(arms []int, groups [][]float64) error {
	if len(arms) != len(groups) {
		return fmt.Errorf("curriculum: ObserveBatch: len(arms) = %d, len(groups) = %d", len(arms), len(groups))
	}
	if len(arms) == 0 {
		return errors.New("curriculum: ObserveBatch: empty batch")
	}
	for i, a := range arms {
		if a < 0 || a >= len(c.pools) {
			return fmt.Errorf("curriculum: ObserveBatch: arms[%d] = %d out of range [0, %d)", i, a, len(c.pools))
		}
		if err := checkRewards(fmt.Sprintf("ObserveBatch: groups[%d]", i), groups[i]); err != nil {
			return err
		}
	}
	sig := make([]float64, len(arms))
	for i, a := range arms {
		s, err := c.signal(a, groups[i])
		if err != nil {
			return fmt.Errorf("curriculum: ObserveBatch: groups[%d]: %w", i, err)
		}
		sig[i] = s
	}
	if err := checkBatch("ObserveBatch", c.bandit, arms, sig); err != nil {
		return err
	}
	if err := UpdateBatch(c.bandit, arms, sig); err != nil {
		return err
	}
	for i, a := range arms {
		st := &c.stats[a]
		for _, r := range groups[i] {
			if math.IsNaN(r) {
				continue // missing
			}
			st.Rewards++
			st.MeanReward += (r - st.MeanReward) / float64(st.Rewards)
		}
		st.Groups++
		st.LastSignal = sig[i]
	}
	return nil
}

// ObserveSignal feeds a signal the caller computed (for example
// MeanAbsAdvantage of the advantages its trainer used) for arm to the
// bandit, bypassing Config.Signal; the mean reward is left unchanged.
func (c *Curriculum[T]) ObserveSignal(arm int, signal float64) error {
	if arm < 0 || arm >= len(c.pools) {
		return fmt.Errorf("curriculum: ObserveSignal: arm %d out of range [0, %d)", arm, len(c.pools))
	}
	if err := c.bandit.Update(arm, signal); err != nil {
		return err
	}
	c.stats[arm].Groups++
	c.stats[arm].LastSignal = signal
	return nil
}

// restoreBandit restores the bandit from b, atomically: a state that the
// bandit rejects, or one with an arm count other than the pools', leaves
// the bandit as it was (restored from a snapshot taken first).
func (c *Curriculum[T]) restoreBandit(b json.RawMessage) error {
	u, ok := c.bandit.(json.Unmarshaler)
	if !ok {
		return fmt.Errorf("curriculum: UnmarshalJSON: bandit %T does not implement json.Unmarshaler", c.bandit)
	}
	m, ok := c.bandit.(json.Marshaler)
	if !ok {
		return fmt.Errorf("curriculum: UnmarshalJSON: bandit %T does not implement json.Marshaler", c.bandit)
	}
	snap, err := m.MarshalJSON()
	if err != nil {
		return fmt.Errorf("curriculum: UnmarshalJSON: snapshot of bandit %T: %w", c.bandit, err)
	}
	err = u.UnmarshalJSON(b)
	if err == nil && c.bandit.Arms() != len(c.pools) {
		err = fmt.Errorf("curriculum: Curriculum state bandit has %d arms for %d pools", c.bandit.Arms(), len(c.pools))
	}
	if err != nil {
		if rerr := u.UnmarshalJSON(snap); rerr != nil {
			return fmt.Errorf("%w (and restoring the previous bandit state failed: %v)", err, rerr)
		}
		return err
	}
	return nil
}

type curriculumState struct {
	Bandit json.RawMessage `json:"bandit"`
	Order  [][]int         `json:"order"`
	Pos    []int           `json:"pos"`
	Stats  []ArmStats      `json:"stats"`
}

// MarshalJSON saves the bandit (which must implement json.Marshaler, as
// every bandit of this package does), the pool orders and positions and
// the statistics. The random source is not included: save it alongside
// (rand.PCG and rand.ChaCha8 implement encoding.BinaryMarshaler). A
// stateful Signal such as RewardChange is saved separately too.
func (c *Curriculum[T]) MarshalJSON() ([]byte, error) {
	m, ok := c.bandit.(json.Marshaler)
	if !ok {
		return nil, fmt.Errorf("curriculum: MarshalJSON: bandit %T does not implement json.Marshaler", c.bandit)
	}
	b, err := m.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return json.Marshal(curriculumState{b, c.order, c.pos, c.stats})
}

// UnmarshalJSON restores a state written by MarshalJSON into a Curriculum
// built by New with the same kind of bandit and pools of the same sizes.
// The state is validated in full first; on an error the curriculum and
// its bandit are left as they were (the bandit is snapshotted and put
// back when its state is rejected or has the wrong number of arms).
func (c *Curriculum[T]) UnmarshalJSON(b []byte) error {
	if c.bandit == nil {
		return errors.New("curriculum: UnmarshalJSON: build the Curriculum with New before restoring it")
	}
	var st curriculumState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("curriculum: Curriculum state: %w", err)
	}
	k := len(c.pools)
	if len(st.Order) != k || len(st.Pos) != k || len(st.Stats) != k {
		return fmt.Errorf("curriculum: Curriculum state has %d orders, %d positions, %d stats for %d pools",
			len(st.Order), len(st.Pos), len(st.Stats), k)
	}
	for a, o := range st.Order {
		n := len(c.pools[a])
		if len(o) != n {
			return fmt.Errorf("curriculum: Curriculum state order[%d] has %d entries, pool has %d tasks", a, len(o), n)
		}
		seen := make([]bool, n)
		for i, x := range o {
			if x < 0 || x >= n || seen[x] {
				return fmt.Errorf("curriculum: Curriculum state order[%d][%d] = %d is not a permutation entry", a, i, x)
			}
			seen[x] = true
		}
		if st.Pos[a] < 0 || st.Pos[a] > n {
			return fmt.Errorf("curriculum: Curriculum state pos[%d] = %d out of range [0, %d]", a, st.Pos[a], n)
		}
	}
	for a, x := range st.Stats {
		if x.Draws < 0 || x.Groups < 0 || x.Rewards < 0 || x.Epochs < 0 ||
			math.IsNaN(x.MeanReward) || math.IsInf(x.MeanReward, 0) || math.IsNaN(x.LastSignal) || math.IsInf(x.LastSignal, 0) {
			return fmt.Errorf("curriculum: Curriculum state stats[%d] = %+v: counts must be ≥ 0 and values finite", a, x)
		}
	}
	if err := c.restoreBandit(st.Bandit); err != nil {
		return err
	}
	c.order, c.pos, c.stats = st.Order, st.Pos, st.Stats
	return nil
}
