package reward

import (
	"hash/fnv"
	"math"
	"math/big"
	"math/cmplx"
)

// Limits of exact evaluation: a value whose numerator or denominator
// would pass mathMaxBits bits is not computed exactly (10^{10^{10}} is
// refused, not attempted), and the approximate value is tried instead,
// where it overflows and makes the expression not comparable.
const (
	mathMaxBits     = 1 << 15 // about 9,900 decimal digits
	mathMaxFact     = 2000    // largest n for n! and \binom{n}{k} computed exactly
	mathMaxSumTerms = 1000    // most terms of a \sum or \prod evaluated
)

// evaluator computes the value of a scalar expression, exactly as a
// rational (exact) or approximately as a complex number (approx), with
// the variables set to vals. ok is false when the expression has no value
// of that kind: an irrational constant for exact, a division by zero, a
// non-finite result, a set, an unknown function, or the work budget spent.
type evaluator struct {
	work  *mathWork
	exact map[string]*big.Rat
	near  map[string]complex128
}

func (e *evaluator) ratValue(n *mnode) (*big.Rat, bool) {
	if !e.work.spend(1) {
		return nil, false
	}
	switch n.op {
	case mNum:
		return n.val, true
	case mSym:
		v, ok := e.exact[n.name]
		return v, ok
	case mAdd, mMul:
		return e.ratFold(n)
	case mNeg:
		v, ok := e.ratValue(n.kids[0])
		if !ok {
			return nil, false
		}
		return new(big.Rat).Neg(v), true
	case mDiv:
		a, ok1 := e.ratValue(n.kids[0])
		b, ok2 := e.ratValue(n.kids[1])
		if !ok1 || !ok2 || b.Sign() == 0 {
			return nil, false
		}
		return checkBits(new(big.Rat).Quo(a, b))
	case mPct:
		v, ok := e.ratValue(n.kids[0])
		if !ok {
			return nil, false
		}
		return new(big.Rat).Quo(v, big.NewRat(100, 1)), true
	case mPow:
		return e.ratPow(n.kids[0], n.kids[1])
	case mFunc:
		return e.ratFunc(n)
	}
	return nil, false
}

func checkBits(r *big.Rat) (*big.Rat, bool) {
	if r.Num().BitLen() > mathMaxBits || r.Denom().BitLen() > mathMaxBits {
		return nil, false
	}
	return r, true
}

func (e *evaluator) ratFold(n *mnode) (*big.Rat, bool) {
	sum := n.op == mAdd
	acc := identity(sum)
	for _, k := range n.kids {
		v, ok := e.ratValue(k)
		if !ok || !accumulate(acc, v, sum) {
			return nil, false
		}
	}
	return acc, true
}

// identity is 0 for a sum, 1 for a product.
func identity(sum bool) *big.Rat {
	if sum {
		return new(big.Rat)
	}
	return big.NewRat(1, 1)
}

// accumulate adds v to acc, or multiplies acc by it, and reports whether
// acc still fits mathMaxBits.
func accumulate(acc, v *big.Rat, sum bool) bool {
	if sum {
		acc.Add(acc, v)
	} else {
		acc.Mul(acc, v)
	}
	_, ok := checkBits(acc)
	return ok
}

// accumulateComplex is accumulate in floating point.
func accumulateComplex(acc, v complex128, sum bool) complex128 {
	if sum {
		return acc + v
	}
	return acc * v
}

// ratPow computes base^exp for an integer exponent, or for exponent p/q
// with q ≤ 3 when the root is exact (\sqrt{36}, 8^{2/3}).
func (e *evaluator) ratPow(base, exp *mnode) (*big.Rat, bool) {
	b, ok1 := e.ratValue(base)
	x, ok2 := e.ratValue(exp)
	if !ok1 || !ok2 || !x.Denom().IsInt64() || x.Denom().Int64() > 3 || !x.Num().IsInt64() {
		return nil, false
	}
	if q := x.Denom().Int64(); q > 1 {
		r, ok := ratRoot(b, q)
		if !ok {
			return nil, false
		}
		return powInt(r, x.Num().Int64())
	}
	return powInt(b, x.Num().Int64())
}

// powInt computes b^k when the result fits mathMaxBits.
func powInt(b *big.Rat, k int64) (*big.Rat, bool) {
	if b.Sign() == 0 {
		if k <= 0 {
			return nil, false
		}
		return new(big.Rat), true
	}
	if k < -mathMaxBits || k > mathMaxBits {
		return nil, false // also keeps −k from overflowing
	}
	n := abs(k)
	if bits := int64(max(b.Num().BitLen(), b.Denom().BitLen())); bits > 1 && bits*n > mathMaxBits {
		return nil, false
	}
	num := new(big.Int).Exp(b.Num(), big.NewInt(n), nil)
	den := new(big.Int).Exp(b.Denom(), big.NewInt(n), nil)
	if k < 0 {
		num, den = den, num
	}
	return new(big.Rat).SetFrac(num, den), true
}

// abs is |k| for a k known to be above the smallest value of its type.
func abs[T int | int64](k T) T {
	if k < 0 {
		return -k
	}
	return k
}

// ratRoot returns the exact non-negative q-th root (q = 2 or 3) of a
// non-negative rational, when it has one.
func ratRoot(b *big.Rat, q int64) (*big.Rat, bool) {
	if b.Sign() < 0 {
		return nil, false
	}
	n, ok1 := intRoot(b.Num(), q)
	d, ok2 := intRoot(b.Denom(), q)
	if !ok1 || !ok2 {
		return nil, false
	}
	return new(big.Rat).SetFrac(n, d), true
}

func intRoot(x *big.Int, q int64) (*big.Int, bool) {
	var r *big.Int
	if q == 2 {
		r = new(big.Int).Sqrt(x)
	} else {
		f, _ := new(big.Float).SetInt(x).Float64()
		r = big.NewInt(int64(math.Round(math.Cbrt(f))))
		if x.BitLen() > 60 {
			return nil, false
		}
	}
	return r, new(big.Int).Exp(r, big.NewInt(q), nil).Cmp(x) == 0
}

func (e *evaluator) complexValue(n *mnode) (complex128, bool) {
	if !e.work.spend(1) {
		return 0, false
	}
	var v complex128
	switch n.op {
	case mNum:
		f, _ := n.val.Float64()
		v = complex(f, 0)
	case mSym:
		var ok bool
		if v, ok = e.near[n.name]; !ok {
			return 0, false
		}
	case mConst:
		v = constValue(n.name)
	case mAdd, mMul, mNeg, mDiv, mPct, mPow:
		return e.complexArith(n)
	case mFunc:
		return e.complexFunc(n)
	default:
		return 0, false
	}
	return v, finite(v)
}

func finite(v complex128) bool { return !cmplx.IsInf(v) && !cmplx.IsNaN(v) }

// complexKids evaluates the children of n approximately.
func (e *evaluator) complexKids(n *mnode) ([]complex128, bool) {
	vals := make([]complex128, len(n.kids))
	for i, k := range n.kids {
		v, ok := e.complexValue(k)
		if !ok {
			return nil, false
		}
		vals[i] = v
	}
	return vals, true
}

func (e *evaluator) complexArith(n *mnode) (complex128, bool) {
	vals, ok := e.complexKids(n)
	if !ok {
		return 0, false
	}
	var v complex128
	switch n.op {
	case mAdd, mMul:
		v = vals[0]
		for _, x := range vals[1:] {
			v = accumulateComplex(v, x, n.op == mAdd)
		}
	case mNeg:
		v = complex(0-real(vals[0]), 0-imag(vals[0])) // 0−x, not −x: no negative zero to flip √ to −i
	case mPct:
		v = vals[0] / 100
	case mDiv:
		if vals[1] == 0 {
			return 0, false
		}
		v = vals[0] / vals[1]
	case mPow:
		v = complexPow(vals[0], vals[1])
	}
	return v, finite(v)
}

// complexPow is the principal power, exact for small integer exponents
// and real for a positive real base.
func complexPow(b, x complex128) complex128 {
	if imag(x) == 0 && real(x) == math.Trunc(real(x)) && math.Abs(real(x)) <= 64 {
		k := int(real(x))
		r := complex(1, 0)
		for i := 0; i < abs(k); i++ {
			r *= b
		}
		if k < 0 {
			return 1 / r
		}
		return r
	}
	if imag(b) == 0 && real(b) > 0 && imag(x) == 0 {
		return complex(math.Pow(real(b), real(x)), 0)
	}
	return cmplx.Pow(b, x)
}

// userFuncValue is the value of an unknown function f(args): a fixed
// pseudo-random number of the name and the arguments (rounded to 9
// significant digits), so f(2) = f(1+1) but f(x) ≠ f(y) and f(2) ≠ 2f(1).
func userFuncValue(name string, args []complex128) complex128 {
	h := fnv.New64a()
	h.Write([]byte(name))
	for _, a := range args {
		for _, f := range []float64{real(a), imag(a)} {
			r := roundSig(f, 9)
			var b [8]byte
			u := math.Float64bits(r)
			for i := range b {
				b[i] = byte(u >> (8 * i))
			}
			h.Write(b[:])
		}
	}
	return complex(0.5+float64(h.Sum64()>>11)/float64(1<<53), 0)
}

func roundSig(f float64, digits int) float64 {
	if f == 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return f
	}
	scale := math.Pow(10, float64(digits)-math.Ceil(math.Log10(math.Abs(f))))
	return math.Round(f*scale) / scale
}

func constValue(name string) complex128 {
	switch name {
	case "e":
		return math.E
	case "pi":
		return math.Pi
	case "i":
		return 1i
	}
	return complex(math.Inf(1), 0)
}
