package selfplay_test

import (
	"context"
	"fmt"
	"log"
	"slices"
	"strings"
	"text/template"

	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/selfplay"
)

// One round of the sneaky generator / step critic game with scripted
// players and a step checker for a verifier. The templates hand each
// player the step alone; the sneaky generator's first rewrite changes the
// step's result, its second leaves the step as it is.
func ExampleSPC() {
	correct := []string{"3 × 4 = 12", "2 + 12 = 14"}
	sneaky := player(func(step string, j int) string {
		if j == 0 {
			return strings.NewReplacer("= 12", "= 13", "= 14", "= 15").Replace(step) // a planted error
		}
		return step
	})
	critic := player(func(step string, _ int) string {
		if slices.Contains(correct, step) {
			return "The arithmetic holds. <Answer>Correct</Answer>"
		}
		return "The result is wrong. <Answer>Incorrect</Answer>"
	})
	checker := reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		for _, line := range strings.Split(s.Completion, "\n") {
			if !slices.Contains(correct, line) {
				return 0, nil
			}
		}
		return 1, nil
	})
	step := template.Must(template.New("step").Parse("{{.Step}}"))
	g := selfplay.SPC{
		Sneaky: sneaky, Critic: critic, Verifier: checker,
		Solutions: []selfplay.Solution{{Problem: "2 + 3 × 4 = ?", Steps: correct, Answer: "14"}},
		N:         2, Critiques: 1,
		SneakyTemplate: step, CriticTemplate: step,
	}
	r, err := g.Round(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range r.Steps {
		kind := "original"
		if s.Sneaky {
			kind = "sneaky"
		}
		fmt.Printf("%-8s %-12q valid %-5v detected %v reward %v\n", kind, s.Text, s.Valid, s.Detected, s.Reward)
	}
	fmt.Println("sneaky batch", r.Sneaky.Rewards, "critic batch", r.Critic.Rewards)
	fmt.Printf("games %d, invalid %d, detection %.2f, acceptance %.2f\n", r.Stats.Games, r.Stats.Invalid, r.Stats.Detection, r.Stats.Acceptance)
	// Output:
	// original "2 + 12 = 14" valid true  detected 0 reward NaN
	// sneaky   "2 + 12 = 15" valid true  detected 1 reward -1
	// sneaky   "2 + 12 = 14" valid false detected NaN reward -1
	// sneaky batch [-1 -1] critic batch [1 1]
	// games 1, invalid 1, detection 1.00, acceptance 1.00
}
