package reward

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the math parser (see Math): deeper nesting or a longer
// answer is an error, not a deeper recursion or a longer wait.
const (
	// MathMaxAnswer is the longest answer, in bytes, that Math parses; a
	// longer candidate is passed over.
	MathMaxAnswer = 4096
	// MathMaxDepth is the deepest nesting of brackets, braces and
	// operators that Math parses.
	MathMaxDepth = 64
)

// mathWork counts the work left for one verification: a token read, a
// node evaluated or a candidate tried each cost one unit.
type mathWork struct{ left int }

func (w *mathWork) spend(n int) bool {
	w.left -= n
	return w.left >= 0
}

// Token kinds.
const (
	tkEOF byte = iota
	tkNum
	tkLetter
	tkCmd
	tkPunct
)

type mtok struct {
	kind       byte
	text       string // digits, a letter, a command name without '\', a punctuation rune
	start, end int
}

// mparser is a recursive-descent parser of LaTeX and plain-text answers.
// Errors are sticky: the first one is kept in err and every function
// returns quickly afterwards.
type mparser struct {
	s     string
	pos   int
	depth int
	abs   int // |…| bars open
	err   error
	work  *mathWork
	tok   mtok // peeked token at tokAt
	tokAt int
}

// parseMath parses a normalised answer (see normalizeAnswer).
func parseMath(s string, w *mathWork) (*mnode, error) {
	if len(s) > MathMaxAnswer {
		return nil, fmt.Errorf("reward: math: answer is %d bytes, longer than %d", len(s), MathMaxAnswer)
	}
	if n, ok := thousandsNumber(s); ok {
		return n, nil
	}
	p := &mparser{s: s, work: w, tokAt: -1}
	n := p.parseTop()
	if t := p.peek(); p.err == nil && t.kind != tkEOF {
		p.fail("unexpected %q", t.text)
	}
	if p.err != nil {
		return nil, p.err
	}
	return n, nil
}

func (p *mparser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("reward: math: "+format+" at byte %d", append(args, p.pos)...)
	}
}

func (p *mparser) peek() mtok {
	if p.tokAt != p.pos {
		p.tok, p.tokAt = scanTok(p.s, p.pos), p.pos
	}
	return p.tok
}

func (p *mparser) next() mtok {
	t := p.peek()
	p.pos = t.end
	if !p.work.spend(1) {
		p.fail("%v", ErrMathBudget)
		p.pos = len(p.s)
	}
	return t
}

// is reports whether the next token is punctuation or a command named s
// (a command is written with its backslash: `\cdot`).
func (p *mparser) is(s string) bool {
	t := p.peek()
	if strings.HasPrefix(s, `\`) {
		return t.kind == tkCmd && t.text == s[1:]
	}
	return t.kind == tkPunct && t.text == s
}

// accept consumes the next token when it is s.
func (p *mparser) accept(s string) bool {
	if p.is(s) {
		p.next()
		return true
	}
	return false
}

func (p *mparser) expect(s string) {
	if !p.accept(s) {
		p.fail("expected %q, found %q", s, p.peek().text)
	}
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// scanTok reads the token at s[i:] after spaces.
func scanTok(s string, i int) mtok {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	if i >= len(s) {
		return mtok{kind: tkEOF, start: i, end: i}
	}
	c := s[i]
	switch {
	case isDigit(c) || c == '.' && i+1 < len(s) && isDigit(s[i+1]):
		end := scanNumber(s, i, !afterScript(s, i))
		return mtok{kind: tkNum, text: s[i:end], start: i, end: end}
	case c == '\\':
		j := i + 1
		for j < len(s) && isLetter(s[j]) {
			j++
		}
		if j == i+1 && j < len(s) {
			_, size := utf8.DecodeRuneInString(s[j:])
			j += size
		}
		return mtok{kind: tkCmd, text: s[i+1 : j], start: i, end: j}
	case isLetter(c):
		return mtok{kind: tkLetter, text: s[i : i+1], start: i, end: i + 1}
	case c >= utf8.RuneSelf:
		r, size := utf8.DecodeRuneInString(s[i:])
		kind := tkPunct
		if unicode.IsLetter(r) {
			kind = tkLetter
		}
		return mtok{kind: kind, text: s[i : i+size], start: i, end: i + size}
	}
	return mtok{kind: tkPunct, text: s[i : i+1], start: i, end: i + 1}
}

// afterScript reports whether s[i] follows "_" or "^" (spaces between):
// a subscript or exponent digit, as in \log_3 243.
func afterScript(s string, i int) bool {
	for i > 0 && s[i-1] == ' ' {
		i--
	}
	return i > 0 && (s[i-1] == '_' || s[i-1] == '^')
}

// scanNumber returns the end of the number at s[i:]: digits, an optional
// fraction, and, when groups is set, thousands groups separated by single
// spaces ("1 000").
func scanNumber(s string, i int, groups bool) int {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if groups && j-i <= 3 && j > i {
		for j+4 <= len(s) && s[j] == ' ' && allDigits(s[j+1:j+4]) && (j+4 == len(s) || !isDigit(s[j+4])) {
			j += 4
		}
	}
	if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
		j++
		for j < len(s) && isDigit(s[j]) {
			j++
		}
	}
	return j
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// thousandsNumber reads a whole answer that is one number with thousands
// commas ("1,234,567.5"); a comma elsewhere separates list items.
func thousandsNumber(s string) (*mnode, bool) {
	t := strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(t, ".")
	if !strings.Contains(intPart, ",") || !validThousands(intPart) || strings.Contains(frac, ",") {
		return nil, false
	}
	if !allDigits(strings.ReplaceAll(intPart, ",", "")) || strings.Contains(t, ".") && !allDigits(frac) {
		return nil, false
	}
	r, ok := parseRat(strings.ReplaceAll(s, ",", ""))
	if !ok {
		return nil, false
	}
	return numNode(r, strings.Contains(t, ".")), true
}
