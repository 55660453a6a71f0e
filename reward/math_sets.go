package reward

import (
	"math"
	"math/big"
	"sort"
)

// collectionEqual compares matrices (shape and entries), intervals
// (brackets and endpoints), sets built with ∪, ∩ and ∖ (as sets of real
// numbers), and finite collections: a gold tuple or pair in order, a gold
// set or single value in any order (Math-Verify's convention: a gold
// (1, 2) takes the answer "1, 2" in the order written).
func (c *mathCmp) collectionEqual(g, p *mnode) bool {
	switch {
	case g.op == mMatrix || p.op == mMatrix:
		return g.op == p.op && g.rows == p.rows && g.cols == p.cols && c.pairwise(g.kids, p.kids)
	case setAlgebra(g) || setAlgebra(p):
		return c.sameReals(g, p)
	case g.op == mInterval || p.op == mInterval:
		return c.intervalEqual(g, p)
	}
	ge, ordered := members(g)
	pe, _ := members(p)
	if ordered {
		return c.pairwise(ge, pe)
	}
	return c.sameSet(c.dedup(ge), c.dedup(pe))
}

func setAlgebra(n *mnode) bool {
	return n.op == mUnion || n.op == mInter || n.op == mMinus || n.op == mSpecial
}

// members returns the elements of a finite collection, and whether their
// order counts; a single value is a set of one.
func members(n *mnode) ([]*mnode, bool) {
	switch n.op {
	case mList, mSet:
		return n.kids, false
	case mTuple, mPair:
		return n.kids, true
	}
	return []*mnode{n}, false
}

func (c *mathCmp) pairwise(g, p []*mnode) bool {
	if len(g) != len(p) {
		return false
	}
	for i := range g {
		if !c.equal(g[i], p[i]) {
			return false
		}
	}
	return true
}

// sameSet matches every gold element to its own answer element.
func (c *mathCmp) sameSet(g, p []*mnode) bool {
	if len(g) != len(p) {
		return false
	}
	used := make([]bool, len(p))
	for _, x := range g {
		found := false
		for j, y := range p {
			if !used[j] && c.equal(x, y) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// dedup drops repeated elements: a set holds each value once.
func (c *mathCmp) dedup(xs []*mnode) []*mnode {
	out := xs[:0:0]
	for _, x := range xs {
		dup := false
		for _, y := range out {
			if canon(x) == canon(y) || len(xs) <= 16 && c.equal(y, x) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, x)
		}
	}
	return out
}

// intervalEqual compares two intervals, a pair (a, b) counting as the
// open interval: the brackets and both endpoints must match.
func (c *mathCmp) intervalEqual(g, p *mnode) bool {
	gi, ok1 := asInterval(g)
	pi, ok2 := asInterval(p)
	return ok1 && ok2 && gi.lopen == pi.lopen && gi.ropen == pi.ropen &&
		c.equal(gi.kids[0], pi.kids[0]) && c.equal(gi.kids[1], pi.kids[1])
}

func asInterval(n *mnode) (*mnode, bool) {
	switch n.op {
	case mInterval:
		return n, true
	case mPair:
		return &mnode{op: mInterval, kids: n.kids, lopen: true, ropen: true}, true
	}
	return nil, false
}

// asSetOr returns the set of real numbers a relation in one variable
// describes (x > 5 is (5, ∞), −2 ≤ x ≤ 7 is [−2, 7], 1 ≤ |z| ≤ 3/2 is
// [−3/2, −1] ∪ [1, 3/2]), or the relation itself when it describes none
// that can be written so.
func (c *mathCmp) asSetOr(n *mnode) *mnode {
	if len(n.rels) == 2 {
		if s, ok := chainSet(n); ok {
			return s
		}
	}
	if len(n.rels) == 1 {
		if s, ok := c.linearSet(n); ok {
			return s
		}
	}
	return n
}

func negInf() *mnode { return opNode(mNeg, &mnode{op: mConst, name: "inf"}) }
func posInf() *mnode { return &mnode{op: mConst, name: "inf"} }

func interval(lo, hi *mnode, lopen, ropen bool) *mnode {
	return &mnode{op: mInterval, kids: []*mnode{lo, hi}, lopen: lopen, ropen: ropen}
}

// chainSet reads a < M < b (or with ≤, or both signs reversed) where M is
// a variable, a function of variables or |variable|.
func chainSet(n *mnode) (*mnode, bool) {
	lo, m, hi := n.kids[0], n.kids[1], n.kids[2]
	r1, r2 := n.rels[0], n.rels[1]
	if (r1 == rGt || r1 == rGe) && (r2 == rGt || r2 == rGe) {
		lo, hi, r1, r2 = hi, lo, flipRel(r2), flipRel(r1)
	}
	if r1 != rLt && r1 != rLe || r2 != rLt && r2 != rLe || len(symbolsOf(lo, symbolsOf(hi, nil))) > 0 {
		return nil, false
	}
	lopen, ropen := r1 == rLt, r2 == rLt
	switch {
	case m.op == mSym || m.op == mFunc && len(m.name) == 1:
		return interval(lo, hi, lopen, ropen), true
	case m.op == mFunc && m.name == "abs" && m.kids[0].op == mSym:
		return opNode(mUnion, interval(opNode(mNeg, hi), opNode(mNeg, lo), ropen, lopen), interval(lo, hi, lopen, ropen)), true
	}
	return nil, false
}

func flipRel(r relOp) relOp {
	switch r {
	case rGt:
		return rLt
	case rGe:
		return rLe
	case rLt:
		return rGt
	case rLe:
		return rGe
	}
	return r
}

// linearSet reads a relation a·x + b ⋚ c·x + d in one variable x.
func (c *mathCmp) linearSet(n *mnode) (*mnode, bool) {
	l, r, op := n.kids[0], n.kids[1], n.rels[0]
	vars := symbolsOf(n, nil)
	if len(vars) != 1 || op == rApprox || op == rIn || op == rNotIn {
		return nil, false
	}
	var root *mnode
	if l.op == mSym && len(symbolsOf(r, nil)) == 0 {
		root = r
	} else if r.op == mSym && len(symbolsOf(l, nil)) == 0 {
		root, op = l, flipRel(op)
	} else {
		x0, slope, ok := c.solveLinear(difference(l, r), vars[0])
		if !ok {
			return nil, false
		}
		root = numNode(x0, false)
		if slope < 0 {
			op = flipRel(op)
		}
	}
	switch op {
	case rEq:
		return &mnode{op: mSet, kids: []*mnode{root}}, true
	case rNe:
		return opNode(mUnion, interval(negInf(), root, true, true), interval(root, posInf(), true, true)), true
	case rLt, rLe:
		return interval(negInf(), root, true, op == rLt), true
	}
	return interval(root, posInf(), op == rGt, true), true
}

// sameReals compares two sets of real numbers built from intervals,
// finite sets of constants, ℝ and ∅ with ∪, ∩ and ∖. All endpoints of
// both sides cut the line into points and open gaps; the sets are equal
// when they agree on every point and every gap.
func (c *mathCmp) sameReals(g, p *mnode) bool {
	var cuts []cut
	if !c.collectCuts(g, &cuts) || !c.collectCuts(p, &cuts) {
		return c.sameUnionMembers(g, p)
	}
	cuts = c.mergeCuts(cuts)
	a, ok1 := c.membership(g, cuts)
	b, ok2 := c.membership(p, cuts)
	if !ok1 || !ok2 {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sameUnionMembers compares unions of the same shape member by member, in
// any order, for sets whose endpoints are not constants.
func (c *mathCmp) sameUnionMembers(g, p *mnode) bool {
	if g.op != p.op || g.op != mUnion && g.op != mInter {
		return false
	}
	return c.sameSet(flattenOp(g, g.op), flattenOp(p, p.op))
}

func flattenOp(n *mnode, op mop) []*mnode {
	if n.op != op {
		return []*mnode{n}
	}
	var out []*mnode
	for _, k := range n.kids {
		out = append(out, flattenOp(k, op)...)
	}
	return out
}

// cut is an endpoint: its node and value.
type cut struct {
	node *mnode
	v    float64
}

// collectCuts adds the finite endpoints of the leaves of n.
func (c *mathCmp) collectCuts(n *mnode, cuts *[]cut) bool {
	switch n.op {
	case mUnion, mInter, mMinus:
		return c.collectCuts(n.kids[0], cuts) && c.collectCuts(n.kids[1], cuts)
	case mSpecial:
		return n.name == "R" || n.name == "empty"
	case mInterval, mPair, mList, mSet:
		for _, k := range n.kids {
			v, ok := c.realConst(k)
			if !ok {
				return false
			}
			if !math.IsInf(v, 0) {
				*cuts = append(*cuts, cut{k, v})
			}
		}
		return true
	}
	v, ok := c.realConst(n)
	if ok && !math.IsInf(v, 0) {
		*cuts = append(*cuts, cut{n, v})
	}
	return ok
}

// realConst is the real value of a constant endpoint; ±∞ allowed.
func (c *mathCmp) realConst(n *mnode) (float64, bool) {
	switch canon(n) {
	case "inf":
		return math.Inf(1), true
	case "neg(inf)":
		return math.Inf(-1), true
	}
	if len(symbolsOf(n, nil)) > 0 {
		return 0, false
	}
	v, ok := (&evaluator{work: c.work}).complexValue(n)
	return real(v), ok && imag(v) == 0
}

// mergeCuts sorts the endpoints and keeps one of each value (endpoints
// that compare equal count as one).
func (c *mathCmp) mergeCuts(cuts []cut) []cut {
	sort.SliceStable(cuts, func(i, j int) bool { return cuts[i].v < cuts[j].v })
	var out []cut
	for _, x := range cuts {
		if len(out) > 0 {
			last := out[len(out)-1]
			if x.v == last.v || math.Abs(x.v-last.v) <= 1e-6*math.Max(1, math.Abs(x.v)) && c.equal(last.node, x.node) {
				continue
			}
		}
		out = append(out, x)
	}
	return out
}

// membership says, for each of the 2·len(cuts)+1 places (gap, cut, gap,
// …, cut, gap), whether it lies in the set n.
func (c *mathCmp) membership(n *mnode, cuts []cut) ([]bool, bool) {
	places := 2*len(cuts) + 1
	switch n.op {
	case mUnion, mInter, mMinus:
		a, ok1 := c.membership(n.kids[0], cuts)
		b, ok2 := c.membership(n.kids[1], cuts)
		for i := range a {
			switch n.op {
			case mUnion:
				a[i] = a[i] || b[i]
			case mInter:
				a[i] = a[i] && b[i]
			default:
				a[i] = a[i] && !b[i]
			}
		}
		return a, ok1 && ok2
	case mSpecial:
		in := make([]bool, places)
		for i := range in {
			in[i] = n.name == "R"
		}
		return in, true
	case mInterval, mPair:
		return c.intervalPlaces(n, cuts)
	}
	in := make([]bool, places)
	for _, k := range elementsOf(n) {
		i, ok := c.placeOf(k, cuts)
		if !ok || i < 0 || i >= places {
			return nil, false // not a point, or ±∞, which no set of reals holds
		}
		in[i] = true
	}
	return in, true
}

// placeOf returns the place of an endpoint: 2i+1 for cuts[i]; −∞ and +∞
// lie beyond the gaps at either end (−1 and 2·len(cuts)+1).
func (c *mathCmp) placeOf(n *mnode, cuts []cut) (int, bool) {
	v, ok := c.realConst(n)
	if !ok {
		return 0, false
	}
	switch {
	case math.IsInf(v, -1):
		return -1, true
	case math.IsInf(v, 1):
		return 2*len(cuts) + 1, true
	}
	for i, x := range cuts {
		if x.v == v || math.Abs(x.v-v) <= 1e-6*math.Max(1, math.Abs(v)) && c.equal(x.node, n) {
			return 2*i + 1, true
		}
	}
	return 0, false
}

func (c *mathCmp) intervalPlaces(n *mnode, cuts []cut) ([]bool, bool) {
	iv, _ := asInterval(n)
	lo, ok1 := c.placeOf(iv.kids[0], cuts)
	hi, ok2 := c.placeOf(iv.kids[1], cuts)
	in := make([]bool, 2*len(cuts)+1)
	for i := range in {
		in[i] = i > lo && i < hi || i == lo && !iv.lopen || i == hi && !iv.ropen
	}
	return in, ok1 && ok2
}

// solveLinear returns the root and slope of f when f is linear in v
// (checked exactly at v = 0, 1, 3 and 7).
func (c *mathCmp) solveLinear(f *mnode, v string) (*big.Rat, float64, bool) {
	vals := make([]*big.Rat, 4)
	for i, x := range []int64{0, 1, 3, 7} {
		ev := &evaluator{work: c.work, exact: map[string]*big.Rat{v: big.NewRat(x, 1)}}
		r, ok := ev.ratValue(f)
		if !ok {
			return nil, 0, false
		}
		vals[i] = r
	}
	slope := new(big.Rat).Sub(vals[1], vals[0])
	if slope.Sign() == 0 {
		return nil, 0, false
	}
	for i, x := range []int64{3, 7} {
		want := new(big.Rat).Add(vals[0], new(big.Rat).Mul(slope, big.NewRat(x, 1)))
		if want.Cmp(vals[2+i]) != 0 {
			return nil, 0, false
		}
	}
	root := new(big.Rat).Quo(new(big.Rat).Neg(vals[0]), slope)
	s, _ := slope.Float64()
	return root, s, true
}
