package llama

import (
	"sync/atomic"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/evolve-go/evolve/internal/blasargs"
)

// The model's weight products — the projections of every layer and the
// classifier, forward and backward — go through gonum's single-precision
// BLAS interface, blas.Float32 (the interface gonum's blas32 package wraps),
// so that another implementation can replace the built-in one the way gonum
// users swap theirs:
//
//	llama.UseBLAS(netlib.Implementation{})     // gonum.org/v1/netlib/blas/netlib (cgo)
//	llama.UseBLAS(blas32.Implementation())     // whatever blas32.Use installed
//	blas32.Use(llama.Kernels{})                // the model's kernels for gonum's blas32 users
//
// The default is Kernels, gonum's pure-Go implementation with Sgemm
// replaced by the model's register-tiled AVX2/FMA kernels; the build tag
// openblas makes OpenBLAS the default instead (blas_openblas.go). The
// attention's causal blocks (a few rows at a time, inside the goroutines
// that own a sequence and head) and the sampler's products (whose rows must
// not depend on the batch around them, so that seeded sampling does not)
// call the kernels directly.

// Kernels is a blas.Float32 implementation: gonum's (embedded) with Sgemm
// running on the model's kernels when they apply, which is every product
// the model makes: α = 1, β = 0 or 1, either operand transposed (see
// Sgemm). It may be installed for gonum's blas32 too
// (blas32.Use(Kernels{})).
type Kernels struct {
	gonum.Implementation
}

// Sgemm computes C = α·op(A)·op(B) + β·C for op(A) of m×k, op(B) of k×n and
// C of m×n, all row-major (op(X) = X, or Xᵀ when its Transpose flag says
// so), as blas.Float32 specifies. With α = 1 and β ∈ {0, 1} it runs the
// model's kernels: a transposed B is packed into the panels they read,
// rows of C are split among GOMAXPROCS goroutines in blocks of 4 and each
// element accumulates its k products in blocks of 256, each in order, with
// one fused multiply-add per product (one rounding per product and sum, so
// results differ from gonum's in the last bits; rows past the last
// multiple of 4 and columns past the last multiple of 4 round each product
// before adding it); the result does not depend on the number of
// goroutines nor on the operands' layout. β = 0 ignores C's previous
// contents, NaNs included. Any other α or β runs gonum's Sgemm: the model
// makes no such call.
//
// At every shape of the model's products gonum's Sgemm is several times
// slower than the kernels (BenchmarkSgemm runs both; docs/PERFORMANCE.md
// lists the ratios), so Sgemm never hands it a product the kernels can
// compute.
func (k Kernels) Sgemm(tA, tB blas.Transpose, m, n, kk int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !onKernels(tA, tB, m, n, kk, alpha, a, lda, b, ldb, beta, c, ldc) {
		k.Implementation.Sgemm(tA, tB, m, n, kk, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	rsa, csa := lda, 1
	if tA != blas.NoTrans {
		rsa, csa = 1, lda
	}
	gemmPar(m, n, kk, a, rsa, csa, b, ldb, tB != blas.NoTrans, c, ldc, beta == 1)
}

// onKernels reports whether Kernels.Sgemm runs a call on the model's
// kernels: α = 1, β ∈ {0, 1} and valid, non-empty arguments. Any other
// call goes to gonum's Sgemm (a quick return, the panic that BLAS
// specifies for bad arguments, or the product).
func onKernels(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	return alpha == 1 && (beta == 0 || beta == 1) && blasargs.Sgemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc)
}

// blasImpl holds the implementation the model's products use.
var blasImpl atomic.Pointer[blas.Float32]

// defaultBLAS is the implementation UseBLAS(nil) restores: Kernels, or
// OpenBLAS in a build with the openblas tag.
var defaultBLAS blas.Float32 = Kernels{}

// UseBLAS makes the model's weight products run on impl from the next
// product on (nil restores the default). It may be called at any time, but
// a forward pass and its backward pass should use one implementation:
// results differ between implementations in the last bits. The results of
// the built-in kernels do not depend on GOMAXPROCS nor on the batch a
// sequence is part of; another implementation may not promise that.
func UseBLAS(impl blas.Float32) {
	if impl == nil {
		blasImpl.Store(nil)
		return
	}
	blasImpl.Store(&impl)
}

// BLAS returns the implementation the model's weight products use.
func BLAS() blas.Float32 {
	if p := blasImpl.Load(); p != nil {
		return *p
	}
	return defaultBLAS
}

// sgemm computes C = op(A)·op(B) (acc false) or C += op(A)·op(B) (acc
// true) through BLAS(), for op(A) of m×k — A itself (row-major, rows lda
// apart), or the transpose of the k×m matrix at a when tA — op(B) of k×n —
// B, or the transpose of the n×k matrix at b when tB — and C of m×n.
func sgemm(tA, tB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, acc bool, c []float32, ldc int) {
	if m <= 0 || n <= 0 || k <= 0 {
		return
	}
	ta, tb, beta := blas.NoTrans, blas.NoTrans, float32(0)
	if tA {
		ta = blas.Trans
	}
	if tB {
		tb = blas.Trans
	}
	if acc {
		beta = 1
	}
	BLAS().Sgemm(ta, tb, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
}
