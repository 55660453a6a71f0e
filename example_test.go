package evolve_test

import (
	"context"
	"fmt"
	"log"

	"gonum.org/v1/gonum/stat"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/llama"
	"github.com/evolve-go/evolve/policy/llama/stories260k"
	"github.com/evolve-go/evolve/policy/tabular"
	"github.com/evolve-go/evolve/preference"
	"github.com/evolve-go/evolve/reward"
)

// rollouts samples a group of 8 completions of each prompt (seeded by the
// step), lays them out for training and scores them.
func rollouts(ctx context.Context, gen policy.Generator, scorer *reward.Scorer, prompts []string, step int) (*policy.Rollouts, error) {
	req := policy.GenerateRequest{Prompts: prompts, N: 8, MaxTokens: 48, Seed: uint64(step)}
	groups, err := gen.Generate(ctx, req)
	if err != nil {
		return nil, err
	}
	batch, err := policy.NewRollouts(groups, 0)
	if err != nil {
		return nil, err
	}
	batch.Rewards, _, err = scorer.ScoreCompletions(ctx, prompts, nil, groups)
	return batch, err
}

// trainGRPO is a complete GRPO loop over any generator and trainable
// model: sample groups, score them, step.
func trainGRPO(ctx context.Context, gen policy.Generator, model policy.Trainable, ref policy.LogProber,
	prompts []string, r reward.Reward, steps int) error {
	trainer := policy.Trainer{Model: model, Ref: ref, Loss: policy.GRPO(), Advantage: policy.GroupNorm{}}
	scorer := &reward.Scorer{Reward: r}
	for step := range steps {
		batch, err := rollouts(ctx, gen, scorer, prompts, step)
		if err != nil {
			return err
		}
		if _, err := trainer.Step(batch); err != nil {
			return err
		}
	}
	return nil
}

// trainDPO is a complete online DPO loop: pairs are the best and the worst
// of each group of the model's own samples, by the reward.
func trainDPO(ctx context.Context, gen policy.Generator, model policy.Trainable, ref policy.LogProber,
	prompts []string, r reward.Reward, steps int) error {
	trainer := policy.Trainer{Model: model, Ref: ref, Loss: preference.DPO{Beta: 0.1}}
	scorer := &reward.Scorer{Reward: r}
	for step := range steps {
		batch, err := rollouts(ctx, gen, scorer, prompts, step)
		if err != nil {
			return err
		}
		if batch.Pairs, err = preference.BestWorstPairs(nil, batch.Rewards, batch.Groups); err != nil {
			return err
		}
		if len(batch.Pairs) == 0 {
			continue // no group has a winner yet
		}
		if _, err := trainer.Step(batch); err != nil {
			return err
		}
	}
	return nil
}

// successRate is the mean reward of 64 samples of each prompt.
func successRate(ctx context.Context, gen policy.Generator, prompts []string, r reward.Reward) (float64, error) {
	groups, err := gen.Generate(ctx, policy.GenerateRequest{Prompts: prompts, N: 64, MaxTokens: 48, Seed: 1 << 40})
	if err != nil {
		return 0, err
	}
	scores, _, err := (&reward.Scorer{Reward: r}).ScoreCompletions(ctx, prompts, nil, groups)
	if err != nil {
		return 0, err
	}
	return stat.Mean(scores, nil), nil
}

// trainFunc is trainGRPO or trainDPO.
type trainFunc func(ctx context.Context, gen policy.Generator, model policy.Trainable, ref policy.LogProber,
	prompts []string, r reward.Reward, steps int) error

// fish is the reward of the examples: 1 for a story that mentions "fish",
// which the base model rarely does.
var fish = reward.Mentions{Words: []string{"fish"}, Prefix: true}

// fishRates trains model (sampled by gen) with train for 30 steps on the
// story prompts and returns the share of its stories that mention fish
// before and after.
func fishRates(train trainFunc, gen policy.Generator, model policy.Trainable, ref policy.LogProber) (before, after float64) {
	ctx := context.Background()
	before, err := successRate(ctx, gen, storyPrompts, fish)
	if err != nil {
		log.Fatal(err)
	}
	if err := train(ctx, gen, model, ref, storyPrompts, fish, 30); err != nil {
		log.Fatal(err)
	}
	if after, err = successRate(ctx, gen, storyPrompts, fish); err != nil {
		log.Fatal(err)
	}
	return before, after
}

// band says where a success rate lies, coarsely enough that the last bits
// of floating-point arithmetic (which differ between CPUs) do not move it.
func band(rate float64) string {
	switch {
	case rate < 0.1:
		return "under 10%"
	case rate > 0.9:
		return "over 90%"
	}
	return "between 10% and 90%"
}

var storyPrompts = []string{"Once upon a time", "One day,", "Tom and Sue", "The cat", "Lily went to the", "Mom said"}

// stories returns the built-in model as a generator, a trainable model
// and a frozen reference.
func stories() (*llama.Sampler, *llama.Trainable, *llama.Model) {
	m, err := llama.LoadBytes(stories260k.Checkpoint)
	if err != nil {
		log.Fatal(err)
	}
	tok, err := llama.LoadTokenizerBytes(stories260k.Tokenizer)
	if err != nil {
		log.Fatal(err)
	}
	model, err := llama.NewTrainable(m, llama.AdamW{LR: 4e-4, ClipNorm: 1})
	if err != nil {
		log.Fatal(err)
	}
	return llama.NewSampler(m, tok), model, m.Clone()
}

// GRPO on the built-in stories260K model: the reward is 1 for a story
// that mentions "fish", which the base model rarely does.
func Example_grpo() {
	gen, model, ref := stories()
	before, after := fishRates(trainGRPO, gen, model, ref)
	fmt.Printf("stories that mention fish: %s before, %s after\n", band(before), band(after))
	// Output: stories that mention fish: under 10% before, over 90% after
}

// Online DPO on the built-in model, pairs from its own samples.
func Example_dpo() {
	gen, model, ref := stories()
	before, after := fishRates(trainDPO, gen, model, ref)
	fmt.Printf("stories that mention fish: %s before, %s after\n", band(before), band(after))
	// Output: stories that mention fish: under 10% before, over 90% after
}

// The same loops train a tabular policy: one categorical distribution
// over four short stories per prompt, uniform before training, so that
// one answer in four mentions fish.
func Example_tabular() {
	answers := []string{"a dog ran home", "a fish swam away", "the cat slept", "birds sang"}
	for _, train := range []trainFunc{trainGRPO, trainDPO} {
		p, err := tabular.New(storyPrompts, answers)
		if err != nil {
			log.Fatal(err)
		}
		before := fishProb(p)
		if err := train(context.Background(), p, p, p.Clone(), storyPrompts, fish, 30); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("answers that mention fish: %.0f%% before, %s after\n", 100*before, band(fishProb(p)))
	}
	// Output:
	// answers that mention fish: 25% before, over 90% after
	// answers that mention fish: 25% before, over 90% after
}

// fishProb is the probability, averaged over the prompts, that p answers
// with its second answer, the one about fish.
func fishProb(p *tabular.Policy) float64 {
	s := 0.0
	for i := range storyPrompts {
		s += p.Probs(i)[1]
	}
	return s / float64(len(storyPrompts))
}
