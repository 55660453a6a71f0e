package reward

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/policy"
)

func TestScoreCompletions(t *testing.T) {
	groups := [][]policy.Completion{{{Text: "4"}, {Text: "5"}}, {{Text: "x"}}}
	exact := Func(func(_ context.Context, s Sample) (float64, error) {
		if s.Completion == "x" {
			return 0, ErrSkip
		}
		if s.Completion == s.Label {
			return 1, nil
		}
		return 0, nil
	})
	s := &Scorer{Reward: exact}
	scores, errs, err := s.ScoreCompletions(context.Background(), []string{"2+2", "?"}, []string{"4", "y"}, groups)
	if err != nil {
		t.Fatal(err)
	}
	if scores[0] != 1 || scores[1] != 0 || !math.IsNaN(scores[2]) || !errors.Is(errs[2], ErrSkip) {
		t.Errorf("scores %v errs %v, want [1 0 NaN] with ErrSkip last", scores, errs)
	}
	samples, err := Samples([]string{"2+2", "?"}, nil, groups)
	if err != nil || len(samples) != 3 || samples[2].Prompt != "?" || samples[1].Completion != "5" || samples[0].Label != "" {
		t.Errorf("Samples = %+v, %v", samples, err)
	}
	if _, _, err := s.ScoreCompletions(context.Background(), []string{"a"}, nil, groups); err == nil || !strings.Contains(err.Error(), "len(prompts) = 1") {
		t.Errorf("mismatched lengths: %v", err)
	}
	if _, err := Samples([]string{"a", "b"}, []string{"x"}, groups); err == nil {
		t.Error("labels of the wrong length: no error")
	}
}
