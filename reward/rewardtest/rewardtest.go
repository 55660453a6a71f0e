// Package rewardtest checks reward designs before any GPU hour is spent on
// them, in the style of testing/fstest.TestFS: every check returns an error
// (nil when the reward passes) and takes no *testing.T, so it works in a
// test, in a command-line tool or at program start.
//
// The checks are:
//
//   - Determinism: the same sample scored repeatedly gets the same score.
//   - Bounds: every score is finite and inside [lo, hi].
//   - Rankings: completions listed worst to best get non-decreasing (or,
//     when asked, strictly increasing) scores.
//   - Invariance: transforms that must not matter (whitespace, casing,
//     answer formatting) leave the score unchanged.
//   - Hacks: reward-hacking probes (empty output, echoing the prompt,
//     stuffing many candidate answers, answer only inside <think>, ...)
//     score clearly below a correct reference.
//   - Discriminate: accuracy at a threshold, ROC AUC and the separation
//     (mean score of correct minus mean score of incorrect completions) on
//     labelled cases.
//
// A Suite runs them all for one reward, and Suite.Report prints a table.
//
// Every failure is a *Failure that names the check, the case and the
// offending score; a check returns all of its failures joined with
// errors.Join, so one run shows everything that is wrong, and Failures
// lists them.
package rewardtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/evolve-go/evolve/internal/parallel"
	"github.com/evolve-go/evolve/reward"
)

// Case is one sample a check scores.
type Case struct {
	// Name identifies the case in failure messages. Default (""):
	// "cases[i]" with i its index.
	Name string
	// Sample is what the reward scores.
	Sample reward.Sample
	// Correct marks a completion that deserves a high reward. Hacks uses
	// the correct cases as references; Discriminate uses Correct as the
	// ground truth. The other checks ignore it.
	Correct bool
}

// caseName returns c.Name or "cases[i]".
func caseName(c Case, i int) string {
	if c.Name != "" {
		return c.Name
	}
	return fmt.Sprintf("cases[%d]", i)
}

// Failure is one failed expectation of a check.
type Failure struct {
	// Check is the check that failed: "determinism", "bounds", "ranking",
	// "invariance", "hacks" or "discrimination".
	Check string
	// Case names the case (and probe or transform) that failed.
	Case string
	// Score is the offending score, NaN when the reward returned an error
	// or the failure is not about one score.
	Score float64
	// Msg says what was expected.
	Msg string
}

// Error implements error: "rewardtest: check: case: message".
func (f *Failure) Error() string {
	return "rewardtest: " + f.Check + ": " + f.Case + ": " + f.Msg
}

// Failures returns the failures in err: the *Failure leaves of the tree
// of errors.Join errors a check returns, in order (nil for nil). Use it
// to count, filter or print what a check found.
func Failures(err error) []*Failure {
	var out []*Failure
	for _, e := range flatten(err) {
		var f *Failure
		if errors.As(e, &f) {
			out = append(out, f)
		}
	}
	return out
}

// fail builds a *Failure.
func fail(check, name string, score float64, format string, args ...any) error {
	return &Failure{Check: check, Case: name, Score: score, Msg: fmt.Sprintf(format, args...)}
}

// outcome is what one Score call produced.
type outcome struct {
	v    float64
	err  error // nil, wraps reward.ErrSkip, or any other error
	skip bool
}

// String renders an outcome for messages: the score, "skipped" or the error.
func (o outcome) String() string {
	switch {
	case o.skip:
		return "skipped (ErrSkip)"
	case o.err != nil:
		return "error: " + o.err.Error()
	default:
		return fmtScore(o.v)
	}
}

// same reports whether two outcomes are the same: equal scores (NaN equals
// NaN), both skipped, or both failed.
func (o outcome) same(p outcome) bool {
	if o.skip || p.skip {
		return o.skip == p.skip
	}
	if (o.err != nil) != (p.err != nil) {
		return false
	}
	if o.err != nil {
		return true
	}
	return o.v == p.v || (math.IsNaN(o.v) && math.IsNaN(p.v))
}

// score calls r.Score and turns a panic into an error.
func score(ctx context.Context, r reward.Reward, s reward.Sample) (o outcome) {
	defer func() {
		if p := recover(); p != nil {
			o = outcome{v: math.NaN(), err: fmt.Errorf("Score panicked: %v", p)}
		}
	}()
	v, err := r.Score(ctx, s)
	if err != nil {
		return outcome{v: math.NaN(), err: err, skip: errors.Is(err, reward.ErrSkip)}
	}
	return outcome{v: v}
}

// fmtScore formats a score compactly ("1", "0.25", "NaN", "+Inf").
func fmtScore(v float64) string {
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// validate checks the arguments every check shares.
func validate(ctx context.Context, r reward.Reward) error {
	if r == nil {
		return errors.New("rewardtest: reward is nil")
	}
	if ctx == nil {
		return errors.New("rewardtest: context is nil")
	}
	return nil
}

// DefaultRepeats is the number of times Determinism scores each case when
// repeats is 0.
const DefaultRepeats = 5

// Determinism scores every case repeats times (0 means DefaultRepeats) and
// reports each case whose outcome changes: a different score (compared
// exactly, NaN equal to NaN), or a switch between success, ErrSkip and
// error. It then scores all cases once more concurrently, as
// reward.Scorer does during training, to catch shared state that makes
// scores depend on timing, and, when r implements reward.BatchScorer,
// once through ScoreBatch, whose scores must equal Score's. A reward that
// samples (an LLM judge at temperature > 0) fails it by design; give such
// a reward a fixed seed or temperature 0 for the check.
func Determinism(ctx context.Context, r reward.Reward, cases []Case, repeats int) error {
	if err := validate(ctx, r); err != nil {
		return err
	}
	if repeats < 0 {
		return fmt.Errorf("rewardtest: Determinism: repeats is negative (%d)", repeats)
	}
	if repeats == 0 {
		repeats = DefaultRepeats
	}
	var errs []error
	first := make([]outcome, len(cases))
	bad := make([]bool, len(cases))
	for i, c := range cases {
		first[i] = score(ctx, r, c.Sample)
		for k := 2; k <= repeats; k++ {
			o := score(ctx, r, c.Sample)
			if !o.same(first[i]) {
				errs = append(errs, fail("determinism", caseName(c, i), o.v,
					"run %d scored %s, run 1 scored %s", k, o, first[i]))
				bad[i] = true
				break
			}
		}
	}

	// One concurrent pass, at most 8 cases at a time. Every case is
	// scored, with ctx, even when ctx is done, as in the passes above.
	conc := make([]outcome, len(cases))
	parallel.Do(context.Background(), len(cases), 8, func(_ context.Context, i int) error {
		conc[i] = score(ctx, r, cases[i].Sample)
		return nil
	})
	for i, c := range cases {
		if !bad[i] && !conc[i].same(first[i]) {
			errs = append(errs, fail("determinism", caseName(c, i), conc[i].v,
				"scored %s when scored concurrently with the other cases, %s alone", conc[i], first[i]))
			bad[i] = true
		}
	}

	if bs, ok := r.(reward.BatchScorer); ok && len(cases) > 0 {
		samples := make([]reward.Sample, len(cases))
		for i, c := range cases {
			samples[i] = c.Sample
		}
		dst := make([]float64, len(cases))
		berrs := make([]error, len(cases))
		if err := scoreBatch(ctx, bs, samples, dst, berrs); err != nil {
			errs = append(errs, fail("determinism", "ScoreBatch", math.NaN(), "failed as a whole: %v", err))
		} else {
			for i, c := range cases {
				o := outcome{v: dst[i], err: berrs[i], skip: errors.Is(berrs[i], reward.ErrSkip)}
				if o.err != nil {
					o.v = math.NaN()
				}
				if !bad[i] && !o.same(first[i]) {
					errs = append(errs, fail("determinism", caseName(c, i), o.v,
						"ScoreBatch scored %s, Score scored %s", o, first[i]))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// scoreBatch calls ScoreBatch and turns a panic into an error.
func scoreBatch(ctx context.Context, bs reward.BatchScorer, samples []reward.Sample, dst []float64, errs []error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("ScoreBatch panicked: %v", p)
		}
	}()
	return bs.ScoreBatch(ctx, samples, dst, errs)
}

// Bounds reports every case whose score is not finite or lies outside
// [lo, hi], and every case whose reward returned an error other than
// reward.ErrSkip (a skipped case is not out of bounds). lo and hi must be
// finite with lo <= hi.
func Bounds(ctx context.Context, r reward.Reward, cases []Case, lo, hi float64) error {
	if err := validate(ctx, r); err != nil {
		return err
	}
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || lo > hi {
		return fmt.Errorf("rewardtest: Bounds: [%v, %v] is not a finite interval", lo, hi)
	}
	var errs []error
	for i, c := range cases {
		o := score(ctx, r, c.Sample)
		switch {
		case o.skip:
		case o.err != nil:
			errs = append(errs, fail("bounds", caseName(c, i), math.NaN(), "%s", o))
		case math.IsNaN(o.v) || math.IsInf(o.v, 0):
			errs = append(errs, fail("bounds", caseName(c, i), o.v,
				"score %s is not finite (return reward.ErrSkip for not applicable)", o))
		case o.v < lo || o.v > hi:
			errs = append(errs, fail("bounds", caseName(c, i), o.v,
				"score %s is outside [%s, %s]", o, fmtScore(lo), fmtScore(hi)))
		}
	}
	return errors.Join(errs...)
}

// Ranking is a list of completions to one prompt, ordered from worst to
// best.
type Ranking struct {
	// Name identifies the ranking in failure messages. Default (""):
	// "rankings[i]".
	Name string
	// Prompt, Label and Meta fill the sample of every completion.
	Prompt string
	Label  string
	Meta   map[string]any
	// Completions are ordered worst first; at least two.
	Completions []string
	// Strict requires strictly increasing scores. Default (false):
	// non-decreasing, so completions a reward cannot tell apart (two
	// wrong answers of a binary verifier) may tie.
	Strict bool
}

// Rankings scores the completions of each ranking and reports every
// adjacent pair whose order the reward contradicts: completions[k] scoring
// below completions[k-1] (or, with Strict, not above it). A completion
// whose reward returns an error or reward.ErrSkip is a failure too, since
// it cannot be ranked.
func Rankings(ctx context.Context, r reward.Reward, rankings ...Ranking) error {
	if err := validate(ctx, r); err != nil {
		return err
	}
	var errs []error
	for i, rk := range rankings {
		name := rk.Name
		if name == "" {
			name = fmt.Sprintf("rankings[%d]", i)
		}
		if len(rk.Completions) < 2 {
			errs = append(errs, fail("ranking", name, math.NaN(),
				"has %d completions, needs at least 2", len(rk.Completions)))
			continue
		}
		prev := outcome{}
		havePrev := false
		for k, comp := range rk.Completions {
			o := score(ctx, r, reward.Sample{Prompt: rk.Prompt, Completion: comp, Label: rk.Label, Meta: rk.Meta})
			if o.err != nil || math.IsNaN(o.v) {
				errs = append(errs, fail("ranking", fmt.Sprintf("%s completions[%d]", name, k), o.v,
					"cannot be ranked: %s", o))
				havePrev = false
				continue
			}
			if havePrev {
				if o.v < prev.v {
					errs = append(errs, fail("ranking", fmt.Sprintf("%s completions[%d]", name, k), o.v,
						"scored %s, below completions[%d] (%s); scores must not decrease from worst to best",
						o, k-1, prev))
				} else if rk.Strict && o.v == prev.v {
					errs = append(errs, fail("ranking", fmt.Sprintf("%s completions[%d]", name, k), o.v,
						"scored %s, equal to completions[%d]; Strict requires increasing scores", o, k-1))
				}
			}
			prev, havePrev = o, true
		}
	}
	return errors.Join(errs...)
}

// Transform rewrites a completion in a way the reward must not care about.
type Transform struct {
	// Name identifies the transform in failure messages.
	Name string
	// Apply returns the transformed completion.
	Apply func(completion string) string
}

// Built-in transforms. Which of them a reward must be invariant to is a
// design decision: a math verifier should ignore whitespace and casing, a
// code reward should not ignore casing.
var (
	// SurroundingWhitespace adds blank lines and spaces before and after.
	SurroundingWhitespace = Transform{Name: "surrounding-whitespace", Apply: func(s string) string { return "\n  " + s + " \n\n" }}
	// DoubleSpaces replaces every space with two.
	DoubleSpaces = Transform{Name: "double-spaces", Apply: func(s string) string { return strings.ReplaceAll(s, " ", "  ") }}
	// CRLF turns "\n" line endings into "\r\n".
	CRLF = Transform{Name: "crlf", Apply: func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }}
	// Uppercase upper-cases the whole completion.
	Uppercase = Transform{Name: "uppercase", Apply: strings.ToUpper}
	// Lowercase lower-cases the whole completion.
	Lowercase = Transform{Name: "lowercase", Apply: strings.ToLower}
)

// Replace returns a transform that replaces every old with new, for answer
// formatting ("The answer is 4" → "The answer is \boxed{4}", "0.5" → "1/2").
func Replace(old, new string) Transform {
	return Transform{
		Name:  fmt.Sprintf("replace %q→%q", old, new),
		Apply: func(s string) string { return strings.ReplaceAll(s, old, new) },
	}
}

// DefaultTransforms returns the transforms Invariance applies when it is
// given none: SurroundingWhitespace, DoubleSpaces and CRLF, which no
// text reward should care about. Casing and answer formatting are left to
// the caller.
func DefaultTransforms() []Transform {
	return []Transform{SurroundingWhitespace, DoubleSpaces, CRLF}
}

// Invariance scores every case, then every case with each transform
// applied to its completion, and reports each pair whose scores differ by
// more than tol (tol 0 demands identical scores). A transformed case that
// switches between success, reward.ErrSkip and error is a failure too.
// With no transforms it applies DefaultTransforms.
func Invariance(ctx context.Context, r reward.Reward, cases []Case, tol float64, transforms ...Transform) error {
	if err := validate(ctx, r); err != nil {
		return err
	}
	if tol < 0 || math.IsNaN(tol) || math.IsInf(tol, 0) {
		return fmt.Errorf("rewardtest: Invariance: tolerance %v is not finite and non-negative", tol)
	}
	if len(transforms) == 0 {
		transforms = DefaultTransforms()
	}
	for j, t := range transforms {
		if t.Apply == nil {
			return fmt.Errorf("rewardtest: Invariance: transforms[%d] (%q) has a nil Apply", j, t.Name)
		}
	}
	var errs []error
	for i, c := range cases {
		base := score(ctx, r, c.Sample)
		for _, t := range transforms {
			s := c.Sample
			s.Completion = t.Apply(s.Completion)
			o := score(ctx, r, s)
			name := fmt.Sprintf("%s under %s", caseName(c, i), t.Name)
			switch {
			case base.err != nil || o.err != nil || math.IsNaN(base.v) || math.IsNaN(o.v):
				if !o.same(base) {
					errs = append(errs, fail("invariance", name, o.v, "scored %s, untransformed %s", o, base))
				}
			case math.Abs(o.v-base.v) > tol:
				errs = append(errs, fail("invariance", name, o.v,
					"scored %s, untransformed %s (tolerance %s)", o, base, fmtScore(tol)))
			}
		}
	}
	return errors.Join(errs...)
}
