package policy

import "fmt"

// Surrogate is the per-token policy-gradient term ℓ_t of a PG loss, a
// function of the ratio r = exp(lp − old) and the advantage A. The
// implementations are PPOClip (also GSPO's sequence-level ratio), CISPO and
// Reinforce; nil in PG.Surrogate means PPOClip{}. The set is closed (the
// method is unexported) so that PG can run a loop specialised for each.
type Surrogate interface {
	check() error
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

func (s PPOClip) check() error {
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

func (s PPOClip) bounds() (lo, hi float64) {
	el, eh := s.EpsLow, s.EpsHigh
	if el == 0 {
		el = 0.2
	}
	if eh == 0 {
		eh = 0.2
	}
	return 1 - el, 1 + eh
}

func (s CISPO) check() error {
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

func (Reinforce) check() error { return nil }

// clipTerm returns the PPO-clip loss ℓ(r, A) and its derivative with
// respect to log r (r·∂ℓ/∂r), and whether the low or high clip is active.
func clipTerm(r, a, lo, hi, dual float64) (l, g float64, low, high bool) {
	if a >= 0 {
		if r > hi {
			return -a * hi, 0, false, a > 0
		}
		return -a * r, -a * r, false, false
	}
	if r < lo {
		return -a * lo, 0, true, false
	}
	l = -a * r
	if dual > 0 && l > -dual*a {
		return -dual * a, 0, false, false
	}
	return l, l, false, false
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
