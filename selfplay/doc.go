// Package selfplay holds the self-evolution games: loops in which a model
// makes its own tasks, its own judgements or its own opponents, and the
// data each role should learn from.
//
// A game is a struct whose roles are policy.Generators (the built-in
// llama model, an OpenAI-compatible server, the tabular policy, or a
// scripted player in a test) and judges (reward.Reward for a pointwise
// score, reward.Comparer for a pairwise preference, reward.Labeler for a
// label with reasons). Its Round method plays one round and returns, for
// each role that learns, a Batch — the role's completions grouped by
// prompt, one reward per completion and the best-vs-worst pairs — and the
// round's statistics. Training is the caller's: Batch.Rollouts lays a
// batch out for policy.Trainer, so any objective (GRPO, DPO, RDP, ...)
// trains any role.
//
// Conventions shared by every game:
//   - Zero-valued fields take the documented defaults; players and judges
//     a game needs are required.
//   - A player's or judge's error comes back as a *RoundError naming the
//     game, the role and the round.
//   - Cancelling the context stops a round: Round returns the context's
//     error and leaves the game's state as it was before the round, so
//     the rounds that finished are kept and the next call replays the
//     interrupted one.
//   - Model calls of one round run concurrently where the roles allow,
//     at most Parallelism at a time (0: GOMAXPROCS).
//   - A game's state (round number, buffers, archive, random state) is a
//     JSON-serialisable value: State returns it and Restore resumes from
//     it to the same next round.
//
// The games and their bookkeeping follow docs/ALGORITHMS.md §5 and §7;
// each type's doc comment gives its formulas and references.
package selfplay
