package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/reward"
)

// TestRunImproves trains with small settings and a fixed seed and checks
// that the held-out success rate rises by at least 15 percentage points
// (from about 3%: the base model rarely mentions fish).
func TestRunImproves(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for several seconds")
	}
	cfg := Config{Steps: 12, Group: 8, Prompts: 4, Tokens: 48, LR: 1e-3, KLCoef: 0.04, EvalSamples: 32, Seed: 7, Quiet: true}
	res, err := Run(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("held-out success before %.3f, after %.3f", res.Before, res.After)
	if res.After < res.Before+0.15 {
		t.Errorf("held-out success went from %.3f to %.3f, want a rise of at least 0.15", res.Before, res.After)
	}
	if len(res.Steps) != cfg.Steps {
		t.Fatalf("%d step logs, want %d", len(res.Steps), cfg.Steps)
	}
	first, last := res.Steps[0], res.Steps[len(res.Steps)-1]
	if last.KL <= 0 || first.KL > 1e-3 {
		t.Errorf("KL to the reference: first step %g (want ≈ 0), last %g (want > 0)", first.KL, last.KL)
	}
	for _, s := range res.Steps {
		if s.Unscored != 0 || math.IsNaN(s.Reward) {
			t.Errorf("step %d: %d unscored samples, mean reward %v", s.Step, s.Unscored, s.Reward)
		}
	}
}

func TestRunErrors(t *testing.T) {
	for _, cfg := range []Config{
		{Group: 1}, {Steps: -1}, {LR: -1}, {LR: math.NaN()}, {Tokens: -5},
		{KLCoef: -0.04}, {KLCoef: math.NaN()}, {KLCoef: math.Inf(1)},
	} {
		if _, err := Run(context.Background(), cfg, io.Discard); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

// KLCoef's zero value turns the KL penalty off; the flag's default, 0.04,
// is the only place the GRPO default is set.
func TestKLCoef(t *testing.T) {
	if c := (Config{}).withDefaults(); c.KLCoef != 0 || c.objective().KL.Coef != 0 {
		t.Errorf("zero Config: KLCoef %v, loss β %v, want 0 (off)", c.KLCoef, c.objective().KL.Coef)
	}
	if got := (Config{KLCoef: 0.04}).withDefaults().objective().KL.Coef; got != 0.04 {
		t.Errorf("KLCoef 0.04: loss β %v", got)
	}
}

func TestMentions(t *testing.T) {
	r := mentions("Fish")
	for text, want := range map[string]float64{
		"a fish swam": 1, "Fish!": 1, "fishing rod": 1, "selfish": 0, "no": 0, "": 0, "selfish fish": 1,
		// The rune before the match decides, not its last byte: é (C3 A9)
		// and α (CE B1) are letters, though A9 and B1 decode alone to the
		// non-letters © and ±; ☺ (E2 98 BA) is no letter, though BA alone
		// is º, which is one.
		"éfish": 0, "αfish": 0, "ÉFISH": 0, "☺fish": 1, "«fish»": 1, "selfish — fish": 1, "ñfish then éfish": 0,
	} {
		got, err := r.Score(context.Background(), reward.Sample{Prompt: "fish", Completion: text})
		if err != nil || got != want {
			t.Errorf("mentions(Fish) of %q = %v, %v; want %v", text, got, err, want)
		}
	}
}

func TestNanMean(t *testing.T) {
	if got := nanMean([]float64{1, math.NaN(), 0, 1}); got != 2.0/3 {
		t.Errorf("nanMean = %v, want 2/3", got)
	}
	if got := nanMean([]float64{math.NaN()}); !math.IsNaN(got) {
		t.Errorf("nanMean of NaN only = %v, want NaN", got)
	}
}

func TestSurvey(t *testing.T) {
	var out strings.Builder
	if err := Survey(context.Background(), &out, 64, 16, 1, []string{"the", "zzzz"}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want a header and two words:\n%s", len(lines), out.String())
	}
	var the, zzzz float64
	if _, err := fmt.Sscanf(lines[1], "the %f%%", &the); err != nil {
		t.Fatalf("%q: %v", lines[1], err)
	}
	if _, err := fmt.Sscanf(lines[2], "zzzz %f%%", &zzzz); err != nil {
		t.Fatalf("%q: %v", lines[2], err)
	}
	// Nearly every 16-token story says "the"; none says "zzzz".
	if the < 50 || zzzz != 0 {
		t.Errorf("shares: the %.1f%%, zzzz %.1f%%; want ≥ 50%% and 0%%", the, zzzz)
	}
	if err := Survey(context.Background(), &out, 0, 16, 1, nil); err == nil {
		t.Error("Survey with n = 0: no error")
	}
}
