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
	// MinAccuracy and MinSeparation make the discrimination check fail
	// below them. Default (0): no minimum. MinAccuracy is in [0, 1].
	MinAccuracy, MinSeparation float64
	// MinAUC makes the discrimination check fail when the AUC is below it.
	// Default (0): DefaultMinAUC (0.5, chance level). In [0, 1]; use a
	// tiny positive value to accept any AUC.
	MinAUC float64
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
// skipped). A nil Reward, or a minimum outside its range, is an error.
func (s *Suite) Run(ctx context.Context) ([]Result, error) {
	if s == nil || s.Reward == nil {
		return nil, errors.New("rewardtest: Suite.Reward is nil")
	}
	if err := s.checkMinimums(); err != nil {
		return nil, err
	}
	res := []Result{
		s.runDeterminism(ctx), s.runBounds(ctx), s.runRankings(ctx),
		s.runInvariance(ctx), s.runHacks(ctx), s.runDiscrimination(ctx),
	}
	var all []error
	for _, x := range res {
		if x.Err != nil {
			all = append(all, x.Err)
		}
	}
	return res, errors.Join(all...)
}

// DefaultMinAUC is the smallest AUC the discrimination check accepts when
// Suite.MinAUC is 0: chance level, so a reward that ranks incorrect
// completions above correct ones fails.
const DefaultMinAUC = 0.5

// checkMinimums validates MinAccuracy, MinAUC and MinSeparation.
func (s *Suite) checkMinimums() error {
	for _, m := range []struct {
		name string
		v    float64
	}{{"MinAccuracy", s.MinAccuracy}, {"MinAUC", s.MinAUC}} {
		if math.IsNaN(m.v) || m.v < 0 || m.v > 1 {
			return fmt.Errorf("rewardtest: Suite.%s is %v, want in [0, 1]", m.name, m.v)
		}
	}
	if math.IsNaN(s.MinSeparation) || math.IsInf(s.MinSeparation, 0) {
		return fmt.Errorf("rewardtest: Suite.MinSeparation is %v, want finite", s.MinSeparation)
	}
	return nil
}

// result is a passing or failing Result: Fail with the number of
// failures when err is set, else Pass with detail.
func result(check, detail string, err error) Result {
	if err != nil {
		return Result{Check: check, Status: Fail, Detail: fmt.Sprintf("%d failure(s)", countFailures(err)), Err: err}
	}
	return Result{Check: check, Status: Pass, Detail: detail}
}

func skipped(check, why string) Result { return Result{Check: check, Status: Skip, Detail: why} }

func (s *Suite) runDeterminism(ctx context.Context) Result {
	switch {
	case s.Repeats < 0:
		return skipped("determinism", "Repeats < 0")
	case len(s.Cases) == 0:
		return skipped("determinism", "no cases")
	}
	reps := s.Repeats
	if reps == 0 {
		reps = DefaultRepeats
	}
	return result("determinism", fmt.Sprintf("%d cases × %d runs agree", len(s.Cases), reps),
		Determinism(ctx, s.Reward, s.Cases, reps))
}

func (s *Suite) runBounds(ctx context.Context) Result {
	switch {
	case !(s.Lo < s.Hi):
		return skipped("bounds", "no bounds (Lo < Hi not set)")
	case len(s.Cases) == 0:
		return skipped("bounds", "no cases")
	}
	return result("bounds", fmt.Sprintf("%d cases finite in [%s, %s]", len(s.Cases), fmtScore(s.Lo), fmtScore(s.Hi)),
		Bounds(ctx, s.Reward, s.Cases, s.Lo, s.Hi))
}

func (s *Suite) runRankings(ctx context.Context) Result {
	if len(s.Rankings) == 0 {
		return skipped("ranking", "no rankings")
	}
	return result("ranking", fmt.Sprintf("%d rankings ordered worst to best", len(s.Rankings)),
		Rankings(ctx, s.Reward, s.Rankings...))
}

func (s *Suite) runInvariance(ctx context.Context) Result {
	if len(s.Cases) == 0 {
		return skipped("invariance", "no cases")
	}
	ts := s.Transforms
	if len(ts) == 0 {
		ts = DefaultTransforms()
	}
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return result("invariance", fmt.Sprintf("%d cases × %d transforms (%s) within %s",
		len(s.Cases), len(ts), strings.Join(names, ", "), fmtScore(s.Tolerance)),
		Invariance(ctx, s.Reward, s.Cases, s.Tolerance, ts...))
}

func (s *Suite) runHacks(ctx context.Context) Result {
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
		return skipped("hacks", "no correct cases to use as references")
	}
	ps := s.Probes
	if len(ps) == 0 {
		ps = DefaultProbes()
	}
	return result("hacks", fmt.Sprintf("%d probes × %d references at most reference - %s", len(ps), len(refs), fmtScore(s.Margin)),
		Hacks(ctx, s.Reward, refs, s.Margin, ps...))
}

// runDiscrimination measures discrimination and fails below the minimums
// (MinAUC defaults to DefaultMinAUC).
func (s *Suite) runDiscrimination(ctx context.Context) Result {
	d, err := Discriminate(ctx, s.Reward, s.Cases, s.threshold())
	if d.Correct == 0 || d.Incorrect == 0 {
		if err != nil {
			return result("discrimination", "", err)
		}
		return skipped("discrimination", "needs scored correct and incorrect cases")
	}
	errs := []error{err}
	minAUC := s.MinAUC
	if minAUC == 0 {
		minAUC = DefaultMinAUC
	}
	if d.Accuracy < s.MinAccuracy {
		errs = append(errs, fail("discrimination", "all cases", d.Accuracy, "accuracy %.3f is below the minimum %.3f", d.Accuracy, s.MinAccuracy))
	}
	if d.AUC < minAUC {
		errs = append(errs, fail("discrimination", "all cases", d.AUC, "AUC %.3f is below the minimum %.3f", d.AUC, minAUC))
	}
	if s.MinSeparation != 0 && d.Separation < s.MinSeparation {
		errs = append(errs, fail("discrimination", "all cases", d.Separation, "separation %.3f is below the minimum %.3f", d.Separation, s.MinSeparation))
	}
	r := result("discrimination", d.String(), errors.Join(errs...))
	r.Detail = d.String()
	return r
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
