//go:build openblas && cgo

package openblas

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// TestSgemm compares OpenBLAS's Sgemm with gonum's for every combination
// of transposes and a few α, β, on shapes with leading dimensions wider
// than the matrices, and logs the core OpenBLAS runs.
func TestSgemm(t *testing.T) {
	t.Logf("%s, core %s, %d threads", Config(), CoreName(), Threads())
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sh := range [][3]int{{1, 1, 1}, {5, 17, 7}, {64, 172, 300}, {130, 40, 513}} {
		m, n, k := sh[0], sh[1], sh[2]
		for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				for _, ab := range [][2]float32{{1, 0}, {1, 1}, {0.5, -2}} {
					ar, ac, br, bc := m, k, k, n
					if tA == blas.Trans {
						ar, ac = k, m
					}
					if tB == blas.Trans {
						br, bc = n, k
					}
					lda, ldb, ldc := ac+2, bc+3, n+1
					a, b, c := randF32(rng, (ar-1)*lda+ac), randF32(rng, (br-1)*ldb+bc), randF32(rng, (m-1)*ldc+n)
					want := append([]float32(nil), c...)
					Implementation{}.Sgemm(tA, tB, m, n, k, ab[0], a, lda, b, ldb, ab[1], c, ldc)
					gonum.Implementation{}.Sgemm(tA, tB, m, n, k, ab[0], a, lda, b, ldb, ab[1], want, ldc)
					for i := range c {
						if math.Abs(float64(c[i]-want[i])) > 1e-4*(1+math.Sqrt(float64(k))) {
							t.Fatalf("%v %c%c α=%v β=%v: C[%d] = %v, gonum %v", sh, tA, tB, ab[0], ab[1], i, c[i], want[i])
						}
					}
				}
			}
		}
	}
}

// TestSgemmPanics checks that bad arguments panic as gonum's do.
func TestSgemmPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for lda < k")
		}
	}()
	a := make([]float32, 6)
	Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, 2, 3, 3, 1, a, 2, a, 3, 0, a, 3)
}

func randF32(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}
