package monitor_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/evolve-go/evolve/monitor"
	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/tabular"
	"github.com/evolve-go/evolve/reward"
)

// A GRPO loop with a monitor attached: a tabular policy learns to answer
// with the story that mentions fish. Its entropy falls as it commits to
// that answer — the point of a four-answer toy, an alarm in a language
// model — and so does the diversity of its samples.
func Example() {
	ctx := context.Background()
	prompts := []string{"Once upon a time", "One day,"}
	p, err := tabular.New(prompts, []string{"a dog ran home", "a fish swam away", "the cat slept", "birds sang"})
	if err != nil {
		log.Fatal(err)
	}
	trainer := policy.Trainer{Model: p, Ref: p.Clone(), Loss: policy.GRPO(), Advantage: policy.GroupNorm{}}
	scorer := reward.Scorer{Reward: reward.Mentions{Words: []string{"fish"}}}
	mon, err := monitor.New(monitor.Config{})
	if err != nil {
		log.Fatal(err)
	}
	for step := range 30 {
		groups, err := p.Generate(ctx, policy.GenerateRequest{Prompts: prompts, N: 8, Seed: uint64(step)})
		if err != nil {
			log.Fatal(err)
		}
		batch, err := policy.NewRollouts(groups, 0)
		if err != nil {
			log.Fatal(err)
		}
		if batch.Rewards, _, err = scorer.ScoreCompletions(ctx, prompts, nil, groups); err != nil {
			log.Fatal(err)
		}
		st, err := trainer.Step(batch)
		if err != nil {
			log.Fatal(err)
		}
		events, err := mon.Observe(ctx, monitor.Step{Stats: &st, Rollouts: batch, Texts: monitor.Texts(groups)})
		if err != nil {
			log.Fatal(err)
		}
		for _, e := range events {
			fmt.Printf("step %d: %s (%s)\n", e.Step, e.Detector, e.Signal)
		}
	}
	// Output:
	// step 8: diversity-collapse (similarity)
	// step 16: entropy-collapse (entropy)
	// step 16: kl-runaway (kl)
}

// Distinct-2 of two texts: "a b a b" has the bigrams "a b", "b a", "a b"
// and "a b c" has "a b", "b c": 3 distinct of 5.
func ExampleDistinctN() {
	d, err := monitor.DistinctN([]string{"a b a b", "a b c"}, 2)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("distinct-2 = %.1f\n", d)
	// Output: distinct-2 = 0.6
}

// A run record read back from JSON lines, as a curve and as a table.
func ExampleReadRun() {
	lines := `{"step":1,"reward":0.1,"kl":0}
{"step":2,"reward":0.6,"kl":1.2}
{"detector":"kl-runaway","signal":"kl","step":2,"window":[1,2],"values":[0,1.2],"baseline":0,"threshold":1,"message":"KL to the reference 1.200 ≥ 1.000"}
`
	run, err := monitor.ReadRun(strings.NewReader(lines))
	if err != nil {
		log.Fatal(err)
	}
	steps, kl := run.Series("kl")
	fmt.Println(steps, kl)
	fmt.Print(run)
	// Output:
	// [1 2] [0 1.2]
	//  step  reward      kl
	//     1  0.1000  0.0000
	//     2  0.6000  1.2000
	// step 2: kl-runaway (kl, steps 1–2): KL to the reference 1.200 ≥ 1.000
}
