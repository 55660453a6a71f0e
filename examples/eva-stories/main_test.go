package main

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
)

// A short game on a fixed seed lifts the held-out success rate by at
// least 15 points over the base model's (about 3%), and the creator
// evolves prompts from the parents it was given.
func TestRunImproves(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for several seconds")
	}
	cfg := Config{Rounds: 12, Size: 4, Group: 8, Tokens: 40, LR: 1e-3, KLCoef: 0.04, EvalSamples: 32, Seed: 3, Quiet: true}
	res, err := Run(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("held-out success before %.3f, after %.3f", res.Before, res.After)
	if res.After < res.Before+0.15 {
		t.Errorf("held-out success went from %.3f to %.3f, want a rise of at least 0.15", res.Before, res.After)
	}
	evolved := 0
	for _, r := range res.Rounds {
		evolved += r.NewPrompts
		for _, p := range r.Prompts {
			if !slices.ContainsFunc(seeds[:cfg.Size], func(s string) bool { return strings.HasPrefix(p, s) }) {
				t.Errorf("round %d: prompt %q does not grow from a seed prompt", r.Round, p)
			}
		}
	}
	if evolved == 0 {
		t.Error("the creator evolved no prompt")
	}
	if res.Monitor == nil || len(res.Monitor.Records) != cfg.Rounds {
		t.Fatalf("the monitor observed %v, want %d solver steps", res.Monitor, cfg.Rounds)
	}
	t.Logf("monitor:\n%s", res.Monitor)
}

func TestRunErrors(t *testing.T) {
	for _, cfg := range []Config{{Group: 1}, {Rounds: -1}, {LR: -1}, {KLCoef: -1}} {
		if _, err := Run(context.Background(), cfg, io.Discard); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}
