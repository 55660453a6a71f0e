//go:build amd64 && !purego

package llama

import "github.com/evolve-go/evolve/internal/cpu"

// Assembly kernels (kernels_amd64.s for training, sample_amd64.s for the
// sampler), used when the CPU and the operating system support AVX2 and
// FMA. Build with -tags purego to use the portable Go kernels instead.

//go:noescape
func kern4x16AVX2(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, acc int, nt int, bts int)

//go:noescape
func kern4x8AVX2(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, acc int)

//go:noescape
func kern4x4AVX2(k int, a []float32, rsa, csa int, b []float32, ldb int, c []float32, ldc int, acc int)

// useAsm reports whether the assembly kernels are in use.
var useAsm = cpu.AVX2 && cpu.FMA

func init() {
	if useAsm {
		kern4x16 = kern4x16AVX2
		kern4x8 = kern4x8AVX2
		kern4x4 = kern4x4AVX2
	}
}

// expShiftAVX2 sets x[i] = exp(x[i]·scale − shift) for len(x) a multiple
// of 8 and returns the float32 sum of the results.
//
//go:noescape
func expShiftAVX2(x []float32, scale, shift float32) float32

// maxAVX2 returns the largest element of x, len(x) a positive multiple of 8.
//
//go:noescape
func maxAVX2(x []float32) float32

// softmaxGradAVX2 sets ds[j] = p[j]·(ds[j] − d)·scale, len(p) a positive
// multiple of 8 and len(ds) ≥ len(p).
//
//go:noescape
func softmaxGradAVX2(p, ds []float32, d, scale float32)

// swigluAVX2 sets h[j] = a[j]/(1+e[j])·b[j], len(h) a positive multiple of 8
// and the other slices at least as long.
//
//go:noescape
func swigluAVX2(h, a, b, e []float32)

// swigluGradAVX2 sets db[j] = d[j]·a[j]·s and da[j] = d[j]·b[j]·s·(1+a[j](1−s))
// with s = 1/(1+e[j]), len(da) a positive multiple of 8 and the other slices
// at least as long.
//
//go:noescape
func swigluGradAVX2(da, db, d, a, b, e []float32)

// The sampler's kernels (sample_amd64.s); see sample_kernels.go.

//go:noescape
func smpKern4x16(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)

//go:noescape
func smpKern1x64(k int, a *float32, b *float32, ldb int, c *float32)

//go:noescape
func smpKern1x16(k int, a *float32, b *float32, ldb int, c *float32)

//go:noescape
func smpKern1x8(k int, a *float32, b *float32, ldb int, c *float32)

//go:noescape
func smpKern1x64p(k int, a *float32, b *float32, ps int, c *float32)

//go:noescape
func smpKern1x32p(k int, a *float32, b *float32, ps int, c *float32)

//go:noescape
func smpKern2x8(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int)
