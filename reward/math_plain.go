package reward

import (
	"strings"
	"unicode/utf8"
)

// A plain-text number (Math-Verify's "expr" extraction) starts a word: it
// follows the start of the text, a space or "=" (then maybe "**" and a
// currency sign), so the 2 of "AZYUK2A" and the 1 of "[0,1)" are not
// numbers. It may have thousands separators ("1,234", "1 000"), a
// decimal point or an unambiguous decimal comma ("1000,99", "0,5"; not
// "1,234" and not in a list "1,2,3"), an exponent ("1.5e3") and a percent
// sign or word ("28 percent", "28 pct").

const currencySigns = "$€£¥₹₽₪₩₫฿₴₺₦"

// plainAnchored reports whether a plain number may start at s[i]: what
// precedes it is an anchor, after an optional currency sign and "**".
func plainAnchored(s string, i int, currency bool) bool {
	j := i
	if currency && j > 0 {
		if r, size := utf8.DecodeLastRuneInString(s[:j]); strings.ContainsRune(currencySigns, r) {
			j -= size
			if r == '$' && j > 0 && s[j-1] == '\\' {
				j-- // \$ in LaTeX-escaped text
			}
		}
	}
	if strings.HasSuffix(s[:j], "**") {
		j -= 2
	}
	return j == 0 || isSpaceByte(s[j-1]) || s[j-1] == '='
}

// plainNumber is a plain-text number as scanned: its digits (no
// separators, "." for the decimal mark, maybe an exponent), whether it
// was written with decimals, and whether a percent sign or word follows.
type plainNumber struct {
	digits   string
	dec, pct bool
}

// node builds the number's node.
func (pn plainNumber) node() *mnode {
	r, _ := parseRat(pn.digits)
	n := numNode(r, pn.dec)
	if pn.pct {
		return opNode(mPct, n)
	}
	return n
}

// plainNumberAt reads the number at s[i:] (i is anchored) and returns its
// node and end.
func plainNumberAt(s string, i int) (*mnode, int, bool) {
	pn, end, ok := scanPlainNumber(s, i)
	if !ok {
		return nil, i, false
	}
	return pn.node(), end, true
}

// scanPlainNumber reads the number at s[i:] without building it.
func scanPlainNumber(s string, i int) (plainNumber, int, bool) {
	j := i
	if j < len(s) && s[j] == '-' {
		j++
	}
	digits, end, dec := plainDigits(s, j)
	if digits == "" {
		return plainNumber{}, i, false
	}
	if m, e := exponentAt(s, end); e > end {
		digits, end, dec = digits+m, e, true
	}
	if j > i {
		digits = "-" + digits
	}
	if pe, ok := percentAfter(s, end); ok {
		return plainNumber{digits, dec, true}, pe, true
	}
	if end < len(s) && isLetter(s[end]) && !unitFollows(s, end) {
		return plainNumber{}, i, false // 2x, 5th: part of a word
	}
	return plainNumber{digits: digits, dec: dec}, end, true
}

// unitFollows reports whether the letters at s[i:] are a unit word
// ("5cm", "100m²", "10m2").
func unitFollows(s string, i int) bool {
	j := i
	for j < len(s) && isLetter(s[j]) {
		j++
	}
	if !isUnit(strings.ToLower(s[i:j])) {
		return false
	}
	return j == len(s) || !isLetter(s[j])
}

// plainDigits reads thousands groups, or digits with a decimal point or
// comma, or digits; it returns them without separators.
func plainDigits(s string, i int) (digits string, end int, dec bool) {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j == i {
		if j+1 < len(s) && s[j] == '.' && isDigit(s[j+1]) {
			k := j + 1
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			return "0" + s[j:k], k, true
		}
		return "", i, false
	}
	if g, e := thousandsGroups(s, i, j); e > j {
		return g, e, strings.Contains(g, ".")
	}
	if j+1 < len(s) && (s[j] == '.' || s[j] == ',') && isDigit(s[j+1]) {
		k := j + 1
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if s[j] == '.' || decimalComma(s[i:j], k-j-1, s[k:]) {
			return s[i:j] + "." + s[j+1:k], k, true
		}
	}
	return s[i:j], j, false
}

// decimalComma decides whether the comma of intPart,frac (frac has n
// digits, rest follows) is a decimal comma: not when another ",digit"
// follows (a list), and with one digit after it only for "0,5" or a
// whole part of four digits or more ("1000,5"); "-2,1" is a list.
func decimalComma(intPart string, n int, rest string) bool {
	if len(rest) > 1 && rest[0] == ',' && isDigit(rest[1]) {
		return false
	}
	return n >= 2 || intPart == "0" || len(intPart) >= 4
}

// thousandsGroups reads "1,234,567.8" or "1 234" whose first group is
// s[i:j]; end is j when there are no groups.
func thousandsGroups(s string, i, j int) (string, int) {
	if j-i > 3 || s[i] == '0' {
		return "", j
	}
	var b strings.Builder
	b.WriteString(s[i:j])
	end := j
	for end+4 <= len(s) && (s[end] == ',' || s[end] == ' ') && allDigits(s[end+1:end+4]) &&
		(end+4 == len(s) || !isDigit(s[end+4])) && (end == j || s[end] == s[j]) {
		b.WriteString(s[end+1 : end+4])
		end += 4
	}
	if end == j {
		return "", j
	}
	if end+1 < len(s) && s[end] == '.' && isDigit(s[end+1]) {
		k := end + 1
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		b.WriteString(s[end:k])
		end = k
	}
	return b.String(), end
}

// exponentAt reads "e3", "E-2" at s[i:] (not followed by a letter), of
// at most 3 digits: "1e999999999" is not a number anyone computes.
func exponentAt(s string, i int) (string, int) {
	if i >= len(s) || s[i] != 'e' && s[i] != 'E' {
		return "", i
	}
	j := i + 1
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	k := j
	for k < len(s) && isDigit(s[k]) {
		k++
	}
	if k == j || k-j > 3 || k < len(s) && (isLetter(s[k]) || isDigit(s[k])) {
		return "", i
	}
	return s[i:k], k
}

// plainExprAt reads an arithmetic expression of numbers at s[i:]
// (Math-Verify's: digits, ".", spaces, + − * × / ÷ ^ and brackets, with
// at least one operator, ending before ".", ",", ":", a space, ")", "$"
// or the end) and returns its text and end. run describes the run of
// expression characters that holds s[i] (see exprRunAt).
func plainExprAt(s string, i int, run *exprRun) (string, int, bool) {
	j := i
	for _, p := range []string{"-", "(", "-"} {
		if strings.HasPrefix(s[j:], p) {
			j += len(p)
		}
	}
	if j >= len(s) || !isDigit(s[j]) || run.exprEnd <= j || run.lastOp < i+1 {
		return "", i, false
	}
	return s[i:run.textEnd], run.exprEnd, true
}

// exprRun is a maximal run s[start:end] of expression characters. Every
// expression that starts in it ends at the same place: at exprEnd, the
// last position e in (start, end] where plainSuffix holds (−1: none),
// with the text up to textEnd (exprEnd less trailing spaces and
// periods). One that starts at i needs an operator at i+1 or later with
// a digit or "(" after it: lastOp is the last such operator (−1: none).
// So a run is scanned once, however many numbers start in it.
type exprRun struct {
	start, end, exprEnd, textEnd, lastOp int
}

// exprRunAt returns the run of expression characters from s[i] on,
// reusing last when i lies in it.
func exprRunAt(s string, i int, last *exprRun) *exprRun {
	if last != nil && last.start <= i && i < last.end {
		return last
	}
	r := &exprRun{start: i, end: i, exprEnd: -1, textEnd: -1, lastOp: -1}
	for r.end < len(s) {
		size := exprCharLen(s[r.end:])
		if size == 0 {
			break
		}
		r.end += size
	}
	for e := r.end; e > i; {
		if plainSuffix(s, e) {
			r.exprEnd = e
			break
		}
		_, size := utf8.DecodeLastRuneInString(s[:e])
		e -= size
	}
	if r.exprEnd < 0 {
		return r
	}
	r.textEnd = r.exprEnd
	for r.textEnd > i && strings.IndexByte(" \t\n.", s[r.textEnd-1]) >= 0 {
		r.textEnd--
	}
	op := -1
	for k, c := range s[i+1 : max(i+1, r.textEnd)] {
		switch {
		case strings.ContainsRune("+-*/^×÷", c):
			op = i + 1 + k
		case '0' <= c && c <= '9' || c == '(':
			r.lastOp = op
		}
	}
	return r
}

// exprCharLen returns the length of the expression character at the
// start of s, or 0.
func exprCharLen(s string) int {
	if strings.HasPrefix(s, "×") || strings.HasPrefix(s, "÷") {
		return len("×")
	}
	if strings.IndexByte("0123456789. \t\n+-*/^()", s[0]) >= 0 {
		return 1
	}
	return 0
}

func plainSuffix(s string, end int) bool {
	return end == len(s) || strings.IndexByte(".,: \t\n)$", s[end]) >= 0
}

// plainCandidates returns the plain numbers and expressions of s outside
// math regions, as candidates ending where they end; only the last
// mathMaxCandidates are kept.
func (t *mathText) plainCandidates() []mathCand {
	var out []mathCand
	var run *exprRun
	s := t.s
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && c != '-' && c != '.' && c != '(' {
			continue
		}
		if t.inRegion(i) {
			continue
		}
		cands, next, r := plainAt(s, i, run)
		out, run = append(out, cands...), r
		if len(out) > 2*mathMaxCandidates {
			out = append(out[:0], out[len(out)-mathMaxCandidates:]...)
		}
		i = next - 1
	}
	return out
}

// plainAt returns the candidates anchored at s[i] (a number and an
// expression) and the index to scan on from. last is the run of
// expression characters of an earlier call on s (or nil), reused when
// s[i] lies in it; run is the one this call used.
func plainAt(s string, i int, last *exprRun) (cands []mathCand, next int, run *exprRun) {
	next = i + 1
	if isDigit(s[i]) {
		for next < len(s) && isDigit(s[next]) {
			next++
		}
	}
	if !plainAnchored(s, i, false) && !(s[i] != '(' && plainAnchored(s, i, true)) {
		return nil, next, last
	}
	if s[i] != '(' {
		if pn, end, ok := scanPlainNumber(s, i); ok {
			cands = append(cands, mathCand{start: i, end: end, num: pn})
			next = max(next, end)
		}
	}
	if !plainAnchored(s, i, false) {
		return cands, next, last
	}
	run = exprRunAt(s, i, last)
	if text, end, ok := plainExprAt(s, i, run); ok {
		cands = append(cands, mathCand{start: i, end: end, text: text})
	}
	return cands, next, run
}
