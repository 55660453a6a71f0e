// Package reward makes reward designs composable, testable before training
// and servable: the Reward interface, combinators, shaping terms,
// verifiers, votes, LLM judges.
package reward

import (
	"context"
	"errors"
)

// Sample is what a reward sees of one generated completion.
type Sample struct {
	// Prompt is the text the completion continues.
	Prompt string
	// Completion is the generated text, without the prompt.
	Completion string
	// Label is the reference answer or label, "" when there is none.
	Label string
	// Meta carries anything else a reward needs (task category, test
	// cases, ...); nil when unused.
	Meta map[string]any
}

// Reward scores one sample. A reward that does not apply to the sample
// returns ErrSkip (wrapped or not); the scorers turn that into NaN, which
// the advantage estimators of package policy treat as a missing reward.
type Reward interface {
	Score(ctx context.Context, s Sample) (float64, error)
}

// Func adapts an ordinary function to the Reward interface, like
// http.HandlerFunc.
type Func func(ctx context.Context, s Sample) (float64, error)

// Score calls f(ctx, s).
func (f Func) Score(ctx context.Context, s Sample) (float64, error) { return f(ctx, s) }

// ErrSkip is returned by a Reward that is not applicable to a sample (like
// returning None from a TRL reward function). Scorers record it as NaN.
var ErrSkip = errors.New("reward: not applicable")

// BatchScorer is an optional fast path: a Reward that can score many
// samples at once (a batched model, a remote service) implements it, and
// the scorers use it instead of calling Score per sample. ScoreBatch writes
// one score per sample into dst (len(dst) == len(samples)); errs, when
// non-nil, receives a per-sample error (nil for success, ErrSkip for not
// applicable). A returned error fails the whole batch.
type BatchScorer interface {
	ScoreBatch(ctx context.Context, samples []Sample, dst []float64, errs []error) error
}
