package reward

import (
	"context"
	"fmt"

	"github.com/evolve-go/evolve/policy"
)

// Samples returns one Sample per completion of groups — as a
// policy.Generator returns them, groups[i] holding the completions of
// prompts[i] — in the row order of policy.NewRollouts (prompt by prompt):
// Prompt is prompts[i], Completion the completion's Text, and Label
// labels[i] when labels is not nil. The lengths of prompts, labels (when
// set) and groups must agree.
func Samples(prompts, labels []string, groups [][]policy.Completion) ([]Sample, error) {
	if len(prompts) != len(groups) || labels != nil && len(labels) != len(groups) {
		return nil, fmt.Errorf("reward: Samples: len(prompts) = %d, len(labels) = %d, len(groups) = %d, want equal (labels may be nil)",
			len(prompts), len(labels), len(groups))
	}
	var out []Sample
	for i, g := range groups {
		for _, c := range g {
			s := Sample{Prompt: prompts[i], Completion: c.Text}
			if labels != nil {
				s.Label = labels[i]
			}
			out = append(out, s)
		}
	}
	return out, nil
}

// ScoreCompletions scores every completion of groups (see Samples) and returns
// one score per completion in the row order of policy.NewRollouts — what
// policy.Rollouts.Rewards holds — with ScoreAll's per-sample errors: a
// sample whose reward failed or did not apply scores NaN, which the
// advantage estimators leave out.
func (s *Scorer) ScoreCompletions(ctx context.Context, prompts, labels []string, groups [][]policy.Completion) (scores []float64, errs []error, err error) {
	samples, err := Samples(prompts, labels, groups)
	if err != nil {
		return nil, nil, err
	}
	return s.ScoreAll(ctx, samples)
}
