//go:build openblas && cgo

package openblas

/*
#cgo LDFLAGS: -lopenblas
// The CBLAS and OpenBLAS entry points used here (LP64 interface: 32-bit
// integers), declared rather than included: Debian installs cblas.h under
// a variant directory (openblas-pthread, openblas-openmp).
void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha,
	const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);
void openblas_set_num_threads(int n);
int openblas_get_num_threads(void);
char *openblas_get_corename(void);
char *openblas_get_config(void);
*/
import "C"

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/evolve-go/evolve/internal/blasargs"
)

// CBLAS enumerations.
const (
	cblasRowMajor = 101
	cblasNoTrans  = 111
	cblasTrans    = 112
)

// Implementation is gonum's blas.Float32 with Sgemm on OpenBLAS.
type Implementation struct {
	gonum.Implementation
}

// Sgemm computes C = α·op(A)·op(B) + β·C as blas.Float32 specifies, on
// OpenBLAS's cblas_sgemm (row-major). Calls that gonum would reject (bad
// transposes, leading dimensions or lengths) and empty or quick-return
// products go to gonum's Sgemm, which panics as BLAS specifies or returns;
// so do sizes beyond 32-bit integers.
func (im Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !blasargs.Sgemm(tA, tB, m, n, k, a, lda, b, ldb, c, ldc) || !fits(m, n, k, lda, ldb, ldc) {
		im.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	C.cblas_sgemm(cblasRowMajor, trans(tA), trans(tB), C.int(m), C.int(n), C.int(k), C.float(alpha),
		(*C.float)(&a[0]), C.int(lda), (*C.float)(&b[0]), C.int(ldb), C.float(beta), (*C.float)(&c[0]), C.int(ldc))
}

// trans maps a valid blas.Transpose to CBLAS's (conjugation means nothing
// for real matrices).
func trans(t blas.Transpose) C.int {
	if t == blas.NoTrans {
		return cblasNoTrans
	}
	return cblasTrans
}

// fits reports whether every size fits CBLAS's 32-bit integers.
func fits(v ...int) bool {
	for _, x := range v {
		if x > math.MaxInt32 {
			return false
		}
	}
	return true
}

// SetThreads sets the number of threads OpenBLAS uses.
func SetThreads(n int) { C.openblas_set_num_threads(C.int(n)) }

// Threads returns the number of threads OpenBLAS uses.
func Threads() int { return int(C.openblas_get_num_threads()) }

// CoreName returns the core type whose kernels OpenBLAS runs (detected, or
// set by OPENBLAS_CORETYPE).
func CoreName() string { return C.GoString(C.openblas_get_corename()) }

// Config returns OpenBLAS's build configuration (version, DYNAMIC_ARCH, …).
func Config() string { return C.GoString(C.openblas_get_config()) }
