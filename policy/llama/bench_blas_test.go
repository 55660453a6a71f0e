package llama

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// sgemmShape is one product the model makes: C(m×n) (+)= op(A)·op(B).
type sgemmShape struct {
	name    string
	tA, tB  blas.Transpose
	m, n, k int
}

// modelShapes lists the products of a training step of a model of width
// dim, hidden width hid, key/value width kv, over N positions: the
// forward projections, the backward's input and weight gradients, and the
// fused head's tiles (headBlock rows × headTile tokens) when vocab is large,
// each with the operands transposed as the model passes them (WO, W2 and
// the classifier as they are stored: B transposed).
func modelShapes(dim, hid, kv, vocab, N int) []sgemmShape {
	const n, t = blas.NoTrans, blas.Trans
	s := []sgemmShape{
		{"qkv", n, n, N, dim + 2*kv, dim},
		{"wo", n, t, N, dim, dim},
		{"w13", n, n, N, 2 * hid, dim},
		{"w2", n, t, N, dim, hid},
		{"dW2", t, n, dim, hid, N},
		{"dW13", t, n, hid, dim, N},
		{"dWQ", t, n, dim, dim, N},
	}
	if vocab >= fusedVocab {
		nb := min(N, headBlock)
		return append(s, sgemmShape{"head", n, t, nb, headTile, dim},
			sgemmShape{"dhead", n, n, nb, dim, headTile},
			sgemmShape{"dWhead", t, n, headTile, dim, nb})
	}
	return append(s, sgemmShape{"cls", n, t, N, vocab, dim},
		sgemmShape{"dcls", n, n, N, dim, vocab},
		sgemmShape{"dWcls", t, n, vocab, dim, N})
}

// BenchmarkSgemm runs the model's products on the built-in kernels
// (Kernels), on gonum's pure-Go Sgemm and, when the build's default is
// another implementation (OpenBLAS with the openblas tag), on that one
// ("default"), back to back per shape, at the
// shapes of a stories260K step (16×256 positions) and a stories15M step
// (8×256), and reports GFLOP/s (2mnk per product) per second of wall
// clock and of the process's CPU time. Compare the two within one run:
// docs/PERFORMANCE.md lists the ratios.
func BenchmarkSgemm(b *testing.B) {
	models := []struct {
		name                 string
		dim, hid, kv, V, pos int
	}{{"260K", 64, 172, 32, 512, 16 * 256}, {"15M", 288, 768, 288, 32000, 8 * 256}}
	impls := []struct {
		name string
		impl blas.Float32
	}{{"kernels", Kernels{}}, {"gonum", gonum.Implementation{}}}
	if _, ok := BLAS().(Kernels); !ok { // OpenBLAS with the openblas tag
		impls = append(impls, struct {
			name string
			impl blas.Float32
		}{"default", BLAS()})
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, md := range models {
		for _, sh := range modelShapes(md.dim, md.hid, md.kv, md.V, md.pos) {
			a, bm, c := randF32(rng, sh.m*sh.k), randF32(rng, sh.k*sh.n), make([]float32, sh.m*sh.n)
			lda, ldb := sh.k, sh.n
			if sh.tA == blas.Trans {
				lda = sh.m
			}
			if sh.tB == blas.Trans {
				ldb = sh.k
			}
			for _, im := range impls {
				name := fmt.Sprintf("%s/%s_%c%c_%dx%dx%d/%s", md.name, sh.name, sh.tA, sh.tB, sh.m, sh.n, sh.k, im.name)
				b.Run(name, func(b *testing.B) {
					cpu0 := cpuSeconds()
					for b.Loop() {
						im.impl.Sgemm(sh.tA, sh.tB, sh.m, sh.n, sh.k, 1, a, lda, bm, ldb, 0, c, sh.n)
					}
					flops := 2 * float64(sh.m*sh.n*sh.k) * float64(b.N)
					b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
					if cpu := cpuSeconds() - cpu0; cpu > 0 {
						b.ReportMetric(flops/cpu/1e9, "GFLOP/cpu-s")
					}
				})
			}
		}
	}
}
