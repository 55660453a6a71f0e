// Package curriculum decides what a training loop learns from next: bandit
// policies over task categories (SEC, UCB1, discounted and sliding-window
// UCB, EXP3, EXP3.S, Thompson sampling, ε-greedy), the Ladder (a
// target-directed easy-to-hard curriculum that learns the order from
// success rates), a curriculum that hands out tasks from per-category
// pools, learning-progress signals, DAPO's dynamic sampling, B-STaR's
// balance score, and a small skill simulator with a set of learners
// (Learners) that compares curricula before any GPU time is spent.
//
// A training loop draws an arm (a category: a difficulty level, a task
// type), trains on tasks from it, turns the outcome into a learning-progress
// signal (SEC: the mean absolute GRPO advantage) and feeds it back:
//
//	c, _ := curriculum.New(sec, pools, curriculum.Config{})
//	arms, tasks, _ := c.NextBatch(rng, 32)
//	// ... sample groups, score them ...
//	_ = c.ObserveBatch(arms, groupRewards)
//
// Every random choice takes an injected *rand.Rand (math/rand/v2), so a run
// is reproducible from a seed. Bandits and curricula save and restore their
// state as JSON; the random source is the caller's to save (rand.PCG and
// rand.ChaCha8 implement encoding.BinaryMarshaler).
//
// Bandits and curricula are not safe for concurrent use.
//
// References: docs/ALGORITHMS.md §6 (curricula) and §5 (B-STaR balance score).
package curriculum
