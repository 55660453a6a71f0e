package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestNFTRow(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range lengths() {
		for off := range 4 {
			for trial := range 8 {
				mk := func() []float64 { return padded(n, off) }
				lp, old, m := mk(), mk(), mk()
				spread := []float64{0.05, 0.5, 30, 1}[trial%4]
				for k := range lp {
					lp[k] = math.Log(rng.Float64()*0.96 + 0.02)
					old[k] = lp[k] + spread*rng.NormFloat64()
					if rng.Float64() < 0.85 {
						m[k] = 1
					}
				}
				if (n+off+trial)%5 == 0 {
					m = nil
				}
				rate := 0.05 + 0.9*rng.Float64()
				inv := 1 / (1 - rate)
				p := NFTParams{Correct: trial >= 4, Inv: inv, A: rate * inv, Eps: []float64{1, 0.5, 1e-3, 0.9}[trial%4],
					GCorrect: -0.3 / float64(n+1), GNeg: 0.7 / float64(n+1), Lim: 20}
				var want, got, nog NFTSums
				gw, gg := mk(), mk()
				setAsm(false)
				nw := NFTRow(gw, lp, old, m, &p, &want)
				for _, asm := range bodies()[1:] {
					setAsm(asm)
					ng := NFTRow(gg, lp, old, m, &p, &got)
					if ng != nw || ng != n&^3 {
						t.Fatalf("n=%d: did %d and %d tokens", n, ng, nw)
					}
					if !sameLanes(got.Loss, want.Loss) || !sameLanes(got.Ratio, want.Ratio) || !sameLanes(got.AKL, want.AKL) ||
						!sameLanes(got.Chk, want.Chk) || got.Clipped != want.Clipped {
						t.Fatalf("n=%d off=%d trial=%d params %+v:\n got %+v\nwant %+v", n, off, trial, p, got, want)
					}
					if k := firstDiff(gg, gw); k >= 0 {
						t.Fatalf("n=%d off=%d trial=%d: g[%d] = %v, want %v", n, off, trial, k, gg[k], gw[k])
					}
				}
				NFTRow(nil, lp, old, m, &p, &nog)
				if nog != want && !math.IsNaN(want.Loss[0]) {
					t.Fatalf("n=%d: sums without a gradient %+v, with %+v", n, nog, want)
				}
			}
		}
	}
	setAsm(bodies()[len(bodies())-1])
}
