// Package vec holds the element-wise float64 kernels of the loss hot loops:
// masked row sums, scaled-mask writes and the proximal-clip sums of RDP.
//
// On amd64 with AVX2 (checked at start-up) the bodies run in assembly;
// elsewhere, or built with -tags purego, in portable Go. Both follow the
// same summation order, so they give the same bits: a sum over four lanes
// accumulates element t into lane t mod 4, in increasing t, the elements
// past the last multiple of four go to lane 0, and the result is
// (l₀ + l₁) + (l₂ + l₃); a sum over two lanes accumulates element t into
// lane t mod 2, the last element of an odd length goes to lane 0, and the
// result is l₀ + l₁. Mask and count sums are sums of zeros and ones and so
// exact in any order. Every product is rounded before it is added (explicit
// conversions in the Go code, no fused multiply-add in the assembly), so
// this holds with GOAMD64=v3 too.
//
// A mask m is valid when every m_t is 0 or 1; nil means all ones. The
// kernels that read a mask report whether it was valid (the bits of
// m·m − m, OR-ed over the row, are zero exactly then: NaN and ±Inf give
// NaN). They do not look for NaN or Inf in the other inputs: any such value
// makes the returned sum non-finite (m·(a − c) is NaN for m = 0 and a − c
// infinite), which the caller checks once per row.
package vec

import "math"

// Asm reports whether the assembly kernels are in use.
func Asm() bool { return useAsm }

func maskBits(m float64) uint64 { return math.Float64bits(m*m - m) }

// head returns s[:n], or nil for a nil s (an optional input).
func head(s []float64, n int) []float64 {
	if s == nil {
		return nil
	}
	return s[:n]
}

// DiffSum returns Σ_t (a_t − c_t) over len(a), in four lanes. len(c) must
// be at least len(a).
func DiffSum(a, c []float64) float64 {
	c = c[:len(a)]
	var l [4]float64
	t := 0
	if useAsm {
		diffSumAVX2(a, c, &l)
		t = len(a) &^ 3
	} else {
		t = diffSumGo(a, c, &l)
	}
	for ; t < len(a); t++ {
		l[0] += a[t] - c[t]
	}
	return (l[0] + l[1]) + (l[2] + l[3])
}

// MaskedDiffSum returns s = Σ_t m_t(a_t − c_t) (four lanes) and
// n = Σ_t m_t over len(a), and whether m was valid; when it was not, s and
// n are 0. m nil means all ones. len(c) and len(m) must be at least len(a).
func MaskedDiffSum(a, c, m []float64) (s, n float64, ok bool) {
	if m == nil {
		return DiffSum(a, c), float64(len(a)), true
	}
	c = c[:len(a)]
	m = m[:len(a)]
	var l [4]float64
	var bad uint64
	t := 0
	if useAsm {
		n, bad = maskedDiffSumAVX2(a, c, m, &l)
		t = len(a) &^ 3
	} else {
		t, n, bad = maskedDiffSumGo(a, c, m, &l)
	}
	for ; t < len(a); t++ {
		l[0] += float64(m[t] * (a[t] - c[t]))
		n += m[t]
		bad |= maskBits(m[t])
	}
	if bad != 0 {
		return 0, 0, false
	}
	return (l[0] + l[1]) + (l[2] + l[3]), n, true
}

// Sum returns Σ_t a_t, in two lanes.
func Sum(a []float64) float64 {
	var l [2]float64
	t := 0
	if useAsm {
		sumAVX2(a, &l)
		t = len(a) &^ 3
	}
	for ; t+2 <= len(a); t += 2 {
		l[0] += a[t]
		l[1] += a[t+1]
	}
	for ; t < len(a); t++ {
		l[0] += a[t]
	}
	return l[0] + l[1]
}

// MaskedSum returns s = Σ_t m_t a_t (two lanes) and n = Σ_t m_t over
// len(a), and whether m was valid; when it was not, s and n are 0. m nil
// means all ones. len(m) must be at least len(a).
func MaskedSum(a, m []float64) (s, n float64, ok bool) {
	if m == nil {
		return Sum(a), float64(len(a)), true
	}
	m = m[:len(a)]
	var l [2]float64
	var bad uint64
	t := 0
	if useAsm {
		n, bad = maskedSumAVX2(a, m, &l)
		t = len(a) &^ 3
	}
	for ; t+2 <= len(a); t += 2 {
		m0, m1 := m[t], m[t+1]
		l[0] += float64(m0 * a[t])
		l[1] += float64(m1 * a[t+1])
		n += m0 + m1
		bad |= maskBits(m0) | maskBits(m1)
	}
	for ; t < len(a); t++ {
		l[0] += float64(m[t] * a[t])
		n += m[t]
		bad |= maskBits(m[t])
	}
	if bad != 0 {
		return 0, 0, false
	}
	return l[0] + l[1], n, true
}

// ScaleMask writes g_t = c·m_t over len(g); m nil writes c everywhere.
// len(m) must be at least len(g).
func ScaleMask(g []float64, c float64, m []float64) {
	t := 0
	if m == nil {
		if useAsm {
			fillAVX2(g, c)
			t = len(g) &^ 3
		}
		for ; t < len(g); t++ {
			g[t] = c
		}
		return
	}
	m = m[:len(g)]
	if useAsm {
		scaleMaskAVX2(g, m, c)
		t = len(g) &^ 3
	}
	for ; t+4 <= len(g); t += 4 {
		g[t] = c * m[t]
		g[t+1] = c * m[t+1]
		g[t+2] = c * m[t+2]
		g[t+3] = c * m[t+3]
	}
	for ; t < len(g); t++ {
		g[t] = c * m[t]
	}
}

// ClipResult holds the sums of ClipSums over one row.
type ClipResult struct {
	S       float64 // Σ m·d, d = lp − ref
	SC      float64 // Σ m·clip(d, o − ε, o + ε), o = old − ref
	Chk     float64 // Σ o over every token, masked or not: non-finite when any old or ref is
	N       float64 // Σ m
	Clipped float64 // Σ m over tokens with d outside [o − ε, o + ε]
}

// clipLanes is the layout the ClipSums bodies fill: four lanes of S, SC
// and Chk, then N and Clipped.
type clipLanes struct {
	s, sc, chk [4]float64
	n, clipped float64
}

// ClipSums returns the sums of RDP's proximal clip over one row (see
// ClipResult; S, SC and Chk in four lanes) and whether m was valid; when it
// was not, the result is zero. m nil means all ones. ref, old and m must be
// at least as long as lp; eps must be ≥ 0. A token is clipped when
// d < o − ε or d > o + ε, comparisons of the rounded bounds.
func ClipSums(lp, ref, old, m []float64, eps float64) (r ClipResult, ok bool) {
	ref = ref[:len(lp)]
	old = old[:len(lp)]
	var a clipLanes
	var bad uint64
	t := 0
	if m != nil {
		m = m[:len(lp)]
	}
	if useAsm {
		if m == nil {
			clipSumsAVX2(lp, ref, old, eps, &a)
		} else {
			bad = maskedClipSumsAVX2(lp, ref, old, m, eps, &a)
		}
		t = len(lp) &^ 3
	} else {
		t, bad = clipSumsGo(lp, ref, old, m, eps, &a)
	}
	for ; t < len(lp); t++ {
		mt := 1.0
		if m != nil {
			mt = m[t]
			bad |= maskBits(mt)
		}
		d := lp[t] - ref[t]
		o := old[t] - ref[t]
		c := d
		if c < o-eps {
			c = o - eps
			a.clipped += mt
		} else if c > o+eps {
			c = o + eps
			a.clipped += mt
		}
		a.s[0] += float64(mt * d)
		a.sc[0] += float64(mt * c)
		a.chk[0] += o
		a.n += mt
	}
	if bad != 0 {
		return ClipResult{}, false
	}
	return ClipResult{
		S:       (a.s[0] + a.s[1]) + (a.s[2] + a.s[3]),
		SC:      (a.sc[0] + a.sc[1]) + (a.sc[2] + a.sc[3]),
		Chk:     (a.chk[0] + a.chk[1]) + (a.chk[2] + a.chk[3]),
		N:       a.n,
		Clipped: a.clipped,
	}, true
}

// ClipGrad writes g_t = m_t·c for tokens outside the clip range of
// ClipSums and g_t = m_t·(c + cc) for those inside, over len(g); m nil
// means all ones. lp, ref, old and m must be at least as long as g.
func ClipGrad(g, lp, ref, old, m []float64, eps, c, cc float64) {
	lp = lp[:len(g)]
	ref = ref[:len(g)]
	old = old[:len(g)]
	both := c + cc
	t := 0
	if m == nil {
		if useAsm {
			clipGradAVX2(g, lp, ref, old, eps, c, both)
			t = len(g) &^ 3
		}
		for ; t < len(g); t++ {
			d := lp[t] - ref[t]
			o := old[t] - ref[t]
			if d < o-eps || d > o+eps {
				g[t] = c
			} else {
				g[t] = both
			}
		}
		return
	}
	m = m[:len(g)]
	if useAsm {
		maskedClipGradAVX2(g, lp, ref, old, m, eps, c, both)
		t = len(g) &^ 3
	}
	for ; t < len(g); t++ {
		d := lp[t] - ref[t]
		o := old[t] - ref[t]
		if d < o-eps || d > o+eps {
			g[t] = c * m[t]
		} else {
			g[t] = both * m[t]
		}
	}
}
