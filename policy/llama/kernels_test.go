package llama

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemm compares gemmPar, accumulating and not, with plain and
// transposed A and every edge of the tiling, against a float64 reference.
func TestGemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sh := range [][3]int{{1, 1, 1}, {4, 16, 3}, {5, 17, 7}, {7, 172, 64}, {64, 172, 300}, {130, 344, 64}, {12, 8, 600}, {3, 5, 2}, {4, 8, 5}, {8, 24, 9}, {4, 8, 1}, {9, 40, 257}, {4, 4, 3}, {8, 12, 6}, {5, 29, 4}} {
		m, n, k := sh[0], sh[1], sh[2]
		for _, trans := range []bool{false, true} {
			a := make([]float32, m*k+3)
			b := make([]float32, k*n)
			c := make([]float32, m*n)
			for _, s := range [][]float32{a, b, c} {
				for i := range s {
					s[i] = float32(rng.NormFloat64())
				}
			}
			rsa, csa := k, 1
			if trans {
				rsa, csa = 1, m
			}
			want := make([]float64, m*n)
			for i := 0; i < m; i++ {
				for j := 0; j < n; j++ {
					s := float64(c[i*n+j])
					for p := 0; p < k; p++ {
						s += float64(a[i*rsa+p*csa]) * float64(b[p*n+j])
					}
					want[i*n+j] = s
				}
			}
			c0 := append([]float32(nil), c...)
			gemmPar(m, n, k, a, rsa, csa, b, n, false, c, n, true)
			for i, w := range want {
				if math.Abs(float64(c[i])-w) > 1e-4*(1+math.Sqrt(float64(k))) {
					t.Fatalf("%v trans=%v: C[%d] = %v, want %v", sh, trans, i, c[i], w)
				}
			}
			// Without acc, C's previous contents are ignored.
			gemmPar(m, n, k, a, rsa, csa, b, n, false, c, n, false)
			for i, w := range want {
				w -= float64(c0[i])
				if math.Abs(float64(c[i])-w) > 1e-4*(1+math.Sqrt(float64(k))) {
					t.Fatalf("%v trans=%v: C = A·B: C[%d] = %v, want %v", sh, trans, i, c[i], w)
				}
			}
		}
	}
}

func TestExpf(t *testing.T) {
	for x := -88.0; x < 88; x += 0.0137 {
		got, want := float64(expf(float32(x))), math.Exp(float64(float32(x)))
		if x < -87 {
			want = 0
		}
		if math.Abs(got-want) > 3e-7*want {
			t.Fatalf("expf(%v) = %v, want %v", x, got, want)
		}
	}
}

func TestExpShift(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 64, 173} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(i)*0.37 - 20
		}
		want := make([]float64, n)
		sum := 0.0
		for i, v := range x {
			want[i] = math.Exp(float64(v)*1.5 - 3)
			sum += want[i]
		}
		s := expShift(x, 1.5, 3)
		for i := range x {
			arg := math.Abs(math.Log(want[i])) // its float32 rounding moves exp by arg·2⁻²⁴
			if math.Abs(float64(x[i])-want[i]) > (3e-7+arg*1.2e-7)*want[i] {
				t.Fatalf("n=%d: exp[%d] = %v, want %v", n, i, x[i], want[i])
			}
		}
		if math.Abs(float64(s)-sum) > 1e-5*sum {
			t.Fatalf("n=%d: sum %v, want %v", n, s, sum)
		}
	}
}

func TestMaxfAndGemmSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for n := 1; n < 40; n++ {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		k := rng.IntN(n)
		x[k] = 9
		if got := maxf(x); got != 9 {
			t.Fatalf("maxf of %d values = %v, want 9", n, got)
		}
	}
	m, n, k := 6, 27, 5
	a := make([]float32, m*k)
	b := make([]float32, k*n)
	for i := range a {
		a[i] = float32(i%7) - 3
	}
	for i := range b {
		b[i] = float32(i%5) - 2
	}
	c := make([]float32, m*n)
	for i := range c {
		c[i] = 1e6 // overwritten
	}
	gemmPar(m, n, k, a, k, 1, b, n, false, c, n, false)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s := float32(0)
			for p := 0; p < k; p++ {
				s += a[i*k+p] * b[p*n+j]
			}
			if c[i*n+j] != s {
				t.Fatalf("C = A·B: C[%d][%d] = %v, want %v", i, j, c[i*n+j], s)
			}
		}
	}
}

func TestExpMasked(t *testing.T) {
	for _, n := range []int{8, 16, 5} {
		for valid := 1; valid <= n; valid++ {
			x := make([]float32, n)
			want := 0.0
			for i := range x {
				x[i] = float32(i%5) - 40 // large garbage beyond valid too
				if i >= valid {
					x[i] = 1e9
				} else {
					want += math.Exp(float64(x[i])*0.5 - 1)
				}
			}
			s := expMasked(x, valid, 0.5, 1)
			if math.Abs(float64(s)-want) > 1e-6*want {
				t.Fatalf("n=%d valid=%d: sum %v, want %v", n, valid, s, want)
			}
			for i := valid; i < n; i++ {
				if x[i] != 0 {
					t.Fatalf("n=%d valid=%d: x[%d] = %v, want 0", n, valid, i, x[i])
				}
			}
		}
	}
}

func TestSoftmaxGrad(t *testing.T) {
	for _, n := range []int{1, 8, 13, 32} {
		p := make([]float32, n)
		ds := make([]float32, n)
		want := make([]float32, n)
		for j := range p {
			p[j] = float32(j+1) / 50
			ds[j] = float32(j%3) - 1
			want[j] = p[j] * (ds[j] - 0.25) * 0.5
		}
		softmaxGrad(p, ds, 0.25, 0.5)
		for j := range ds {
			if math.Abs(float64(ds[j]-want[j])) > 1e-7 {
				t.Fatalf("n=%d: ds[%d] = %v, want %v", n, j, ds[j], want[j])
			}
		}
	}
}

// TestSwiglu checks SwiGLU and its gradient against float64 formulas on
// rows wide enough for the vector kernels and their tails.
func TestSwiglu(t *testing.T) {
	const n, hid = 5, 19
	rng := rand.New(rand.NewPCG(8, 8))
	h13 := make([]float32, n*2*hid)
	dh := make([]float32, n*hid)
	for i := range h13 {
		h13[i] = float32(3 * rng.NormFloat64())
	}
	for i := range dh {
		dh[i] = float32(rng.NormFloat64())
	}
	work := make([]scratch, workers())
	h := make([]float32, n*hid)
	dh13 := make([]float32, n*2*hid)
	swiglu(work, h, h13, n, hid)
	swigluBackward(work, dh13, dh, h13, n, hid)
	close := func(got float32, want float64) bool {
		return math.Abs(float64(got)-want) <= 1e-5*(1+math.Abs(want))
	}
	for i := 0; i < n; i++ {
		for j := 0; j < hid; j++ {
			a, b := float64(h13[i*2*hid+j]), float64(h13[i*2*hid+hid+j])
			d := float64(dh[i*hid+j])
			s := 1 / (1 + math.Exp(-a))
			if !close(h[i*hid+j], a*s*b) {
				t.Fatalf("h[%d][%d] = %v, want %v", i, j, h[i*hid+j], a*s*b)
			}
			if want := d * a * s; !close(dh13[i*2*hid+hid+j], want) {
				t.Fatalf("db[%d][%d] = %v, want %v", i, j, dh13[i*2*hid+hid+j], want)
			}
			if want := d * b * s * (1 + a*(1-s)); !close(dh13[i*2*hid+j], want) {
				t.Fatalf("da[%d][%d] = %v, want %v", i, j, dh13[i*2*hid+j], want)
			}
		}
	}
}

// TestPackingKeepsBits checks that packing B into panels (a row-major B
// with enough rows of C, and any transposed B) and packing strips of a
// transposed A change no bit of the product: every element accumulates
// the same products in the same order. The reference is gemmAt on a
// row-major copy of each operand, which packs neither.
func TestPackingKeepsBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, sh := range [][3]int{{64, 48, 300}, {37, 70, 520}, {33, 16, 9}, {40, 5, 260}} {
		m, n, k := sh[0], sh[1], sh[2]
		a, b := randF32(rng, m*k), randF32(rng, k*n)
		aT, bT := make([]float32, k*m), make([]float32, n*k)
		transpose(aT, m, 0, a, m, k) // aT[p*m+i] = a[i*k+p]
		transpose(bT, k, 0, b, k, n) // bT[j*k+p] = b[p*n+j]
		want := make([]float32, m*n)
		gemmAt(m, n, k, a, k, 1, b, n, want, n, false)
		for _, v := range []struct {
			name   string
			ta, tb bool
		}{{"A·B", false, false}, {"Aᵀ·B", true, false}, {"A·Bᵀ", false, true}, {"Aᵀ·Bᵀ", true, true}} {
			av, rsa, csa := a, k, 1
			if v.ta {
				av, rsa, csa = aT, 1, m
			}
			bv, ldb := b, n
			if v.tb {
				bv, ldb = bT, k
			}
			got := make([]float32, m*n)
			gemmPar(m, n, k, av, rsa, csa, bv, ldb, v.tb, got, n, false)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%v %s: C[%d] = %v, unpacked %v", sh, v.name, i, got[i], want[i])
				}
			}
		}
	}
}
