package vec

// The per-token terms of the PPO-clip policy gradient and its k3 KL
// penalty: the one Go definition that package policy's loops and
// TokenClip's portable body call (the assembly body computes the same
// arithmetic). Each takes the exponential it needs from the caller, which
// computes it inline or a chunk at a time with ExpDiff, so that the terms
// stay small enough to be inlined.

// K3Max caps the k3 estimate, as verl's low_var_kl does (it clamps the
// estimate to [−10, 10]; k3 ≥ 0).
const K3Max = 10

// ClipTerm returns PPO's clipped surrogate for the ratio r and advantage
// a,
//
//	ℓ = −min(r·a, clip(r, lo, hi)·a),
//
// capped at −dual·a for a < 0 when dual > 0 (dual-clip PPO), its
// derivative with respect to log r times live (r·∂ℓ/∂r·live: −r·a·live
// where the ratio is live, 0 where a clip or the cap holds; live is 0
// where the caller clamped log r, 1 elsewhere), and the clip that holds:
// −1 for the lower one (a < 0, r < lo), +1 for the upper one (a > 0,
// r > hi), 0 for none (the dual cap does not count as a clip).
func ClipTerm(r, a, lo, hi, dual, live float64) (l, g float64, side int) {
	if a >= 0 {
		if r > hi {
			if a > 0 {
				side = 1
			}
			return -a * hi, 0, side
		}
		l = -a * r
		return l, l * live, 0
	}
	if r < lo {
		return -a * lo, 0, -1
	}
	l = -a * r
	if dual > 0 && l > -dual*a {
		return -dual * a, 0, 0
	}
	return l, l * live, 0
}

// K3 returns Schulman's k3 estimate of KL(π‖π_ref) at x = ref − lp,
// k = e^x − x − 1, and its derivative with respect to lp, 1 − e^x, given
// ex = e^x, for x in [−lim, lim]. As verl does, k is capped at K3Max, and
// the gradient through the cap is 0; K3Clamped is the term outside the
// range.
func K3(x, ex float64) (k, g float64) {
	k = ex - x - 1
	if k > K3Max {
		return K3Max, 0
	}
	return k, 1 - ex
}

// K3Clamped is K3 for x outside [−lim, lim], which verl clamps into the
// range: k is K3 at the clamped x (ex = e^{clamped x}) and the gradient
// through the clamp is 0.
func K3Clamped(x, ex, lim float64) (k, g float64) {
	k, _ = K3(max(-lim, min(lim, x)), ex)
	return k, 0
}
