package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/evolve-go/evolve/reward"
)

// Task is one arm of the curriculum: stories that open with one of its
// prompts should mention its word.
type Task struct {
	// Word is the word a story must mention (at the start of a word,
	// case-insensitive: "Dog", "dogs" count, "hotdog" does not).
	Word string
	// Train are the prompts stories are sampled from while training;
	// HeldOut only measure success.
	Train, HeldOut []string
}

// tasks are the arms, easy to hard: the base model mentions the word in
// about 8%, 6%, 5% and 1% of its 48-token stories of these prompts (128
// samples per prompt; run with -survey to measure them again).
var tasks = []Task{
	{Word: "tree", Train: []string{"In the garden", "The bird sat", "The forest was", "Outside the house"},
		HeldOut: []string{"Tom climbed", "The squirrel"}},
	{Word: "dog", Train: []string{"Max and his friend", "The boy ran to the park", "Spot was", "The puppy"},
		HeldOut: []string{"Tom had a pet", "Tim wanted a pet"}},
	{Word: "ball", Train: []string{"The kids were in the yard", "Ben kicked", "They played a game", "At the park, Mia"},
		HeldOut: []string{"Lily liked to play", "Sue threw"}},
	{Word: "fish", Train: []string{"Mom and Ben went to the sea", "The water was blue", "Tim looked into the lake", "The boy had a net"},
		HeldOut: []string{"Sam went to the pond", "At the beach,"}},
}

// mentionsLabel is the reward of every task: 1 when the story mentions
// the sample's label (its task's word) at the start of a word, else 0.
var mentionsLabel = reward.Func(func(ctx context.Context, s reward.Sample) (float64, error) {
	return reward.Mentions{Words: []string{s.Label}, Prefix: true}.Score(ctx, s)
})

// pick returns the tasks whose words are in words, in the order of tasks
// (easy to hard); nil words means all of them.
func pick(words []string) ([]Task, error) {
	if len(words) == 0 {
		return tasks, nil
	}
	var out []Task
	for _, t := range tasks {
		if slices.Contains(words, t.Word) {
			out = append(out, t)
		}
	}
	for _, w := range words {
		if !slices.ContainsFunc(tasks, func(t Task) bool { return t.Word == w }) {
			return nil, fmt.Errorf("grpo-stories: no task for the word %q (have tree, dog, ball, fish)", w)
		}
	}
	return out, nil
}
