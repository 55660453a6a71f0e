package curriculum

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
)

// BetaThompsonConfig configures BetaThompson.
type BetaThompsonConfig struct {
	// PriorAlpha and PriorBeta are the Beta(a, b) prior of every arm's
	// success rate, > 0. Zero means 1 (the uniform prior).
	PriorAlpha, PriorBeta float64
}

// BetaThompson is Thompson sampling with a Beta–Bernoulli model: arm i's
// posterior is Beta(a + S_i, b + F_i) with S_i the summed rewards and F_i
// the summed (1 − reward). Select draws θ_i from every posterior and plays
// argmax θ_i. Rewards must lie in [0, 1]; a fractional reward counts as a
// fractional success (the posterior stays a Beta).
//
// References: Thompson (1933); Agrawal, Goyal, "Analysis of Thompson
// Sampling for the Multi-armed Bandit Problem", COLT 2012.
type BetaThompson struct {
	a0, b0 float64
	s, f   []float64
	theta  []float64
}

// NewBetaThompson returns a Beta–Bernoulli Thompson sampler over k arms.
func NewBetaThompson(k int, cfg BetaThompsonConfig) (*BetaThompson, error) {
	if err := checkK("NewBetaThompson", k); err != nil {
		return nil, err
	}
	t := &BetaThompson{s: make([]float64, k), f: make([]float64, k), theta: make([]float64, k)}
	var err error
	if t.a0, err = param("BetaThompsonConfig.PriorAlpha", cfg.PriorAlpha, 1, 0); err != nil {
		return nil, err
	}
	if t.b0, err = param("BetaThompsonConfig.PriorBeta", cfg.PriorBeta, 1, 0); err != nil {
		return nil, err
	}
	return t, nil
}

// Arms returns the number of arms.
func (t *BetaThompson) Arms() int { return len(t.s) }

// Select draws θ_i ~ Beta(a+S_i, b+F_i) for every arm and returns argmax θ.
func (t *BetaThompson) Select(rng *rand.Rand) (int, error) {
	if err := checkSelect("BetaThompson", len(t.s), rng); err != nil {
		return 0, err
	}
	for i := range t.theta {
		t.theta[i] = betaRand(rng, t.a0+t.s[i], t.b0+t.f[i])
	}
	return argmaxRand(t.theta, rng), nil
}

// Update records reward r ∈ [0, 1] for arm.
func (t *BetaThompson) Update(arm int, r float64) error {
	if err := t.checkReward(arm, r); err != nil {
		return err
	}
	t.s[arm] += r
	t.f[arm] += 1 - r
	return nil
}

func (t *BetaThompson) checkReward(arm int, r float64) error {
	return checkUnitUpdate("BetaThompson", len(t.s), arm, r)
}

type betaState struct {
	Kind       string    `json:"kind"`
	PriorAlpha float64   `json:"prior_alpha"`
	PriorBeta  float64   `json:"prior_beta"`
	Successes  []float64 `json:"successes"`
	Failures   []float64 `json:"failures"`
}

// MarshalJSON saves the prior and the posterior counts.
func (t *BetaThompson) MarshalJSON() ([]byte, error) {
	return json.Marshal(betaState{"beta-thompson", t.a0, t.b0, t.s, t.f})
}

// UnmarshalJSON restores a state written by MarshalJSON.
func (t *BetaThompson) UnmarshalJSON(b []byte) error {
	var st betaState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("curriculum: BetaThompson state: %w", err)
	}
	if err := checkKind("BetaThompson", st.Kind, "beta-thompson"); err != nil {
		return err
	}
	n, err := NewBetaThompson(len(st.Successes), BetaThompsonConfig{st.PriorAlpha, st.PriorBeta})
	if err != nil {
		return err
	}
	if len(st.Failures) != len(st.Successes) {
		return fmt.Errorf("curriculum: BetaThompson state: len(failures) = %d, len(successes) = %d", len(st.Failures), len(st.Successes))
	}
	for _, v := range []struct {
		name string
		x    []float64
	}{{"successes", st.Successes}, {"failures", st.Failures}} {
		for i, x := range v.x {
			if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
				return fmt.Errorf("curriculum: BetaThompson state %s[%d] = %v, want finite ≥ 0", v.name, i, x)
			}
		}
	}
	copy(n.s, st.Successes)
	copy(n.f, st.Failures)
	*t = *n
	return nil
}

// GaussianThompsonConfig configures GaussianThompson.
type GaussianThompsonConfig struct {
	// PriorMean is the prior mean μ0 of every arm's mean reward (default 0).
	PriorMean float64
	// PriorStd is the prior standard deviation σ0 > 0; zero means 1.
	PriorStd float64
	// NoiseStd is the known reward noise σ > 0; zero means 1.
	NoiseStd float64
}

// GaussianThompson is Thompson sampling with a Gaussian model of known
// noise σ and a N(μ0, σ0²) prior on each arm's mean. After n_i rewards
// summing to S_i the posterior is N(μ_i, v_i) with
//
//	v_i = 1/(1/σ0² + n_i/σ²),   μ_i = v_i·(μ0/σ0² + S_i/σ²),
//
// and Select plays argmax of one draw from each posterior.
//
// References: Agrawal, Goyal, "Further Optimal Regret Bounds for Thompson
// Sampling", AISTATS 2013.
type GaussianThompson struct {
	mu0, s0, sigma float64
	n, sum         []float64
	theta          []float64
}

// NewGaussianThompson returns a Gaussian Thompson sampler over k arms.
func NewGaussianThompson(k int, cfg GaussianThompsonConfig) (*GaussianThompson, error) {
	if err := checkK("NewGaussianThompson", k); err != nil {
		return nil, err
	}
	if math.IsNaN(cfg.PriorMean) || math.IsInf(cfg.PriorMean, 0) {
		return nil, fmt.Errorf("curriculum: GaussianThompsonConfig.PriorMean = %v is not finite", cfg.PriorMean)
	}
	g := &GaussianThompson{mu0: cfg.PriorMean, n: make([]float64, k), sum: make([]float64, k), theta: make([]float64, k)}
	var err error
	if g.s0, err = param("GaussianThompsonConfig.PriorStd", cfg.PriorStd, 1, 0); err != nil {
		return nil, err
	}
	if g.sigma, err = param("GaussianThompsonConfig.NoiseStd", cfg.NoiseStd, 1, 0); err != nil {
		return nil, err
	}
	return g, nil
}

// Arms returns the number of arms.
func (g *GaussianThompson) Arms() int { return len(g.n) }

// Posterior returns arm's posterior mean and standard deviation.
func (g *GaussianThompson) Posterior(arm int) (mean, std float64, err error) {
	if arm < 0 || arm >= len(g.n) {
		return 0, 0, fmt.Errorf("curriculum: GaussianThompson.Posterior: arm %d out of range [0, %d)", arm, len(g.n))
	}
	m, v := g.post(arm)
	return m, math.Sqrt(v), nil
}

func (g *GaussianThompson) post(i int) (mean, variance float64) {
	p0, pn := 1/(g.s0*g.s0), 1/(g.sigma*g.sigma)
	v := 1 / (p0 + g.n[i]*pn)
	return v * (g.mu0*p0 + g.sum[i]*pn), v
}

// Select draws one sample from each arm's posterior and returns the argmax.
func (g *GaussianThompson) Select(rng *rand.Rand) (int, error) {
	if err := checkSelect("GaussianThompson", len(g.n), rng); err != nil {
		return 0, err
	}
	for i := range g.theta {
		m, v := g.post(i)
		g.theta[i] = m + math.Sqrt(v)*rng.NormFloat64()
	}
	return argmaxRand(g.theta, rng), nil
}

// Update records reward r for arm.
func (g *GaussianThompson) Update(arm int, r float64) error {
	if err := checkUpdate("GaussianThompson", len(g.n), arm, r); err != nil {
		return err
	}
	g.n[arm]++
	g.sum[arm] += r
	return nil
}

type gaussState struct {
	Kind      string    `json:"kind"`
	PriorMean float64   `json:"prior_mean"`
	PriorStd  float64   `json:"prior_std"`
	NoiseStd  float64   `json:"noise_std"`
	N         []float64 `json:"n"`
	Sum       []float64 `json:"sum"`
}

// MarshalJSON saves the model and the sufficient statistics.
func (g *GaussianThompson) MarshalJSON() ([]byte, error) {
	return json.Marshal(gaussState{"gaussian-thompson", g.mu0, g.s0, g.sigma, g.n, g.sum})
}

// UnmarshalJSON restores a state written by MarshalJSON.
func (g *GaussianThompson) UnmarshalJSON(b []byte) error {
	var st gaussState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("curriculum: GaussianThompson state: %w", err)
	}
	if err := checkKind("GaussianThompson", st.Kind, "gaussian-thompson"); err != nil {
		return err
	}
	n, err := NewGaussianThompson(len(st.N), GaussianThompsonConfig{st.PriorMean, st.PriorStd, st.NoiseStd})
	if err != nil {
		return err
	}
	if len(st.Sum) != len(st.N) {
		return fmt.Errorf("curriculum: GaussianThompson state: len(sum) = %d, len(n) = %d", len(st.Sum), len(st.N))
	}
	if err := checkFinite("GaussianThompson state n", st.N); err != nil {
		return err
	}
	if err := checkFinite("GaussianThompson state sum", st.Sum); err != nil {
		return err
	}
	copy(n.n, st.N)
	copy(n.sum, st.Sum)
	*g = *n
	return nil
}

// betaRand draws from Beta(a, b) with rng as the source: gonum's sampler,
// X/(X+Y) for X ~ Gamma(a), Y ~ Gamma(b) (Marsaglia–Tsang, and Liu–Martin–
// Syring for shapes below 0.2).
func betaRand(rng *rand.Rand, a, b float64) float64 {
	x := distuv.Beta{Alpha: a, Beta: b, Src: rng}.Rand()
	if math.IsNaN(x) {
		// Both gamma draws underflowed to 0 (tiny shapes): fall back to
		// the mean.
		return a / (a + b)
	}
	return x
}
