package reward

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"text/template"
)

// Completer is what an LLM judge needs of a language model: the model's
// text reply to a prompt. The OpenAI-compatible client of package
// policy/openai implements it (Client.Complete through /completions,
// ChatCompleter through /chat/completions); a test can use a
// CompleterFunc with scripted replies.
type Completer interface {
	Complete(ctx context.Context, prompt string) (string, error)
}

// CompleterFunc adapts an ordinary function to the Completer interface.
type CompleterFunc func(ctx context.Context, prompt string) (string, error)

// Complete calls f(ctx, prompt).
func (f CompleterFunc) Complete(ctx context.Context, prompt string) (string, error) {
	return f(ctx, prompt)
}

// ErrJudgeReply is wrapped by the errors of the judge reply parsers
// (ParseJudgeScore, ParseJudgeScores, ParseVerdict) and, through
// *JudgeError, by a judge whose replies stayed unusable.
var ErrJudgeReply = errors.New("reward: judge reply has no usable verdict")

// JudgeError reports a judge that got no usable verdict from its model
// after all its attempts.
type JudgeError struct {
	// Judge names the judge ("pointwise", "pairwise", "grm").
	Judge string
	// Attempts is the number of model calls made.
	Attempts int
	// Reply is the last reply received.
	Reply string
	// Err is the last parse error; it wraps ErrJudgeReply.
	Err error
}

func (e *JudgeError) Error() string {
	r := e.Reply
	if len(r) > 120 {
		r = r[:120] + "…"
	}
	return fmt.Sprintf("reward: %s judge: no usable verdict after %d attempts: %v (last reply %q)", e.Judge, e.Attempts, e.Err, r)
}

func (e *JudgeError) Unwrap() error { return e.Err }

// DefaultJudgeAttempts is the number of model calls a judge makes for one
// verdict before giving up on unparseable replies.
const DefaultJudgeAttempts = 3

// judgeAttempts resolves an Attempts field: 0 means the default, negative
// is an error.
func judgeAttempts(judge string, n int) (int, error) {
	switch {
	case n == 0:
		return DefaultJudgeAttempts, nil
	case n < 0:
		return 0, fmt.Errorf("reward: %s judge: Attempts is %d", judge, n)
	}
	return n, nil
}

// judgeScale resolves a Min, Max pair: both zero means 1 and 10, otherwise
// they must be finite with max > min.
func judgeScale(judge string, lo, hi float64) (float64, float64, error) {
	if lo == 0 && hi == 0 {
		return 1, 10, nil
	}
	if math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || hi <= lo {
		return 0, 0, fmt.Errorf("reward: %s judge: scale [Min, Max] = [%v, %v] is not a finite, non-empty range", judge, lo, hi)
	}
	return lo, hi, nil
}

// render executes t (or def when t is nil) with data.
func render(judge string, t, def *template.Template, data any) (string, error) {
	if t == nil {
		t = def
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("reward: %s judge: template: %w", judge, err)
	}
	return b.String(), nil
}

// askUntil calls c with prompt until parse accepts the reply, at most
// attempts times. Completer errors end the loop at once (the Completer
// does its own transport retries); so does a done ctx.
func askUntil[T any](ctx context.Context, judge string, c Completer, prompt string, attempts int, parse func(string) (T, error)) (T, error) {
	var zero T
	if c == nil {
		return zero, fmt.Errorf("reward: %s judge: Completer is nil", judge)
	}
	var lastErr error
	var reply string
	for k := 0; k < attempts; k++ {
		if err := ctx.Err(); err != nil {
			return zero, fmt.Errorf("reward: %s judge: %w", judge, err)
		}
		r, err := c.Complete(ctx, prompt)
		if err != nil {
			return zero, fmt.Errorf("reward: %s judge: %w", judge, err)
		}
		v, err := parse(r)
		if err == nil {
			return v, nil
		}
		reply, lastErr = r, err
	}
	return zero, &JudgeError{Judge: judge, Attempts: attempts, Reply: reply, Err: lastErr}
}
