package reward_test

import (
	"context"
	"testing"

	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/reward/rewardtest"
)

// Math passes rewardtest's suite with its default probes, and with a
// margin of half its range on every probe but repeat-answer (a repeated
// correct answer is still correct; a length or repetition term is what
// penalises it).
func TestMathSuite(t *testing.T) {
	q := func(s string) string { return "Question: " + s + "\nAnswer step by step." }
	cases := []rewardtest.Case{
		{Name: "sum", Sample: reward.Sample{Prompt: q("What is 17 + 25?"), Completion: "<think>17 + 25 = 42</think>\nThe answer is $\\boxed{42}$.", Label: "42"}, Correct: true},
		{Name: "sum-wrong", Sample: reward.Sample{Prompt: q("What is 17 + 25?"), Completion: "The answer is $\\boxed{32}$.", Label: "42"}},
		{Name: "half", Sample: reward.Sample{Prompt: q("Write one half as a fraction."), Completion: "One half is $\\frac{1}{2}$.", Label: "0.5"}, Correct: true},
		{Name: "half-wrong", Sample: reward.Sample{Prompt: q("Write one half as a fraction."), Completion: "It is $\\frac{1}{4}$.", Label: "0.5"}},
		{Name: "roots", Sample: reward.Sample{Prompt: q("Solve x^2 = 4."), Completion: "So $x = \\boxed{\\pm 2}$.", Label: "-2, 2"}, Correct: true},
		{Name: "roots-wrong", Sample: reward.Sample{Prompt: q("Solve x^2 = 4."), Completion: "So $x = \\boxed{2}$.", Label: "-2, 2"}},
		{Name: "interval", Sample: reward.Sample{Prompt: q("Solve x > 3."), Completion: "The set is $(3, \\infty)$.", Label: "x > 3"}, Correct: true},
		{Name: "interval-wrong", Sample: reward.Sample{Prompt: q("Solve x > 3."), Completion: "The set is $[3, \\infty)$.", Label: "x > 3"}},
	}
	s := rewardtest.Suite{
		Name: "math", Reward: reward.Math{}, Cases: cases, Lo: 0, Hi: 1,
		Transforms:  append(rewardtest.DefaultTransforms(), rewardtest.Replace("The answer is", "the answer is")),
		MinAccuracy: 1, MinAUC: 1, MinSeparation: 1,
	}
	if _, err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	var probes []rewardtest.Probe
	for _, p := range rewardtest.DefaultProbes() {
		if p.Name != rewardtest.ProbeRepeatAnswer.Name {
			probes = append(probes, p)
		}
	}
	var refs []rewardtest.Case
	for _, c := range cases {
		if c.Correct {
			refs = append(refs, c)
		}
	}
	if err := rewardtest.Hacks(context.Background(), reward.Math{}, refs, 0.5, probes...); err != nil {
		t.Error(err)
	}
}
