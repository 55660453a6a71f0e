package reward_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/reward"
)

// A reward design for math: R1 format gate, numeric correctness, DAPO's
// overlong shaping and a repetition penalty, scored concurrently.
func ExampleScorer() {
	design := reward.Weighted{
		{Name: "correct", Weight: 1, Reward: reward.Gate{
			Format: reward.ThinkAnswerFormat,
			Then:   reward.Numeric{Extract: reward.TagExtractor("answer")},
			Fail:   -1,
		}},
		{Name: "overlong", Weight: 1, Reward: reward.Overlong{MaxLength: 40, Cache: 10}},
		{Name: "repetition", Weight: 0.5, Reward: reward.Repetition{}},
	}
	samples := []reward.Sample{
		{Completion: "<think>6 times 7</think><answer>42</answer>", Label: "42"},
		{Completion: "<think>6 times 7</think><answer>41</answer>", Label: "42"},
		{Completion: "42", Label: "42"},
		{Completion: "<think>so so so so so so</think><answer>42</answer>", Label: "42"},
	}
	// The last completion is correct but repetitive: its 6 words
	// ("<think>so", "so" ×4, "so</think><answer>42</answer>") make 4
	// trigrams of which 3 differ, so the penalty is 0.5·(−1)·(1 − 3/4).
	s := reward.Scorer{Reward: design, Parallelism: 2, Timeout: time.Second}
	scores, errs, err := s.ScoreAll(context.Background(), samples)
	if err != nil {
		panic(err)
	}
	for i := range scores {
		fmt.Printf("%.3f %v\n", scores[i], errs[i])
	}
	// Output:
	// 1.000 <nil>
	// 0.000 <nil>
	// -1.000 <nil>
	// 0.875 <nil>
}

func ExampleTagFormat() {
	for _, c := range []string{
		"<think>\nreasoning\n</think>\n<answer>\n4\n</answer>",
		"<answer>4</answer>",
	} {
		v, _ := reward.ThinkAnswerFormat.Score(context.Background(), reward.Sample{Completion: c})
		fmt.Println(v)
	}
	// Output:
	// 1
	// 0
}

func ExampleJSONObject() {
	r := reward.JSONObject{Required: []string{"name", "score"}}
	for _, c := range []string{
		"```json\n{\"name\": \"ada\", \"score\": 3}\n```",
		`{"name": "ada"}`,
		`{"name": "ada", "score": 3`,
	} {
		v, _ := r.Score(context.Background(), reward.Sample{Completion: c})
		fmt.Println(v)
	}
	// Output:
	// 1
	// 0
	// 0
}

func ExampleRepetition() {
	r := reward.Repetition{N: 2, MaxPenalty: -1}
	a, _ := r.Score(context.Background(), reward.Sample{Completion: "the cat sat on the mat"})
	b, _ := r.Score(context.Background(), reward.Sample{Completion: "la la la la la"})
	fmt.Println(a, b)
	// Output: 0 -0.75
}

// Group z-scores of rewards are package policy's: a skipped sample's NaN
// is a missing reward, left out of its group's statistics, with advantage 0.
func ExampleVector_groupNorm() {
	lenOK := reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		if s.Completion == "" {
			return 0, reward.ErrSkip
		}
		return float64(len(s.Completion)), nil
	})
	// Two prompts, three completions each; one is not scored.
	samples := []reward.Sample{{Completion: "a"}, {Completion: "ab"}, {Completion: "abc"}, {Completion: "x"}, {}, {Completion: "xyzw"}}
	groups := []int{0, 0, 0, 1, 1, 1}
	scores, _, err := reward.ScoreAll(context.Background(), lenOK, samples)
	if err != nil {
		panic(err)
	}
	adv := make([]float64, len(scores))
	if err := (policy.GroupNorm{Std: policy.Unbiased}).Advantages(adv, scores, groups); err != nil {
		panic(err)
	}
	fmt.Printf("%v\n%.3f\n", scores, adv)
	// Output:
	// [1 2 3 1 NaN 4]
	// [-1.000 0.000 1.000 -0.707 0.000 0.707]
}

func ExampleTopFraction() {
	scores := []float64{0.3, math.NaN(), 0.9, 0.1, 0.7, 0.5}
	keep, _ := reward.TopFraction(scores, 0.4) // ⌈0.4·5⌉ = 2 of the 5 scored samples
	fmt.Println(keep)
	// Output: [2 4]
}

func ExampleErrSkip() {
	needsLabel := reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		if s.Label == "" {
			return 0, reward.ErrSkip
		}
		return 1, nil
	})
	scores, errs, _ := reward.ScoreAll(context.Background(), needsLabel, []reward.Sample{{Label: "x"}, {}})
	fmt.Println(scores, errors.Is(errs[1], reward.ErrSkip))
	// Output: [1 NaN] true
}
