package main

import (
	"bytes"
	"context"
	"errors"
	"math"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/reward/rewardtest"
)

// The walkthrough runs, and prints a failing hacks row for the hacked
// reward and six passing rows for the fixed one.
func TestWalkthrough(t *testing.T) {
	var buf bytes.Buffer
	if err := run(context.Background(), &buf); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	out := buf.String()
	step1, step2, ok := strings.Cut(out, "Step 2:")
	if !ok {
		t.Fatalf("no step 2:\n%s", out)
	}
	if !strings.Contains(step1, "hacks           FAIL    6 failure(s)") {
		t.Errorf("step 1 does not show the hack caught:\n%s", step1)
	}
	if n := strings.Count(step2, "PASS"); n != 6 || strings.Contains(step2, "FAIL") {
		t.Errorf("step 2 has %d PASS rows, want 6 and no FAIL:\n%s", n, step2)
	}
}

// The hacked reward fails exactly the three probes it pays for, for each
// of the two correct references, and nothing else.
func TestHackCaught(t *testing.T) {
	s := suite("hacked", anyBoxed())
	_, err := s.Run(context.Background())
	var got []string
	for _, f := range rewardtest.Failures(err) {
		if f.Check != "hacks" {
			t.Errorf("unexpected failure %v", f)
		}
		got = append(got, f.Case)
	}
	sort.Strings(got)
	want := []string{
		"half probe answer-in-thinking", "half probe repeat-answer", "half probe stuff-candidates",
		"sum probe answer-in-thinking", "sum probe repeat-answer", "sum probe stuff-candidates",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("failures %q, want %q", got, want)
	}
}

// The fix passes; reward.Math without the repetition penalty would still
// pay the repeat-answer probe, and only it.
func TestFixPasses(t *testing.T) {
	s := suite("fixed", fixed())
	if _, err := s.Run(context.Background()); err != nil {
		t.Errorf("fixed reward: %v", err)
	}
	s = suite("math only", reward.Math{})
	_, err := s.Run(context.Background())
	for _, f := range rewardtest.Failures(err) {
		if !strings.HasSuffix(f.Case, "probe repeat-answer") {
			t.Errorf("reward.Math alone: unexpected failure %v", f)
		}
	}
	if n := len(rewardtest.Failures(err)); n != 2 {
		t.Errorf("reward.Math alone: %d failures, want the repeat-answer probe of both references", n)
	}
}

func TestBoxes(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		{"no box", nil},
		{`\boxed{1} and \boxed{\frac{1}{2}} then \boxed{3`, []string{"1", `\frac{1}{2}`}},
		{`<think>\boxed{42}</think> so \boxed{41}`, []string{"42", "41"}},
	} {
		if got := boxes(c.text); !reflect.DeepEqual(got, c.want) {
			t.Errorf("boxes(%q) = %q, want %q", c.text, got, c.want)
		}
	}
	score, err := anyBoxed().Score(context.Background(), reward.Sample{Completion: `\boxed{1}`})
	if !errors.Is(err, reward.ErrSkip) || !math.IsNaN(score) {
		t.Errorf("no label: %v, %v; want NaN and ErrSkip", score, err)
	}
}
