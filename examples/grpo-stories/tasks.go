package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/evolve-go/evolve/reward"
)

// Task is one arm of the curriculum: stories that open with one of its
// prompts should mention its word.
type Task struct {
	// Name names the task in reports.
	Name string
	// Word is the word a story must mention (at the start of a word,
	// case-insensitive: "Dog", "dogs" count, "hotdog" does not).
	Word string
	// Train are the prompts stories are sampled from while training;
	// HeldOut only measure success.
	Train, HeldOut []string
}

// taskSets are the curricula's arms, easy to hard, by name.
//
// "fish" (the default) is one word at four levels of difficulty: prompts
// after which the base model mentions fish in about 30%, 3%, 1% and 0.5% of
// its 48-token stories (256 samples per prompt; -survey measures such
// rates). Every level learns the same thing, so what is learnt on one
// helps the others, as between the difficulty levels of the SEC paper.
//
// "words" is four words, each with its own prompts, mentioned by the base
// model in about 8%, 6%, 5% and 1% of its stories: the model must learn
// which word goes with which prompts, and what it learns for one task
// works against the others (a story that mentions a ball where a dog was
// wanted earns nothing).
var taskSets = map[string][]Task{
	"fish": {
		{Name: "easy", Word: "fish", Train: []string{"Tom caught a big fish", "Sam saw a fish", "The fish swam"},
			HeldOut: []string{"The cat wanted the fish", "Lily had a pet fish"}},
		{Name: "medium", Word: "fish", Train: []string{"One day,", "Ben had a", "At the beach,"},
			HeldOut: []string{"The water was blue", "Once upon a time"}},
		{Name: "hard", Word: "fish", Train: []string{"Sam went to the pond", "It was Lily's birthday", "The car"},
			HeldOut: []string{"Tom had a pet", "The sun was shining"}},
		{Name: "hardest", Word: "fish", Train: []string{"The boy ran to the park", "Mom and Ben went to the sea", "The boat"},
			HeldOut: []string{"The little girl", "Once upon a time, there lived"}},
	},
	"words": {
		{Name: "tree", Word: "tree", Train: []string{"In the garden", "The bird sat", "The forest was", "Outside the house"},
			HeldOut: []string{"Tom climbed", "The squirrel"}},
		{Name: "dog", Word: "dog", Train: []string{"Max and his friend", "The boy ran to the park", "Spot was", "The puppy"},
			HeldOut: []string{"Tom had a pet", "Tim wanted a pet"}},
		{Name: "ball", Word: "ball", Train: []string{"The kids were in the yard", "Ben kicked", "They played a game", "At the park, Mia"},
			HeldOut: []string{"Lily liked to play", "Sue threw"}},
		{Name: "fish", Word: "fish", Train: []string{"Mom and Ben went to the sea", "The water was blue", "Tim looked into the lake", "The boy had a net"},
			HeldOut: []string{"Sam went to the pond", "At the beach,"}},
	},
}

// taskNames lists the task sets for messages.
var taskNames = []string{"fish", "words"}

// mentionsLabel is the reward of every task: 1 when the story mentions
// the sample's label (its task's word) at the start of a word, else 0.
var mentionsLabel = reward.Func(func(ctx context.Context, s reward.Sample) (float64, error) {
	return reward.Mentions{Words: []string{s.Label}, Prefix: true}.Score(ctx, s)
})

// tasksNamed returns the task set called name.
func tasksNamed(name string) ([]Task, error) {
	ts, ok := taskSets[name]
	if !ok {
		return nil, fmt.Errorf("grpo-stories: unknown task set %q (have %s)", name, strings.Join(taskNames, ", "))
	}
	return ts, nil
}
