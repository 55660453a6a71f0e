package reward_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/evolve-go/evolve/reward"
)

func ExamplePointwiseJudge() {
	// A stand-in for a judge model (an *openai.Client in real use).
	model := reward.CompleterFunc(func(_ context.Context, prompt string) (string, error) {
		if strings.Contains(prompt, "[Response]\n4") {
			return "Correct and concise.\n**Rating:** [[9]]", nil
		}
		return "Wrong.\nRating: [[2]]", nil
	})
	j := &reward.PointwiseJudge{Completer: model} // scale 1–10, rescaled to [0, 1]
	for _, c := range []string{"4", "5"} {
		s, err := j.Score(context.Background(), reward.Sample{Prompt: "2+2?", Completion: c})
		fmt.Printf("%s: %.3f %v\n", c, s, err)
	}
	// Output:
	// 4: 0.889 <nil>
	// 5: 0.111 <nil>
}

func ExamplePairwiseJudge_Compare() {
	// A judge with a strong position bias: it always prefers the response
	// shown first. Swapping positions cancels the bias into a tie.
	biased := reward.CompleterFunc(func(context.Context, string) (string, error) {
		return "Response A is better. [[A]]", nil
	})
	p, _ := (&reward.PairwiseJudge{Completer: biased}).Compare(context.Background(), "Say hi.", "Hello!", "hi")
	fmt.Println("biased judge:", p)

	fair := reward.CompleterFunc(func(_ context.Context, prompt string) (string, error) {
		if strings.Contains(prompt, "[Response A]\nHello!") {
			return "[[A]]", nil
		}
		return "[[B]]", nil
	})
	p, _ = (&reward.PairwiseJudge{Completer: fair}).Compare(context.Background(), "Say hi.", "Hello!", "hi")
	fmt.Println("consistent judge:", p)
	// Output:
	// biased judge: 0.5
	// consistent judge: 1
}

func ExampleGRMJudge() {
	// Four sampled judgements of two responses; a meta RM trusts the ones
	// that state principles, and only the best two count.
	replies := []string{
		"Principles: correctness.\nCritique: ...\nFinal Scores: \\boxed{8, 3}",
		"Final Scores: \\boxed{2, 9}",
		"Principles: correctness, clarity.\nCritique: ...\nFinal Scores: \\boxed{9, 4}",
		"Final Scores: \\boxed{3, 8}",
	}
	k := 0
	model := reward.CompleterFunc(func(context.Context, string) (string, error) {
		r := replies[k%len(replies)]
		k++
		return r, nil
	})
	meta := func(_ context.Context, _ reward.GRMInput, reply string) (float64, error) {
		if strings.HasPrefix(reply, "Principles:") {
			return 1, nil
		}
		return 0, nil
	}
	j := &reward.GRMJudge{Completer: model, K: 4, Parallel: 1, Meta: meta, KMeta: 2, Rand: rand.New(rand.NewPCG(1, 2))}
	best, res, err := j.Best(context.Background(), "Is 91 prime?", []string{"No, 91 = 7 × 13.", "Yes."})
	fmt.Println(best, res.Scores, res.Counted, err)
	// Output: 0 [17 7] 2 <nil>
}
