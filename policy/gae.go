package policy

import (
	"fmt"
	"math"
)

// GAE is generalised advantage estimation for value-based PPO. Per
// sequence, from the last token backwards,
//
//	δ_t = r_t + γ·V_{t+1} − V_t
//	A_t = δ_t + γλ·A_{t+1}
//	returns_t = A_t + V_t
//
// with V and A past the last token taken as 0. Masked tokens (prompt,
// padding, tool output) are skipped: they get advantage and return 0 and
// the recursion carries V_{t+1} and A_{t+1} across them from the next
// counted token, as verl's compute_gae_advantage_return does. Inputs so
// large that an advantage or return overflows are an error (adv and
// returns are then partly written).
//
// References: Schulman et al., High-Dimensional Continuous Control Using
// Generalized Advantage Estimation (2016); verl core_algos.
type GAE struct {
	// Gamma is the discount γ in [0, 1]. Zero means γ = 0: every token
	// sees only its own reward (δ_t = r_t − V_t). verl and OpenRLHF
	// default to 1 for language models, where the reward sits on the last
	// token; CleanRL uses 0.99.
	Gamma float64
	// Lambda is the GAE λ in [0, 1]. Zero means λ = 0: A_t = δ_t, the
	// one-step TD(0) advantage. verl defaults to 1 (A_t is then the
	// discounted return minus V_t); OpenRLHF (--lambd) and CleanRL use
	// 0.95.
	Lambda float64
}

// Advantages writes the advantages and returns of a B×T batch (row-major,
// token t of sequence i at i*T+t) into adv and returns. rewards and values
// hold the per-token rewards and value estimates; mask is nil (every token
// counts) or holds 1 for a counted token and 0 for one to skip. adv and
// returns may be nil to skip that output.
func (g GAE) Advantages(adv, returns, rewards, values, mask []float64, B, T int) error {
	gamma, lambda := g.Gamma, g.Lambda
	for _, f := range []struct {
		name string
		v    float64
	}{{"Gamma", gamma}, {"Lambda", lambda}} {
		if !(f.v >= 0 && f.v <= 1) {
			return fmt.Errorf("policy: GAE.%s = %v, want a value in [0, 1]", f.name, f.v)
		}
	}
	n, err := shape("GAE: B*T", B, T)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name     string
		v        []float64
		optional bool
	}{{"adv", adv, true}, {"returns", returns, true}, {"rewards", rewards, false}, {"values", values, false}, {"mask", mask, true}} {
		if f.v == nil && f.optional {
			continue
		}
		if len(f.v) != n {
			return fmt.Errorf("policy: GAE: len(%s) = %d, want B*T = %d", f.name, len(f.v), n)
		}
	}
	for _, f := range []struct {
		name string
		v    []float64
	}{{"rewards", rewards}, {"values", values}, {"mask", mask}} {
		for k, x := range f.v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("policy: GAE: %s[%d*T+%d] is %v", f.name, k/T, k%T, x)
			}
			if f.name == "mask" && x != 0 && x != 1 {
				return fmt.Errorf("policy: GAE: mask[%d*T+%d] = %v, want 0 or 1", k/T, k%T, x)
			}
		}
	}
	for i := range B {
		nextV, nextA := 0.0, 0.0
		for t := T - 1; t >= 0; t-- {
			k := i*T + t
			if mask != nil && mask[k] == 0 {
				if adv != nil {
					adv[k] = 0
				}
				if returns != nil {
					returns[k] = 0
				}
				continue
			}
			delta := rewards[k] + gamma*nextV - values[k]
			a := delta + gamma*lambda*nextA
			ret := a + values[k]
			if math.IsInf(a, 0) || math.IsNaN(a) || returns != nil && (math.IsInf(ret, 0) || math.IsNaN(ret)) {
				return fmt.Errorf("policy: GAE: the advantage or return of token [%d*T+%d] overflows float64 (rewards and values too large)", i, t)
			}
			if adv != nil {
				adv[k] = a
			}
			if returns != nil {
				returns[k] = ret
			}
			nextV, nextA = values[k], a
		}
	}
	return nil
}
