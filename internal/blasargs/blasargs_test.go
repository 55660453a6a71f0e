package blasargs

import (
	"testing"

	"gonum.org/v1/gonum/blas"
)

// TestSgemm checks that Sgemm accepts a valid product, transposed
// operands with their own leading dimensions included, and refuses each
// kind of bad or empty call.
func TestSgemm(t *testing.T) {
	const m, n, k = 2, 3, 4
	a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	aT, bT := make([]float32, (k-1)*5+m), make([]float32, (n-1)*6+k) // k×m with ld 5, n×k with ld 6
	if !Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, a, k, b, n, c, n) {
		t.Error("A·B refused")
	}
	if !Sgemm(blas.Trans, blas.ConjTrans, m, n, k, aT, 5, bT, 6, c, n) {
		t.Error("Aᵀ·Bᵀ with wide leading dimensions refused")
	}
	for name, ok := range map[string]bool{
		"m = 0":         Sgemm(blas.NoTrans, blas.NoTrans, 0, n, k, a, k, b, n, c, n),
		"k = 0":         Sgemm(blas.NoTrans, blas.NoTrans, m, n, 0, a, k, b, n, c, n),
		"bad transpose": Sgemm('x', blas.NoTrans, m, n, k, a, k, b, n, c, n),
		"lda < k":       Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, a, k-1, b, n, c, n),
		"short A":       Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, a[:m*k-1], k, b, n, c, n),
		"ldb < n":       Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, a, k, b, n-1, c, n),
		"short Bᵀ":      Sgemm(blas.NoTrans, blas.Trans, m, n, k, a, k, bT[:len(bT)-1], 6, c, n),
		"ldc < n":       Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, a, k, b, n, c, n-1),
		"short C":       Sgemm(blas.NoTrans, blas.NoTrans, m, n, k, a, k, b, n, c[:m*n-1], n),
		"Aᵀ, lda < m":   Sgemm(blas.Trans, blas.NoTrans, m, n, k, aT, m-1, b, n, c, n),
	} {
		if ok {
			t.Errorf("%s: accepted", name)
		}
	}
}
