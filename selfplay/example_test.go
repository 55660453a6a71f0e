package selfplay_test

import (
	"context"
	"fmt"
	"log"
	"math"
	"strconv"
	"strings"
	"text/template"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/selfplay"
)

// player is a scripted player: reply gives completion j of a prompt. A
// model (llama.Sampler, an openai.Client, a tabular.Policy) plays the
// same way.
func player(reply func(prompt string, j int) string) policy.GeneratorFunc {
	return func(_ context.Context, req policy.GenerateRequest) ([][]policy.Completion, error) {
		out := make([][]policy.Completion, len(req.Prompts))
		for i, p := range req.Prompts {
			for j := range max(req.N, 1) {
				out[i] = append(out[i], policy.Completion{Prompt: i, Text: reply(p, j)})
			}
		}
		return out, nil
	}
}

// One round of Agent0 with λ = 1 (the paper's weight): the proposer
// repeats an easy task, proposes one the executor is unsure of, and one
// blank question.
func ExampleAgent0() {
	proposals := []string{"<question>What is 2+2?</question>", "<question>What is 2+2?</question>",
		"<question>Name a prime between 10 and 20.</question>", "<question></question>"}
	game := &selfplay.Agent0{
		Proposer: player(func(_ string, j int) string { return proposals[j] }),
		Executor: player(func(task string, j int) string {
			if strings.Contains(task, "prime") {
				return fmt.Sprintf(`\boxed{%d}`, []int{11, 13, 11, 17}[j])
			}
			return `\boxed{4}`
		}),
		Tasks: 4, Samples: 4, Penalty: 1,
	}
	r, err := game.Round(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range r.Tasks {
		fmt.Printf("%-36q p̂ %.2f  R_unc %.2f  rep %.2f  reward %+.2f  in band %v\n",
			t.Task, t.Agreement, t.Uncertainty, t.Repetition, t.Reward, t.InBand)
	}
	fmt.Println("executor learns:", r.Executor.Prompts, r.Executor.Rewards)
	// Output:
	// "What is 2+2?"                       p̂ 1.00  R_unc 0.00  rep 0.50  reward -0.50  in band false
	// "What is 2+2?"                       p̂ 1.00  R_unc 0.00  rep 0.50  reward -0.50  in band false
	// "Name a prime between 10 and 20."    p̂ 0.50  R_unc 1.00  rep 0.25  reward +0.75  in band true
	// ""                                   p̂ 0.00  R_unc 0.00  rep 0.00  reward -1.00  in band false
	// executor learns: [Name a prime between 10 and 20.] [1 0 1 0]
}

// Evolutionary search for a number close to 42: each generation revises
// the best guess (one child halves the distance, one moves 5 down), and
// the best guess is kept as an elite.
func ExampleEvoSearch() {
	closeness := reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		x, err := strconv.Atoi(s.Completion)
		return 1 - math.Abs(float64(x-42))/100, err
	})
	search := &selfplay.EvoSearch{
		Generator: player(func(prompt string, j int) string {
			if prompt == "Guess the number." {
				return []string{"10", "90"}[j]
			}
			x, _ := strconv.Atoi(strings.TrimPrefix(prompt, "improve "))
			return strconv.Itoa([]int{x + (42-x)/2, x - 5}[j])
		}),
		Reward: closeness, Problem: "Guess the number.",
		Population: 2, Parents: 1, Elites: 1, Mutations: 1, Samples: 2, Generations: 4,
		Operators: []selfplay.Operator{selfplay.Revise},
		Revise:    template.Must(template.New("").Parse("improve {{(index .Candidates 0).Text}}")),
	}
	res, err := search.Search(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range res.Curve {
		fmt.Printf("generation %d: max %.2f mean %.2f\n", p.Generation, p.Max, p.Mean)
	}
	fmt.Printf("best %s (%.2f); %d candidates to train on\n", res.Best.Text, res.Best.Reward, res.Batch.Len())
	// Output:
	// generation 1: max 0.68 mean 0.60
	// generation 2: max 0.84 mean 0.72
	// generation 3: max 0.92 mean 0.85
	// generation 4: max 0.96 mean 0.92
	// best 38 (0.96); 8 candidates to train on
}

// One CoMAS round: the evaluator catches the wrong answer, and the
// scorer follows the evaluation.
func ExampleCoMAS() {
	game := &selfplay.CoMAS{
		Solver: player(func(_ string, j int) string { return []string{"2+2 = 4", "2+2 = 5"}[j] }),
		Evaluator: player(func(prompt string, _ int) string {
			if strings.Contains(prompt, "= 5") {
				return "Wrong: 2+2 is 4, not 5."
			}
			return "The sum is correct."
		}),
		Scorer: player(func(prompt string, _ int) string {
			if strings.Contains(prompt, "Wrong:") {
				return "The evaluation shows an error. Rating: [[1]]"
			}
			return "Rating: [[3]]"
		}),
		Solutions: 2, Evaluations: 1,
	}
	r, err := game.Round(context.Background(), []string{"What is 2+2?"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("scores:", r.Scores)
	fmt.Println("solver rewards:", r.Solver.Rewards)
	fmt.Println("evaluator rewards:", r.Evaluator.Rewards)
	// Output:
	// scores: [[3] [1]]
	// solver rewards: [1 0]
	// evaluator rewards: [0 1]
}
