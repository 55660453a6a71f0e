package reward

import (
	"strings"
)

// The grammar, loosest binding first:
//
//	top     = list {";" list}
//	list    = rel {"," rel}
//	rel     = setexpr {relop setexpr}          = < > \leq \geq \neq \approx \in
//	setexpr = expr {(\cup | \cap | \setminus) expr}
//	expr    = term {("+" | "-" | \pm) term}
//	term    = unary {("*" | \cdot | \times | "/" | \div | ":") unary | power}
//	unary   = ("-" | "+" | \pm) unary | power
//	power   = postfix ["^" script]
//	postfix = atom {"!" | "%" | "'"}
//
// A term's operands may follow each other with no sign between them
// (implicit multiplication: 2x, 2\sqrt{3}, (x+1)(x-1)), except two
// numbers.

// parseTop reads groups separated by semicolons: one group is its list,
// several make a set of their elements (a group of several elements is a
// tuple: "p=5,q=2; p=7,q=2").
func (p *mparser) parseTop() *mnode {
	groups := [][]*mnode{p.parseElems()}
	for p.err == nil && p.accept(";") {
		groups = append(groups, p.parseElems())
	}
	if len(groups) == 1 {
		return listOf(groups[0])
	}
	set := &mnode{op: mList}
	for _, g := range groups {
		if len(g) == 1 {
			set.kids = append(set.kids, g[0])
		} else if len(g) > 1 {
			set.kids = append(set.kids, &mnode{op: mTuple, kids: g})
		}
	}
	return set
}

func listOf(elems []*mnode) *mnode {
	if len(elems) == 1 {
		return elems[0]
	}
	return &mnode{op: mList, kids: elems}
}

// parseElems reads comma-separated elements; empty ones (left where
// \dots was removed) are skipped.
func (p *mparser) parseElems() []*mnode {
	var elems []*mnode
	for p.err == nil {
		if !p.is(",") && !p.endOfList() {
			elems = append(elems, p.parseRel())
		}
		if !p.accept(",") {
			break
		}
	}
	if len(elems) == 0 {
		p.fail("empty answer")
	}
	return elems
}

// endOfList reports whether the next token ends a list.
func (p *mparser) endOfList() bool {
	t := p.peek()
	return t.kind == tkEOF || p.is(";") || p.is(")") || p.is("]") || p.is("}") || p.is(`\}`) || p.is(`\rangle`)
}

var relOps = map[string]relOp{
	"=": rEq, "<": rLt, ">": rGt, `\leq`: rLe, `\geq`: rGe, `\neq`: rNe, `\approx`: rApprox,
	`\in`: rIn, `\notin`: rNotIn, `\le`: rLe, `\ge`: rGe, `\ne`: rNe, `\lt`: rLt, `\gt`: rGt,
	`\leqslant`: rLe, `\geqslant`: rGe, `\simeq`: rApprox, `\sim`: rApprox, `\doteq`: rApprox,
}

// relOp consumes a relation sign.
func (p *mparser) relOp() (relOp, bool) {
	t := p.peek()
	name := t.text
	if t.kind == tkCmd {
		name = `\` + name
	} else if t.kind != tkPunct {
		return 0, false
	}
	r, ok := relOps[name]
	if ok {
		p.next()
		if r == rEq {
			p.accept("=") // "=="
		}
	}
	return r, ok
}

func (p *mparser) parseRel() *mnode {
	first := p.parseSetExpr()
	n := &mnode{op: mRel, kids: []*mnode{first}}
	for p.err == nil {
		r, ok := p.relOp()
		if !ok {
			break
		}
		n.rels = append(n.rels, r)
		n.kids = append(n.kids, p.parseSetExpr())
	}
	if len(n.rels) == 0 {
		return first
	}
	return n
}

var setOps = map[string]mop{`cup`: mUnion, `cap`: mInter, `setminus`: mMinus, `backslash`: mMinus}

func (p *mparser) parseSetExpr() *mnode {
	n := p.parseExpr()
	for p.err == nil {
		t := p.peek()
		op, ok := setOps[t.text]
		if t.kind != tkCmd || !ok {
			return n
		}
		p.next()
		n = opNode(op, n, p.parseExpr())
	}
	return n
}

func (p *mparser) parseExpr() *mnode {
	n := p.parseTerm()
	for p.err == nil {
		switch {
		case p.accept("+"):
			n = addNodes(n, p.parseTerm())
		case p.accept("-"):
			n = addNodes(n, opNode(mNeg, p.parseTerm()))
		case p.accept(`\pm`) || p.accept(`\mp`):
			n = opNode(mPM, n, p.parseTerm())
		default:
			return n
		}
	}
	return n
}

// addNodes returns a + b, flattening sums.
func addNodes(a, b *mnode) *mnode {
	if a.op == mAdd {
		a.kids = append(a.kids, b)
		return a
	}
	return opNode(mAdd, a, b)
}

// mulNodes returns a · b, flattening products.
func mulNodes(a, b *mnode) *mnode {
	if a.op == mMul {
		a.kids = append(a.kids, b)
		return a
	}
	return opNode(mMul, a, b)
}

func (p *mparser) parseTerm() *mnode {
	n := p.parseUnary()
	for p.err == nil {
		switch {
		case p.accept("*") || p.accept(`\cdot`) || p.accept(`\times`) || p.accept(`\ast`):
			n = mulNodes(n, p.parseUnary())
		case p.accept("/") || p.accept(`\div`) || p.accept(":"):
			n = opNode(mDiv, n, p.parseUnary())
		case p.startsAtom() && !(n.op == mNum && p.peek().kind == tkNum):
			n = mulNodes(n, p.parsePower())
		default:
			return n
		}
	}
	return n
}

func (p *mparser) parseUnary() *mnode {
	if p.depth++; p.depth > MathMaxDepth {
		p.fail("nesting deeper than %d", MathMaxDepth)
	}
	defer func() { p.depth-- }()
	switch {
	case p.accept("-"):
		return opNode(mNeg, p.parseUnary())
	case p.accept("+"):
		return p.parseUnary()
	case p.accept(`\pm`) || p.accept(`\mp`):
		return opNode(mPM, p.parseUnary())
	}
	return p.parsePower()
}

func (p *mparser) parsePower() *mnode {
	n := p.parsePostfix()
	if p.err == nil && p.accept("^") {
		n = opNode(mPow, n, p.parseScript())
	}
	return n
}

// parseScript reads a superscript or subscript: a braced group, or a
// signed atom with its own power (x^-2, 2^3^2).
func (p *mparser) parseScript() *mnode {
	switch {
	case p.is("{"):
		p.next()
		return p.closeGroup("}")
	case p.accept("-"):
		return opNode(mNeg, p.parseScript())
	case p.accept("+"):
		return p.parseScript()
	}
	return p.parsePower()
}

func (p *mparser) parsePostfix() *mnode {
	n := p.parseAtom()
	for p.err == nil {
		switch {
		case p.accept("!"):
			n = funcNode("fact", n)
		case p.accept("%") || p.accept(`\%`):
			n = opNode(mPct, n)
		case p.accept("'") || p.accept(`\prime`):
			if n.op != mSym && n.op != mFunc {
				p.fail("prime after %s", canon(n))
			}
			n.name += "'"
		default:
			return n
		}
	}
	return n
}

// atomCmds are the commands that can start an operand of an implicit
// product; every other command is an operator, a relation or a closer.
func (p *mparser) startsAtom() bool {
	t := p.peek()
	switch t.kind {
	case tkNum, tkLetter:
		return true
	case tkCmd:
		return !nonAtomCmds[t.text]
	case tkPunct:
		return t.text == "(" || t.text == "[" || t.text == "{" || t.text == "|" && p.abs == 0
	}
	return false
}

var nonAtomCmds = map[string]bool{
	"cdot": true, "times": true, "div": true, "ast": true, "pm": true, "mp": true, "cup": true, "cap": true,
	"setminus": true, "backslash": true, "}": true, "rangle": true, "rfloor": true, "rceil": true, "rvert": true,
	"%": true, "\\": true, "end": true, "prime": true, "to": true, "mid": true, "|": true, "vert": true,
	"leq": true, "geq": true, "neq": true, "le": true, "ge": true, "ne": true, "lt": true, "gt": true,
	"approx": true, "in": true, "notin": true, "leqslant": true, "geqslant": true, "simeq": true,
	"sim": true, "doteq": true, "quad": true, "qquad": true, ",": true, ";": true,
}

// closeGroup parses a list up to the closer and returns its single
// element or, for several, the set of them.
func (p *mparser) closeGroup(closer string) *mnode {
	if p.accept(closer) {
		if closer == "}" {
			return &mnode{op: mSpecial, name: "empty"}
		}
		p.fail("empty group")
		return intNode(0)
	}
	n := p.parseTop()
	p.expect(closer)
	if n.op == mList && closer == "}" {
		n.op = mSet
	}
	return n
}

func (p *mparser) parseAtom() *mnode {
	if p.depth++; p.depth > MathMaxDepth {
		p.fail("nesting deeper than %d", MathMaxDepth)
	}
	defer func() { p.depth-- }()
	if p.err != nil {
		return intNode(0)
	}
	t := p.next()
	switch t.kind {
	case tkNum:
		if p.is("_") { // a number in another base: 204_5
			return p.subscripted(&mnode{op: mSym, name: t.text})
		}
		r, _ := parseRat(strings.ReplaceAll(t.text, " ", ""))
		return numNode(r, strings.Contains(t.text, "."))
	case tkLetter:
		return p.letter(t.text)
	case tkCmd:
		return p.command(t.text)
	case tkPunct:
		switch t.text {
		case "(", "[":
			return p.bracketed(t.text)
		case "{":
			return p.closeGroup("}")
		case "|":
			return p.bars("|", "abs")
		}
	}
	p.fail("unexpected %q", t.text)
	return intNode(0)
}

// bracketed reads (…) or […]: one element is a group, two an interval
// or a pair, more a tuple. Mismatched brackets make half-open intervals.
func (p *mparser) bracketed(open string) *mnode {
	saved := p.abs
	p.abs = 0
	defer func() { p.abs = saved }()
	var elems []*mnode
	for p.err == nil {
		elems = append(elems, p.parseRel())
		if !p.accept(",") && !p.accept(";") {
			break
		}
	}
	closeTok := p.next()
	if p.err != nil {
		return intNode(0)
	}
	return p.makeBracket(open, closeTok.text, elems)
}

func (p *mparser) makeBracket(open, closer string, elems []*mnode) *mnode {
	if closer != ")" && closer != "]" {
		p.fail("unclosed %q", open)
		return intNode(0)
	}
	matched := open == "(" && closer == ")" || open == "[" && closer == "]"
	switch {
	case len(elems) == 1 && matched:
		return elems[0]
	case len(elems) == 2 && open == "(" && closer == ")":
		return &mnode{op: mPair, kids: elems}
	case len(elems) == 2:
		return &mnode{op: mInterval, kids: elems, lopen: open == "(", ropen: closer == ")"}
	case len(elems) > 2 && matched:
		return &mnode{op: mTuple, kids: elems}
	}
	p.fail("%s…%s with %d elements", open, closer, len(elems))
	return intNode(0)
}

// bars reads |x|, \lvert x\rvert or \lfloor x\rfloor: the function name
// applied to the expression before the closer.
func (p *mparser) bars(closer, name string) *mnode {
	p.abs++
	n := p.parseExpr()
	p.abs--
	p.expect(closer)
	return funcNode(name, n)
}
