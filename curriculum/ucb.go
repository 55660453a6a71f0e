package curriculum

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
)

// UCBConfig configures UCB1.
type UCBConfig struct {
	// C scales the exploration bonus c·sqrt(ln t / n), > 0 and finite.
	// Zero means √2, the constant of UCB1 (Auer et al. 2002) for rewards
	// in [0, 1]; negative or non-finite is an error. c = 0 (no bonus: the
	// greedy rule after one play per arm, with linear regret) is not a
	// UCB setting and is not offered; for a greedy baseline use
	// EpsilonGreedy with Greedy set.
	C float64
}

// UCB1 plays each arm once, then the arm maximising
//
//	mean_i + c·sqrt(ln t / n_i),
//
// where t is the number of updates so far and n_i those of arm i. Exact
// ties are broken at random. With rewards in [0, 1] and c = √2 the
// expected regret grows like log t.
//
// References: Auer, Cesa-Bianchi, Fischer, "Finite-time Analysis of the
// Multiarmed Bandit Problem", Machine Learning 47 (2002).
type UCB1 struct {
	c   float64
	n   []float64
	sum []float64
	t   float64
	idx []float64 // scratch
}

// NewUCB1 returns a UCB1 bandit over k arms.
func NewUCB1(k int, cfg UCBConfig) (*UCB1, error) {
	if err := checkK("NewUCB1", k); err != nil {
		return nil, err
	}
	c, err := param("UCBConfig.C", cfg.C, math.Sqrt2, 0)
	if err != nil {
		return nil, err
	}
	return &UCB1{c: c, n: make([]float64, k), sum: make([]float64, k), idx: make([]float64, k)}, nil
}

// Arms returns the number of arms.
func (u *UCB1) Arms() int { return len(u.n) }

// Select returns the first arm not yet played, else the arm with the
// largest upper confidence bound.
func (u *UCB1) Select(rng *rand.Rand) (int, error) {
	if err := checkSelect("UCB1", len(u.n), rng); err != nil {
		return 0, err
	}
	return ucbSelect(u.idx, u.n, u.sum, u.c, math.Log(u.t), rng), nil
}

// ucbSelect plays an arm with n = 0 first, else maximises
// sum/n + c·sqrt(lnT/n).
func ucbSelect(idx, n, sum []float64, c, lnT float64, rng *rand.Rand) int {
	for i, x := range n {
		if x == 0 {
			return i
		}
	}
	lnT = max(lnT, 0)
	for i := range idx {
		idx[i] = sum[i]/n[i] + c*math.Sqrt(lnT/n[i])
	}
	return argmaxRand(idx, rng)
}

// Update records reward r for arm. UCB1's guarantee assumes r ∈ [0, 1];
// other finite rewards are accepted (scale c accordingly).
func (u *UCB1) Update(arm int, r float64) error {
	if err := checkUpdate("UCB1", len(u.n), arm, r); err != nil {
		return err
	}
	u.n[arm]++
	u.sum[arm] += r
	u.t++
	return nil
}

type ucbState struct {
	Kind string    `json:"kind"`
	C    float64   `json:"c"`
	N    []float64 `json:"n"`
	Sum  []float64 `json:"sum"`
	// Discount and Window are set for the non-stationary variants.
	Discount float64 `json:"discount,omitempty"`
}

// MarshalJSON saves the configuration and the counts.
func (u *UCB1) MarshalJSON() ([]byte, error) {
	return json.Marshal(ucbState{Kind: "ucb1", C: u.c, N: u.n, Sum: u.sum})
}

// UnmarshalJSON restores a state written by MarshalJSON.
func (u *UCB1) UnmarshalJSON(b []byte) error {
	st, err := readUCB(b, "UCB1", "ucb1")
	if err != nil {
		return err
	}
	t := 0.0
	for _, x := range st.N {
		t += x
	}
	*u = UCB1{c: st.C, n: st.N, sum: st.Sum, t: t, idx: make([]float64, len(st.N))}
	return nil
}

func readUCB(b []byte, who, kind string) (ucbState, error) {
	var st ucbState
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("curriculum: %s state: %w", who, err)
	}
	if err := checkKind(who, st.Kind, kind); err != nil {
		return st, err
	}
	if err := checkK(who+" state", len(st.N)); err != nil {
		return st, err
	}
	if len(st.Sum) != len(st.N) {
		return st, fmt.Errorf("curriculum: %s state: len(sum) = %d, len(n) = %d", who, len(st.Sum), len(st.N))
	}
	var err error
	if st.C, err = param(who+" state c", st.C, math.Sqrt2, 0); err != nil {
		return st, err
	}
	if err := checkFinite(who+" state n", st.N); err != nil {
		return st, err
	}
	for i, x := range st.N {
		if x < 0 {
			return st, fmt.Errorf("curriculum: %s state n[%d] = %v is negative", who, i, x)
		}
	}
	return st, checkFinite(who+" state sum", st.Sum)
}

// DiscountedUCBConfig configures DiscountedUCB.
type DiscountedUCBConfig struct {
	// Discount is γ ∈ (0, 1): past observations are weighted γ^(age).
	// Zero means 0.99 (an effective memory of about 1/(1−γ) = 100 steps;
	// Garivier & Moulines suggest γ = 1 − ¼·sqrt(Υ/T) for Υ change points
	// over a horizon T).
	Discount float64
	// C scales the bonus, > 0; zero means √2 (2B·sqrt(ξ) with B = 1,
	// ξ = ½). As for UCBConfig.C, c = 0 is not offered.
	C float64
}

// DiscountedUCB (D-UCB) is UCB for rewards whose means change over time.
// With N_i = Σ_s γ^(t−s)·1{arm_s = i}, S_i = Σ_s γ^(t−s)·r_s·1{arm_s = i}
// and n = Σ_i N_i, it plays an arm with no observation yet, else the arm
// maximising
//
//	S_i/N_i + c·sqrt(ln n / N_i).
//
// An arm left alone sees N_i shrink and its bonus grow, so it is tried
// again after a change.
//
// References: Garivier, Moulines, "On Upper-Confidence Bound Policies for
// Switching Bandit Problems", ALT 2011.
type DiscountedUCB struct {
	gamma, c float64
	n, sum   []float64
	idx      []float64
}

// NewDiscountedUCB returns a D-UCB bandit over k arms.
func NewDiscountedUCB(k int, cfg DiscountedUCBConfig) (*DiscountedUCB, error) {
	if err := checkK("NewDiscountedUCB", k); err != nil {
		return nil, err
	}
	d := &DiscountedUCB{n: make([]float64, k), sum: make([]float64, k), idx: make([]float64, k)}
	if err := d.configure(cfg); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *DiscountedUCB) configure(cfg DiscountedUCBConfig) error {
	var err error
	if d.gamma, err = param("DiscountedUCBConfig.Discount", cfg.Discount, 0.99, 1); err != nil {
		return err
	}
	if d.gamma == 1 {
		return fmt.Errorf("curriculum: DiscountedUCBConfig.Discount = 1, want a value in (0, 1) (use UCB1 for no discount)")
	}
	d.c, err = param("DiscountedUCBConfig.C", cfg.C, math.Sqrt2, 0)
	return err
}

// Arms returns the number of arms.
func (d *DiscountedUCB) Arms() int { return len(d.n) }

// Select returns the arm with the largest discounted upper bound.
func (d *DiscountedUCB) Select(rng *rand.Rand) (int, error) {
	if err := checkSelect("DiscountedUCB", len(d.n), rng); err != nil {
		return 0, err
	}
	tot := 0.0
	for _, x := range d.n {
		tot += x
	}
	return ucbSelect(d.idx, d.n, d.sum, d.c, math.Log(tot), rng), nil
}

// Update discounts every arm's statistics by γ and adds r to arm.
func (d *DiscountedUCB) Update(arm int, r float64) error {
	if err := checkUpdate("DiscountedUCB", len(d.n), arm, r); err != nil {
		return err
	}
	for i := range d.n {
		d.n[i] *= d.gamma
		d.sum[i] *= d.gamma
	}
	d.n[arm]++
	d.sum[arm] += r
	return nil
}

// MarshalJSON saves the configuration and the discounted statistics.
func (d *DiscountedUCB) MarshalJSON() ([]byte, error) {
	return json.Marshal(ucbState{Kind: "discounted-ucb", C: d.c, N: d.n, Sum: d.sum, Discount: d.gamma})
}

// UnmarshalJSON restores a state written by MarshalJSON.
func (d *DiscountedUCB) UnmarshalJSON(b []byte) error {
	st, err := readUCB(b, "DiscountedUCB", "discounted-ucb")
	if err != nil {
		return err
	}
	n := DiscountedUCB{n: st.N, sum: st.Sum, idx: make([]float64, len(st.N))}
	if err := n.configure(DiscountedUCBConfig{Discount: st.Discount, C: st.C}); err != nil {
		return err
	}
	*d = n
	return nil
}

// SlidingWindowUCBConfig configures SlidingWindowUCB.
type SlidingWindowUCBConfig struct {
	// Window is the number of most recent updates kept, τ ≥ 1. Zero means
	// 200 (Garivier & Moulines suggest τ = 2B·sqrt(T ln T / Υ)).
	Window int
	// C scales the bonus, > 0; zero means √2. As for UCBConfig.C, c = 0
	// is not offered.
	C float64
}

// SlidingWindowUCB (SW-UCB) computes UCB1's index over the last W updates
// only: with N_i and mean_i counted in the window,
//
//	mean_i + c·sqrt(ln min(t, W) / N_i),
//
// and an arm absent from the window is played first.
//
// References: Garivier, Moulines, "On Upper-Confidence Bound Policies for
// Switching Bandit Problems", ALT 2011.
type SlidingWindowUCB struct {
	c      float64
	w      int
	arms   []int     // ring buffer of the last w arms
	rs     []float64 // and their rewards
	head   int       // next slot to write
	t      int       // total updates
	n, sum []float64
	idx    []float64
}

// NewSlidingWindowUCB returns an SW-UCB bandit over k arms.
func NewSlidingWindowUCB(k int, cfg SlidingWindowUCBConfig) (*SlidingWindowUCB, error) {
	if err := checkK("NewSlidingWindowUCB", k); err != nil {
		return nil, err
	}
	if cfg.Window < 0 {
		return nil, fmt.Errorf("curriculum: SlidingWindowUCBConfig.Window = %d, want ≥ 1", cfg.Window)
	}
	w := cfg.Window
	if w == 0 {
		w = 200
	}
	c, err := param("SlidingWindowUCBConfig.C", cfg.C, math.Sqrt2, 0)
	if err != nil {
		return nil, err
	}
	return &SlidingWindowUCB{c: c, w: w, arms: make([]int, 0, w), rs: make([]float64, 0, w),
		n: make([]float64, k), sum: make([]float64, k), idx: make([]float64, k)}, nil
}

// Arms returns the number of arms.
func (s *SlidingWindowUCB) Arms() int { return len(s.n) }

// Select returns the arm with the largest windowed upper bound.
func (s *SlidingWindowUCB) Select(rng *rand.Rand) (int, error) {
	if err := checkSelect("SlidingWindowUCB", len(s.n), rng); err != nil {
		return 0, err
	}
	return ucbSelect(s.idx, s.n, s.sum, s.c, math.Log(float64(min(s.t, s.w))), rng), nil
}

// Update adds (arm, r) to the window, evicting the oldest update when the
// window is full.
func (s *SlidingWindowUCB) Update(arm int, r float64) error {
	if err := checkUpdate("SlidingWindowUCB", len(s.n), arm, r); err != nil {
		return err
	}
	if len(s.arms) < s.w {
		s.arms = append(s.arms, arm)
		s.rs = append(s.rs, r)
	} else {
		old := s.arms[s.head]
		s.n[old]--
		s.sum[old] -= s.rs[s.head]
		if s.n[old] == 0 {
			s.sum[old] = 0 // drop rounding residue
		}
		s.arms[s.head], s.rs[s.head] = arm, r
	}
	s.head = (s.head + 1) % s.w
	s.n[arm]++
	s.sum[arm] += r
	s.t++
	return nil
}

type swState struct {
	Kind    string    `json:"kind"`
	C       float64   `json:"c"`
	Window  int       `json:"window"`
	K       int       `json:"k"`
	T       int       `json:"t"`
	Arms    []int     `json:"arms"`    // window contents, oldest first
	Rewards []float64 `json:"rewards"` // window contents, oldest first
	// N and Sum are the running window statistics, saved so that a
	// restored bandit carries the same rounding as the original.
	N   []float64 `json:"n"`
	Sum []float64 `json:"sum"`
}

// MarshalJSON saves the configuration and the window contents.
func (s *SlidingWindowUCB) MarshalJSON() ([]byte, error) {
	st := swState{Kind: "sliding-window-ucb", C: s.c, Window: s.w, K: len(s.n), T: s.t, N: s.n, Sum: s.sum}
	start := 0
	if len(s.arms) == s.w {
		start = s.head
	}
	for i := range s.arms {
		j := (start + i) % len(s.arms)
		st.Arms = append(st.Arms, s.arms[j])
		st.Rewards = append(st.Rewards, s.rs[j])
	}
	return json.Marshal(st)
}

// UnmarshalJSON restores a state written by MarshalJSON.
func (s *SlidingWindowUCB) UnmarshalJSON(b []byte) error {
	var st swState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("curriculum: SlidingWindowUCB state: %w", err)
	}
	if err := checkKind("SlidingWindowUCB", st.Kind, "sliding-window-ucb"); err != nil {
		return err
	}
	n, err := NewSlidingWindowUCB(st.K, SlidingWindowUCBConfig{Window: st.Window, C: st.C})
	if err != nil {
		return err
	}
	if len(st.Arms) != len(st.Rewards) || len(st.Arms) > n.w || st.T < len(st.Arms) {
		return fmt.Errorf("curriculum: SlidingWindowUCB state: %d arms, %d rewards, window %d, t %d do not fit",
			len(st.Arms), len(st.Rewards), n.w, st.T)
	}
	for i, a := range st.Arms {
		if err := n.Update(a, st.Rewards[i]); err != nil {
			return fmt.Errorf("curriculum: SlidingWindowUCB state entry %d: %w", i, err)
		}
	}
	if len(st.N) != len(n.n) || len(st.Sum) != len(n.n) {
		return fmt.Errorf("curriculum: SlidingWindowUCB state: len(n) = %d, len(sum) = %d, want %d", len(st.N), len(st.Sum), len(n.n))
	}
	for i := range n.n {
		if st.N[i] != n.n[i] || math.Abs(st.Sum[i]-n.sum[i]) > 1e-6*(1+math.Abs(n.sum[i])) {
			return fmt.Errorf("curriculum: SlidingWindowUCB state: n[%d], sum[%d] disagree with the window", i, i)
		}
	}
	copy(n.sum, st.Sum)
	n.t = st.T
	*s = *n
	return nil
}
