package reward

import (
	"sort"
	"strings"
)

// MathSource is a place in a completion where Math looks for the answer.
type MathSource int

// The sources of an answer. Math tries them in groups (see Math.Order):
// within a group the candidate that ends last in the text comes first,
// and the first candidate that parses is the answer.
const (
	// FromBoxed is the last \boxed{…} or \fbox{…}. Boxes before it that
	// are less than 10 bytes away, or less than 70 with other content and
	// "and", "or", a comma or a semicolon between, join it in one set of
	// answers (\boxed{1} and \boxed{2} is {1, 2}).
	FromBoxed MathSource = iota
	// FromMinerva is "final answer is X. I hope it is correct", the
	// template of the Minerva and MATH few-shot prompts.
	FromMinerva
	// FromFinalAnswer is "final answer … is X", at most 100 bytes apart.
	FromFinalAnswer
	// FromAnswerColon is "answer: X", X starting within 50 bytes, or a
	// number after the last "=" within 100.
	FromAnswerColon
	// FromAnswerWord is "answer … X" with the same distances.
	FromAnswerWord
	// FromMathSpan is a math span: $…$ or \(…\) on one line, $$…$$ or
	// \[…\], a " […] " line, or a bare \frac{a}{b} of two numbers; spans
	// joined by commas, "and" or "or" form one set of answers.
	FromMathSpan
	// FromPlain is a number or an arithmetic expression of numbers in
	// plain text that starts a word (see plainAnchored) outside every math
	// span.
	FromPlain
)

// DefaultMathOrder returns the order in which Math tries the sources when
// Math.Order is nil: Math-Verify's priorities with boxed answers first
// (its boxed_match_priority=0, the setting of its tests).
func DefaultMathOrder() [][]MathSource {
	return [][]MathSource{
		{FromBoxed, FromMinerva}, {FromFinalAnswer}, {FromAnswerColon}, {FromAnswerWord}, {FromMathSpan, FromPlain},
	}
}

// defaultMathOrder is DefaultMathOrder(), shared read-only.
var defaultMathOrder = DefaultMathOrder()

// mathMaxCandidates bounds the candidates one source yields (the last
// ones are kept) and the candidates a group tries.
const mathMaxCandidates = 64

// mathCand is a candidate answer: its text to parse, or a plain number.
type mathCand struct {
	start, end int
	text       string
	num        plainNumber
}

// candidates returns the candidates of one source, in any order.
func (t *mathText) candidates(src MathSource) []mathCand {
	switch src {
	case FromBoxed:
		if text, end, ok := boxGroup(t.s, findBoxes(t.s)); ok {
			return []mathCand{{start: end, end: end, text: text}}
		}
	case FromMinerva:
		return t.minerva()
	case FromFinalAnswer:
		return t.keyword("final answer", t.afterIs)
	case FromAnswerColon:
		return t.keyword("answer:", t.afterAnswer)
	case FromAnswerWord:
		return t.keyword("answer", t.afterAnswer)
	case FromMathSpan:
		return t.spanCandidates()
	case FromPlain:
		return t.plainCandidates()
	}
	return nil
}

// ordered sorts candidates latest end first, then longest first.
func ordered(c []mathCand) []mathCand {
	sort.SliceStable(c, func(i, j int) bool {
		if c[i].end != c[j].end {
			return c[i].end > c[j].end
		}
		return c[i].start < c[j].start
	})
	if len(c) > mathMaxCandidates {
		c = c[:mathMaxCandidates]
	}
	return c
}

// spanCandidates groups the spans from the left, as Math-Verify's
// regular expressions do, and returns the last mathMaxCandidates groups.
func (t *mathText) spanCandidates() []mathCand {
	var starts []int
	for k := 0; k < len(t.spans); k += t.groupLen(k) {
		starts = append(starts, k)
	}
	var out []mathCand
	for _, k := range starts[max(0, len(starts)-mathMaxCandidates):] {
		text, end := t.spanGroup(k)
		out = append(out, mathCand{start: t.spans[k].start, end: end, text: text})
	}
	return out
}

// indexFold returns the index of the first ASCII-case-insensitive match
// of the lower-case word in s[from:], or −1.
func indexFold(s, word string, from int) int {
	for i := from; i+len(word) <= len(s); i++ {
		if s[i]|0x20 == word[0] && strings.EqualFold(s[i:i+len(word)], word) {
			return i
		}
	}
	return -1
}

// keyword returns the candidates after each of the last occurrences of
// word, found by after.
func (t *mathText) keyword(word string, after func(i int) []mathCand) []mathCand {
	var hits []int
	for i := indexFold(t.s, word, 0); i >= 0; i = indexFold(t.s, word, i+1) {
		hits = append(hits, i+len(word))
		if len(hits) > 2*mathMaxCandidates {
			hits = append(hits[:0], hits[len(hits)-mathMaxCandidates:]...)
		}
	}
	var out []mathCand
	for _, h := range hits {
		out = append(out, after(h)...)
	}
	return out
}

// xAt returns the first math span group and the first plain number or
// expression that start within window bytes of i.
func (t *mathText) xAt(i, window int) []mathCand {
	var out []mathCand
	k := sort.Search(len(t.spans), func(k int) bool { return t.spans[k].start >= i })
	if k < len(t.spans) && t.spans[k].start <= i+window {
		text, end := t.spanGroup(k)
		out = append(out, mathCand{start: t.spans[k].start, end: end, text: text})
	}
	for j := i; j <= i+window && j < len(t.s); j++ {
		if c := t.s[j]; (isDigit(c) || c == '-' || c == '.' || c == '(') && !t.inRegion(j) {
			if cands, _, _ := plainAt(t.s, j, nil); len(cands) > 0 {
				return append(out, cands...)
			}
		}
	}
	return out
}

// afterAnswer finds X after "answer" or "answer:": within 50 bytes, or a
// number right after the last "=" within 100 bytes.
func (t *mathText) afterAnswer(i int) []mathCand {
	out := t.xAt(i, 50)
	window := t.s[i:min(len(t.s), i+100)]
	if eq := strings.LastIndexByte(window, '='); eq >= 0 {
		j := skipSpaces(t.s, i+eq+1)
		if j < len(t.s) && !t.inRegion(j) {
			if cands, _, _ := plainAt(t.s, j, nil); len(cands) > 0 && !strings.HasPrefix(strings.TrimLeft(t.s[cands[0].end:], " "), "=") {
				out = append(out, cands...)
			}
		}
	}
	return out
}

// afterIs finds X after the first " is" (or " is:") within 100 bytes of i
// that is followed by one.
func (t *mathText) afterIs(i int) []mathCand {
	for j := i; j < i+100 && j+3 <= len(t.s); j++ {
		if !isSpaceByte(t.s[j]) || !strings.EqualFold(t.s[j+1:j+3], "is") {
			continue
		}
		k := j + 3
		if k < len(t.s) && t.s[k] == ':' {
			k++
		}
		if cands := t.xAt(skipSpaces(t.s, k), 0); len(cands) > 0 {
			return cands
		}
		if cands := t.xAt(k, 0); len(cands) > 0 {
			return cands
		}
	}
	return nil
}

// minerva finds "final answer is X" followed by ". I hope".
func (t *mathText) minerva() []mathCand {
	var out []mathCand
	for _, c := range t.keyword("final answer is", func(i int) []mathCand {
		if i < len(t.s) && t.s[i] == ':' {
			i++
		}
		return append(t.xAt(skipSpaces(t.s, i), 0), t.xAt(max(i, skipSpaces(t.s, i)-1), 0)...)
	}) {
		rest := t.s[c.end:]
		rest = strings.TrimPrefix(rest, ".")
		if len(rest) > 0 && isSpaceByte(rest[0]) {
			rest = rest[1:]
		}
		if strings.HasPrefix(rest, "I hope") {
			out = append(out, c)
		}
	}
	return out
}
