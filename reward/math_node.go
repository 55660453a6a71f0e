package reward

import (
	"math/big"
	"sort"
	"strconv"
	"strings"
)

// mop is the kind of a node of a parsed math answer.
type mop uint8

const (
	mNum      mop = iota // a number: val, dec when written with a decimal point
	mSym                 // a variable: name ("x", "x_{1}", "\alpha")
	mText                // words from \text{…}: name, normalised
	mConst               // a constant: name "pi", "e", "i" or "inf"
	mAdd                 // the sum of kids
	mMul                 // the product of kids
	mDiv                 // kids[0] / kids[1]
	mNeg                 // −kids[0]
	mPow                 // kids[0] ^ kids[1]
	mPct                 // kids[0] percent, worth kids[0]/100
	mFunc                // name(kids…): see evalFunc for the names
	mPM                  // kids[0] ± kids[1], or ±kids[0]
	mRel                 // kids[0] rels[0] kids[1] rels[1] … (a chain)
	mList                // a bare comma list: a set
	mSet                 // {…} or \{…\}: a set
	mTuple               // (a, b, c…), ⟨…⟩: ordered
	mPair                // (a, b): an open interval or an ordered pair
	mInterval            // [a, b], [a, b), (a, b]: lopen, ropen
	mUnion               // kids[0] ∪ kids[1]
	mInter               // kids[0] ∩ kids[1]
	mMinus               // kids[0] \ kids[1]
	mSpecial             // a named set: "R", "N", "Z", "Q", "C", "empty"
	mMatrix              // rows × cols kids, row-major
	mOpaque              // a construct kept as text: compared as written, never evaluated
)

// relOp is a relation between two neighbours of a chain.
type relOp uint8

const (
	rEq relOp = iota
	rNe
	rLt
	rLe
	rGt
	rGe
	rApprox
	rIn
	rNotIn
)

var relNames = [...]string{"=", "≠", "<", "≤", ">", "≥", "≈", "∈", "∉"}

// mnode is one node of a parsed answer. Nodes are never shared between
// two parents unless neither is changed afterwards.
type mnode struct {
	op           mop
	val          *big.Rat // mNum
	dec          bool     // mNum written with a decimal point or exponent
	name         string   // mSym, mText, mConst, mFunc, mSpecial, mOpaque
	kids         []*mnode
	rels         []relOp // mRel
	lopen, ropen bool    // mInterval
	rows, cols   int     // mMatrix
}

func numNode(r *big.Rat, dec bool) *mnode { return &mnode{op: mNum, val: r, dec: dec} }

func intNode(n int64) *mnode { return numNode(new(big.Rat).SetInt64(n), false) }

func opNode(op mop, kids ...*mnode) *mnode { return &mnode{op: op, kids: kids} }

func funcNode(name string, kids ...*mnode) *mnode { return &mnode{op: mFunc, name: name, kids: kids} }

// canon writes n canonically: the same answer written with other spacing,
// other bracket sizes or its sums and products in another order gives the
// same string. It is the first and cheapest test of equality.
func canon(n *mnode) string {
	var b strings.Builder
	writeCanon(&b, n)
	return b.String()
}

func writeCanon(b *strings.Builder, n *mnode) {
	switch n.op {
	case mNum:
		b.WriteString(n.val.RatString())
	case mSym, mConst, mSpecial, mOpaque:
		b.WriteString(n.name)
	case mText:
		b.WriteString(`"` + n.name + `"`)
	case mAdd, mMul, mList, mSet:
		writeSorted(b, n)
	case mRel:
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(relNames[n.rels[i-1]])
			}
			writeCanon(b, k)
		}
	case mInterval:
		b.WriteString(map[bool]string{true: "(", false: "["}[n.lopen])
		writeCanonKids(b, n.kids, ",")
		b.WriteString(map[bool]string{true: ")", false: "]"}[n.ropen])
	case mMatrix:
		b.WriteString("matrix" + strconv.Itoa(n.rows) + "x" + strconv.Itoa(n.cols) + "(")
		writeCanonKids(b, n.kids, ",")
		b.WriteByte(')')
	default:
		b.WriteString(opNames[n.op] + n.name + "(")
		writeCanonKids(b, n.kids, ",")
		b.WriteByte(')')
	}
}

var opNames = [...]string{mDiv: "div", mNeg: "neg", mPow: "pow", mPct: "pct", mFunc: "", mPM: "pm",
	mTuple: "tuple", mPair: "pair", mUnion: "union", mInter: "inter", mMinus: "minus", mAdd: "", mOpaque: ""}

func writeCanonKids(b *strings.Builder, kids []*mnode, sep string) {
	for i, k := range kids {
		if i > 0 {
			b.WriteString(sep)
		}
		writeCanon(b, k)
	}
}

// writeSorted writes a commutative node with its operands in sorted order.
func writeSorted(b *strings.Builder, n *mnode) {
	parts := make([]string, len(n.kids))
	for i, k := range n.kids {
		parts[i] = canon(k)
	}
	sort.Strings(parts)
	b.WriteString([...]string{mAdd: "add(", mMul: "mul(", mList: "set(", mSet: "set("}[n.op])
	b.WriteString(strings.Join(parts, ","))
	b.WriteByte(')')
}
