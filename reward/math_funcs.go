package reward

import (
	"math"
	"math/big"
	"math/cmplx"
)

// ratFunc evaluates the functions whose value stays rational: √ and ∛
// of perfect powers, |x|, ⌊x⌋, ⌈x⌉, n!, binomials, gcd, lcm, max, min,
// and sums and products with integer bounds.
func (e *evaluator) ratFunc(n *mnode) (*big.Rat, bool) {
	if n.name == "sum" || n.name == "prod" {
		return e.ratBigOp(n)
	}
	args := make([]*big.Rat, len(n.kids))
	for i, k := range n.kids {
		v, ok := e.ratValue(k)
		if !ok {
			return nil, false
		}
		args[i] = v
	}
	switch n.name {
	case "sqrt":
		q := int64(2)
		if len(args) == 2 {
			if !args[1].IsInt() || !args[1].Num().IsInt64() {
				return nil, false
			}
			q = args[1].Num().Int64()
		}
		if q != 2 && q != 3 {
			return nil, false
		}
		return ratRoot(args[0], q)
	case "abs":
		return new(big.Rat).Abs(args[0]), true
	case "floor", "ceil":
		return ratRound(args[0], n.name == "ceil"), true
	case "max", "min":
		return ratExtreme(args, n.name == "max"), len(args) > 0
	case "fact", "binom", "gcd", "lcm":
		return intFunc(n.name, args)
	}
	return nil, false
}

func ratRound(v *big.Rat, up bool) *big.Rat {
	q, m := new(big.Int).DivMod(v.Num(), v.Denom(), new(big.Int))
	if up && m.Sign() != 0 {
		q.Add(q, big.NewInt(1))
	}
	return new(big.Rat).SetInt(q)
}

func ratExtreme(args []*big.Rat, isMax bool) *big.Rat {
	best := args[0]
	for _, a := range args[1:] {
		if c := a.Cmp(best); c > 0 == isMax && c != 0 {
			best = a
		}
	}
	return best
}

// intFunc computes n!, \binom{n}{k}, gcd and lcm of small integers.
func intFunc(name string, args []*big.Rat) (*big.Rat, bool) {
	ints := make([]int64, len(args))
	for i, a := range args {
		if !a.IsInt() || !a.Num().IsInt64() {
			return nil, false
		}
		if ints[i] = a.Num().Int64(); ints[i] < -mathMaxFact || ints[i] > mathMaxFact {
			return nil, false
		}
	}
	r := new(big.Int)
	switch {
	case name == "fact" && len(ints) == 1 && ints[0] >= 0:
		r.MulRange(1, max(ints[0], 1))
	case name == "binom" && len(ints) == 2 && ints[0] >= 0:
		if ints[1] >= 0 && ints[1] <= ints[0] {
			r.Binomial(ints[0], ints[1])
		}
	case (name == "gcd" || name == "lcm") && len(ints) >= 2:
		r.SetInt64(abs(ints[0]))
		for _, k := range ints[1:] {
			g := new(big.Int).GCD(nil, nil, r, big.NewInt(abs(k)))
			if name == "gcd" {
				r = g
			} else if g.Sign() != 0 {
				r.Mul(r, big.NewInt(abs(k))).Quo(r, g)
			}
		}
	default:
		return nil, false
	}
	return new(big.Rat).SetInt(r), true
}

// bigOpRange returns the bounds of \sum_{k=lo}^{hi} when they are
// integers at most mathMaxSumTerms apart.
func (e *evaluator) bigOpRange(n *mnode) (lo, hi int64, ok bool) {
	a, ok1 := e.ratValue(n.kids[1])
	b, ok2 := e.ratValue(n.kids[2])
	if !ok1 || !ok2 || !a.IsInt() || !b.IsInt() || !a.Num().IsInt64() || !b.Num().IsInt64() {
		return 0, 0, false
	}
	lo, hi = a.Num().Int64(), b.Num().Int64()
	if hi-lo >= mathMaxSumTerms || hi < lo-1 {
		return 0, 0, false
	}
	return lo, hi, true
}

func (e *evaluator) ratBigOp(n *mnode) (*big.Rat, bool) {
	lo, hi, ok := e.bigOpRange(n)
	if !ok {
		return nil, false
	}
	name := n.kids[0].name
	if e.exact == nil {
		e.exact = map[string]*big.Rat{}
	}
	saved, had := e.exact[name]
	defer restore(e.exact, name, saved, had)
	sum := n.name == "sum"
	acc := identity(sum)
	for k := lo; k <= hi; k++ {
		e.exact[name] = big.NewRat(k, 1)
		v, ok := e.ratValue(n.kids[3])
		if !ok || !accumulate(acc, v, sum) {
			return nil, false
		}
	}
	return acc, true
}

// restore puts back a variable's value after a bound variable shadowed it.
func restore[V any](m map[string]V, name string, saved V, had bool) {
	if had {
		m[name] = saved
	} else {
		delete(m, name)
	}
}

var complexFuncs = map[string]func(complex128) complex128{
	"sin": cmplx.Sin, "cos": cmplx.Cos, "tan": cmplx.Tan, "asin": cmplx.Asin, "acos": cmplx.Acos,
	"atan": cmplx.Atan, "sinh": cmplx.Sinh, "cosh": cmplx.Cosh, "tanh": cmplx.Tanh, "exp": cmplx.Exp,
	"ln": cmplx.Log, "log10": cmplx.Log10,
	"sec":  func(z complex128) complex128 { return 1 / cmplx.Cos(z) },
	"csc":  func(z complex128) complex128 { return 1 / cmplx.Sin(z) },
	"cot":  func(z complex128) complex128 { return 1 / cmplx.Tan(z) },
	"asec": func(z complex128) complex128 { return cmplx.Acos(1 / z) },
	"acsc": func(z complex128) complex128 { return cmplx.Asin(1 / z) },
	"acot": func(z complex128) complex128 { return cmplx.Atan(1 / z) },
	"coth": func(z complex128) complex128 { return 1 / cmplx.Tanh(z) },
	"sech": func(z complex128) complex128 { return 1 / cmplx.Cosh(z) },
	"csch": func(z complex128) complex128 { return 1 / cmplx.Sinh(z) },
	"abs":  func(z complex128) complex128 { return complex(cmplx.Abs(z), 0) },
}

func (e *evaluator) complexFunc(n *mnode) (complex128, bool) {
	if n.name == "sum" || n.name == "prod" {
		return e.complexBigOp(n)
	}
	args, ok := e.complexKids(n)
	if !ok {
		return 0, false
	}
	var v complex128
	if f, ok := complexFuncs[n.name]; ok && len(args) == 1 {
		v = f(args[0])
	} else if len(n.name) == 1 {
		v = userFuncValue(n.name, args)
	} else if r, ok := e.complexSpecial(n.name, args); ok {
		v = r
	} else {
		return 0, false
	}
	return v, finite(v)
}

// complexSpecial evaluates √, logarithms and the functions of real
// arguments (⌊⌋, ⌈⌉, !, binomials, max, min) approximately.
func (e *evaluator) complexSpecial(name string, args []complex128) (complex128, bool) {
	switch {
	case name == "sqrt" && len(args) == 1:
		return cmplx.Sqrt(args[0]), true
	case name == "sqrt" && len(args) == 2:
		if args[1] == 0 {
			return 0, false
		}
		return complexPow(args[0], 1/args[1]), true
	case name == "log" && len(args) == 1:
		return cmplx.Log(args[0]), true
	case name == "log" && len(args) == 2:
		return cmplx.Log(args[0]) / cmplx.Log(args[1]), true
	}
	re := make([]float64, len(args))
	for i, a := range args {
		if math.Abs(imag(a)) > 1e-12*math.Max(1, math.Abs(real(a))) {
			return 0, false
		}
		re[i] = real(a)
	}
	return realFunc(name, re)
}

func realFunc(name string, x []float64) (complex128, bool) {
	switch {
	case name == "floor" && len(x) == 1:
		return complex(math.Floor(x[0]+1e-12*math.Max(1, math.Abs(x[0]))), 0), true
	case name == "ceil" && len(x) == 1:
		return complex(math.Ceil(x[0]-1e-12*math.Max(1, math.Abs(x[0]))), 0), true
	case name == "fact" && len(x) == 1:
		return complex(math.Gamma(x[0]+1), 0), true
	case name == "binom" && len(x) == 2:
		return complex(math.Gamma(x[0]+1)/(math.Gamma(x[1]+1)*math.Gamma(x[0]-x[1]+1)), 0), true
	case (name == "max" || name == "min") && len(x) > 0:
		best := x[0]
		for _, v := range x[1:] {
			if v > best == (name == "max") && v != best {
				best = v
			}
		}
		return complex(best, 0), true
	}
	return 0, false
}

func (e *evaluator) complexBigOp(n *mnode) (complex128, bool) {
	lo, hi, ok := e.bigOpRange(n)
	if !ok {
		return 0, false
	}
	name := n.kids[0].name
	if e.near == nil {
		e.near = map[string]complex128{}
	}
	saved, had := e.near[name]
	defer restore(e.near, name, saved, had)
	sum := n.name == "sum"
	acc := complex(0, 0)
	if !sum {
		acc = 1
	}
	for k := lo; k <= hi; k++ {
		e.near[name] = complex(float64(k), 0)
		v, ok := e.complexValue(n.kids[3])
		if !ok {
			return 0, false
		}
		acc = accumulateComplex(acc, v, sum)
	}
	return acc, finite(acc)
}
