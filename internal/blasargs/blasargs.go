// Package blasargs checks the arguments of BLAS calls for the
// implementations that run some calls themselves and hand the others to
// gonum's (the model's kernels, OpenBLAS's cblas_sgemm): gonum then makes
// the quick return or raises the panic that BLAS specifies.
package blasargs

import "gonum.org/v1/gonum/blas"

// Sgemm reports whether the arguments of C = α·op(A)·op(B) + β·C are valid
// and the product is not empty, for op(A) of m×k, op(B) of k×n and C of
// m×n, all row-major: m, n, k > 0, each transpose NoTrans, Trans or
// ConjTrans, and each operand's leading dimension and length enough for
// the rows it holds.
func Sgemm(tA, tB blas.Transpose, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) bool {
	if m <= 0 || n <= 0 || k <= 0 {
		return false
	}
	return operand(tA, m, k, a, lda) && operand(tB, k, n, b, ldb) && operand(blas.NoTrans, m, n, c, ldc)
}

// operand reports whether x holds op(X) of r×c (r, c > 0) with leading
// dimension ld.
func operand(t blas.Transpose, r, c int, x []float32, ld int) bool {
	switch t {
	case blas.NoTrans:
	case blas.Trans, blas.ConjTrans:
		r, c = c, r
	default:
		return false
	}
	return ld >= c && len(x) >= (r-1)*ld+c
}
