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
	// Alpha is EXP3.S's share rate α > 0 (ignored by EXP3). Zero means
	// 1/T with Horizon set (Auer et al.'s tuning), else 0.01; EXP3.S with
	// α = 0 is EXP3: use NewEXP3 for it.
	Alpha float64
	// Horizon is the number of rounds T used to tune the zero values of
	// Gamma and Alpha; zero means unknown.
	Horizon int
}

// EXP3 is the exponential-weight algorithm for adversarial bandits. With
// weights w it draws from
//
//	p_i = (1−γ)·w_i/Σ_l w_l + γ/K,
//
// and after reward x ∈ [0, 1] for arm j sets x̂_j = x/p_j and
// w_j ← w_j·exp(γ·x̂_j/K). EXP3.S (NewEXP3S) adds a share of the total
// weight to every arm, w_i ← w_i·exp(γ·x̂_i/K) + (e·α/K)·Σ_l w_l, so that
// it tracks a best arm that changes.
//
// The weights are kept as logarithms, shifted so that the largest is 0,
// and exponentiated only relative to the largest when the probabilities
// are formed: an arm that trails the leader by more than float64's range
// (about 745 units of exponent) has probability γ/K but keeps its exact
// log-weight, so it recovers when its rewards overtake.
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
	shift        bool      // EXP3.S
	lw           []float64 // log-weights, max 0
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
	e := &EXP3{shift: shift, lw: make([]float64, k), p: make([]float64, k)}
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
	return e, nil
}

// Arms returns the number of arms.
func (e *EXP3) Arms() int { return len(e.lw) }

// Gamma returns the exploration rate in use.
func (e *EXP3) Gamma() float64 { return e.gamma }

// Probabilities writes p_i = (1−γ)·w_i/Σw + γ/K, computing w_i/Σw as
// exp(log w_i − max)/Σ_l exp(log w_l − max).
func (e *EXP3) Probabilities(dst []float64) []float64 {
	dst = grow(dst, len(e.lw))
	if len(e.lw) == 0 {
		return dst
	}
	softmax(dst, e.lw, 1)
	K := float64(len(e.lw))
	for i, x := range dst {
		dst[i] = (1-e.gamma)*x + e.gamma/K
	}
	return dst
}

// Select draws an arm from p.
func (e *EXP3) Select(rng *rand.Rand) (int, error) {
	if err := checkSelect("EXP3", len(e.lw), rng); err != nil {
		return 0, err
	}
	return sample(e.Probabilities(e.p), rng), nil
}

// Update records reward r ∈ [0, 1] for arm; a reward outside [0, 1] is an
// error (rescale it first).
func (e *EXP3) Update(arm int, r float64) error {
	if err := e.checkReward(arm, r); err != nil {
		return err
	}
	p := e.Probabilities(e.p)
	K := float64(len(e.lw))
	g := e.gamma * r / p[arm] / K
	if e.shift {
		// log(w_i·exp(g_i) + (e·α/K)·Σ_l w_l), with Σw taken before the
		// update, for every arm; g_i = 0 for the arms not played.
		share := math.Log(math.E*e.alpha/K) + logSumExp(e.lw)
		for i, x := range e.lw {
			if i == arm {
				x += g
			}
			e.lw[i] = logAddExp(x, share)
		}
	} else {
		e.lw[arm] += g
	}
	floats.AddConst(-floats.Max(e.lw), e.lw)
	return nil
}

func (e *EXP3) checkReward(arm int, r float64) error {
	return checkUnitUpdate("EXP3", len(e.lw), arm, r)
}

// logSumExp returns log Σ exp(x_i), stably.
func logSumExp(x []float64) float64 {
	m := floats.Max(x)
	s := 0.0
	for _, v := range x {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}

// logAddExp returns log(exp(a) + exp(b)), stably.
func logAddExp(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	if math.IsInf(b, -1) {
		return a
	}
	return a + math.Log1p(math.Exp(b-a))
}

type exp3State struct {
	Kind  string  `json:"kind"`
	Gamma float64 `json:"gamma"`
	Alpha float64 `json:"alpha,omitempty"`
	// LogWeights are the log-weights, shifted so that the largest is 0.
	LogWeights []float64 `json:"log_weights"`
}

// MarshalJSON saves the configuration and the log-weights.
func (e *EXP3) MarshalJSON() ([]byte, error) {
	kind := "exp3"
	if e.shift {
		kind = "exp3s"
	}
	return json.Marshal(exp3State{kind, e.gamma, e.alpha, e.lw})
}

// UnmarshalJSON restores a state written by MarshalJSON (of EXP3 or
// EXP3.S; the kind is part of the state). The log-weights must be finite;
// they are shifted so that the largest is 0, which leaves a saved state
// unchanged.
func (e *EXP3) UnmarshalJSON(b []byte) error {
	var st exp3State
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("curriculum: EXP3 state: %w", err)
	}
	if st.Kind != "exp3" && st.Kind != "exp3s" {
		return fmt.Errorf("curriculum: EXP3 state has kind %q, want \"exp3\" or \"exp3s\"", st.Kind)
	}
	if err := checkK("EXP3 state log_weights", len(st.LogWeights)); err != nil {
		return err
	}
	if st.Gamma == 0 || (st.Kind == "exp3s" && st.Alpha == 0) {
		return fmt.Errorf("curriculum: EXP3 state: gamma = %v, alpha = %v, want the values in use (> 0)", st.Gamma, st.Alpha)
	}
	if st.Kind == "exp3" && st.Alpha != 0 {
		return fmt.Errorf("curriculum: EXP3 state: alpha = %v for plain EXP3", st.Alpha)
	}
	n, err := newEXP3(len(st.LogWeights), EXP3Config{Gamma: st.Gamma, Alpha: st.Alpha}, st.Kind == "exp3s")
	if err != nil {
		return err
	}
	if err := checkFinite("EXP3 state log_weights", st.LogWeights); err != nil {
		return err
	}
	copy(n.lw, st.LogWeights)
	floats.AddConst(-floats.Max(n.lw), n.lw)
	*e = *n
	return nil
}
