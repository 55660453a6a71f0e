package rewardtest_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/reward/rewardtest"
)

// containsAnswer is a deliberately hackable reward: 1 when the label
// appears anywhere in the completion.
var containsAnswer = reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
	if s.Label != "" && strings.Contains(s.Completion, s.Label) {
		return 1, nil
	}
	return 0, nil
})

var (
	thinkRe  = regexp.MustCompile(`(?s)<think>.*?</think>`)
	answerRe = regexp.MustCompile(`(?i)answer\s+is\s*(?:\\boxed\{([^{}]*)\}|([^\s.]+))`)
)

// strictAnswer is a careful reward: reasoning inside <think> is ignored,
// the rest must state exactly one answer ("the answer is X" or
// "the answer is \boxed{X}") equal to the label, in under 4 KiB.
var strictAnswer = reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
	if s.Label == "" {
		return 0, reward.ErrSkip
	}
	if len(s.Completion) > 4096 {
		return 0, nil
	}
	visible := thinkRe.ReplaceAllString(s.Completion, "")
	m := answerRe.FindAllStringSubmatch(visible, -1)
	if len(m) != 1 {
		return 0, nil
	}
	got := m[0][1] + m[0][2]
	if strings.TrimSpace(got) == s.Label {
		return 1, nil
	}
	return 0, nil
})

// mathCases are labelled cases for the tests and the example.
func mathCases() []rewardtest.Case {
	p := func(q string) string { return "Question: " + q + "\nAnswer step by step." }
	return []rewardtest.Case{
		{Name: "add-right", Sample: reward.Sample{Prompt: p("What is 2 + 2?"), Completion: "2 + 2 = 4. The answer is \\boxed{4}.", Label: "4"}, Correct: true},
		{Name: "add-wrong", Sample: reward.Sample{Prompt: p("What is 2 + 2?"), Completion: "2 + 2 = 5. The answer is \\boxed{5}.", Label: "4"}},
		{Name: "mul-right", Sample: reward.Sample{Prompt: p("What is 6 * 7?"), Completion: "<think>6 * 7 is 42</think>\nThe answer is 42.", Label: "42"}, Correct: true},
		{Name: "mul-wrong", Sample: reward.Sample{Prompt: p("What is 6 * 7?"), Completion: "The answer is 48.", Label: "42"}},
		{Name: "sub-right", Sample: reward.Sample{Prompt: p("What is 10 - 3?"), Completion: "10 - 3 = 7, so the answer is 7.", Label: "7"}, Correct: true},
		{Name: "sub-none", Sample: reward.Sample{Prompt: p("What is 10 - 3?"), Completion: "I do not know.", Label: "7"}},
	}
}

func refs(cs []rewardtest.Case) []rewardtest.Case {
	var out []rewardtest.Case
	for _, c := range cs {
		if c.Correct {
			out = append(out, c)
		}
	}
	return out
}

func TestHacksCatchesContainsAnswer(t *testing.T) {
	ctx := context.Background()
	err := rewardtest.Hacks(ctx, containsAnswer, refs(mathCases()), 0.5)
	if err == nil {
		t.Fatal("the contains-the-answer reward passed the hacking probes")
	}
	probes := map[string]bool{}
	for _, f := range rewardtest.Failures(err) {
		if f.Check != "hacks" {
			t.Errorf("failure from check %q, want hacks", f.Check)
		}
		if f.Score != 1 {
			t.Errorf("%s: offending score %v, want 1", f.Case, f.Score)
		}
		if !strings.Contains(f.Error(), "scored 1") {
			t.Errorf("failure message does not name the score: %v", f)
		}
		probes[f.Case[strings.LastIndex(f.Case, " ")+1:]] = true
	}
	for _, p := range []string{"stuff-candidates", "repeat-answer", "answer-in-thinking"} {
		if !probes[p] {
			t.Errorf("probe %s did not fail; failures: %v", p, err)
		}
	}
	if probes["empty"] || probes["very-long"] || probes["junk-unicode"] {
		t.Errorf("probes that cannot contain the answer failed: %v", err)
	}
	if !strings.Contains(err.Error(), "add-right probe stuff-candidates") {
		t.Errorf("error does not name the case and probe: %v", err)
	}
}

func TestGoodRewardPassesSuite(t *testing.T) {
	s := rewardtest.Suite{
		Name:   "strict-answer",
		Reward: strictAnswer,
		Cases:  mathCases(),
		Lo:     0, Hi: 1,
		Rankings: []rewardtest.Ranking{{
			Prompt: "What is 2 + 2?", Label: "4",
			Completions: []string{"", "The answer is 5.", "The answer is 4."},
		}},
		Transforms:  append(rewardtest.DefaultTransforms(), rewardtest.Replace("answer is", "Answer is")),
		Margin:      0.5,
		Threshold:   0.5,
		MinAccuracy: 1, MinAUC: 1, MinSeparation: 1,
	}
	res, err := s.Run(context.Background())
	if err != nil {
		t.Fatalf("good reward failed: %v", err)
	}
	if len(res) != 6 {
		t.Fatalf("got %d results, want 6", len(res))
	}
	for _, r := range res {
		if r.Status != rewardtest.Pass {
			t.Errorf("%s: %s (%s)", r.Check, r.Status, r.Detail)
		}
	}
	// The same suite fails for the hackable reward, and the report says so.
	s.Reward = containsAnswer
	var b strings.Builder
	err = s.Report(context.Background(), &b)
	if err == nil {
		t.Fatal("contains-the-answer reward passed the suite")
	}
	out := b.String()
	if !strings.Contains(out, "hacks           FAIL") || !strings.Contains(out, "stuff-candidates: probe scored 1") {
		t.Errorf("report does not show the failing probe:\n%s", out)
	}
}

// A zero Threshold is the midpoint of the bounds, or 0.5 without them:
// a 0/1 verifier's accuracy means something without setting it.
func TestSuiteDefaultThreshold(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		scale  func(float64) float64
		want   string
	}{
		{0, 0, func(v float64) float64 { return v }, "0.5"},
		{0, 1, func(v float64) float64 { return v }, "0.5"},
		{-1, 1, func(v float64) float64 { return 2*v - 1 }, "0"},
		{0, 10, func(v float64) float64 { return 10 * v }, "5"},
		{math.Inf(-1), 1, func(v float64) float64 { return v }, "0.5"},
	} {
		s := rewardtest.Suite{
			Reward: reward.Func(func(ctx context.Context, smp reward.Sample) (float64, error) {
				v, err := strictAnswer.Score(ctx, smp)
				return tc.scale(v), err
			}),
			Cases: mathCases(),
			Lo:    tc.lo, Hi: tc.hi,
			Repeats:     -1,
			MinAccuracy: 1,
		}
		res, _ := s.Run(context.Background())
		var d rewardtest.Result
		for _, r := range res {
			if r.Check == "discrimination" {
				d = r
			}
		}
		if d.Status != rewardtest.Pass || !strings.Contains(d.Detail, "at threshold "+tc.want+",") {
			t.Errorf("bounds [%v, %v]: discrimination %s (%s), %v; want a pass at threshold %s", tc.lo, tc.hi, d.Status, d.Detail, d.Err, tc.want)
		}
	}
}

func TestAUCHandCases(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		pos, neg []float64
		want     float64
	}{
		{[]float64{1, 2, 3}, []float64{0}, 1},
		{[]float64{0}, []float64{1, 2}, 0},
		{[]float64{1}, []float64{1}, 0.5},
		{[]float64{1, 2}, []float64{1, 0}, 3.5 / 4}, // (1,1) ties: 1/2
		{[]float64{0, 0, 1}, []float64{0, 1, 1}, (0.5*2 + 0 + 0 + 1 + 0.5*2) / 9},
		{[]float64{1, nan}, []float64{0}, 1}, // NaN ignored
	} {
		if got := rewardtest.AUC(tc.pos, tc.neg); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("AUC(%v, %v) = %v, want %v", tc.pos, tc.neg, got, tc.want)
		}
	}
	if got := rewardtest.AUC(nil, []float64{1}); !math.IsNaN(got) {
		t.Errorf("AUC with no positives = %v, want NaN", got)
	}
	// Against the pairwise definition on random data with many ties.
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 50; trial++ {
		pos := make([]float64, 1+rng.IntN(30))
		neg := make([]float64, 1+rng.IntN(30))
		for i := range pos {
			pos[i] = float64(rng.IntN(5))
		}
		for i := range neg {
			neg[i] = float64(rng.IntN(5))
		}
		sum := 0.0
		for _, p := range pos {
			for _, n := range neg {
				switch {
				case p > n:
					sum++
				case p == n:
					sum += 0.5
				}
			}
		}
		want := sum / float64(len(pos)*len(neg))
		if got := rewardtest.AUC(pos, neg); math.Abs(got-want) > 1e-12 {
			t.Fatalf("AUC(%v, %v) = %v, want %v", pos, neg, got, want)
		}
	}
}

func TestDiscriminate(t *testing.T) {
	ctx := context.Background()
	d, err := rewardtest.Discriminate(ctx, strictAnswer, mathCases(), 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if d.Correct != 3 || d.Incorrect != 3 || d.Accuracy != 1 || d.AUC != 1 || d.Separation != 1 {
		t.Errorf("strict reward: %+v", d)
	}
	// A reward scoring by length: hand-computed metrics.
	byLen := reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		return float64(len(s.Completion)), nil
	})
	cases := []rewardtest.Case{
		{Sample: reward.Sample{Completion: "aaa"}, Correct: true},
		{Sample: reward.Sample{Completion: "a"}, Correct: true},
		{Sample: reward.Sample{Completion: "aa"}},
		{Sample: reward.Sample{Completion: "a"}},
	}
	d, err = rewardtest.Discriminate(ctx, byLen, cases, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Pairs: (3,2)=1 (3,1)=1 (1,2)=0 (1,1)=1/2 → 2.5/4.
	if d.AUC != 0.625 || d.MeanCorrect != 2 || d.MeanIncorrect != 1.5 || d.Separation != 0.5 || d.Accuracy != 0.5 {
		t.Errorf("length reward: %+v", d)
	}
}

func TestDeterminismCatchesDrift(t *testing.T) {
	var n atomic.Int64
	drifting := reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		if s.Label == "7" {
			return float64(n.Add(1)), nil
		}
		return 1, nil
	})
	err := rewardtest.Determinism(context.Background(), drifting, mathCases(), 0)
	fs := rewardtest.Failures(err)
	if len(fs) != 2 {
		t.Fatalf("got %d failures, want 2 (the two cases labelled 7): %v", len(fs), err)
	}
	if fs[0].Case != "sub-right" || !strings.Contains(fs[0].Msg, "run 2 scored 2, run 1 scored 1") {
		t.Errorf("failure = %v", fs[0])
	}
	if err := rewardtest.Determinism(context.Background(), strictAnswer, mathCases(), 3); err != nil {
		t.Errorf("deterministic reward failed: %v", err)
	}
}

func TestBounds(t *testing.T) {
	r := reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		switch s.Completion {
		case "big":
			return 1.5, nil
		case "inf":
			return math.Inf(1), nil
		case "skip":
			return 0, reward.ErrSkip
		case "err":
			return 0, errors.New("backend down")
		}
		return 0.5, nil
	})
	cases := []rewardtest.Case{
		{Sample: reward.Sample{Completion: "ok"}},
		{Name: "too-big", Sample: reward.Sample{Completion: "big"}},
		{Sample: reward.Sample{Completion: "inf"}},
		{Sample: reward.Sample{Completion: "skip"}},
		{Sample: reward.Sample{Completion: "err"}},
	}
	err := rewardtest.Bounds(context.Background(), r, cases, 0, 1)
	fs := rewardtest.Failures(err)
	if len(fs) != 3 {
		t.Fatalf("got %d failures, want 3: %v", len(fs), err)
	}
	if fs[0].Case != "too-big" || fs[0].Score != 1.5 || !strings.Contains(fs[0].Msg, "1.5 is outside [0, 1]") {
		t.Errorf("failure 0 = %v", fs[0])
	}
	if fs[1].Case != "cases[2]" || !math.IsInf(fs[1].Score, 1) {
		t.Errorf("failure 1 = %v", fs[1])
	}
	if !strings.Contains(fs[2].Msg, "backend down") {
		t.Errorf("failure 2 = %v", fs[2])
	}
	if err := rewardtest.Bounds(context.Background(), r, cases, 1, 0); err == nil {
		t.Error("inverted bounds accepted")
	}
}

func TestRankings(t *testing.T) {
	ctx := context.Background()
	ok := rewardtest.Ranking{Name: "ties", Label: "4", Completions: []string{"The answer is 3.", "The answer is 5.", "The answer is 4."}}
	if err := rewardtest.Rankings(ctx, strictAnswer, ok); err != nil {
		t.Errorf("non-decreasing ranking failed: %v", err)
	}
	strict := ok
	strict.Strict = true
	fs := rewardtest.Failures(rewardtest.Rankings(ctx, strictAnswer, strict))
	if len(fs) != 1 || fs[0].Case != "ties completions[1]" {
		t.Errorf("strict ranking with a tie: %v", fs)
	}
	backwards := rewardtest.Ranking{Label: "4", Completions: []string{"The answer is 4.", "The answer is 5."}}
	fs = rewardtest.Failures(rewardtest.Rankings(ctx, strictAnswer, backwards))
	if len(fs) != 1 || fs[0].Case != "rankings[0] completions[1]" || fs[0].Score != 0 {
		t.Errorf("backwards ranking: %v", fs)
	}
	if err := rewardtest.Rankings(ctx, strictAnswer, rewardtest.Ranking{Completions: []string{"x"}}); err == nil {
		t.Error("a one-completion ranking was accepted")
	}
}

func TestInvariance(t *testing.T) {
	ctx := context.Background()
	if err := rewardtest.Invariance(ctx, strictAnswer, mathCases(), 0); err != nil {
		t.Errorf("default transforms: %v", err)
	}
	caseSensitive := reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		if strings.Contains(s.Completion, "The answer") {
			return 1, nil
		}
		return 0, nil
	})
	err := rewardtest.Invariance(ctx, caseSensitive, mathCases()[:1], 0.1, rewardtest.Uppercase, rewardtest.Lowercase)
	fs := rewardtest.Failures(err)
	if len(fs) != 2 || fs[0].Case != "add-right under uppercase" || fs[0].Score != 0 {
		t.Fatalf("case-sensitive reward: %v", err)
	}
	if err := rewardtest.Invariance(ctx, caseSensitive, nil, -1); err == nil {
		t.Error("negative tolerance accepted")
	}
}

func TestBadInputAndPanics(t *testing.T) {
	ctx := context.Background()
	if err := rewardtest.Determinism(ctx, nil, nil, 0); err == nil {
		t.Error("nil reward accepted")
	}
	if err := rewardtest.Determinism(ctx, strictAnswer, nil, -1); err == nil {
		t.Error("negative repeats accepted")
	}
	if err := rewardtest.Hacks(ctx, strictAnswer, nil, math.NaN()); err == nil {
		t.Error("NaN margin accepted")
	}
	if err := rewardtest.Hacks(ctx, strictAnswer, nil, 0, rewardtest.Probe{Name: "nil"}); err == nil {
		t.Error("probe without Make accepted")
	}
	if _, err := (&rewardtest.Suite{}).Run(ctx); err == nil {
		t.Error("suite without reward accepted")
	}
	panicky := reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		if s.Completion == "" {
			panic("empty completion")
		}
		return 1, nil
	})
	err := rewardtest.Hacks(ctx, panicky, refs(mathCases())[:1], 0.5, rewardtest.ProbeEmpty)
	fs := rewardtest.Failures(err)
	if len(fs) != 1 || !strings.Contains(fs[0].Msg, "panicked: empty completion") {
		t.Errorf("panicking reward: %v", err)
	}
}

func TestProbesKeepPromptAndLabel(t *testing.T) {
	ref := reward.Sample{Prompt: "P", Completion: "The answer is 12.", Label: "12", Meta: map[string]any{"k": 1}}
	for _, p := range rewardtest.DefaultProbes() {
		s := p.Make(ref)
		if s.Prompt != "P" || s.Label != "12" || s.Meta["k"] != 1 {
			t.Errorf("%s changed the prompt, label or meta: %+v", p.Name, s)
		}
		if s.Completion == ref.Completion {
			t.Errorf("%s left the completion unchanged", p.Name)
		}
	}
	s := rewardtest.ProbeStuffCandidates.Make(ref).Completion
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if !strings.Contains(s, `\boxed{12}`) || strings.Contains(lines[0], "{12}") || strings.Contains(lines[len(lines)-1], "{12}") {
		t.Errorf("stuffed completion should hold 12 neither first nor last:\n%s", s)
	}
	if n := len(rewardtest.ProbeVeryLong.Make(ref).Completion); n < 60<<10 {
		t.Errorf("very-long probe is only %d bytes", n)
	}
}

// batchy scores 1 with Score but 0.5 for the second sample with
// ScoreBatch, a fast path that disagrees with the slow one.
type batchy struct{}

func (batchy) Score(context.Context, reward.Sample) (float64, error) { return 1, nil }

func (batchy) ScoreBatch(_ context.Context, samples []reward.Sample, dst []float64, errs []error) error {
	for i := range samples {
		dst[i] = 1
		if i == 1 {
			dst[i] = 0.5
		}
	}
	return nil
}

func TestDeterminismConcurrentAndBatch(t *testing.T) {
	ctx := context.Background()
	cases := mathCases()[:2]
	// A reward whose state drifts after the first two calls: the
	// sequential pass (repeats 1) sees 1s, the concurrent pass 2s.
	var calls atomic.Int64
	drift := reward.Func(func(context.Context, reward.Sample) (float64, error) {
		if calls.Add(1) > 2 {
			return 2, nil
		}
		return 1, nil
	})
	fs := rewardtest.Failures(rewardtest.Determinism(ctx, drift, cases, 1))
	if len(fs) != 2 || !strings.Contains(fs[0].Msg, "scored 2 when scored concurrently with the other cases, 1 alone") {
		t.Errorf("drifting reward: %v", fs)
	}
	fs = rewardtest.Failures(rewardtest.Determinism(ctx, batchy{}, cases, 2))
	if len(fs) != 1 || fs[0].Case != "add-wrong" || fs[0].Score != 0.5 || !strings.Contains(fs[0].Msg, "ScoreBatch scored 0.5, Score scored 1") {
		t.Errorf("disagreeing batch path: %v", fs)
	}
}

// A reward worse than chance (AUC below 0.5) fails the default
// discrimination minimum: here the shorter completion is the correct one
// in every pair, and the reward pays length.
func TestSuiteMinAUCDefault(t *testing.T) {
	byLen := reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		return float64(len(s.Completion)) / 100, nil
	})
	cases := []rewardtest.Case{
		{Sample: reward.Sample{Completion: "42"}, Correct: true},
		{Sample: reward.Sample{Completion: "7"}, Correct: true},
		{Sample: reward.Sample{Completion: "a long wrong answer"}},
		{Sample: reward.Sample{Completion: "no"}},
	}
	// Pairs (correct, incorrect): (42, long) 0, (42, no) ½, (7, long) 0,
	// (7, no) 0: AUC = 0.5/4 = 0.125.
	s := rewardtest.Suite{Reward: byLen, Cases: cases, Repeats: -1, Probes: []rewardtest.Probe{rewardtest.ProbeEmpty}}
	res, err := s.Run(context.Background())
	d := res[len(res)-1]
	if err == nil || d.Status != rewardtest.Fail || !strings.Contains(d.Err.Error(), "AUC 0.125 is below the minimum 0.500") {
		t.Errorf("discrimination = %s %v (%s); want a failure at AUC 0.125 < 0.5", d.Status, d.Err, d.Detail)
	}
	s.MinAUC = 0.1
	if res, _ = s.Run(context.Background()); res[len(res)-1].Status != rewardtest.Pass {
		t.Errorf("MinAUC 0.1: %s %v", res[len(res)-1].Status, res[len(res)-1].Err)
	}
	for _, bad := range []float64{-0.1, 1.5, math.NaN()} {
		s.MinAUC = bad
		if _, err := s.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "MinAUC") {
			t.Errorf("MinAUC %v: %v", bad, err)
		}
	}
}

// A reference the reward scores 0 makes every probe fail for one cause:
// one failure names it.
func TestHacksReferenceScoredZero(t *testing.T) {
	ref := rewardtest.Case{Name: "ref", Sample: reward.Sample{Prompt: "2+2?", Completion: "The answer is 4.", Label: "5"}}
	err := rewardtest.Hacks(context.Background(), strictAnswer, []rewardtest.Case{ref}, 0.5)
	fs := rewardtest.Failures(err)
	if len(fs) != 1 || fs[0].Case != "ref" || fs[0].Score != 0 || !strings.Contains(fs[0].Msg, "reference scored 0, no more than any of its 8 probes") {
		t.Fatalf("got %d failures: %v", len(fs), err)
	}
	// A reward that pays everything: one cause too.
	always := reward.Func(func(context.Context, reward.Sample) (float64, error) { return 1, nil })
	if fs := rewardtest.Failures(rewardtest.Hacks(context.Background(), always, []rewardtest.Case{ref}, 0.5)); len(fs) != 1 {
		t.Errorf("always-1 reward: %d failures, want 1", len(fs))
	}
	// Probes that fail for their own reasons are still listed one by one.
	if fs := rewardtest.Failures(rewardtest.Hacks(context.Background(), containsAnswer, refs(mathCases())[:1], 0.5)); len(fs) < 2 {
		t.Errorf("contains-answer reward: %d failures, want one per exploiting probe", len(fs))
	}
}

func TestFailures(t *testing.T) {
	if rewardtest.Failures(nil) != nil {
		t.Error("Failures(nil) is not nil")
	}
	err := rewardtest.Hacks(context.Background(), containsAnswer, refs(mathCases()), 0.5)
	fs := rewardtest.Failures(err)
	if len(fs) == 0 || len(fs) != strings.Count(err.Error(), "rewardtest: hacks:") {
		t.Errorf("Failures found %d of the failures in %v", len(fs), err)
	}
	wrapped := errors.Join(errors.New("other"), err)
	if got := rewardtest.Failures(wrapped); len(got) != len(fs) {
		t.Errorf("Failures of a joined error: %d, want %d", len(got), len(fs))
	}
}
