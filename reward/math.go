package reward

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
)

// ErrMathBudget is the error of a Math verification that needed more work
// than Math.Budget allows; Math.Score scores such a completion 0.
var ErrMathBudget = errors.New("reward: math: work budget exhausted")

// DefaultMathBudget is Math's work budget per verification when
// Math.Budget is 0: a few milliseconds of work on one core, hundreds of
// times what a typical answer needs.
const DefaultMathBudget = 200_000

// Math is a verifier for math answers, a Go counterpart of Hugging Face's
// Math-Verify: it extracts the answer from the completion (the text after
// the last </think>, or all of it), parses it and the label from LaTeX or
// plain text, and scores 1 when they are equivalent, else 0 (also 0 when
// the completion holds no parseable answer). A sample without a Label is
// not applicable (ErrSkip); a Label with no answer in it is an error.
//
// Extraction tries the sources of Order: by default the last \boxed{}
// and "The final answer is X. I hope it is correct" first, then "final
// answer … is X", "answer: X", "answer … X", and last the math spans
// ($…$, \(…\), \[…\], $$…$$) and the plain numbers of the text; within a
// group the candidate that ends last wins, and the first that parses is
// the answer. A number is never read from inside a word or a formula.
// The label is parsed whole when it has no math delimiters or boxes, and
// extracted like a completion otherwise.
//
// Parsing reads numbers (thousands separators "1,234", "1 000", "1{,}234",
// decimal commas when unambiguous, exponents, percent signs and words),
// \frac (also \dfrac, \tfrac, \cfrac, \frac12), \sqrt[n]{}, powers, \pi,
// e, i, \infty, trigonometric, hyperbolic and logarithmic functions, |x|,
// !, \binom, implicit multiplication, \left/\right, \text{} words, units
// (removed), degrees; sets {…}, tuples, intervals (open, closed,
// half-open) and their ∪, ∩ and ∖, matrices (pmatrix, bmatrix, array),
// equations and inequalities (chains too), ± and lists of solutions.
//
// Equivalence follows Math-Verify's verdicts: rational values compare
// exactly (math/big); a number written with decimals compares rounded to
// Precision places (1/3 is 0.333333); irrational constants compare within
// Tolerance; expressions with variables compare at random points: when
// both sides are rational functions and evaluate exactly at the integer
// point, a wrong "equal" needs every point to be a root of the numerator
// of their difference, of degree d, which by the Schwartz–Zippel lemma
// has probability at most (d/65536)^4 for the 4 points drawn from
// 65,536 integers; otherwise the points are floating-point and the bound
// is heuristic. Sets and lists compare in any order, tuples in order (a
// gold tuple takes a list answer in its written order), intervals by
// brackets and endpoints, sets of reals (unions, ℝ ∖ {1}) as sets; text
// answers case- and space-insensitively. x ≥ 5 equals 5 ≤ x and −x ≤ −5;
// "x = 3" answers the gold 3 and "3" the gold "x = 3" unless
// StrictEquations; a gold inequality in one variable equals the interval
// it describes (see SetRelations for the converse).
//
// Every input takes bounded time and memory: answers longer than
// MathMaxAnswer bytes or nested deeper than MathMaxDepth are not parsed,
// exact values stop at 2^15 bits (10^{10^{10}} is refused, not computed),
// and Budget bounds the work of one verification.
//
// References: H. Kydlíček, Math-Verify (Hugging Face, 2025);
// Schwartz (1980) and Zippel (1979) for random-point identity testing;
// docs/ALGORITHMS.md §5.
type Math struct {
	// Order lists groups of answer sources, tried group by group. Default
	// (nil): DefaultMathOrder().
	Order [][]MathSource
	// Extract, when set, replaces Order: the answer is what it returns,
	// parsed like a label.
	Extract Extractor
	// Precision is the number of decimal places to which a number written
	// with decimals is compared (Math-Verify's float_rounding). Default
	// (0): 6. Negative is an error.
	Precision int
	// Tolerance is the relative tolerance of values computed in floating
	// point: |a − b| ≤ Tolerance·max(1, |a|, |b|). Default (0): 1e-9.
	// Negative or non-finite is an error.
	Tolerance float64
	// KeepUnits compares the units of the answers: "5 cm" then differs
	// from "5 m" and from "5". Default (false): a trailing unit is removed
	// from both sides, as Math-Verify does.
	KeepUnits bool
	// StrictEquations makes an equation differ from a bare value: "x = 3"
	// then does not answer the gold 3. Default (false): as Math-Verify.
	StrictEquations bool
	// SetRelations lets an answer that is a relation in one variable equal
	// a gold set (x > 1 for the gold (1, ∞)). Default (false): only a
	// gold relation is compared with a set answer, as Math-Verify does
	// (its allow_set_relation_comp), so that restating an inequality to
	// be solved earns nothing.
	SetRelations bool
	// Budget is the work one verification may do, in units of a token
	// parsed, a value computed or a comparison made. Default (0):
	// DefaultMathBudget. Negative is an error.
	Budget int
}

// mathAnswer is a parsed answer with its normalised text and unit.
type mathAnswer struct {
	node       *mnode
	text, unit string
	err        error // why a whole label did not parse
}

// Score verifies the completion against s.Label.
func (m Math) Score(ctx context.Context, s Sample) (float64, error) {
	if s.Label == "" {
		return math.NaN(), ErrSkip
	}
	ok, err := m.Verify(ctx, s.Label, s.Completion)
	switch {
	case errors.Is(err, ErrMathBudget):
		return 0, nil
	case err != nil:
		return math.NaN(), err
	case ok:
		return 1, nil
	}
	return 0, nil
}

// Verify reports whether the completion answers gold, as Score scores it.
// The error says why the configuration or the gold is unusable, or wraps
// ErrMathBudget or ctx's error.
func (m Math) Verify(ctx context.Context, gold, completion string) (bool, error) {
	cmp, order, err := m.comparer()
	if err != nil {
		return false, err
	}
	g := m.answerOf(ctx, gold, order, cmp.work)
	if g.node == nil && g.text == "" {
		if cmp.work.left < 0 {
			return false, fmt.Errorf("reward: Math: gold: %w", ErrMathBudget)
		}
		return false, fmt.Errorf("reward: Math: gold %.80q holds no answer: %v", gold, g.err)
	}
	var p mathAnswer
	if m.Extract != nil {
		if a, ok := m.Extract(completion); ok {
			p = m.answerOf(ctx, a, order, cmp.work)
		}
	} else {
		text, ok := textAfterReasoning(completion)
		if !ok {
			text = completion // unfinished reasoning is read whole, as Math-Verify reads it
		}
		p = m.extract(ctx, newMathText(text), order, cmp.work)
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("reward: Math: %w", err)
	}
	eq := g.node != nil && p.node != nil && cmp.equal(g.node, p.node) ||
		p.text != "" && squashSpaces(p.text) == squashSpaces(g.text)
	if cmp.work.left < 0 {
		return false, fmt.Errorf("reward: Math: %w", ErrMathBudget)
	}
	return eq && (!m.KeepUnits || g.unit == p.unit), nil
}

func squashSpaces(s string) string { return strings.Join(strings.Fields(s), "") }

// comparer checks the configuration and returns a comparer and the order
// of sources.
func (m Math) comparer() (*mathCmp, [][]MathSource, error) {
	switch {
	case m.Precision < 0:
		return nil, nil, fmt.Errorf("reward: Math.Precision is %d, want ≥ 0", m.Precision)
	case math.IsNaN(m.Tolerance) || math.IsInf(m.Tolerance, 0) || m.Tolerance < 0:
		return nil, nil, fmt.Errorf("reward: Math.Tolerance is %v, want finite and ≥ 0", m.Tolerance)
	case m.Budget < 0:
		return nil, nil, fmt.Errorf("reward: Math.Budget is %d, want ≥ 0", m.Budget)
	}
	for i, g := range m.Order {
		for j, s := range g {
			if s < FromBoxed || s > FromPlain {
				return nil, nil, fmt.Errorf("reward: Math.Order[%d][%d] is %d, not a MathSource", i, j, s)
			}
		}
	}
	w := &mathWork{left: cmp.Or(m.Budget, DefaultMathBudget)}
	c := newMathCmp(w, cmp.Or(m.Precision, 6), cmp.Or(m.Tolerance, 1e-9))
	c.setRel, c.strictEq = m.SetRelations, m.StrictEquations
	order := m.Order
	if order == nil {
		order = defaultMathOrder
	}
	return c, order, nil
}

// answerOf reads a label (or an extracted answer): whole when it has no
// math delimiters or boxes and parses, else extracted like a completion.
func (m Math) answerOf(ctx context.Context, s string, order [][]MathSource, w *mathWork) mathAnswer {
	s = strings.TrimSpace(s)
	if !hasDelimiters(s) {
		if n, end, ok := plainNumberAt(s, 0); ok && end == len(s) {
			return mathAnswer{node: prepareAnswer(n), text: s}
		}
		a, err := parseAnswer(s, w)
		if err == nil {
			return a
		}
		if e := m.extract(ctx, newMathText(s), order, w); e.node != nil || e.text != "" {
			return e
		}
		return mathAnswer{err: err}
	}
	return m.extract(ctx, newMathText(s), order, w)
}

// extract tries the candidates of t group by group and returns the first
// that parses; when none does, the text of the first one.
func (m Math) extract(ctx context.Context, t *mathText, order [][]MathSource, w *mathWork) mathAnswer {
	first := ""
	for _, group := range order {
		var cands []mathCand
		for _, src := range group {
			cands = append(cands, t.candidates(src)...)
		}
		for _, c := range ordered(cands) {
			if ctx.Err() != nil || !w.spend(1) {
				return mathAnswer{}
			}
			if c.num.digits != "" {
				return mathAnswer{node: c.num.node(), text: t.s[c.start:c.end], unit: unitAfter(t.s, c.end)}
			}
			a, err := parseAnswer(c.text, w)
			if err == nil {
				return a
			}
			if first == "" {
				first = a.text
			}
		}
	}
	return mathAnswer{text: first}
}

// parseAnswer normalises and parses one answer.
func parseAnswer(s string, w *mathWork) (mathAnswer, error) {
	text, unit := normalizeWithUnit(s)
	n, err := parseMath(text, w)
	if err != nil {
		return mathAnswer{text: text}, err
	}
	return mathAnswer{node: prepareAnswer(n), text: text, unit: unit}, nil
}

// unitAfter returns the unit word that follows a plain number, if any.
func unitAfter(s string, i int) string {
	j := skipSpaces(s, i)
	k := j
	for k < len(s) && isLetter(s[k]) {
		k++
	}
	if w := strings.ToLower(s[j:k]); w != "" && isUnit(w) && (k-j > 1 || j > i) {
		return singular(w)
	}
	return ""
}

// hasDelimiters reports whether s holds math delimiters (an unescaped $,
// \( or \[) or a box.
func hasDelimiters(s string) bool {
	return indexUnescaped(s, "$", 0) >= 0 || strings.Contains(s, `\(`) || strings.Contains(s, `\[`) ||
		strings.Contains(s, `\boxed`) || strings.Contains(s, `\fbox`)
}

// numericLabel checks that a label is one number, maybe assigned
// ("x = 5"), with a finite value.
func numericLabel(ctx context.Context, label string) error {
	w := &mathWork{left: DefaultMathBudget}
	n := Math{}.answerOf(ctx, label, DefaultMathOrder(), w).node
	if n != nil && isAssignment(n) {
		n = n.kids[len(n.kids)-1]
	}
	if n == nil || n.op == mRel || n.op == mText || isCollection(n) || len(symbolsOf(n, nil)) > 0 {
		return fmt.Errorf("%.80q is not a number", label)
	}
	ev := &evaluator{work: w}
	if _, ok := ev.ratValue(n); ok {
		return nil
	}
	if _, ok := ev.complexValue(n); !ok {
		return fmt.Errorf("%.80q has no finite value", label)
	}
	return nil
}
