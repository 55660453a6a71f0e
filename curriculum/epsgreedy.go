package curriculum

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
)

// EpsilonGreedyConfig configures EpsilonGreedy.
type EpsilonGreedyConfig struct {
	// Epsilon is the exploration probability ε ∈ (0, 1]. Zero means 0.1
	// (Sutton & Barto's usual setting); ε = 0 itself is set with Greedy.
	Epsilon float64
	// Greedy sets ε = 0: always play an arm of largest value estimate
	// (the greedy method of Sutton & Barto §2.2, useful with optimistic
	// values or as a baseline). Off by default; setting it together with
	// a non-zero Epsilon is an error.
	Greedy bool
	// StepSize is the value update's step size in (0, 1]: Q ← Q +
	// StepSize·(r − Q), for non-stationary rewards. Zero means the sample
	// average, StepSize = 1/n.
	StepSize float64
}

// EpsilonGreedy plays a uniformly random arm with probability ε and
// otherwise an arm of largest value estimate Q (ties at random):
//
//	P(i) = ε/K + (1−ε)·1{i ∈ argmax Q}/|argmax Q|.
//
// Values start at 0.
//
// References: Sutton, Barto, "Reinforcement Learning: An Introduction"
// (2nd ed., 2018), §2.2–2.5.
type EpsilonGreedy struct {
	eps, step float64
	q, n      []float64
}

// NewEpsilonGreedy returns an ε-greedy bandit over k arms.
func NewEpsilonGreedy(k int, cfg EpsilonGreedyConfig) (*EpsilonGreedy, error) {
	if err := checkK("NewEpsilonGreedy", k); err != nil {
		return nil, err
	}
	e := &EpsilonGreedy{q: make([]float64, k), n: make([]float64, k)}
	if err := e.configure(cfg); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *EpsilonGreedy) configure(cfg EpsilonGreedyConfig) error {
	var err error
	if e.eps, err = param("EpsilonGreedyConfig.Epsilon", cfg.Epsilon, 0.1, 1); err != nil {
		return err
	}
	if cfg.Greedy {
		if cfg.Epsilon != 0 {
			return fmt.Errorf("curriculum: EpsilonGreedyConfig.Greedy is set with Epsilon = %v, want Epsilon = 0", cfg.Epsilon)
		}
		e.eps = 0
	}
	e.step, err = param("EpsilonGreedyConfig.StepSize", cfg.StepSize, 0, 1)
	return err
}

// Arms returns the number of arms.
func (e *EpsilonGreedy) Arms() int { return len(e.q) }

// Probabilities writes ε/K + (1−ε)·1{i ∈ argmax Q}/|argmax Q|.
func (e *EpsilonGreedy) Probabilities(dst []float64) []float64 {
	dst = grow(dst, len(e.q))
	if len(e.q) == 0 {
		return dst
	}
	best, n := floats.Max(e.q), 0
	for _, x := range e.q {
		if x == best {
			n++
		}
	}
	K := float64(len(e.q))
	for i, x := range e.q {
		dst[i] = e.eps / K
		if x == best {
			dst[i] += (1 - e.eps) / float64(n)
		}
	}
	return dst
}

// Select explores with probability ε, else exploits.
func (e *EpsilonGreedy) Select(rng *rand.Rand) (int, error) {
	if err := checkSelect("EpsilonGreedy", len(e.q), rng); err != nil {
		return 0, err
	}
	if rng.Float64() < e.eps {
		return rng.IntN(len(e.q)), nil
	}
	return argmaxRand(e.q, rng), nil
}

// Update moves arm's value toward r.
func (e *EpsilonGreedy) Update(arm int, r float64) error {
	if err := checkUpdate("EpsilonGreedy", len(e.q), arm, r); err != nil {
		return err
	}
	e.n[arm]++
	step := e.step
	if step == 0 {
		step = 1 / e.n[arm]
	}
	e.q[arm] += step * (r - e.q[arm])
	return nil
}

type epsState struct {
	Kind string `json:"kind"`
	// Epsilon is the ε in use: 0 for Greedy.
	Epsilon  float64   `json:"epsilon"`
	StepSize float64   `json:"step_size,omitempty"`
	Q        []float64 `json:"q"`
	N        []float64 `json:"n"`
}

// MarshalJSON saves the configuration and the value estimates.
func (e *EpsilonGreedy) MarshalJSON() ([]byte, error) {
	return json.Marshal(epsState{"epsilon-greedy", e.eps, e.step, e.q, e.n})
}

// UnmarshalJSON restores a state written by MarshalJSON.
func (e *EpsilonGreedy) UnmarshalJSON(b []byte) error {
	var st epsState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("curriculum: EpsilonGreedy state: %w", err)
	}
	if err := checkKind("EpsilonGreedy", st.Kind, "epsilon-greedy"); err != nil {
		return err
	}
	n, err := NewEpsilonGreedy(len(st.Q), EpsilonGreedyConfig{Epsilon: st.Epsilon, StepSize: st.StepSize, Greedy: st.Epsilon == 0})
	if err != nil {
		return err
	}
	if len(st.N) != len(st.Q) {
		return fmt.Errorf("curriculum: EpsilonGreedy state: len(n) = %d, len(q) = %d", len(st.N), len(st.Q))
	}
	if err := checkFinite("EpsilonGreedy state q", st.Q); err != nil {
		return err
	}
	if err := checkFinite("EpsilonGreedy state n", st.N); err != nil {
		return err
	}
	copy(n.q, st.Q)
	copy(n.n, st.N)
	*e = *n
	return nil
}
