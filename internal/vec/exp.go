package vec

import "math"

// expBits[j] holds the bits of 2^(j/expN), the table of the table-driven
// exponential.
var expBits = func() (b [expN]uint64) {
	for j := range b {
		b[j] = math.Float64bits(math.Exp2(float64(j) / expN))
	}
	return b
}()

const (
	expN     = 256
	expShift = 0x1.8p52     // adding and subtracting it rounds to an integer
	ln2HiN   = Ln2Hi / expN // high bits of ln2 (fdlibm's Ln2Hi): k·ln2HiN is exact
	ln2LoN   = Ln2Lo / expN
	invLn2N  = expN / math.Ln2
)

// expConsts are the constants of ExpSmall, in the order the assembly body
// reads them.
var expConsts = [...]float64{invLn2N, expShift, ln2HiN, ln2LoN, 1.0 / 6, 1.0 / 24, 0.5, 1}

// Exp returns e^x with a relative error of a few ulp and about three
// times the speed of math.Exp: ExpSmall for |x| < 700, math.Exp for the
// rest (and NaN, ±Inf).
func Exp(x float64) float64 {
	if !(x > -700 && x < 700) {
		return math.Exp(x)
	}
	return ExpSmall(x)
}

// ExpSmall returns e^x for |x| ≤ 700 with a relative error of a few ulp:
// x = (k/N)·ln2 + r with N = 256 and |r| ≤ ln2/(2N), so e^x = 2^(k/N)·e^r
// with 2^(k/N) from a table and e^r from a degree-4 Taylor polynomial. The
// conversions keep every product rounded (no fused multiply-add), as the
// assembly does, so it gives the same bits on every build, inlined or not;
// k·ln2HiN is exact and needs none. It is small enough to be inlined
// (cost 80, the budget: hence uint8(k) for the table index and k unsigned,
// of which only bits 0 to 19 matter).
func ExpSmall(x float64) float64 {
	kf := float64(x*invLn2N) + expShift
	k := math.Float64bits(kf)
	kf -= expShift
	r := x - kf*ln2HiN - float64(kf*ln2LoN)
	r2 := r * r
	return float64(math.Float64frombits(expBits[uint8(k)]+k>>8<<52) * (1 + r + float64(r2*(0.5+float64(r*(1.0/6))+float64(r2*(1.0/24))))))
}

// ExpDiff writes dst_t = e^x with x = a_t − b_t clamped into [−lim, lim],
// over len(dst), with ExpSmall (a few ulp; the
// same bits on every build). lim must lie in [0, 700]; a NaN x gives an
// unspecified value. a and b must be at least as long as dst.
func ExpDiff(dst, a, b []float64, lim float64) {
	a = a[:len(dst)]
	b = b[:len(dst)]
	t := 0
	if useAsm {
		expDiffAVX2(dst, a, b, lim, &expBits, &expConsts)
		t = len(dst) &^ 3
	}
	for ; t < len(dst); t++ {
		x := a[t] - b[t]
		if x > lim {
			x = lim
		} else if x < -lim {
			x = -lim
		}
		dst[t] = ExpSmall(x)
	}
}
