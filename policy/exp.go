package policy

import "math"

// expTable[j] = 2^(j/expN), the table of the table-driven exponential,
// and expBits its bit patterns.
var expTable, expBits = func() (t [expN]float64, b [expN]uint64) {
	for j := range t {
		t[j] = math.Exp2(float64(j) / expN)
		b[j] = math.Float64bits(t[j])
	}
	return t, b
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
// 2^(k/N)·e^r with 2^(k/N) from a table and e^r from a degree-4 Taylor
// polynomial. Arguments outside ±700 (and NaN, ±Inf) go to math.Exp.
func fastExp(x float64) float64 {
	if !(x > -700 && x < 700) {
		return math.Exp(x)
	}
	return expSmall(x)
}

// logTable[j] = log(c_j) and logInv[j] = 1/c_j for the centres
// c_j = 1 + (j + 1/2)/logN of logN sub-intervals of [1, 2).
var logTable, logInv = func() (l, inv [logN]float64) {
	for j := range l {
		c := 1 + (float64(j)+0.5)*(1.0/logN)
		l[j] = math.Log(c)
		inv[j] = 1 / c
	}
	return l, inv
}()

const logN = 128

// expSmall is fastExp without the range check, for |x| ≤ 700; it is
// small enough to be inlined.
func expSmall(x float64) float64 {
	kf := x*invLn2N + expShift
	k := int64(math.Float64bits(kf))
	kf -= expShift
	r := x - kf*ln2HiN - kf*ln2LoN
	r2 := r * r
	return math.Float64frombits(expBits[k&(expN-1)]+uint64(k>>8)<<52) * ((1 + r) + r2*((0.5+r*(1.0/6))+r2*(1.0/24)))
}

// fastLog returns log x for a positive normal x with an absolute error of
// about 1e-16 (plus a relative one of a few ulp): with x = 2^e·m, m in
// [1, 2), and c the table centre nearest m, log x = e·ln2 + log c +
// log1p(u) with u = (m − c)/c, |u| ≤ 1/256, and log1p from its degree-7
// Taylor series (degree 6 in the inlined copies). Zero, negative, subnormal, NaN and ±Inf arguments go to
// math.Log.
func fastLog(x float64) float64 {
	if !(x >= 0x1p-1022 && x <= math.MaxFloat64) {
		return math.Log(x)
	}
	bits := math.Float64bits(x)
	e := int64(bits>>52) - 1023
	m := math.Float64frombits(bits&(1<<52-1) | 1023<<52)
	j := (bits >> (52 - 7)) & (logN - 1)
	c := 1 + (float64(j)+0.5)*(1.0/logN)
	u := (m - c) * logInv[j]
	p := u * (1 + u*(-0.5+u*(1.0/3+u*(-0.25+u*(0.2+u*(-1.0/6+u*(1.0/7)))))))
	return float64(e)*ln2Hi + (logTable[j] + (p + float64(e)*ln2Lo))
}

const (
	ln2Hi = 6.93147180369123816490e-01
	ln2Lo = 1.90821492927058770002e-10
)
