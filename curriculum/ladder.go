package curriculum

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
)

// LadderConfig configures a Ladder.
type LadderConfig struct {
	// Mastery is the success rate at which a stepping stone is retired,
	// in (0, 1]. Zero means 0.8; set it to the success rate wanted on the
	// target (the simulator's goal is 0.8).
	Mastery float64
	// Window is W, the number of an arm's most recent groups whose mean
	// success estimates it. Zero means 10 (80 samples with groups of 8:
	// a standard error of about 0.045 at p = 0.8).
	Window int
	// MaxGroups, when > 0, retires a stepping stone after that many groups
	// even if it has not reached Mastery: a guard against a stone that
	// cannot be learned (noisy labels, a category harder than the target),
	// which would otherwise hold the ladder forever. Zero means no cap.
	MaxGroups int
}

// Ladder is a target-directed curriculum: it climbs from the easiest arm
// to the target, practising each stepping stone until it is mastered. The
// caller names the target arm t (the category whose success matters);
// every other arm is a stepping stone. Feed it each group's success rate
// (the SuccessRate signal: the mean of the group's rewards, in [0, 1]).
//
// For arm k let w_k be its last W observed success rates, m̂_k their mean
// and n_k the number of groups observed. Select returns
//
//  1. the lowest-indexed stepping stone never played (n_k = 0), if any:
//     one group of each places it on the ladder;
//  2. else argmax m̂_k over the stepping stones not retired, the lowest
//     index on ties: the easiest stone not yet mastered;
//  3. else the target.
//
// Update(k, r) appends r to w_k (dropping the oldest beyond W) and
// retires stepping stone k once |w_k| = W and m̂_k ≥ Mastery, or once
// n_k ≥ MaxGroups when that is set. The target is never retired: once the
// stones are done the ladder stays on it. Defaults: Mastery 0.8, W = 10,
// no cap. Select is deterministic, so a batch drawn with SelectBatch is
// one arm.
//
// Why this rule. In the package's simulations (Learners; the table in
// the README) the signals that drive SEC and the classic bandits — mean
// |advantage|, p(1−p) — reward any category solved about half the time,
// whether or not it leads to the target: with transfer between
// neighbouring difficulties SEC needs 1.9–3.3 × the steps of an adaptive
// easy-to-hard schedule, and without transfer it is no better than
// uniform sampling. Progress measured on the target itself, with the
// credit given to the arms practised in between, is silent exactly when
// it is needed: while the target is solved a few times in a thousand a
// group of 8 almost never succeeds, and with transfer the stepping stones
// have done their work before the target's success rate moves. What does
// carry the target is a chain of categories each mastered before the next
// (easy-to-hard, Bengio et al. 2009), so the Ladder keeps that chain and
// removes what the schedule had to be told: the order is learned from the
// observed success rates (an easier category is solved more often, and a
// stone that turns out harder than another drops below it), the stones
// retire at the level wanted on the target, and the target is named
// rather than assumed to be the last arm. Without transfer every step off
// the target is wasted and the Ladder pays for mastering the stones, as
// the schedule does (practising the target alone needs 0.81 × and 0.62 ×
// its steps on 5 and 8 independent categories); by a rough count,
// telling the two cases apart takes about as many samples as the stones
// cost.
//
// Assumptions and limits: every stepping stone is at most as hard as the
// target (leave out categories harder than the target, or set
// MaxGroups), and mastery is not forgotten (a retired stone is not
// revisited). The learned order is only as good as the estimates: among
// stones that are all rarely solved a few groups cannot tell them apart,
// ties go to the lowest index, and the Ladder may master a stone nearly
// as hard as the target. Listing the arms from easy to hard makes those
// ties resolve the right way; with shuffled labels the Ladder matches its
// in-order steps on the default learner and needs about 1.15 × and
// 1.3 × them on 8 and 16 categories.
//
// References: Bengio, Louradour, Collobert, Weston, "Curriculum
// Learning", ICML 2009; Clement, Roy, Oudeyer, Lopes, "Multi-Armed
// Bandits for Intelligent Tutoring Systems", JEDM 2015 (activities leave
// the zone of proximal development once their success rate is high);
// docs/ALGORITHMS.md §6.
type Ladder struct {
	target    int
	mastery   float64
	window    int
	maxGroups int
	win       [][]float64 // win[k]: the last ≤ W success rates of arm k, oldest first
	n         []int       // groups observed per arm
	retired   []bool
}

// NewLadder returns a Ladder over k arms with target arm target.
func NewLadder(k, target int, cfg LadderConfig) (*Ladder, error) {
	if err := checkK("NewLadder", k); err != nil {
		return nil, err
	}
	if target < 0 || target >= k {
		return nil, fmt.Errorf("curriculum: NewLadder: target %d out of range [0, %d)", target, k)
	}
	l := &Ladder{target: target, win: make([][]float64, k), n: make([]int, k), retired: make([]bool, k)}
	if err := l.configure(cfg); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *Ladder) configure(cfg LadderConfig) error {
	var err error
	if l.mastery, err = param("LadderConfig.Mastery", cfg.Mastery, 0.8, 1); err != nil {
		return err
	}
	if cfg.Window < 0 || cfg.MaxGroups < 0 {
		return fmt.Errorf("curriculum: LadderConfig.Window = %d, MaxGroups = %d, want ≥ 0", cfg.Window, cfg.MaxGroups)
	}
	l.window, l.maxGroups = cfg.Window, cfg.MaxGroups
	if l.window == 0 {
		l.window = 10
	}
	return nil
}

// Arms returns the number of arms.
func (l *Ladder) Arms() int { return len(l.n) }

// Target returns the target arm.
func (l *Ladder) Target() int { return l.target }

// Retired returns, for every arm, whether it is a retired stepping stone.
func (l *Ladder) Retired() []bool { return append([]bool(nil), l.retired...) }

// mean returns m̂_k, the mean of arm k's window (0 for an empty one).
func (l *Ladder) mean(k int) float64 {
	if len(l.win[k]) == 0 {
		return 0
	}
	s := 0.0
	for _, r := range l.win[k] {
		s += r
	}
	return s / float64(len(l.win[k]))
}

// Select returns the next arm by the rule in Ladder's doc comment; rng is
// not used (the rule is deterministic) but must not be nil.
func (l *Ladder) Select(rng *rand.Rand) (int, error) {
	if err := checkSelect("Ladder", len(l.n), rng); err != nil {
		return 0, err
	}
	return l.next(), nil
}

func (l *Ladder) next() int {
	best, bv := l.target, math.Inf(-1)
	for k := range l.n {
		if k == l.target || l.retired[k] {
			continue
		}
		if l.n[k] == 0 {
			return k
		}
		if m := l.mean(k); m > bv {
			best, bv = k, m
		}
	}
	return best
}

// Update records the success rate r ∈ [0, 1] of one group of arm and
// retires the arm when it is a stepping stone that reached Mastery over a
// full window (or MaxGroups). A reward outside [0, 1] is an error.
func (l *Ladder) Update(arm int, r float64) error {
	if err := l.checkReward(arm, r); err != nil {
		return err
	}
	w := append(l.win[arm], r)
	if len(w) > l.window {
		w = append(w[:0], w[1:]...)
	}
	l.win[arm] = w
	l.n[arm]++
	if arm != l.target && !l.retired[arm] {
		full := len(w) == l.window && l.mean(arm) >= l.mastery
		l.retired[arm] = full || (l.maxGroups > 0 && l.n[arm] >= l.maxGroups)
	}
	return nil
}

func (l *Ladder) checkReward(arm int, r float64) error {
	return checkUnitUpdate("Ladder", len(l.n), arm, r)
}

type ladderState struct {
	Kind      string      `json:"kind"`
	Target    int         `json:"target"`
	Mastery   float64     `json:"mastery"`
	Window    int         `json:"window"`
	MaxGroups int         `json:"max_groups,omitempty"`
	Recent    [][]float64 `json:"recent"`
	Groups    []int       `json:"groups"`
	Retired   []bool      `json:"retired"`
}

// MarshalJSON saves the configuration, the windows, the group counts and
// the retired stones.
func (l *Ladder) MarshalJSON() ([]byte, error) {
	return json.Marshal(ladderState{"ladder", l.target, l.mastery, l.window, l.maxGroups, l.win, l.n, l.retired})
}

// UnmarshalJSON restores a state written by MarshalJSON, validated in
// full first: on an error the Ladder is unchanged.
func (l *Ladder) UnmarshalJSON(b []byte) error {
	var st ladderState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("curriculum: Ladder state: %w", err)
	}
	if err := checkKind("Ladder", st.Kind, "ladder"); err != nil {
		return err
	}
	k := len(st.Groups)
	n, err := NewLadder(k, st.Target, LadderConfig{Mastery: st.Mastery, Window: st.Window, MaxGroups: st.MaxGroups})
	if err != nil {
		return fmt.Errorf("curriculum: Ladder state: %w", err)
	}
	if st.Window == 0 || st.Mastery == 0 || len(st.Recent) != k || len(st.Retired) != k || st.Retired[st.Target] {
		return fmt.Errorf("curriculum: Ladder state: window %d, mastery %v, %d windows and %d retired flags for %d arms (target %d retired: want not)",
			st.Window, st.Mastery, len(st.Recent), len(st.Retired), k, st.Target)
	}
	for a, w := range st.Recent {
		if len(w) > st.Window || st.Groups[a] < len(w) {
			return fmt.Errorf("curriculum: Ladder state: arm %d has %d recent rates, %d groups, window %d", a, len(w), st.Groups[a], st.Window)
		}
		for _, r := range w {
			if math.IsNaN(r) || r < 0 || r > 1 {
				return fmt.Errorf("curriculum: Ladder state: arm %d has a success rate %v outside [0, 1]", a, r)
			}
		}
	}
	n.win, n.n, n.retired = st.Recent, st.Groups, st.Retired
	*l = *n
	return nil
}
