package reward

// prepareAnswer turns a parsed answer into the form that is compared:
// matrix arithmetic done, "≈" and "∈" resolved (see resolveRelation),
// and ± expanded into a set of its signs (1 \pm \sqrt{2} is the set
// {1+√2, 1−√2}; at most mathMaxPM elements).
func prepareAnswer(n *mnode) *mnode {
	n = foldMatrices(resolveRelations(n))
	if findOp(n, mPM) == nil {
		return n
	}
	var out []*mnode
	for _, e := range elementsOf(n) {
		out = append(out, expandPM(e, mathMaxPM)...)
	}
	switch {
	case n.op == mList || n.op == mSet:
		return &mnode{op: n.op, kids: out}
	case len(out) == 1:
		return out[0]
	}
	return &mnode{op: mList, kids: out}
}

const mathMaxPM = 8

// elementsOf returns the elements of a bare list or a set, or n itself.
func elementsOf(n *mnode) []*mnode {
	if n.op == mList || n.op == mSet {
		return n.kids
	}
	return []*mnode{n}
}

// resolveRelations applies resolveRelation to every relation in n.
func resolveRelations(n *mnode) *mnode {
	for i, k := range n.kids {
		n.kids[i] = resolveRelations(k)
	}
	if n.op == mRel {
		return resolveRelation(n)
	}
	return n
}

// resolveRelation follows Math-Verify: "x ≈ 3.14" is the value 3.14 and
// "π ≈ 3.14" is π (an approximation after a value is dropped: "x = 1/3
// ≈ 0.33" is x = 1/3); "x ∈ [0, 1]" is the set [0, 1] when its left side
// is made of variables only.
func resolveRelation(n *mnode) *mnode {
	for i, r := range n.rels {
		if r != rApprox {
			continue
		}
		if i == 0 && onlySymbols(n.kids[0]) {
			return chainFrom(n, 1)
		}
		return chainTo(n, i)
	}
	if len(n.rels) == 1 && n.rels[0] == rIn && onlySymbols(n.kids[0]) {
		return n.kids[1]
	}
	return n
}

// chainFrom returns the chain from its element i on.
func chainFrom(n *mnode, i int) *mnode {
	if i == len(n.kids)-1 {
		return n.kids[i]
	}
	return resolveRelation(&mnode{op: mRel, kids: n.kids[i:], rels: n.rels[i:]})
}

// chainTo returns the chain up to its element i.
func chainTo(n *mnode, i int) *mnode {
	if i == 0 {
		return n.kids[0]
	}
	return &mnode{op: mRel, kids: n.kids[:i+1], rels: n.rels[:i]}
}

// onlySymbols reports whether n is built from variables and text alone
// (x, AB, |AB|, f(x), A:B, (p, q)): the left side of an assignment.
func onlySymbols(n *mnode) bool {
	switch n.op {
	case mSym, mText:
		return true
	case mMul, mDiv, mTuple, mPair:
		for _, k := range n.kids {
			if !onlySymbols(k) {
				return false
			}
		}
		return true
	case mFunc:
		return (len(n.name) == 1 || n.name == "abs") && len(n.kids) > 0 && onlySymbols(&mnode{op: mTuple, kids: n.kids})
	}
	return false
}

// expandPM returns the answers n stands for when it holds ±: one per
// choice of signs, at most limit.
func expandPM(n *mnode, limit int) []*mnode {
	pm := findOp(n, mPM)
	if pm == nil || limit < 2 {
		return []*mnode{n}
	}
	var plus, minus *mnode
	if len(pm.kids) == 1 {
		plus, minus = pm.kids[0], opNode(mNeg, pm.kids[0])
	} else {
		plus = opNode(mAdd, pm.kids[0], pm.kids[1])
		minus = opNode(mAdd, pm.kids[0], opNode(mNeg, pm.kids[1]))
	}
	out := expandPM(replaceNode(n, pm, plus), limit/2)
	return append(out, expandPM(replaceNode(n, pm, minus), limit/2)...)
}

// findOp returns the first node of kind op in n, depth first.
func findOp(n *mnode, op mop) *mnode {
	if n.op == op {
		return n
	}
	for _, k := range n.kids {
		if f := findOp(k, op); f != nil {
			return f
		}
	}
	return nil
}

// replaceNode returns a copy of n with target replaced by repl; only the
// nodes on the path to target are copied.
func replaceNode(n, target, repl *mnode) *mnode {
	if n == target {
		return repl
	}
	for i, k := range n.kids {
		if r := replaceNode(k, target, repl); r != k {
			c := *n
			c.kids = append([]*mnode(nil), n.kids...)
			c.kids[i] = r
			return &c
		}
	}
	return n
}

// foldMatrices does matrix arithmetic: sums of matrices of one shape,
// products of matrices and of a matrix by scalars, and negation.
func foldMatrices(n *mnode) *mnode {
	for i, k := range n.kids {
		n.kids[i] = foldMatrices(k)
	}
	switch n.op {
	case mAdd:
		return matrixSum(n)
	case mMul:
		return matrixProduct(n)
	case mNeg:
		if m := n.kids[0]; m.op == mMatrix {
			return mapMatrix(m, func(x *mnode) *mnode { return opNode(mNeg, x) })
		}
	}
	return n
}

func mapMatrix(m *mnode, f func(*mnode) *mnode) *mnode {
	out := &mnode{op: mMatrix, rows: m.rows, cols: m.cols, kids: make([]*mnode, len(m.kids))}
	for i, k := range m.kids {
		out.kids[i] = f(k)
	}
	return out
}

func matrixSum(n *mnode) *mnode {
	first := n.kids[0]
	for _, k := range n.kids {
		if k.op != mMatrix || k.rows != first.rows || k.cols != first.cols {
			return n
		}
	}
	out := mapMatrix(first, func(x *mnode) *mnode { return opNode(mAdd, x) })
	for _, k := range n.kids[1:] {
		for i, x := range k.kids {
			out.kids[i].kids = append(out.kids[i].kids, x)
		}
	}
	return out
}

func matrixProduct(n *mnode) *mnode {
	var acc *mnode
	var scalars []*mnode
	for _, k := range n.kids {
		switch {
		case k.op != mMatrix:
			scalars = append(scalars, k)
		case acc == nil:
			acc = k
		case acc.cols != k.rows || acc.rows*acc.cols*k.cols > 4096:
			return n
		default:
			acc = matMul(acc, k)
		}
	}
	if acc == nil {
		return n
	}
	return mapMatrix(acc, func(x *mnode) *mnode {
		if len(scalars) == 0 {
			return x
		}
		return opNode(mMul, append(append([]*mnode(nil), scalars...), x)...)
	})
}

func matMul(a, b *mnode) *mnode {
	out := &mnode{op: mMatrix, rows: a.rows, cols: b.cols}
	for i := 0; i < a.rows; i++ {
		for j := 0; j < b.cols; j++ {
			sum := &mnode{op: mAdd}
			for k := 0; k < a.cols; k++ {
				sum.kids = append(sum.kids, opNode(mMul, a.kids[i*a.cols+k], b.kids[k*b.cols+j]))
			}
			out.kids = append(out.kids, sum)
		}
	}
	return out
}
