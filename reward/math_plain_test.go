package reward

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// plainExprRef is plainExprAt as its rule reads, one end after another
// from the longest: the specification the one-pass exprRun must match.
func plainExprRef(s string, i int) (string, int, bool) {
	j := i
	for _, p := range []string{"-", "(", "-"} {
		if strings.HasPrefix(s[j:], p) {
			j += len(p)
		}
	}
	if j >= len(s) || !isDigit(s[j]) {
		return "", i, false
	}
	end := j
	for end < len(s) && exprCharLen(s[end:]) > 0 {
		end += exprCharLen(s[end:])
	}
	for end > j {
		text := strings.TrimRight(s[i:end], " \t\n.")
		if k := strings.IndexAny(text[1:], "+-*/^×÷"); plainSuffix(s, end) && k >= 0 &&
			strings.ContainsAny(text[k+2:], "0123456789(") {
			return text, end, true
		}
		_, size := utf8.DecodeLastRuneInString(s[:end])
		end -= size
	}
	return "", i, false
}

// Every start of every run gets the expression of the reference, whether
// its run is scanned afresh or reused from an earlier start.
func TestPlainExprRuns(t *testing.T) {
	pieces := []string{"1", "23", ".", " ", "-", "+", "*", "/", "^", "(", ")", "×", "÷", ",", ":", "$", "x", "=", "\n"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(14) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		var run *exprRun
		for i := 0; i < len(s); i++ {
			if c := s[i]; !isDigit(c) && c != '-' && c != '.' && c != '(' {
				continue
			}
			run = exprRunAt(s, i, run)
			text, end, ok := plainExprAt(s, i, run)
			wtext, wend, wok := plainExprRef(s, i)
			fresh, fend, fok := plainExprAt(s, i, exprRunAt(s, i, nil))
			if text != wtext || end != wend || ok != wok || fresh != wtext || fend != wend || fok != wok {
				t.Fatalf("plainExprAt(%q, %d) = %q, %d, %v (fresh run: %q, %d, %v); want %q, %d, %v",
					s, i, text, end, ok, fresh, fend, fok, wtext, wend, wok)
			}
		}
	}
}
