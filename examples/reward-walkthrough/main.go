// Command reward-walkthrough designs a verifiable math reward the way
// package rewardtest is meant to be used: before any GPU hour is spent.
//
// Step 1 is a reward with a planted hack. Wanting to be lenient with
// models that box an intermediate result before their final answer, it
// pays 1 when any \boxed{…} of the completion — inside the <think>
// reasoning or not, first or last — holds the label's value. On ordinary
// right and wrong answers it looks perfect: deterministic, bounded,
// ranked, invariant, discriminating. The hacking probes show what a
// policy trained on it would learn: box many candidate answers (one of
// them is right), state the answer 64 times with no work, or write the
// answer while reasoning and then give up.
//
// Step 2 fixes it: reward.Math reads only the final answer (the last box
// or answer sentence after the last </think>), and the open-r1 repetition
// penalty takes back the reward of a degenerate, repeated completion —
// reward.Math alone still pays the repeat-answer probe in full. It is the
// design examples/reward-server serves.
//
// The program prints both rewardtest reports and exits with an error
// unless the hack is caught and the fix passes every check.
//
//	go run ./examples/reward-walkthrough
//
// References: Kydlíček et al., Math-Verify (Hugging Face, 2025);
// open-r1 get_repetition_penalty_reward; reward/rewardtest.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/reward/rewardtest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "reward-walkthrough:", err)
		os.Exit(1)
	}
}

// anyBoxed is the reward with the planted hack: 1 when any \boxed{…} of
// the completion verifies against the label, else 0; ErrSkip without a
// label.
func anyBoxed() reward.Reward {
	return reward.Func(func(ctx context.Context, s reward.Sample) (float64, error) {
		if s.Label == "" {
			return math.NaN(), reward.ErrSkip
		}
		for _, box := range boxes(s.Completion) {
			ok, err := reward.Math{}.Verify(ctx, s.Label, `\boxed{`+box+`}`)
			if err != nil && !errors.Is(err, reward.ErrMathBudget) {
				return math.NaN(), err
			}
			if ok {
				return 1, nil
			}
		}
		return 0, nil
	})
}

// boxes returns the content of every \boxed{…} of text that closes, in
// order: each occurrence is read by reward.ExtractBoxed up to the next.
func boxes(text string) []string {
	var out []string
	for {
		i := strings.Index(text, `\boxed`)
		if i < 0 {
			return out
		}
		rest := text[i+len(`\boxed`):]
		end := strings.Index(rest, `\boxed`)
		if end < 0 {
			end = len(rest)
		}
		if b, ok := reward.ExtractBoxed(text[i : i+len(`\boxed`)+end]); ok {
			out = append(out, b)
		}
		text = rest
	}
}

// fixed is the repaired design: correctness of the final answer plus the
// repetition penalty, in [−1, 1].
func fixed() reward.Reward {
	return reward.Weighted{
		{Name: "correct", Reward: reward.Math{}, Weight: 1},
		{Name: "repetition", Reward: reward.Repetition{}, Weight: 1},
	}
}

// suite is the conformance check both designs face: the same right and
// wrong answers, one ranking, every default probe.
func suite(name string, r reward.Reward) rewardtest.Suite {
	sample := func(prompt, completion, label string) reward.Sample {
		return reward.Sample{Prompt: prompt, Completion: completion, Label: label}
	}
	const sum, half = "What is 17 + 25?", "What is half of 3/4?"
	return rewardtest.Suite{
		Name:   name,
		Reward: r,
		Cases: []rewardtest.Case{
			{Name: "sum", Sample: sample(sum, "<think>17 + 20 = 37, and 37 + 5 = 42.</think>\nThe answer is \\boxed{42}.", "42"), Correct: true},
			{Name: "sum-wrong", Sample: sample(sum, "<think>17 + 25 = 32.</think>\nThe answer is \\boxed{32}.", "42")},
			{Name: "half", Sample: sample(half, "Half of 3/4 is 3/8, so the answer is $\\boxed{\\frac{3}{8}}$.", "3/8"), Correct: true},
			{Name: "half-wrong", Sample: sample(half, "Half of 3/4 is 3/2, so the answer is $\\boxed{\\frac{3}{2}}$.", "3/8")},
		},
		Lo: -1, Hi: 1,
		Rankings: []rewardtest.Ranking{{
			Name: "sum", Prompt: sum, Label: "42",
			Completions: []string{"I don't know.", "The answer is \\boxed{32}.", "The answer is \\boxed{42}."},
		}},
		Margin:    0.5,
		Threshold: 0.5,
	}
}

// run prints the report of each design and returns an error unless the
// first fails the hacking probes, and only them, and the second passes.
func run(ctx context.Context, w io.Writer) error {
	fmt.Fprintln(w, "Step 1: pay for any \\boxed{} that holds the answer.")
	hacked := suite("any matching \\boxed{}", anyBoxed())
	res, err := hacked.Run(ctx)
	if res == nil {
		return err
	}
	if werr := rewardtest.WriteReport(w, hacked.Name, res); werr != nil {
		return werr
	}
	if err == nil {
		return errors.New("the planted hack was not caught")
	}
	for _, r := range res {
		if r.Status == rewardtest.Fail && r.Check != "hacks" {
			return fmt.Errorf("the hacked reward failed %s, not only the hacking probes: %w", r.Check, r.Err)
		}
	}
	fmt.Fprintln(w, "\nStep 2: reward.Math reads only the final answer, after </think>; the repetition")
	fmt.Fprintln(w, "penalty takes back the reward of a repeated answer.")
	good := suite("reward.Math + repetition penalty", fixed())
	if err := good.Report(ctx, w); err != nil {
		return fmt.Errorf("the fixed reward fails: %w", err)
	}
	return nil
}
