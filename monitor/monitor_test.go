package monitor

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/tabular"
	"github.com/evolve-go/evolve/reward"
)

// rollouts returns two groups of two completions with the given texts and
// rewards.
func rollouts(t *testing.T, texts []string, rewards []float64) (*policy.Rollouts, [][]policy.Completion) {
	t.Helper()
	groups := [][]policy.Completion{{}, {}}
	for i, text := range texts {
		groups[i/2] = append(groups[i/2], policy.Completion{Prompt: i / 2, PromptTokens: []int{1}, Tokens: []int{5, 6}, Text: text})
	}
	r, err := policy.NewRollouts(groups, 0)
	if err != nil {
		t.Fatal(err)
	}
	r.Rewards = rewards
	return r, groups
}

// Observe's record holds each signal as its function computes it, NaN
// where the step gives nothing to compute it from, and the rates and
// cross-step signals from the previous step.
func TestObserveRecord(t *testing.T) {
	ctx := context.Background()
	var log strings.Builder
	m, err := New(Config{Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"a fish swam", "a fish swam", "the dog ran home", "a cat slept"}
	r, groups := rollouts(t, texts, []float64{1, 1, 0, 1})
	watch := []float64{1, 0, 0, 1}
	st := &policy.StepStats{KL: 0.1, Entropy: 1.2}
	if _, err := m.Observe(ctx, Step{Stats: st, Rollouts: r, Texts: Texts(groups), Watch: watch,
		PrevScores: []float64{1, 2, 3, 4}, Scores: []float64{2, 1, 3, 4}}); err != nil {
		t.Fatal(err)
	}
	rec := m.Run().Records[0]
	// Group 0 is one text twice: similarity 1, bigrams "a fish", "fish
	// swam" twice (2 of 4); both rows selected, one verified: n' = 1, n =
	// 2, bs = ⅛·½. Group 1: the cosine of its two texts, 5 bigrams of 5;
	// row 3 selected and verified: bs = ⅛·1.
	vecs, _ := reward.HashEmbedder{}.Embed(ctx, texts)
	sim := (1 + reward.Cosine(vecs[2], vecs[3])) / 2
	dist := (2.0/4 + 5.0/5) / 2
	bal := (1.0/16 + 1.0/8) / 2
	for name, want := range map[string]float64{
		"step": 1, "reward": 0.75, "watch": 0.5, "disagreement": 0.25, "kl": 0.1, "entropy": 1.2, "kl_rate": nan,
		"distinct": dist, "distinct_steps": nan, "similarity": sim, "cross_similarity": nan, "zero_variance": 0.5,
		"starved": 0, "balance": bal, "consistency": 0, "probe": nan,
	} {
		got, _ := rec.Value(name)
		if name == "step" {
			got = float64(rec.Step)
		}
		if !near(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	r2, groups2 := rollouts(t, texts, []float64{0, 0, 0, 0})
	if _, err := m.Observe(ctx, Step{Stats: &policy.StepStats{KL: 0.3, Entropy: nan}, Rollouts: r2, Texts: Texts(groups2)}); err != nil {
		t.Fatal(err)
	}
	rec = m.Run().Records[1]
	// Each text twice: 8 + 6 + 4 bigrams, 2 + 3 + 2 distinct.
	pooled := 7.0 / 18
	if rec.Step != 2 || !near(rec.KLRate, 0.2) || !near(rec.DistinctSteps, pooled) || !(rec.CrossSimilarity > 0) ||
		rec.Starved != 1 || !math.IsNaN(rec.Watch) {
		t.Errorf("second record %+v", rec)
	}
	if lines := strings.Count(log.String(), "\n"); lines != 2 {
		t.Errorf("log has %d lines, want 2:\n%s", lines, log.String())
	}
	if _, err := m.Observe(ctx, Step{Rollouts: r2}); err != nil || !math.IsNaN(m.Run().Records[2].KL) {
		t.Errorf("a step without stats: %v, KL %v", err, m.Run().Records[2].KL)
	}
}

type badEmbedder struct{ n int }

func (b badEmbedder) Embed(_ context.Context, texts []string) ([][]float64, error) {
	if b.n < 0 {
		return nil, errors.New("down")
	}
	return make([][]float64, b.n), nil
}

// A step that does not fit its rollouts, or a bad configuration, is an
// error, and a failed Observe leaves the run as it was.
func TestObserveErrors(t *testing.T) {
	ctx := context.Background()
	r, groups := rollouts(t, []string{"a", "b", "c", "d"}, []float64{1, 0, 1, 0})
	m, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]Step{
		"no rollouts":        {},
		"texts":              {Rollouts: r, Texts: []string{"a"}},
		"watch":              {Rollouts: r, Watch: []float64{1, 2, 3}},
		"scores alone":       {Rollouts: r, Scores: []float64{1, 2, 3, 4}},
		"infinite watch":     {Rollouts: r, Watch: []float64{1, 2, 3, math.Inf(1)}},
		"negative step":      {Rollouts: r, Step: -2},
		"rewards of other B": {Rollouts: &policy.Rollouts{Batch: policy.Batch{B: 4, T: 2, Groups: []int{0, 0, 1, 1}, Rewards: []float64{1}}}},
	} {
		if _, err := m.Observe(ctx, s); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if len(m.Run().Records) != 0 {
		t.Fatalf("failed steps left %d records", len(m.Run().Records))
	}
	if _, err := m.Observe(ctx, Step{Rollouts: r, Step: 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Observe(ctx, Step{Rollouts: r, Step: 5}); err == nil {
		t.Error("a repeated step number: no error")
	}
	for _, e := range []reward.Embedder{badEmbedder{-1}, badEmbedder{1}} {
		m, _ := New(Config{Embedder: e})
		if _, err := m.Observe(ctx, Step{Rollouts: r, Texts: Texts(groups)}); err == nil {
			t.Errorf("embedder %v: no error", e)
		}
	}
	for name, c := range map[string]Config{
		"N": {N: -1}, "NStar": {NStar: -1}, "Threshold": {Threshold: math.NaN()}, "Extra": {Extra: []Detector{nil}},
		"Probe": {Probe: &Probe{Prompts: []string{"q"}, Reward: Sentences}},
	} {
		if _, err := New(c); err == nil {
			t.Errorf("Config.%s out of range: no error", name)
		}
	}
}

// The probe runs at steps 1, 1+Every, ... and scores the mean reward of
// its samples with the standard error s/√n.
func TestProbe(t *testing.T) {
	ctx := context.Background()
	p, err := tabular.New([]string{"q"}, []string{"a fish", "a dog"})
	if err != nil {
		t.Fatal(err)
	}
	probe := &Probe{Generator: p, Prompts: []string{"q"}, Reward: reward.Mentions{Words: []string{"fish"}}, N: 400, Every: 2, Seed: 3}
	mean, se, err := probe.Score(ctx)
	// Uniform over two answers: p ≈ ½, s.e. = √(p(1−p)/(n−1)) ≈ 0.025.
	if err != nil || math.Abs(mean-0.5) > 0.1 || math.Abs(se-math.Sqrt(mean*(1-mean)/399)) > 1e-12 {
		t.Errorf("Score = %v ± %v, %v", mean, se, err)
	}
	m, err := New(Config{Probe: probe})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := rollouts(t, []string{"a", "b", "c", "d"}, []float64{1, 0, 1, 0})
	var probed []int
	for range 5 {
		if _, err := m.Observe(ctx, Step{Rollouts: r}); err != nil {
			t.Fatal(err)
		}
	}
	steps, _ := m.Run().Series("probe")
	probed = append(probed, steps...)
	if len(probed) != 3 || probed[0] != 1 || probed[1] != 3 || probed[2] != 5 {
		t.Errorf("probed at steps %v, want 1, 3, 5", probed)
	}
	// No sample scored: no mean; one: no standard error.
	skip := reward.Func(func(context.Context, reward.Sample) (float64, error) { return 0, reward.ErrSkip })
	if mean, se, err := (&Probe{Generator: p, Prompts: []string{"q"}, Reward: skip}).Score(ctx); err != nil || !math.IsNaN(mean) || !math.IsNaN(se) {
		t.Errorf("every sample skipped: Score = %v ± %v, %v; want NaN ± NaN", mean, se, err)
	}
	one := &Probe{Generator: p, Prompts: []string{"q"}, Reward: reward.Mentions{Words: []string{"a"}}, N: 1}
	if mean, se, err := one.Score(ctx); err != nil || mean != 1 || !math.IsNaN(se) {
		t.Errorf("one sample: Score = %v ± %v, %v; want 1 ± NaN", mean, se, err)
	}
	if _, _, err := (&Probe{Generator: p, Prompts: []string{"not a prompt"}, Reward: Sentences}).Score(ctx); err == nil {
		t.Error("a prompt the generator refuses: no error")
	}
}

// A Monitor restored from a run's records continues as the one that
// observed them: the same events so far, the same detector states.
func TestRestore(t *testing.T) {
	recs := script("entropy", 1.4, 0.6, 0.6, 1.4, 0.5)
	whole, err := New(Config{Rearm: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		whole.push(r)
	}
	part, _ := New(Config{Rearm: 2})
	if err := part.Restore(recs[:3]); err != nil {
		t.Fatal(err)
	}
	part.push(recs[3])
	part.push(recs[4])
	if !sameRun(whole.Run(), part.Run()) || len(part.Run().Events) != 1 {
		t.Errorf("restored run %v, want %v", part.Run().Events, whole.Run().Events)
	}
	if err := part.Restore(recs); err == nil {
		t.Error("Restore after observing: no error")
	}
	fresh, _ := New(Config{})
	if err := fresh.Restore([]Record{recs[1], recs[0]}); err == nil {
		t.Error("Restore of decreasing steps: no error")
	}
}
