package reward

import (
	"math"
	"math/big"
	"math/cmplx"
	"math/rand/v2"
	"sort"
	"strings"
)

// Random-point testing of expressions with variables (see Math): the
// values agree at mathTrials points, each drawn uniformly from the
// integers in [−mathPointRange, mathPointRange] ∖ {0} when both sides
// evaluate exactly there, else from ±[0.3, 2.3] in floating point.
const (
	mathTrials     = 4
	mathMaxTries   = 12
	mathPointRange = 1 << 15
)

// mathCmp compares two prepared answers, gold first. It is not safe for
// concurrent use; one is made per verification.
type mathCmp struct {
	work      *mathWork
	precision int     // decimal places for numbers written with decimals
	tol       float64 // relative tolerance of approximate values
	setRel    bool    // a relation in the answer may equal a set in the gold
	strictEq  bool    // an equation never equals a bare value
	rng       *rand.Rand
}

func newMathCmp(w *mathWork, precision int, tol float64) *mathCmp {
	return &mathCmp{work: w, precision: precision, tol: tol}
}

// equal follows Math-Verify's order: assignments unwrapped, a gold
// relation compared as a set with a set, then relations, collections,
// text and scalars.
func (c *mathCmp) equal(g, p *mnode) bool {
	if !c.work.spend(1) {
		return false
	}
	g, p = c.unwrapAssignments(g, p)
	if g.op == mRel && isSetLike(p) {
		g = c.asSetOr(g)
	}
	if c.setRel && p.op == mRel && isSetLike(g) {
		p = c.asSetOr(p)
	}
	if canon(g) == canon(p) {
		return true
	}
	switch {
	case g.op == mRel || p.op == mRel:
		return g.op == p.op && c.relEqual(g, p)
	case isCollection(g) || isCollection(p):
		return c.collectionEqual(g, p)
	case g.op == mText || p.op == mText:
		return textEqual(g, p)
	}
	return c.scalarEqual(g, p)
}

func isSetLike(n *mnode) bool {
	switch n.op {
	case mList, mSet, mPair, mInterval, mUnion, mInter, mMinus, mSpecial:
		return true
	}
	return false
}

func isCollection(n *mnode) bool { return isSetLike(n) || n.op == mTuple || n.op == mMatrix }

func isEquation(n *mnode) bool {
	if n.op != mRel {
		return false
	}
	for _, r := range n.rels {
		if r != rEq {
			return false
		}
	}
	return true
}

// isAssignment reports whether n is "x = …" with variables alone on the
// left (x = 3, f(x) = 1, (p, q) = (3, 2), AB = 4).
func isAssignment(n *mnode) bool { return isEquation(n) && onlySymbols(n.kids[0]) }

// unwrapAssignments follows Math-Verify: an assignment chain keeps its
// first left and last right side (x = 5+5+1 = 11 is x = 11); an equation
// answer to a gold that is not one counts by its last right side (the
// gold 11 and "x = 11"); an assignment gold to an answer that is not an
// equation counts by its value (the gold x = 11 and "11"). With strictEq
// nothing is unwrapped.
func (c *mathCmp) unwrapAssignments(g, p *mnode) (*mnode, *mnode) {
	if c.strictEq {
		return g, p
	}
	ga := isAssignment(g)
	if ga {
		g = firstLast(g)
	}
	if isAssignment(p) {
		p = firstLast(p)
	}
	switch {
	case isEquation(p) && !isEquation(g):
		p = p.kids[len(p.kids)-1]
	case ga && !isEquation(p):
		g = g.kids[len(g.kids)-1]
	}
	return g, p
}

func firstLast(n *mnode) *mnode {
	return &mnode{op: mRel, kids: []*mnode{n.kids[0], n.kids[len(n.kids)-1]}, rels: []relOp{rEq}}
}

// relEqual compares relations: chains link by link; one relation as the
// same relation with its sides in either direction (x ≥ 5 is 5 ≤ x), or
// as the same difference of sides up to a constant factor (positive for
// inequalities): 2x+4y−3 = 0 is y = −x/2 + 3/4, −x > −1 is x < 1.
func (c *mathCmp) relEqual(g, p *mnode) bool {
	if len(g.rels) > 1 || len(p.rels) > 1 {
		if len(g.rels) != len(p.rels) {
			return false
		}
		for i := range g.rels {
			if !c.relEqual(link(g, i), link(p, i)) {
				return false
			}
		}
		return true
	}
	gl, gr, gop := orient(g)
	pl, pr, pop := orient(p)
	if gop != pop || gop == rIn || gop == rNotIn {
		return false
	}
	symmetric := gop == rEq || gop == rNe
	if c.equal(gl, pl) && c.equal(gr, pr) || symmetric && c.equal(gl, pr) && c.equal(gr, pl) {
		return true
	}
	fg, fp := difference(gl, gr), difference(pl, pr)
	return c.proportional(fg, fp, !symmetric)
}

func link(n *mnode, i int) *mnode {
	return &mnode{op: mRel, kids: n.kids[i : i+2], rels: n.rels[i : i+1]}
}

// orient writes a > b as b < a and a ≥ b as b ≤ a.
func orient(n *mnode) (l, r *mnode, op relOp) {
	l, r, op = n.kids[0], n.kids[1], n.rels[0]
	switch op {
	case rGt:
		return r, l, rLt
	case rGe:
		return r, l, rLe
	}
	return l, r, op
}

func difference(a, b *mnode) *mnode { return opNode(mAdd, a, opNode(mNeg, b)) }

// textEqual compares text answers, case- and space-insensitively; a
// product of letters reads as a word (\text{odd} and "odd").
func textEqual(g, p *mnode) bool {
	a, ok1 := lettersOf(g)
	b, ok2 := lettersOf(p)
	return ok1 && ok2 && strings.EqualFold(a, b)
}

func lettersOf(n *mnode) (string, bool) {
	switch {
	case n.op == mText:
		return n.name, true
	case n.op == mSym && len(n.name) == 1, n.op == mConst && (n.name == "e" || n.name == "i"):
		return n.name, true
	case n.op == mMul:
		var b strings.Builder
		for _, k := range n.kids {
			s, ok := lettersOf(k)
			if !ok {
				return "", false
			}
			b.WriteString(s)
		}
		return b.String(), true
	}
	return "", false
}

// scalarEqual compares two expressions: a number written with decimals
// (or such a percentage) against the other rounded to precision places;
// constants exactly when both are rational, else within tol; expressions
// with variables at random points (see mathTrials).
func (c *mathCmp) scalarEqual(g, p *mnode) bool {
	if isDecimalLiteral(g) || isDecimalLiteral(p) {
		return c.roundedEqual(g, p)
	}
	vars := symbolsOf(g, symbolsOf(p, nil))
	if len(vars) == 0 {
		ev := &evaluator{work: c.work}
		a, ok1 := ev.ratValue(g)
		b, ok2 := ev.ratValue(p)
		if ok1 && ok2 {
			return a.Cmp(b) == 0
		}
		x, ok1 := ev.complexValue(g)
		y, ok2 := ev.complexValue(p)
		return ok1 && ok2 && c.near(x, y)
	}
	return c.agreeAtPoints(vars, true, func(ev *evaluator, exact bool) (bool, bool) {
		if exact {
			a, ok1 := ev.ratValue(g)
			b, ok2 := ev.ratValue(p)
			return ok1 && ok2 && a.Cmp(b) == 0, ok1 && ok2
		}
		x, ok1 := ev.complexValue(g)
		y, ok2 := ev.complexValue(p)
		return ok1 && ok2 && c.near(x, y), ok1 && ok2
	})
}

// agreeAtPoints draws random points for vars and asks test whether the
// two sides agree there; defined reports whether both had a value. An
// exact point is tried first when exactFirst is set, then a
// floating-point one. It needs mathTrials defined points, all agreeing.
func (c *mathCmp) agreeAtPoints(vars []string, exactFirst bool, test func(ev *evaluator, exact bool) (agree, defined bool)) bool {
	good := 0
	for try := 0; try < mathMaxTries && good < mathTrials; try++ {
		agree, defined := false, false
		if exactFirst {
			agree, defined = test(c.point(vars, true), true)
		}
		if !defined {
			agree, defined = test(c.point(vars, false), false)
		}
		if defined && !agree {
			return false
		}
		if defined {
			good++
		}
		if c.work.left < 0 {
			return false
		}
	}
	return good >= mathTrials
}

// point returns an evaluator with vars set to a random point.
func (c *mathCmp) point(vars []string, exact bool) *evaluator {
	if c.rng == nil {
		c.rng = rand.New(rand.NewPCG(0x5eed, 0x3a7)) // a fixed seed: verdicts are reproducible
	}
	ev := &evaluator{work: c.work}
	if exact {
		ev.exact = make(map[string]*big.Rat, len(vars))
	} else {
		ev.near = make(map[string]complex128, len(vars))
	}
	for _, v := range vars {
		if exact {
			k := c.rng.Int64N(2*mathPointRange) - mathPointRange
			if k >= 0 {
				k++
			}
			ev.exact[v] = big.NewRat(k, 1)
		} else {
			x := 0.3 + 2*c.rng.Float64()
			if c.rng.IntN(2) == 0 {
				x = -x
			}
			ev.near[v] = complex(x, 0)
		}
	}
	return ev
}

func (c *mathCmp) near(x, y complex128) bool {
	return cmplx.Abs(x-y) <= c.tol*math.Max(1, math.Max(cmplx.Abs(x), cmplx.Abs(y)))
}

// proportional reports whether a = k·b for one constant k ≠ 0 (k > 0
// when positive is set) at random floating-point points.
func (c *mathCmp) proportional(a, b *mnode, positive bool) bool {
	vars := symbolsOf(a, symbolsOf(b, nil))
	if len(vars) == 0 {
		return false
	}
	var ratio complex128
	have := false
	return c.agreeAtPoints(vars, false, func(ev *evaluator, _ bool) (bool, bool) {
		x, ok1 := ev.complexValue(a)
		y, ok2 := ev.complexValue(b)
		if !ok1 || !ok2 || x == 0 && y == 0 {
			return false, false
		}
		if x == 0 || y == 0 {
			return false, true
		}
		r := x / y
		if positive && (real(r) <= 0 || math.Abs(imag(r)) > c.tol*cmplx.Abs(r)) {
			return false, true
		}
		if !have {
			ratio, have = r, true
		}
		return c.near(r, ratio), true
	})
}

// symbolsOf adds the variables of n to vars, sorted, once each.
func symbolsOf(n *mnode, vars []string) []string {
	if n.op == mSym {
		i := sort.SearchStrings(vars, n.name)
		if i == len(vars) || vars[i] != n.name {
			vars = append(vars, "")
			copy(vars[i+1:], vars[i:])
			vars[i] = n.name
		}
	}
	for _, k := range n.kids {
		vars = symbolsOf(k, vars)
	}
	return vars
}

// isDecimalLiteral reports whether n is a number written with decimals,
// maybe negated or a percentage (−0.5, 12.5%): Math-Verify compares such
// a number to the other side rounded to its float_rounding places.
func isDecimalLiteral(n *mnode) bool {
	for n.op == mNeg || n.op == mPct {
		n = n.kids[0]
	}
	return n.op == mNum && n.dec
}

// roundedEqual compares two constants rounded to c.precision places.
func (c *mathCmp) roundedEqual(g, p *mnode) bool {
	ev := &evaluator{work: c.work}
	a, ok1 := ev.ratValue(g)
	b, ok2 := ev.ratValue(p)
	if ok1 && ok2 {
		scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(c.precision)), nil))
		return roundRat(a, scale).Cmp(roundRat(b, scale)) == 0
	}
	x, ok1 := ev.complexValue(g)
	y, ok2 := ev.complexValue(p)
	if !ok1 || !ok2 || imag(x) != 0 || imag(y) != 0 {
		return false
	}
	scale := math.Pow(10, float64(c.precision))
	return math.Round(real(x)*scale) == math.Round(real(y)*scale)
}

// roundRat rounds r·scale half away from zero.
func roundRat(r, scale *big.Rat) *big.Int {
	s := new(big.Rat).Mul(r, scale)
	half := big.NewRat(1, 2)
	if s.Sign() < 0 {
		half.Neg(half)
	}
	s.Add(s, half)
	return new(big.Int).Quo(s.Num(), s.Denom())
}
