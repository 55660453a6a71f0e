package vec

import "math"

// TokenClipParams are the constants of one row of TokenClip.
type TokenClipParams struct {
	A      float64 // the row's advantage
	Lo, Hi float64 // ratio bounds 1 − ε_low and 1 + ε_high
	Dual   float64 // dual-clip constant for A < 0; 0 is off
	KL     bool    // add the k3 KL term with coefficient Beta
	Beta   float64
	W      float64 // the row's gradient weight
	Lim    float64 // clamp of the log-ratios, in (0, 700]
}

// TokenClipSums are TokenClip's sums over a row, in four lanes (see the
// package comment) but for Clipped, a count.
type TokenClipSums struct {
	Loss, Ratio, AKL, KL, Chk [4]float64
	Clipped                   float64
}

// TokenClip is the token loop of a PPO-clip policy gradient with one
// advantage per row and an optional k3 KL term (package policy's fused
// loop, same per-token arithmetic). Over the first len(lp) &^ 3 tokens,
// with the mask m (0 skips a token, any other value counts it; nil counts
// every token), ρ = lp − old clamped to ±Lim (a clamped token gets
// gradient 0 from the surrogate), r = e^ρ and x = ref − lp, it sums into
// s, lane t mod 4:
//
//	Loss += ℓ_t, Ratio += r, AKL += r − 1 − ρ, KL += k3 (capped at 10),
//	Chk += lp − old, then ref − lp with KL, for every token, counted or not,
//	Clipped += 1 for a counted token clipped on the advantage's side (A ≠ 0),
//
// and writes g_t = W·∂ℓ_t/∂lp_t (0 for a skipped token) unless g is nil.
// It sets *s (it does not add to it) and returns the tokens done; the
// caller does the rest. ref is not read without KL; g, old, ref and m must
// be at least as long as lp.
func TokenClip(g, lp, old, ref, m []float64, p *TokenClipParams, s *TokenClipSums) int {
	n4 := len(lp) &^ 3
	g, lp, old, m = head(g, n4), lp[:n4], old[:n4], head(m, n4)
	if p.KL {
		ref = ref[:n4]
	}
	if useAsm {
		var k tokenClipConsts
		k.set(p)
		kl := 0
		if p.KL {
			kl = 1
		}
		tokenClipAVX2(g, lp, old, ref, m, &k, &expBits, kl, s)
		return n4
	}
	tokenClipGo(g, lp, old, ref, m, p, s)
	return n4
}

// tokenClipConsts are the constants of the assembly body, each in four
// lanes: lim, −lim, the eight of expConsts, hi, lo, −A, the lane masks
// for A ≥ 0 and A < 0, the cap of the dual clip (+Inf when off), the
// clipped loss, the count of a clipped token, β, W, 10.
type tokenClipConsts [21][4]float64

func (k *tokenClipConsts) set(p *TokenClipParams) {
	all := math.Float64frombits(^uint64(0))
	selHi, selLo := all, 0.0
	lclip := -p.A * p.Hi
	if p.A < 0 {
		selHi, selLo = 0, all
		lclip = -p.A * p.Lo
	}
	capv := math.Inf(1)
	if p.A < 0 && p.Dual > 0 {
		capv = -p.Dual * p.A
	}
	cnt := 0.0
	if p.A != 0 {
		cnt = 1
	}
	vals := [21]float64{p.Lim, -p.Lim, expConsts[0], expConsts[1], expConsts[2], expConsts[3],
		expConsts[4], expConsts[5], expConsts[6], expConsts[7], p.Hi, p.Lo, -p.A, selHi, selLo,
		capv, lclip, cnt, p.Beta, p.W, K3Max}
	for i, v := range vals {
		k[i] = [4]float64{v, v, v, v}
	}
}

// tokenClipGo is TokenClip's portable body, token by token.
func tokenClipGo(g, lp, old, ref, m []float64, p *TokenClipParams, s *TokenClipSums) {
	*s = TokenClipSums{}
	a, lo, hi, dual, beta, w, lim := p.A, p.Lo, p.Hi, p.Dual, p.Beta, p.W, p.Lim
	for t := range lp {
		k := t & 3
		rho := lp[t] - old[t]
		s.Chk[k] += rho
		x := 0.0
		if p.KL {
			x = ref[t] - lp[t]
			s.Chk[k] += x
		}
		if m != nil && m[t] == 0 {
			if g != nil {
				g[t] = 0
			}
			continue
		}
		live := 1.0
		if rho > lim {
			rho, live = lim, 0
		} else if rho < -lim {
			rho, live = -lim, 0
		}
		r := ExpSmall(rho)
		s.Ratio[k] += r
		s.AKL[k] += r - 1 - rho
		l, gt, side := ClipTerm(r, a, lo, hi, dual, live)
		if side != 0 {
			s.Clipped++
		}
		if p.KL {
			var kl, gk float64
			if x > lim || x < -lim {
				kl, gk = K3Clamped(x, ExpSmall(max(-lim, min(lim, x))), lim)
			} else {
				kl, gk = K3(x, ExpSmall(x))
			}
			s.KL[k] += kl
			l += float64(beta * kl)
			gt += float64(beta * gk)
		}
		s.Loss[k] += l
		if g != nil {
			g[t] = w * gt
		}
	}
}
