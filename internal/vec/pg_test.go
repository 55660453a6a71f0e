package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestTokenClip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range lengths() {
		for off := range 4 {
			for trial := range 12 {
				mk := func() []float64 { return padded(n, off) }
				lp, old, ref, m := mk(), mk(), mk(), mk()
				spread := []float64{0.05, 0.3, 30}[trial%3]
				for k := range lp {
					lp[k] = math.Log(rng.Float64()*0.96 + 0.02)
					old[k] = lp[k] + spread*rng.NormFloat64()
					ref[k] = lp[k] + 2*spread*rng.NormFloat64()
					if rng.Float64() < 0.85 {
						m[k] = 1
					}
					if rng.IntN(50) == 0 {
						ref[k] = lp[k] + 5
					}
				}
				if (n+off+trial)%5 == 0 {
					m = nil
				}
				p := TokenClipParams{A: rng.NormFloat64(), Lo: 0.8, Hi: 1.28, Beta: 0.04, W: 1 / float64(n+1), Lim: 20,
					KL: trial%2 == 0}
				switch trial % 4 {
				case 1:
					p.Dual = 3
				case 3:
					p.A = 0
				}
				if trial >= 8 {
					p.A = -math.Abs(p.A) - 0.1
					p.Dual = 1.5
				}
				var want, got TokenClipSums
				gw, gg := mk(), mk()
				setAsm(false)
				nw := TokenClip(gw, lp, old, ref, m, &p, &want)
				for _, asm := range bodies()[1:] {
					setAsm(asm)
					if !p.KL {
						ref = nil
					}
					ng := TokenClip(gg, lp, old, ref, m, &p, &got)
					if ng != nw || ng != n&^3 {
						t.Fatalf("n=%d: did %d and %d tokens", n, ng, nw)
					}
					if !sameLanes(got.Loss, want.Loss) || !sameLanes(got.Ratio, want.Ratio) || !sameLanes(got.AKL, want.AKL) ||
						!sameLanes(got.KL, want.KL) || !sameLanes(got.Chk, want.Chk) || got.Clipped != want.Clipped {
						t.Fatalf("n=%d off=%d trial=%d params %+v:\n got %+v\nwant %+v", n, off, trial, p, got, want)
					}
					var nog TokenClipSums
					TokenClip(nil, lp, old, ref, m, &p, &nog)
					if nog != got {
						t.Fatalf("n=%d: sums without a gradient %+v, with %+v", n, nog, got)
					}
					if k := firstDiff(gg, gw); k >= 0 {
						t.Fatalf("n=%d off=%d trial=%d: g[%d] = %v, want %v", n, off, trial, k, gg[k], gw[k])
					}
				}
			}
		}
	}
	setAsm(bodies()[len(bodies())-1])
}
