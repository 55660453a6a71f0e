package policy

import (
	"fmt"

	"github.com/evolve-go/evolve/internal/vec"
)

// Surrogate is the per-token policy-gradient term ℓ of a PG loss, a
// function of the importance ratio r = exp(lp − old), the advantage A and
// the log-prob lp. The package's surrogates are PPOClip (also GSPO's
// sequence-level ratio), CISPO and Reinforce; nil in PG.Surrogate means
// PPOClip{}. A user's surrogate is any type with these two methods: PG
// runs it token by token (or, with a sequence-level ratio, sequence by
// sequence), while its own surrogates also have fused loops.
type Surrogate interface {
	// Term returns the loss ℓ of one token at ratio r, advantage a and
	// log-prob lp, and its derivative with respect to lp in two parts:
	// dr = r·∂ℓ/∂r, the part that flows through the ratio (PG zeroes it
	// where lp − old was clamped, and at the sequence level spreads it
	// over the sequence's tokens through ∂log s/∂lp_t = M_t/L_i), and dlp,
	// the part that flows through lp directly (0 for PPOClip; the whole
	// derivative for CISPO and Reinforce, whose ratio is a constant
	// weight). clip is −1 when a lower clip holds, +1 an upper one, and 0
	// for none; PG reports the shares in Stats.
	Term(r, a, lp float64) (l, dr, dlp float64, clip int)
	// Check reports the first invalid field of the surrogate.
	Check() error
}

// RatioLevel selects the importance ratio of PPOClip.
type RatioLevel int

const (
	// TokenLevel uses each token's own ratio r_t = exp(lp_t − old_t).
	TokenLevel RatioLevel = iota
	// SequenceLevel uses GSPO's length-normalised sequence ratio
	// s_i = exp((1/L_i) Σ_t M ρ_t) for every token of sequence i.
	SequenceLevel
)

// maxLogRatio bounds ρ = lp − old (and GSPO's log s) before
// exponentiation, as verl does (clamp to ±20): it keeps the ratio finite
// for wildly off-policy tokens; the gradient through a clamped ρ is 0.
const maxLogRatio = 20

// PPOClip is the clipped surrogate of PPO/GRPO:
//
//	ℓ = −min(r·A, clip(r, 1−EpsLow, 1+EpsHigh)·A)
//
// and, with DualClip c > 0, for A < 0: ℓ = min(ℓ, −c·A). With Level
// SequenceLevel (GSPO), r is replaced for every token of sequence i by
//
//	s_i = exp((1/L_i) Σ_t M_t (lp_t − old_t))
//
// whose gradient reaches every counted token of the sequence:
// ∂s_i/∂lp_t = s_i·M_t/L_i. ρ (or log s_i) is clamped to ±20 before
// exponentiation (verl); the gradient through a clamped value is 0.
// A clipped token (or, at sequence level, a clipped sequence) has zero
// gradient.
//
// References: Schulman et al., Proximal Policy Optimization Algorithms
// (2017); Ye et al., Mastering Complex Control in MOBA Games with Deep RL
// (dual clip, 2020) and verl clip_ratio_c; Yu et al., DAPO (clip-higher,
// 2025); Zheng et al., Group Sequence Policy Optimization (2025).
type PPOClip struct {
	// EpsLow is ε_low, the ratio's lower clip is 1−EpsLow. Zero means the
	// default 0.2 (PPO, GRPO); must be below 1; GSPO uses 3e-4.
	EpsLow float64
	// EpsHigh is ε_high, the upper clip is 1+EpsHigh. Zero means the
	// default 0.2; DAPO's clip-higher uses 0.28, GSPO 4e-4.
	EpsHigh float64
	// DualClip is c of dual-clip PPO: for A < 0 the loss is capped at
	// −c·A. Zero means off (verl's default is 3); otherwise it must be
	// greater than 1.
	DualClip float64
	// Level selects the token ratio (default) or GSPO's sequence ratio.
	Level RatioLevel
}

// CISPO clips the importance-sampling weight instead of the update and
// stops its gradient, so every token keeps a gradient:
//
//	ℓ = −sg(min(r, Max))·A·lp,   ∂ℓ/∂lp = −min(r, Max)·A
//
// (the reported loss therefore depends on lp's value, as in TRL).
//
// References: MiniMax-M1 (MiniMax, 2025); TRL loss_type "cispo".
type CISPO struct {
	// Max is ε_max, the cap on the weight r. Zero means the default 5,
	// TRL's recommended epsilon_high for loss_type "cispo" (ScaleRL).
	// Must be positive and finite.
	Max float64
}

// Reinforce is the plain policy gradient, ignoring the ratio:
//
//	ℓ = −A·lp,   ∂ℓ/∂lp = −A
//
// It is unbiased only on-policy (old = lp).
//
// References: Williams, Simple Statistical Gradient-Following Algorithms
// for Connectionist Reinforcement Learning (1992).
type Reinforce struct{}

// Check implements Surrogate.
func (s PPOClip) Check() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"EpsLow", s.EpsLow}, {"EpsHigh", s.EpsHigh}, {"DualClip", s.DualClip}} {
		if err := checkNonNeg("PPOClip", f.name, f.v); err != nil {
			return err
		}
	}
	if s.EpsLow >= 1 {
		return fmt.Errorf("policy: PPOClip.EpsLow = %v, want a value below 1", s.EpsLow)
	}
	if s.DualClip != 0 && s.DualClip <= 1 {
		return fmt.Errorf("policy: PPOClip.DualClip = %v, want 0 (off) or a value above 1", s.DualClip)
	}
	if s.Level != TokenLevel && s.Level != SequenceLevel {
		return fmt.Errorf("policy: PPOClip.Level = %d is not a RatioLevel", int(s.Level))
	}
	return nil
}

// Bounds returns the clip interval [lo, hi] = [1 − EpsLow, 1 + EpsHigh] of
// the ratio, each ε 0 taken as its default 0.2. It does not validate s
// (see Check).
func (s PPOClip) Bounds() (lo, hi float64) {
	el, eh := s.EpsLow, s.EpsHigh
	if el == 0 {
		el = 0.2
	}
	if eh == 0 {
		eh = 0.2
	}
	return 1 - el, 1 + eh
}

// Check implements Surrogate.
func (s CISPO) Check() error {
	if err := checkNonNeg("CISPO", "Max", s.Max); err != nil {
		return err
	}
	return nil
}

func (s CISPO) max() float64 {
	if s.Max == 0 {
		return 5
	}
	return s.Max
}

// Check implements Surrogate.
func (Reinforce) Check() error { return nil }

// Term implements Surrogate: ℓ = −min(r·A, clip(r, 1−EpsLow, 1+EpsHigh)·A)
// with the dual clip, all of whose derivative flows through r.
func (s PPOClip) Term(r, a, _ float64) (l, dr, dlp float64, clip int) {
	lo, hi := s.Bounds()
	l, dr, clip = vec.ClipTerm(r, a, lo, hi, s.DualClip, 1)
	return l, dr, 0, clip
}

// Term implements Surrogate: ℓ = −min(r, Max)·A·lp with the weight's
// gradient stopped.
func (s CISPO) Term(r, a, lp float64) (l, dr, dlp float64, clip int) {
	c := r
	if r > s.max() {
		c, clip = s.max(), 1
	}
	return -c * a * lp, 0, -c * a, clip
}

// Term implements Surrogate: ℓ = −A·lp.
func (Reinforce) Term(_, a, lp float64) (l, dr, dlp float64, clip int) {
	return -a * lp, 0, -a, 0
}

// clampRho bounds a log-ratio to ±maxLogRatio and returns 0 as the second
// value when it did (the gradient does not flow through the clamp), 1
// otherwise.
func clampRho(rho float64) (float64, float64) {
	if rho > maxLogRatio {
		return maxLogRatio, 0
	}
	if rho < -maxLogRatio {
		return -maxLogRatio, 0
	}
	return rho, 1
}
