package curriculum

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
)

// EXP3Config configures EXP3 and EXP3.S.
type EXP3Config struct {
	// Gamma is the exploration rate γ ∈ (0, 1]. Zero means: with Horizon
	// set, the tuned value of Auer et al. (2002), γ = min(1, sqrt(K ln K /
	// ((e−1)T))) for EXP3 and γ = min(1, sqrt(K ln(KT) / ((e−1)T))) for
	// EXP3.S; without Horizon, 0.1.
	Gamma float64
	// Alpha is EXP3.S's share rate α ≥ 0 (ignored by EXP3). Zero means
	// 1/T with Horizon set (Auer et al.'s tuning), else 0.01.
	Alpha float64
	// Horizon is the number of rounds T used to tune the zero values of
	// Gamma and Alpha; zero means unknown.
	Horizon int
}

// EXP3 is the exponential-weight algorithm for adversarial bandits. With
// weights w (kept normalised to sum 1) it draws from
//
//	p_i = (1−γ)·w_i + γ/K,
//
// and after reward x ∈ [0, 1] for arm j sets x̂_j = x/p_j and
// w_j ← w_j·exp(γ·x̂_j/K). EXP3.S (NewEXP3S) adds a share of the total
// weight to every arm, w_i ← w_i·exp(γ·x̂_i/K) + (e·α/K)·Σ_l w_l, so that
// it tracks a best arm that changes.
//
// With γ tuned for horizon T the expected regret of EXP3 against the best
// fixed arm is at most 2·sqrt(e−1)·sqrt(T K ln K) ≤ 2.63·sqrt(T K ln K).
//
// Update uses the probabilities of the current weights; draw with Select
// and update with Update in turn (a batch of draws from unchanged weights
// followed by their updates applies each importance weight against the
// weights as already updated by the earlier pairs).
//
// References: Auer, Cesa-Bianchi, Freund, Schapire, "The Nonstochastic
// Multiarmed Bandit Problem", SIAM J. Computing 32 (2002).
type EXP3 struct {
	gamma, alpha float64
	shift        bool // EXP3.S
	w            []float64
	p            []float64
}

// NewEXP3 returns an EXP3 bandit over k arms.
func NewEXP3(k int, cfg EXP3Config) (*EXP3, error) { return newEXP3(k, cfg, false) }

// NewEXP3S returns an EXP3.S bandit over k arms.
func NewEXP3S(k int, cfg EXP3Config) (*EXP3, error) { return newEXP3(k, cfg, true) }

func newEXP3(k int, cfg EXP3Config, shift bool) (*EXP3, error) {
	who := "NewEXP3"
	if shift {
		who = "NewEXP3S"
	}
	if err := checkK(who, k); err != nil {
		return nil, err
	}
	if cfg.Horizon < 0 {
		return nil, fmt.Errorf("curriculum: EXP3Config.Horizon = %d, want ≥ 0", cfg.Horizon)
	}
	e := &EXP3{shift: shift, w: make([]float64, k), p: make([]float64, k)}
	K, T := float64(k), float64(cfg.Horizon)
	g, a := 0.1, 0.01
	if cfg.Horizon > 0 {
		if shift {
			g = math.Min(1, math.Sqrt(K*math.Log(K*T)/((math.E-1)*T)))
			a = 1 / T
		} else {
			g = math.Min(1, math.Sqrt(K*math.Log(K)/((math.E-1)*T)))
		}
		if g == 0 { // K = 1: ln K = 0
			g = 1
		}
	}
	var err error
	if e.gamma, err = param("EXP3Config.Gamma", cfg.Gamma, g, 1); err != nil {
		return nil, err
	}
	if shift {
		if e.alpha, err = param("EXP3Config.Alpha", cfg.Alpha, a, 0); err != nil {
			return nil, err
		}
	}
	for i := range e.w {
		e.w[i] = 1 / K
	}
	return e, nil
}

// Arms returns the number of arms.
func (e *EXP3) Arms() int { return len(e.w) }

// Gamma returns the exploration rate in use.
func (e *EXP3) Gamma() float64 { return e.gamma }

// Probabilities writes p_i = (1−γ)·w_i/Σw + γ/K.
func (e *EXP3) Probabilities(dst []float64) []float64 {
	dst = grow(dst, len(e.w))
	s := floats.Sum(e.w)
	K := float64(len(e.w))
	for i, x := range e.w {
		dst[i] = (1-e.gamma)*x/s + e.gamma/K
	}
	return dst
}

// Select draws an arm from p.
func (e *EXP3) Select(rng *rand.Rand) (int, error) {
	if err := checkSelect("EXP3", len(e.w), rng); err != nil {
		return 0, err
	}
	return sample(e.Probabilities(e.p), rng), nil
}

// Update records reward r ∈ [0, 1] for arm; a reward outside [0, 1] is an
// error (rescale it first).
func (e *EXP3) Update(arm int, r float64) error {
	if err := checkUpdate("EXP3", len(e.w), arm, r); err != nil {
		return err
	}
	if r < 0 || r > 1 {
		return fmt.Errorf("curriculum: EXP3.Update: reward %v for arm %d outside [0, 1]", r, arm)
	}
	p := e.Probabilities(e.p)
	K := float64(len(e.w))
	e.w[arm] *= math.Exp(e.gamma * r / p[arm] / K)
	if e.shift {
		// Σw before the update is 1 (weights are kept normalised), so
		// the share term is e·α/K·1 added after the exponential step.
		floats.AddConst(math.E*e.alpha/K, e.w)
	}
	floats.Scale(1/floats.Sum(e.w), e.w)
	return nil
}

type exp3State struct {
	Kind    string    `json:"kind"`
	Gamma   float64   `json:"gamma"`
	Alpha   float64   `json:"alpha,omitempty"`
	Weights []float64 `json:"weights"`
}

// MarshalJSON saves the configuration and the normalised weights.
func (e *EXP3) MarshalJSON() ([]byte, error) {
	kind := "exp3"
	if e.shift {
		kind = "exp3s"
	}
	return json.Marshal(exp3State{kind, e.gamma, e.alpha, e.w})
}

// UnmarshalJSON restores a state written by MarshalJSON (of EXP3 or
// EXP3.S; the kind is part of the state).
func (e *EXP3) UnmarshalJSON(b []byte) error {
	var st exp3State
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("curriculum: EXP3 state: %w", err)
	}
	if st.Kind != "exp3" && st.Kind != "exp3s" {
		return fmt.Errorf("curriculum: EXP3 state has kind %q, want \"exp3\" or \"exp3s\"", st.Kind)
	}
	n, err := newEXP3(len(st.Weights), EXP3Config{Gamma: st.Gamma, Alpha: st.Alpha}, st.Kind == "exp3s")
	if err != nil {
		return err
	}
	if err := checkFinite("EXP3 state weights", st.Weights); err != nil {
		return err
	}
	s := 0.0
	for i, x := range st.Weights {
		if x < 0 {
			return fmt.Errorf("curriculum: EXP3 state weights[%d] = %v is negative", i, x)
		}
		s += x
	}
	if s <= 0 {
		return fmt.Errorf("curriculum: EXP3 state weights sum to %v", s)
	}
	copy(n.w, st.Weights)
	*e = *n
	return nil
}
