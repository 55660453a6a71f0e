package main

import (
	"context"
	"io"
	"testing"
)

// TestRunImproves trains with small settings and a fixed seed and checks
// that the held-out success rate rises by at least 15 percentage points
// (from about 3%: the base model rarely mentions fish).
func TestRunImproves(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for several seconds")
	}
	cfg := Config{Steps: 12, Group: 8, Prompts: 4, Tokens: 48, LR: 1e-3, EvalSamples: 32, Seed: 7, Quiet: true}
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
}

func TestRunErrors(t *testing.T) {
	for _, cfg := range []Config{{Group: 1}, {Steps: -1}, {LR: -1}, {Tokens: -5}} {
		if _, err := Run(context.Background(), cfg, io.Discard); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

func TestMentions(t *testing.T) {
	r := mentions("fish")
	for text, want := range map[string]float64{
		"a fish swam": 1, "Fish!": 1, "fishing rod": 1, "selfish": 0, "no": 0, "": 0, "selfish fish": 1,
	} {
		if got := r(text); got != want {
			t.Errorf("mentions(fish)(%q) = %v, want %v", text, got, want)
		}
	}
}
