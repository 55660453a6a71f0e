package policy

import "math"

// expTable[j] = 2^(j/expN), the table of the table-driven exponential.
var expTable = func() (t [expN]float64) {
	for j := range t {
		t[j] = math.Exp2(float64(j) / expN)
	}
	return t
}()

const (
	expN     = 256
	expShift = 0x1.8p52                          // adding and subtracting it rounds to an integer
	ln2HiN   = 6.93147180369123816490e-01 / expN // high bits of ln2 (fdlibm's Ln2Hi): k·ln2HiN is exact
	ln2LoN   = 1.90821492927058770002e-10 / expN
	invLn2N  = expN / math.Ln2
)

// fastExp returns e^x with a relative error of a few ulp (well under the
// 1e-9 tolerance of the golden cases) and about three times the speed of
// math.Exp: x = (k/N)·ln2 + r with N = 256 and |r| ≤ ln2/(2N), so e^x =
// 2^(k/N)·e^r with 2^(k/N) from a table and e^r from a degree-5 Taylor
// polynomial. Arguments outside ±700 (and NaN, ±Inf) go to math.Exp.
func fastExp(x float64) float64 {
	if !(x > -700 && x < 700) {
		return math.Exp(x)
	}
	kf := x*invLn2N + expShift
	k := int64(math.Float64bits(kf)) // low bits hold round(x·N/ln2)
	kf -= expShift
	r := x - kf*ln2HiN - kf*ln2LoN
	p := 1 + r*(1+r*(0.5+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
	// 2^(k/N) = 2^(k>>8) · table[k&255]; k>>8 is the exponent to add.
	e := (k >> 8) << 52
	s := math.Float64frombits(uint64(int64(math.Float64bits(expTable[k&(expN-1)])) + e))
	return s * p
}
