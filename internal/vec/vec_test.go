package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The references below follow the documented summation order one element
// at a time, so every body must match them bit for bit.

func lanes4(n int, f func(t int) float64) float64 {
	var l [4]float64
	n4 := n &^ 3
	for t := range n {
		k := t % 4
		if t >= n4 {
			k = 0
		}
		l[k] += f(t)
	}
	return (l[0] + l[1]) + (l[2] + l[3])
}

func lanes2(n int, f func(t int) float64) float64 {
	var l [2]float64
	for t := range n {
		k := t % 2
		if n%2 == 1 && t == n-1 {
			k = 0
		}
		l[k] += f(t)
	}
	return l[0] + l[1]
}

func validMask(m []float64) bool {
	for _, v := range m {
		if v != 0 && v != 1 {
			return false
		}
	}
	return true
}

func same(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return a == b && math.Signbit(a) == math.Signbit(b)
}

// row is the inputs of one test case: slices of length n starting at an
// offset into larger arrays, so that starts are unaligned.
type row struct {
	lp, ref, old, m, g []float64
}

// padded returns a zeroed slice of length n at offset off into a longer
// one, so that a body reading or writing past its end shows.
func padded(n, off int) []float64 { return make([]float64, n+off+3)[off : off+n] }

// sameLanes reports whether a and b hold the same values lane by lane.
func sameLanes(a, b [4]float64) bool {
	for k := range a {
		if !same(a[k], b[k]) {
			return false
		}
	}
	return true
}

// firstDiff returns the first index where a and b differ, or -1.
func firstDiff(a, b []float64) int {
	for k := range a {
		if !same(a[k], b[k]) {
			return k
		}
	}
	return -1
}

func lengths() []int {
	var ns []int
	for n := range 71 {
		ns = append(ns, n)
	}
	return append(ns, 255, 1024, 1027, 4099)
}

// kinds of special values planted in a row.
const (
	plain = iota
	withNaN
	withInf
	badMask
	zeros
	kinds
)

func makeRow(rng *rand.Rand, n, off, kind int) row {
	mk := func() []float64 { return padded(n, off) }
	r := row{lp: mk(), ref: mk(), old: mk(), m: mk(), g: mk()}
	for t := range n {
		r.lp[t] = math.Log(rng.Float64()*0.96 + 0.02)
		r.ref[t] = r.lp[t] + 0.1*rng.NormFloat64()
		r.old[t] = r.lp[t] + 0.05*rng.NormFloat64()
		if rng.Float64() < 0.9 {
			r.m[t] = 1
		}
		if rng.Float64() < 0.05 {
			r.old[t] = r.lp[t] // on the bound of neither side
		}
	}
	if n == 0 {
		return r
	}
	t := rng.IntN(n)
	switch kind {
	case withNaN:
		[][]float64{r.lp, r.ref, r.old}[rng.IntN(3)][t] = math.NaN()
	case withInf:
		[][]float64{r.lp, r.ref, r.old}[rng.IntN(3)][t] = math.Inf(2*rng.IntN(2) - 1)
	case badMask:
		r.m[t] = []float64{0.5, 2, -1, math.NaN(), math.Inf(1), math.Inf(-1), 1e-300}[rng.IntN(7)]
	case zeros:
		for t := range n {
			if rng.IntN(2) == 0 {
				r.lp[t], r.ref[t], r.old[t] = 0, math.Copysign(0, -1), 0
			}
			if rng.IntN(3) == 0 {
				r.m[t] = math.Copysign(0, -1)
			}
		}
	}
	return r
}

func forCases(t *testing.T, f func(t *testing.T, r row)) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, asm := range bodies() {
		setAsm(asm)
		for _, n := range lengths() {
			for off := range 4 {
				for kind := range kinds {
					r := makeRow(rng, n, off, kind)
					t.Run(fmt.Sprintf("asm=%v/n=%d/off=%d/kind=%d", asm, n, off, kind), func(t *testing.T) { f(t, r) })
				}
			}
		}
	}
	setAsm(bodies()[len(bodies())-1])
}

func TestDiffSums(t *testing.T) {
	forCases(t, func(t *testing.T, r row) {
		n := len(r.lp)
		want := lanes4(n, func(t int) float64 { return r.lp[t] - r.ref[t] })
		if got := DiffSum(r.lp, r.ref); !same(got, want) {
			t.Errorf("DiffSum = %v, want %v", got, want)
		}
		s, cnt, ok := MaskedDiffSum(r.lp, r.ref, nil)
		if !same(s, want) || cnt != float64(n) || !ok {
			t.Errorf("MaskedDiffSum(nil mask) = %v, %v, %v, want %v, %d, true", s, cnt, ok, want, n)
		}
		wantOK := validMask(r.m)
		want, wantN := 0.0, 0.0
		if wantOK {
			want = lanes4(n, func(t int) float64 { return float64(r.m[t] * (r.lp[t] - r.ref[t])) })
			wantN = lanes4(n, func(t int) float64 { return r.m[t] })
		}
		s, cnt, ok = MaskedDiffSum(r.lp, r.ref, r.m)
		if !same(s, want) || cnt != wantN || ok != wantOK {
			t.Errorf("MaskedDiffSum = %v, %v, %v, want %v, %v, %v", s, cnt, ok, want, wantN, wantOK)
		}
	})
}

func TestSums(t *testing.T) {
	forCases(t, func(t *testing.T, r row) {
		n := len(r.lp)
		want := lanes2(n, func(t int) float64 { return r.lp[t] })
		if got := Sum(r.lp); !same(got, want) {
			t.Errorf("Sum = %v, want %v", got, want)
		}
		if s, cnt, ok := MaskedSum(r.lp, nil); !same(s, want) || cnt != float64(n) || !ok {
			t.Errorf("MaskedSum(nil mask) = %v, %v, %v", s, cnt, ok)
		}
		wantOK := validMask(r.m)
		want, wantN := 0.0, 0.0
		if wantOK {
			want = lanes2(n, func(t int) float64 { return float64(r.m[t] * r.lp[t]) })
			wantN = lanes4(n, func(t int) float64 { return r.m[t] })
		}
		if s, cnt, ok := MaskedSum(r.lp, r.m); !same(s, want) || cnt != wantN || ok != wantOK {
			t.Errorf("MaskedSum = %v, %v, %v, want %v, %v, %v", s, cnt, ok, want, wantN, wantOK)
		}
	})
}

func TestScaleMask(t *testing.T) {
	forCases(t, func(t *testing.T, r row) {
		for _, c := range []float64{0.37, -2.5e-3, math.Copysign(0, -1), math.Inf(1)} {
			ScaleMask(r.g, c, r.m)
			for k, g := range r.g {
				if want := c * r.m[k]; !same(g, want) {
					t.Fatalf("ScaleMask(%v): g[%d] = %v, want %v", c, k, g, want)
				}
			}
			ScaleMask(r.g, c, nil)
			for k, g := range r.g {
				if !same(g, c) {
					t.Fatalf("ScaleMask(%v, nil mask): g[%d] = %v", c, k, g)
				}
			}
		}
		// Past the end stays untouched.
		if g := r.g[:len(r.g)+1]; g[len(r.g)] != 0 {
			t.Fatalf("ScaleMask wrote past len(g)")
		}
	})
}

// clipRef is ClipSums one element at a time.
func clipRef(r row, m []float64, eps float64) (ClipResult, bool) {
	n := len(r.lp)
	mt := func(t int) float64 {
		if m == nil {
			return 1
		}
		return m[t]
	}
	if m != nil && !validMask(m) {
		return ClipResult{}, false
	}
	d := func(t int) float64 { return r.lp[t] - r.ref[t] }
	o := func(t int) float64 { return r.old[t] - r.ref[t] }
	out := func(t int) bool { return d(t) < o(t)-eps || d(t) > o(t)+eps }
	c := func(t int) float64 {
		switch {
		case d(t) < o(t)-eps:
			return o(t) - eps
		case d(t) > o(t)+eps:
			return o(t) + eps
		}
		return d(t)
	}
	var res ClipResult
	res.S = lanes4(n, func(t int) float64 { return float64(mt(t) * d(t)) })
	res.SC = lanes4(n, func(t int) float64 { return float64(mt(t) * c(t)) })
	res.Chk = lanes4(n, o)
	res.N = lanes4(n, mt)
	res.Clipped = lanes4(n, func(t int) float64 {
		if out(t) {
			return mt(t)
		}
		return 0
	})
	return res, true
}

func TestClipSums(t *testing.T) {
	forCases(t, func(t *testing.T, r row) {
		for _, eps := range []float64{0, 0.03, 0.1, 1e300} {
			for _, m := range [][]float64{nil, r.m} {
				got, ok := ClipSums(r.lp, r.ref, r.old, m, eps)
				want, wantOK := clipRef(r, m, eps)
				if ok != wantOK || !same(got.S, want.S) || !same(got.SC, want.SC) || !same(got.Chk, want.Chk) ||
					got.N != want.N || got.Clipped != want.Clipped {
					t.Errorf("ClipSums(eps %v, mask %v) = %+v, %v, want %+v, %v", eps, m != nil, got, ok, want, wantOK)
				}
			}
		}
	})
}

func TestClipGrad(t *testing.T) {
	forCases(t, func(t *testing.T, r row) {
		for _, eps := range []float64{0, 0.03, 0.1} {
			for _, m := range [][]float64{nil, r.m} {
				c, cc := -0.25, 0.625
				ClipGrad(r.g, r.lp, r.ref, r.old, m, eps, c, cc)
				for k, g := range r.g {
					d, o := r.lp[k]-r.ref[k], r.old[k]-r.ref[k]
					want := c + cc
					if d < o-eps || d > o+eps {
						want = c
					}
					if m != nil {
						want *= m[k]
					}
					if !same(g, want) {
						t.Fatalf("ClipGrad(eps %v, mask %v): g[%d] = %v, want %v", eps, m != nil, k, g, want)
					}
				}
			}
		}
	})
}
