package policy

import (
	"fmt"
	"math"

	"github.com/evolve-go/evolve/internal/vec"
)

// KLEstimator selects how KL(πθ‖π_ref) is estimated per token from
// x = ref − lp.
type KLEstimator int

const (
	// K3 is Schulman's low-variance estimator e^x − x − 1 (TRL's only
	// choice, verl "low_var_kl"); its gradient w.r.t. lp is 1 − e^x. As
	// verl does, x is clamped to ±20 and k3 to at most 10; the gradient
	// through either clamp is 0.
	K3 KLEstimator = iota
	// K1 is the naive estimator −x = lp − ref (gradient 1).
	K1
	// K2 is x²/2 (gradient −x).
	K2
)

func (e KLEstimator) String() string {
	switch e {
	case K1:
		return "K1"
	case K2:
		return "K2"
	case K3:
		return "K3"
	}
	return fmt.Sprintf("KLEstimator(%d)", int(e))
}

// KL is the KL penalty added to every counted token's loss:
//
//	ℓ_t += Coef·k(ref_t − lp_t)
//
// with k one of k1 = −x, k2 = x²/2, k3 = e^x − x − 1.
//
// References: Schulman, Approximating KL Divergence (2020); Shao et al.,
// DeepSeekMath (GRPO, β = 0.04); verl kl_penalty.
type KL struct {
	// Estimator is the per-token estimator. Default (zero value) K3.
	Estimator KLEstimator
	// Coef is β. Zero (default) turns the penalty off and the batch then
	// needs no RefLogProbs; GRPO used 0.04, DAPO, Dr. GRPO and GSPO use 0.
	// Negative or non-finite is an error.
	Coef float64
}

// Check reports the first invalid field of the penalty.
func (k KL) Check() error {
	if err := checkNonNeg("KL", "Coef", k.Coef); err != nil {
		return err
	}
	if k.Estimator != K1 && k.Estimator != K2 && k.Estimator != K3 {
		return fmt.Errorf("policy: KL.Estimator = %d is not a KLEstimator", int(k.Estimator))
	}
	return nil
}

// term returns the estimator's value at x = ref − lp and its derivative
// with respect to lp.
func (e KLEstimator) term(x float64) (k, g float64) {
	switch e {
	case K1:
		return -x, 1
	case K2:
		return 0.5 * x * x, -x
	}
	if x > maxLogRatio || x < -maxLogRatio {
		return vec.K3Clamped(x, vec.Exp(math.Max(-maxLogRatio, math.Min(maxLogRatio, x))), maxLogRatio)
	}
	return vec.K3(x, vec.ExpSmall(x))
}
