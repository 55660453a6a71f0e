package curriculum

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
)

// SECConfig configures SEC. The zero value is the SEC paper's setting.
type SECConfig struct {
	// Alpha is the TD(0) step size α in Q ← (1−α)Q + αr, in (0, 1].
	// Zero means 0.5, the value of the SEC paper's runs (the official
	// code's config file says 0.1).
	Alpha float64
	// Temperature is τ in P(c) ∝ exp(Q_c/τ), > 0. Zero means 1 (SEC
	// paper); the greedy limit τ → 0 is not offered (a small τ comes
	// close).
	//
	// The mean-|advantage| signal (AbsAdvantage) lies in [0, 1], so the Q
	// values differ by less than 1 and τ = 1 changes the odds between two
	// arms by less than e ≈ 2.7: a mild preference. τ ≈ 0.1–0.3 selects
	// much more sharply. In the package's skill simulation (Simulate with
	// SimConfig{}, α = 0.5, seeds 1–20; examples/sec-simulation) the mean
	// steps to the goal are: uniform sampling 2735, τ = 1 2346 (0.86 of
	// uniform), τ = 0.3 1914 (0.70), τ = 0.1 1690 (0.62).
	Temperature float64
	// DecayUnselected, when set, also updates every arm not drawn in a
	// step with r = 0, i.e. Q ← (1−α)Q, as the official SEC code does: an
	// arm left alone drifts back toward 0. Off by default (the paper's
	// update touches drawn arms only).
	DecayUnselected bool
}

// SEC is the Self-Evolving Curriculum bandit: a Boltzmann policy over
// per-arm values updated by TD(0),
//
//	P(c) = exp(Q_c/τ) / Σ_j exp(Q_j/τ),    Q_c ← (1−α)Q_c + α·r_c,
//
// where r_c is the learning-progress signal of arm c (SEC uses the mean
// absolute advantage of the samples drawn from c; see AbsAdvantage). All Q
// start at 0, so the first draws are uniform. With binary rewards and
// population std, E|A| = 2·sqrt(p(1−p)) peaks at p = 0.5: SEC steers
// toward the categories the policy solves about half the time.
//
// References: Chen et al., "Self-Evolving Curriculum for LLM Reasoning"
// (2025); docs/ALGORITHMS.md §6.
type SEC struct {
	alpha, tau float64
	decay      bool
	q          []float64
	p          []float64 // scratch
	seen       []bool    // scratch for UpdateBatch
	sum        []float64 // scratch for UpdateBatch
	cnt        []int     // scratch for UpdateBatch
}

// NewSEC returns an SEC bandit over k arms.
func NewSEC(k int, cfg SECConfig) (*SEC, error) {
	if err := checkK("NewSEC", k); err != nil {
		return nil, err
	}
	s := &SEC{}
	if err := s.configure(cfg); err != nil {
		return nil, err
	}
	s.q = make([]float64, k)
	s.scratch()
	return s, nil
}

func (s *SEC) configure(cfg SECConfig) error {
	var err error
	if s.alpha, err = param("SECConfig.Alpha", cfg.Alpha, 0.5, 1); err != nil {
		return err
	}
	if s.tau, err = param("SECConfig.Temperature", cfg.Temperature, 1, 0); err != nil {
		return err
	}
	s.decay = cfg.DecayUnselected
	return nil
}

func (s *SEC) scratch() {
	k := len(s.q)
	s.p, s.seen, s.sum, s.cnt = make([]float64, k), make([]bool, k), make([]float64, k), make([]int, k)
}

// Arms returns the number of arms.
func (s *SEC) Arms() int { return len(s.q) }

// Values returns a copy of the current Q values.
func (s *SEC) Values() []float64 { return append([]float64(nil), s.q...) }

// Probabilities writes the Boltzmann probabilities exp(Q_i/τ)/Σexp(Q_j/τ).
func (s *SEC) Probabilities(dst []float64) []float64 {
	dst = grow(dst, len(s.q))
	softmax(dst, s.q, s.tau)
	return dst
}

// Select draws an arm from the Boltzmann policy.
func (s *SEC) Select(rng *rand.Rand) (int, error) {
	if err := checkSelect("SEC", len(s.q), rng); err != nil {
		return 0, err
	}
	softmax(s.p, s.q, s.tau)
	return sample(s.p, rng), nil
}

// Update applies Q_arm ← (1−α)Q_arm + α·r. It is a batch of one: with
// DecayUnselected set, every other arm decays as Q ← (1−α)Q.
func (s *SEC) Update(arm int, r float64) error {
	if err := checkUpdate("SEC", len(s.q), arm, r); err != nil {
		return err
	}
	for c := range s.q {
		switch {
		case c == arm:
			s.q[c] = (1-s.alpha)*s.q[c] + s.alpha*r
		case s.decay:
			s.q[c] *= 1 - s.alpha
		}
	}
	return nil
}

// UpdateBatch applies one training step's signals. Each arm drawn in the
// step is updated once with the mean of its rewards (SEC's per-category
// reward is the mean |advantage| over that category's samples in the
// batch): Q_c ← (1−α)Q_c + α·mean_c(r). With DecayUnselected, arms absent
// from the step get r = 0.
func (s *SEC) UpdateBatch(arms []int, rewards []float64) error {
	if err := checkPairs("SEC.UpdateBatch", len(s.q), arms, rewards); err != nil {
		return err
	}
	clear(s.sum)
	clear(s.cnt)
	for i, a := range arms {
		s.sum[a] += rewards[i]
		s.cnt[a]++
	}
	for c := range s.q {
		switch {
		case s.cnt[c] > 0:
			s.q[c] = (1-s.alpha)*s.q[c] + s.alpha*s.sum[c]/float64(s.cnt[c])
		case s.decay:
			s.q[c] *= 1 - s.alpha
		}
	}
	return nil
}

type secState struct {
	Kind            string    `json:"kind"`
	Alpha           float64   `json:"alpha"`
	Temperature     float64   `json:"temperature"`
	DecayUnselected bool      `json:"decay_unselected,omitempty"`
	Q               []float64 `json:"q"`
}

// MarshalJSON saves the configuration and Q values.
func (s *SEC) MarshalJSON() ([]byte, error) {
	return json.Marshal(secState{"sec", s.alpha, s.tau, s.decay, s.q})
}

// UnmarshalJSON restores a state written by MarshalJSON.
func (s *SEC) UnmarshalJSON(b []byte) error {
	var st secState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("curriculum: SEC state: %w", err)
	}
	if err := checkKind("SEC", st.Kind, "sec"); err != nil {
		return err
	}
	if err := checkK("SEC state", len(st.Q)); err != nil {
		return err
	}
	if err := checkFinite("SEC state q", st.Q); err != nil {
		return err
	}
	var n SEC
	if err := n.configure(SECConfig{st.Alpha, st.Temperature, st.DecayUnselected}); err != nil {
		return err
	}
	n.q = st.Q
	n.scratch()
	*s = n
	return nil
}

func checkKind(who, got, want string) error {
	if got != want {
		return fmt.Errorf("curriculum: %s state has kind %q, want %q", who, got, want)
	}
	return nil
}

func checkFinite(name string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("curriculum: %s[%d] = %v is not finite", name, i, x)
		}
	}
	return nil
}
