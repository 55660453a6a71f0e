package llama

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkHead compares the fused head (Head) with the model's unfused
// classifier path (the N×V logits, softmaxRows,
// logitGradRows and the two backward products) on the same N rows of
// width dim, back to back: forward and backward of Σ logp (forward only
// with the suffix /fwd). It reports rows/s and work-MB, the memory each
// path holds besides its inputs and outputs (hidden states, classifier,
// log-probs, gradients): the unfused path's N×V exponentials, the fused
// head's tile of logits and per-row state.
func BenchmarkHead(b *testing.B) {
	for _, sh := range [][3]int{{1024, 288, 32000}, {1024, 64, 512}} {
		N, dim, V := sh[0], sh[1], sh[2]
		rng := rand.New(rand.NewPCG(1, 2))
		h, r := headCase(rng, N, dim, V)
		r.Entropy = nil
		g := make([]float64, N)
		for i := range g {
			g[i] = -1
		}
		out := make([]int32, N)
		for i := range out {
			out[i] = int32(i)
		}
		dh, dw := make([]float32, N*dim), make([]float32, V*dim)
		for _, fwdOnly := range []bool{false, true} {
			suffix := ""
			if fwdOnly {
				suffix = "/fwd"
			}
			b.Run(fmt.Sprintf("N%d_H%d_V%d/fused%s", N, dim, V, suffix), func(b *testing.B) {
				for b.Loop() {
					h.forward(r)
					if !fwdOnly {
						h.backward(dh, dw, g, nil, r)
					}
				}
				w := h.w
				bytes := 4*(cap(w.z)+cap(w.mx)+cap(w.zt)) + 8*(cap(w.s)+cap(w.u)+cap(r.LSE))
				reportHead(b, N, bytes)
			})
			b.Run(fmt.Sprintf("N%d_H%d_V%d/unfused%s", N, dim, V, suffix), func(b *testing.B) {
				exps, psum := make([]float32, N*V), make([]float64, N)
				for b.Loop() {
					sgemm(false, true, N, V, dim, r.Hidden, dim, h.Weight, dim, false, exps, V)
					softmaxRows(exps, V, r.Targets, out, psum, r.LogProbs, nil, nil)
					if !fwdOnly {
						logitGradRows(exps, V, r.Targets, out, psum, g)
						sgemm(false, false, N, dim, V, exps, V, h.Weight, dim, false, dh, dim)
						sgemm(true, false, V, dim, N, exps, V, r.Hidden, dim, true, dw, dim)
					}
				}
				reportHead(b, N, 4*len(exps)+8*len(psum))
			})
		}
	}
}

func reportHead(b *testing.B, N, bytes int) {
	b.ReportMetric(float64(N)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(bytes)/(1<<20), "work-MB")
}
