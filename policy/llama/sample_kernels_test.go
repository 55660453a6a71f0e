package llama

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSmpMatmul checks the sampler's matrix product against a float64
// reference for shapes that exercise every kernel and edge: 4-row tiles,
// single rows, 64-, 16- and 8-column blocks and the Go tail.
func TestSmpMatmul(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, s := range [][3]int{{1, 1, 1}, {1, 8, 3}, {3, 17, 5}, {4, 16, 64}, {5, 64, 64}, {7, 344, 64}, {16, 512, 64}, {2, 200, 8}, {9, 24, 172}, {1, 72, 300}} {
		m, n, k := s[0], s[1], s[2]
		lda, ldb, ldc := k+3, n+5, n+2
		a := randSlice(rng, m*lda)
		b := randSlice(rng, k*ldb)
		c := randSlice(rng, m*ldc)
		want := make([]float64, len(c))
		for i := range c {
			want[i] = float64(c[i])
		}
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				for p := 0; p < k; p++ {
					want[i*ldc+j] += float64(a[i*lda+p]) * float64(b[p*ldb+j])
				}
			}
		}
		smpMatmul(m, n, k, a, lda, b, ldb, c, ldc)
		for i := 0; i < m; i++ {
			for j := 0; j < ldc; j++ {
				got, w := float64(c[i*ldc+j]), want[i*ldc+j]
				if math.Abs(got-w) > 1e-4*(1+math.Sqrt(float64(k))) {
					t.Fatalf("m=%d n=%d k=%d: C[%d][%d] = %v, want %v", m, n, k, i, j, got, w)
				}
			}
		}
	}
	// Each row's result is the same whether it is computed alone or in a
	// 4-row tile: the property that keeps sampling independent of the
	// batch split. The same for the 8-column kernels (two rows or one).
	checkRowsAlone(t, rng, 3, 8, 50)
	checkRowsAlone(t, rng, 8, 344, 64)
}

// checkRowsAlone checks that each row of an m×n·k smpMatmul product comes
// out the same computed alone as in the batch of m rows.
func checkRowsAlone(t *testing.T, rng *rand.Rand, m, n, k int) {
	t.Helper()
	a := randSlice(rng, m*k)
	b := randSlice(rng, k*n)
	all := make([]float32, m*n)
	smpMatmul(m, n, k, a, k, b, n, all, n)
	for i := 0; i < m; i++ {
		one := make([]float32, n)
		smpMatmul(1, n, k, a[i*k:], k, b, n, one, n)
		for j, v := range one {
			if v != all[i*n+j] {
				t.Fatalf("%d columns: row %d col %d: %v alone, %v in a batch", n, i, j, v, all[i*n+j])
			}
		}
	}
}

// TestSmpMatmulPacked checks the packed-panel product against smpMatmul on
// the plain transposed matrix, for shapes with full and partial panels.
func TestSmpMatmulPacked(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, s := range [][3]int{{1, 1, 1}, {3, 8, 5}, {4, 64, 64}, {9, 344, 64}, {16, 512, 64}, {5, 64, 172}, {2, 100, 7}, {1, 130, 3}} {
		m, n, k := s[0], s[1], s[2]
		n1 := n / 2
		w1 := randSlice(rng, n1*k) // two [out][in] matrices side by side
		w2 := randSlice(rng, (n-n1)*k)
		var p packed
		p.pack(k, w1, w2)
		off := n1
		if n1 > 0 {
			off = roundUp16(n1) // the second source starts on a 16-column boundary
		}
		n = off + (n - n1)
		if p.n != n {
			t.Fatalf("packed n = %d, want %d", p.n, n)
		}
		bt := make([]float32, k*n) // the plain transpose, [k][n], zero between the sources
		for j := 0; j < n; j++ {
			var src []float32
			switch {
			case j < n1:
				src = w1[j*k:]
			case j >= off:
				src = w2[(j-off)*k:]
			default:
				continue
			}
			for i := 0; i < k; i++ {
				bt[i*n+j] = src[i]
			}
		}
		a := randSlice(rng, m*k)
		for _, ldc := range []int{n, roundUp16(n)} {
			want := make([]float32, m*ldc)
			got := make([]float32, m*ldc)
			smpMatmul(m, n, k, a, k, bt, n, want, ldc)
			smpMatmulPackedCols(m, a, k, &p, got, ldc, 0, p.n)
			for i := range got {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("m=%d n=%d k=%d ldc=%d: C[%d] = %v, want %v", m, n, k, ldc, i, got[i], want[i])
				}
			}
		}
	}
}

func TestExpShiftAndMax(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 7, 8, 9, 64, 100} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.Float64()*180 - 90)
		}
		x[0] = -100 // below the clamp
		mx := maxf(x)
		var wantMax float32 = x[0]
		for _, v := range x {
			wantMax = max(wantMax, v)
		}
		if mx != wantMax {
			t.Fatalf("n=%d: maxf = %v, want %v", n, mx, wantMax)
		}
		orig := append([]float32(nil), x...)
		shift := float32(3)
		sum := expShift(x, 1, shift)
		var wantSum float64
		for i, v := range orig {
			w := math.Exp(float64(v - shift))
			wantSum += w
			if d := math.Abs(float64(x[i]) - w); d > 4e-7*w && d > 1e-37 {
				t.Fatalf("n=%d: exp(%v) = %v, want %v", n, v-shift, x[i], w)
			}
		}
		if math.Abs(float64(sum)-wantSum) > 1e-6*wantSum+1e-30 {
			t.Fatalf("n=%d: sum %v, want %v", n, sum, wantSum)
		}
	}
}
