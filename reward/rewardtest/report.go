package rewardtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/evolve-go/evolve/reward"
)

// Suite runs every check for one reward. Each check runs only when it has
// what it needs; otherwise its row says SKIP and why. The zero value of
// every field except Reward is usable.
type Suite struct {
	// Name is the reward's name in the report header. Default (""):
	// "reward".
	Name string
	// Reward is the reward under test. Required.
	Reward reward.Reward
	// Cases feed Determinism, Bounds, Invariance and Discriminate; the
	// ones marked Correct are the references of Hacks.
	Cases []Case

	// Repeats is how often Determinism scores each case. Default (0):
	// DefaultRepeats. Negative skips the check.
	Repeats int
	// Lo and Hi bound the scores. The bounds check runs when Lo < Hi;
	// the zero values skip it.
	Lo, Hi float64
	// Rankings are worst-to-best lists for Rankings; none skips it.
	Rankings []Ranking
	// Transforms for Invariance. Default (nil): DefaultTransforms.
	Transforms []Transform
	// Tolerance is the largest score change Invariance accepts. Default
	// (0): scores must be identical.
	Tolerance float64
	// Probes for Hacks. Default (nil): DefaultProbes.
	Probes []Probe
	// Margin is how far below its reference a probe must score (see
	// Hacks). Default (0): no probe may beat the reference.
	Margin float64
	// Threshold is the decision threshold of Discriminate: a score at or
	// above it counts as "judged correct". Default (0): the midpoint of
	// Lo and Hi when the bounds are set and finite (0.5 for [0, 1], 0 for
	// [−1, 1]), otherwise 0.5, which suits a 0/1 verifier. A threshold of
	// exactly 0 is therefore had by bounds centred on 0; for 0 with other
	// bounds, call Discriminate, which takes its threshold as given.
	Threshold float64
	// MinAccuracy, MinAUC and MinSeparation make the discrimination check
	// fail below them. Default (0): no minimum, the row only reports the
	// metrics.
	MinAccuracy, MinAUC, MinSeparation float64
}

// Status is the outcome of one check.
type Status string

// The statuses of a Result.
const (
	Pass Status = "PASS"
	Fail Status = "FAIL"
	Skip Status = "SKIP"
)

// Result is one row of a report.
type Result struct {
	// Check is the check's name.
	Check string
	// Status says whether it passed, failed or did not run.
	Status Status
	// Detail summarises what was checked, or why it was skipped.
	Detail string
	// Err holds the failures (joined), nil unless Status is Fail.
	Err error
}

// Run runs every check and returns one Result per check, in a fixed order
// (determinism, bounds, ranking, invariance, hacks, discrimination), and
// all failures joined with errors.Join (nil when everything passed or was
// skipped). A nil Reward is an error.
func (s *Suite) Run(ctx context.Context) ([]Result, error) {
	if s == nil || s.Reward == nil {
		return nil, errors.New("rewardtest: Suite.Reward is nil")
	}
	r := s.Reward
	n := len(s.Cases)
	var res []Result
	add := func(check, passDetail string, err error) {
		if err != nil {
			res = append(res, Result{Check: check, Status: Fail, Detail: fmt.Sprintf("%d failure(s)", countFailures(err)), Err: err})
			return
		}
		res = append(res, Result{Check: check, Status: Pass, Detail: passDetail})
	}
	skip := func(check, why string) { res = append(res, Result{Check: check, Status: Skip, Detail: why}) }

	// determinism
	switch {
	case s.Repeats < 0:
		skip("determinism", "Repeats < 0")
	case n == 0:
		skip("determinism", "no cases")
	default:
		reps := s.Repeats
		if reps == 0 {
			reps = DefaultRepeats
		}
		add("determinism", fmt.Sprintf("%d cases × %d runs agree", n, reps), Determinism(ctx, r, s.Cases, reps))
	}

	// bounds
	switch {
	case !(s.Lo < s.Hi):
		skip("bounds", "no bounds (Lo < Hi not set)")
	case n == 0:
		skip("bounds", "no cases")
	default:
		add("bounds", fmt.Sprintf("%d cases finite in [%s, %s]", n, fmtScore(s.Lo), fmtScore(s.Hi)),
			Bounds(ctx, r, s.Cases, s.Lo, s.Hi))
	}

	// ranking
	if len(s.Rankings) == 0 {
		skip("ranking", "no rankings")
	} else {
		add("ranking", fmt.Sprintf("%d rankings ordered worst to best", len(s.Rankings)), Rankings(ctx, r, s.Rankings...))
	}

	// invariance
	if n == 0 {
		skip("invariance", "no cases")
	} else {
		ts := s.Transforms
		if len(ts) == 0 {
			ts = DefaultTransforms()
		}
		names := make([]string, len(ts))
		for i, t := range ts {
			names[i] = t.Name
		}
		add("invariance", fmt.Sprintf("%d cases × %d transforms (%s) within %s", n, len(ts), strings.Join(names, ", "), fmtScore(s.Tolerance)),
			Invariance(ctx, r, s.Cases, s.Tolerance, ts...))
	}

	// hacks
	var refs []Case
	for i, c := range s.Cases {
		if c.Correct {
			if c.Name == "" {
				c.Name = caseName(c, i)
			}
			refs = append(refs, c)
		}
	}
	if len(refs) == 0 {
		skip("hacks", "no correct cases to use as references")
	} else {
		ps := s.Probes
		if len(ps) == 0 {
			ps = DefaultProbes()
		}
		add("hacks", fmt.Sprintf("%d probes × %d references at most reference - %s", len(ps), len(refs), fmtScore(s.Margin)),
			Hacks(ctx, r, refs, s.Margin, ps...))
	}

	// discrimination
	d, err := Discriminate(ctx, r, s.Cases, s.threshold())
	switch {
	case d.Correct == 0 || d.Incorrect == 0:
		if err != nil {
			add("discrimination", "", err)
		} else {
			skip("discrimination", "needs scored correct and incorrect cases")
		}
	default:
		var errs []error
		if err != nil {
			errs = append(errs, err)
		}
		if d.Accuracy < s.MinAccuracy {
			errs = append(errs, fail("discrimination", "all cases", d.Accuracy, "accuracy %.3f is below the minimum %.3f", d.Accuracy, s.MinAccuracy))
		}
		if d.AUC < s.MinAUC {
			errs = append(errs, fail("discrimination", "all cases", d.AUC, "AUC %.3f is below the minimum %.3f", d.AUC, s.MinAUC))
		}
		if s.MinSeparation != 0 && d.Separation < s.MinSeparation {
			errs = append(errs, fail("discrimination", "all cases", d.Separation, "separation %.3f is below the minimum %.3f", d.Separation, s.MinSeparation))
		}
		jerr := errors.Join(errs...)
		add("discrimination", d.String(), jerr)
		if jerr != nil {
			res[len(res)-1].Detail = d.String()
		}
	}

	var all []error
	for _, x := range res {
		if x.Err != nil {
			all = append(all, x.Err)
		}
	}
	return res, errors.Join(all...)
}

// threshold returns Threshold or its default (see Suite.Threshold).
func (s *Suite) threshold() float64 {
	if s.Threshold != 0 {
		return s.Threshold
	}
	if s.Lo < s.Hi && !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0) {
		return s.Lo + (s.Hi-s.Lo)/2
	}
	return 0.5
}

// Report runs the suite and writes a table to w: one row per check with
// its status and detail, and for a failed check one further row per
// failure naming the case and the offending score. It returns the joined
// failures, like Run, or the write error.
func (s *Suite) Report(ctx context.Context, w io.Writer) error {
	res, err := s.Run(ctx)
	if res == nil && err != nil {
		return err
	}
	name := s.Name
	if name == "" {
		name = "reward"
	}
	if werr := WriteReport(w, name, res); werr != nil {
		return werr
	}
	return err
}

// WriteReport writes results as a table (text/tabwriter) headed by the
// reward's name: CHECK, STATUS, DETAIL, with one extra row per failure.
func WriteReport(w io.Writer, name string, results []Result) error {
	if _, err := fmt.Fprintf(w, "reward: %s\n", name); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tSTATUS\tDETAIL")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Check, r.Status, oneLine(r.Detail))
		for _, f := range flatten(r.Err) {
			msg := f.Error()
			var fl *Failure
			if errors.As(f, &fl) {
				msg = fl.Case + ": " + fl.Msg
			}
			fmt.Fprintf(tw, "\t\t- %s\n", oneLine(msg))
		}
	}
	return tw.Flush()
}

// oneLine keeps a table cell on one line and bounded in length.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const max = 200
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return s
}

// flatten returns the leaves of a tree of errors.Join errors.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// countFailures counts the leaves of a joined error.
func countFailures(err error) int { return len(flatten(err)) }
