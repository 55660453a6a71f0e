package reward

import (
	"math/big"
	"strconv"
	"strings"
	"unicode"
)

// Functions known by name (\sin, \log, …); mathFuncs maps a command or an
// \operatorname to its evaluator name.
var mathFuncs = map[string]string{
	"sin": "sin", "cos": "cos", "tan": "tan", "sec": "sec", "csc": "csc", "cot": "cot",
	"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsec": "asec", "arccsc": "acsc", "arccot": "acot",
	"sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "coth": "coth", "sech": "sech", "csch": "csch",
	"ln": "ln", "log": "log", "lg": "log10", "exp": "exp", "max": "max", "min": "min", "gcd": "gcd",
	"lcm": "lcm", "det": "det", "floor": "floor", "ceil": "ceil", "abs": "abs",
}

// userFuncs are the letters read as functions when "(" follows: f(x), g(2).
const userFuncs = "fghFGHW"

// symbolCmds are commands that stand for a variable or a constant.
var symbolCmds = map[string]bool{}

func init() {
	for _, g := range strings.Fields("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa " +
		"lambda mu nu xi omicron rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta " +
		"Theta Lambda Xi Sigma Upsilon Phi Psi Omega ell hbar aleph nabla partial") {
		symbolCmds[g] = true
	}
}

// decorations are commands whose argument is part of a variable's name:
// \overline{AB}, \vec{v}, \hat{x}.
var decorations = map[string]bool{
	"overline": true, "bar": true, "vec": true, "hat": true, "widehat": true, "tilde": true, "widetilde": true,
	"dot": true, "ddot": true, "overrightarrow": true,
	"overleftrightarrow": true, "underline": true, "mathcal": true, "mathscr": true, "mathfrak": true, "check": true,
}

func (p *mparser) letter(l string) *mnode {
	switch l {
	case "e":
		return &mnode{op: mConst, name: "e"}
	case "i":
		return &mnode{op: mConst, name: "i"}
	}
	if len(l) == 1 && strings.Contains(userFuncs, l) && p.peek().kind == tkPunct && p.peek().text == "(" && p.peek().start == p.pos {
		p.next()
		return p.callArgs(l)
	}
	return p.subscripted(&mnode{op: mSym, name: l})
}

// subscripted appends a subscript (x_1, a_{n+1}) to a variable's name.
func (p *mparser) subscripted(n *mnode) *mnode {
	if p.accept("_") {
		n.name += "_{" + canon(p.parseScript()) + "}"
	}
	return n
}

// callArgs reads comma-separated arguments up to ")" of a function call.
func (p *mparser) callArgs(name string) *mnode {
	f := funcNode(name)
	for p.err == nil {
		f.kids = append(f.kids, p.parseRel())
		if !p.accept(",") {
			break
		}
	}
	p.expect(")")
	return f
}

func (p *mparser) command(name string) *mnode {
	if f, ok := mathFuncs[name]; ok {
		return p.function(f)
	}
	if h, ok := cmdParsers[name]; ok {
		return h(p, name)
	}
	switch {
	case decorations[name] || !symbolCmds[name] && p.is("{"):
		return p.subscripted(&mnode{op: mSym, name: `\` + name + "{" + p.rawArg() + "}"})
	case name == "" || !isLetter(name[0]) || nonAtomCmds[name]:
		p.fail(`unexpected \%s`, name)
		return intNode(0)
	}
	// A Greek letter, or an unknown command: a variable named by it.
	return p.subscripted(&mnode{op: mSym, name: `\` + name})
}

// cmdParsers read the commands that are not plain functions.
var cmdParsers map[string]func(p *mparser, name string) *mnode

func init() {
	cmdParsers = map[string]func(p *mparser, name string) *mnode{
		"frac": func(p *mparser, _ string) *mnode { return opNode(mDiv, p.argument(), p.argument()) },
		"binom": func(p *mparser, _ string) *mnode {
			return funcNode("binom", p.argument(), p.argument())
		},
		"sqrt":     (*mparser).root,
		"pi":       func(*mparser, string) *mnode { return &mnode{op: mConst, name: "pi"} },
		"infty":    func(*mparser, string) *mnode { return &mnode{op: mConst, name: "inf"} },
		"imath":    func(*mparser, string) *mnode { return &mnode{op: mConst, name: "i"} },
		"text":     (*mparser).text,
		"boxed":    func(p *mparser, _ string) *mnode { return p.argument() },
		"fbox":     func(p *mparser, _ string) *mnode { return p.argument() },
		"{":        func(p *mparser, _ string) *mnode { return p.braceSet() },
		"mathbb":   (*mparser).mathbb,
		"emptyset": func(*mparser, string) *mnode { return &mnode{op: mSpecial, name: "empty"} },
		"lvert":    func(p *mparser, _ string) *mnode { return p.bars(`\rvert`, "abs") },
		"lfloor":   func(p *mparser, _ string) *mnode { return p.bars(`\rfloor`, "floor") },
		"lceil":    func(p *mparser, _ string) *mnode { return p.bars(`\rceil`, "ceil") },
		"langle":   (*mparser).angle,
		"begin":    (*mparser).environment,
		"operatorname": func(p *mparser, _ string) *mnode {
			name := strings.TrimSpace(p.rawArg())
			if f, ok := mathFuncs[name]; ok {
				return p.function(f)
			}
			return p.subscripted(&mnode{op: mSym, name: `\operatorname{` + name + "}"})
		},
		"sum":  (*mparser).bigOp,
		"prod": (*mparser).bigOp,
	}
	cmdParsers["varnothing"] = cmdParsers["emptyset"]
	cmdParsers["dfrac"] = cmdParsers["frac"]
	for _, op := range []string{"lim", "int", "iint", "oint", "limsup", "liminf", "angle", "triangle"} {
		cmdParsers[op] = (*mparser).opaqueOp
	}
}

// argument reads a command argument: a braced group, or one token (TeX's
// rule: \frac12 is 1/2, \frac1{2} too, \sqrt3 is √3).
func (p *mparser) argument() *mnode {
	t := p.peek()
	switch {
	case t.kind == tkPunct && t.text == "{":
		if in, ok := braced(p.s[t.start:]); ok {
			if n, ok := thousandsNumber(strings.TrimSpace(in)); ok {
				p.pos = t.start + len(in) + 2
				return n
			}
		}
		p.next()
		return p.closeGroup("}")
	case t.kind == tkNum && isDigit(t.text[0]):
		p.pos = t.start + 1 // one digit
		p.work.spend(1)
		return numNode(ratOf(t.text[:1]), false)
	case t.kind == tkNum:
		return p.parseAtom() // .5
	case t.kind == tkLetter || t.kind == tkCmd:
		return p.parseAtom()
	}
	p.fail("missing argument")
	return intNode(0)
}

// rawArg reads a braced argument as text, or the next token.
func (p *mparser) rawArg() string {
	t := p.peek()
	if t.kind != tkPunct || t.text != "{" {
		return p.next().text
	}
	in, ok := braced(p.s[t.start:])
	if !ok {
		p.fail("unclosed {")
		return ""
	}
	p.pos = t.start + len(in) + 2
	return strings.Join(strings.Fields(in), " ")
}

// root reads \sqrt[n]{x}.
func (p *mparser) root(string) *mnode {
	var index, arg *mnode
	if p.accept("[") {
		index = p.parseExpr()
		p.expect("]")
	}
	if p.accept("(") { // sqrt(2) in plain text
		arg = p.parseExpr()
		p.expect(")")
	} else {
		arg = p.argument()
	}
	f := funcNode("sqrt", arg)
	if index != nil {
		f.kids = append(f.kids, index)
	}
	return f
}

// function reads a named function with an optional power or base
// (\sin^2 x, \log_2 8) and its argument: a parenthesised list, a braced
// group, or the implicit product that follows (\sin 2x, \sin b \cos a).
func (p *mparser) function(name string) *mnode {
	var pow, base *mnode
	for p.err == nil {
		if p.accept("^") {
			pow = p.parseScript()
		} else if p.accept("_") {
			base = p.parseScript()
		} else {
			break
		}
	}
	var f *mnode
	if p.peek().kind == tkPunct && p.peek().text == "(" {
		p.next()
		f = p.callArgs(name)
	} else {
		f = funcNode(name, p.implicitArg())
	}
	if base != nil {
		f.kids = append(f.kids, base)
	}
	if pow != nil {
		return opNode(mPow, f, pow)
	}
	return f
}

// implicitArg reads the argument of a function written without brackets:
// a product of operands up to an operator or another function.
func (p *mparser) implicitArg() *mnode {
	n := p.parsePower()
	for p.err == nil && p.startsAtom() {
		if t := p.peek(); t.kind == tkCmd && mathFuncs[t.text] != "" {
			break
		}
		n = mulNodes(n, p.parsePower())
	}
	return n
}

// text reads \text{…}: words become a text answer, anything else (a
// number, a letter, "(C)") is parsed as math.
func (p *mparser) text(string) *mnode {
	raw := p.rawArg()
	if isWords(raw) {
		return &mnode{op: mText, name: normalizeWords(raw)}
	}
	if strings.TrimSpace(raw) == "" {
		p.fail("empty text")
		return intNode(0)
	}
	sub := &mparser{s: normalizeAnswer(raw), work: p.work, tokAt: -1, depth: p.depth}
	n := sub.parseTop()
	if sub.err == nil && sub.peek().kind != tkEOF {
		sub.fail("unexpected %q", sub.peek().text)
	}
	if sub.err != nil {
		return &mnode{op: mText, name: normalizeWords(raw)}
	}
	return n
}

// isWords reports whether s holds two letters in a row (a word).
func isWords(s string) bool {
	run := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			if run++; run >= 2 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// normalizeWords lower-cases s, drops its spaces and trims punctuation
// around it: the form in which text answers compare.
func normalizeWords(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), ""))
	return strings.Trim(s, ".,;:!?()[]")
}

// braceSet reads \{…\}: always a set.
func (p *mparser) braceSet() *mnode {
	if p.accept(`\}`) {
		return &mnode{op: mSpecial, name: "empty"}
	}
	n := p.parseTop()
	p.expect(`\}`)
	if n.op == mList {
		n.op = mSet
		return n
	}
	return &mnode{op: mSet, kids: []*mnode{n}}
}

func (p *mparser) mathbb(string) *mnode {
	switch name := p.rawArg(); name {
	case "R", "N", "Z", "Q", "C":
		return &mnode{op: mSpecial, name: name}
	default:
		return &mnode{op: mSym, name: `\mathbb{` + name + "}"}
	}
}

// angle reads ⟨a, b, …⟩ as a tuple.
func (p *mparser) angle(string) *mnode {
	elems := p.parseElems()
	p.expect(`\rangle`)
	if len(elems) == 1 {
		return elems[0]
	}
	return &mnode{op: mTuple, kids: elems}
}

// bigOp reads \sum_{k=a}^{b} body (or \prod): evaluated when the bounds
// are small integers, otherwise compared as written.
func (p *mparser) bigOp(name string) *mnode {
	var sub, sup *mnode
	for p.err == nil && (sub == nil || sup == nil) {
		if sub == nil && p.accept("_") {
			sub = p.parseScript()
		} else if sup == nil && p.accept("^") {
			sup = p.parseScript()
		} else {
			break
		}
	}
	body := p.implicitArg()
	if sub != nil && sup != nil && sub.op == mRel && len(sub.rels) == 1 && sub.rels[0] == rEq && sub.kids[0].op == mSym {
		return funcNode(name, sub.kids[0], sub.kids[1], sup, body)
	}
	f := funcNode(name+"?", body)
	for _, k := range []*mnode{sub, sup} {
		if k != nil {
			f.kids = append(f.kids, k)
		}
	}
	return f
}

// opaqueOp reads \lim_{…}, \int… and the like as a name that compares as
// written and never evaluates.
func (p *mparser) opaqueOp(name string) *mnode {
	n := &mnode{op: mOpaque, name: `\` + name}
	for p.err == nil {
		if p.accept("_") {
			n.name += "_{" + canon(p.parseScript()) + "}"
		} else if p.accept("^") {
			n.name += "^{" + canon(p.parseScript()) + "}"
		} else {
			return n
		}
	}
	return n
}

// matrixEnvs are the environments read as matrices; a vmatrix is its
// determinant.
var matrixEnvs = map[string]string{
	"pmatrix": "", "bmatrix": "", "Bmatrix": "", "matrix": "", "smallmatrix": "", "array": "",
	"vmatrix": "det", "Vmatrix": "det",
}

// environment reads \begin{pmatrix} a & b \\ c & d \end{pmatrix} and
// the other matrix environments.
func (p *mparser) environment(string) *mnode {
	env := strings.TrimSpace(p.rawArg())
	kind, ok := matrixEnvs[env]
	if !ok {
		p.fail("environment %q", env)
		return intNode(0)
	}
	if env == "array" && p.is("{") {
		p.rawArg() // column specification
	}
	m := p.matrixRows()
	if !p.accept(`\end`) || strings.TrimSpace(p.rawArg()) != env {
		p.fail(`missing \end{%s}`, env)
	}
	if kind == "det" {
		return funcNode("det", m)
	}
	return m
}

// matrixRows reads cells separated by & and rows separated by \\.
func (p *mparser) matrixRows() *mnode {
	m := &mnode{op: mMatrix}
	row := 0
	for p.err == nil && !p.is(`\end`) {
		m.kids = append(m.kids, p.parseRel())
		row++
		if p.accept("&") {
			continue
		}
		if !p.accept(`\\`) && !p.is(`\end`) {
			p.fail("unexpected %q in a matrix", p.peek().text)
		}
		if m.cols == 0 {
			m.cols = row
		} else if row != m.cols {
			p.fail("matrix rows of %d and %d cells", m.cols, row)
		}
		m.rows++
		row = 0
	}
	if m.rows == 0 {
		p.fail("empty matrix")
	}
	return m
}

// ratOf returns the value of a decimal string known to be valid.
func ratOf(s string) *big.Rat {
	r, _ := parseRat(s)
	return r
}

// parseRat reads a decimal number ("42", "-3.50", "1.5e3"); short
// numbers without an exponent skip big.Rat's general parser.
func parseRat(s string) (*big.Rat, bool) {
	digits := s
	neg := strings.HasPrefix(digits, "-")
	if neg {
		digits = digits[1:]
	}
	intPart, frac, _ := strings.Cut(digits, ".")
	if len(intPart)+len(frac) > 18 || !allDigits(intPart+frac) {
		return new(big.Rat).SetString(s)
	}
	n, _ := strconv.ParseInt(intPart+frac, 10, 64)
	if neg {
		n = -n
	}
	return new(big.Rat).SetFrac64(n, pow10[len(frac)]), true
}

// pow10[k] is 10^k for k ≤ 18.
var pow10 = func() (p [19]int64) {
	p[0] = 1
	for k := 1; k < len(p); k++ {
		p[k] = 10 * p[k-1]
	}
	return p
}()
