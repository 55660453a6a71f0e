package reward

import (
	"context"
	"fmt"
	"text/template"

	"github.com/evolve-go/evolve/internal/parallel"
)

// PairwiseInput is the data of a PairwiseJudge template.
type PairwiseInput struct {
	// Prompt is the user prompt; A and B are the two responses in the
	// order shown to the judge.
	Prompt, A, B string
}

// DefaultPairwisePrompt is the template text a PairwiseJudge uses when its
// Template is nil (MT-Bench's pairwise format: "[[A]]", "[[B]]" or "[[C]]"
// for a tie).
const DefaultPairwisePrompt = `Please act as an impartial judge and evaluate the quality of the responses provided by two AI assistants to the user prompt below. Choose the response that follows the user's instructions and answers the prompt better, considering helpfulness, relevance, accuracy, depth and level of detail. Do not let the order in which the responses are presented, their length, or the assistants' names influence your decision. Be as objective as possible.

[User prompt]
{{.Prompt}}

[Response A]
{{.A}}

[Response B]
{{.B}}

After a short explanation, output your final verdict by strictly following this format: "[[A]]" if response A is better, "[[B]]" if response B is better, and "[[C]]" for a tie.
`

var defaultPairwiseTemplate = template.Must(template.New("pairwise").Parse(DefaultPairwisePrompt))

// PairwiseJudge compares two completions with an LLM, asking twice with
// the positions swapped to cancel position bias: once with a shown as A
// and b as B, once with b as A and a as B. Each order yields 1 (a better),
// 0.5 (tie) or 0 (b better), and Compare returns their mean, an estimate
// of P(a better than b):
//
//	both orders prefer a → 1;  a and tie → 0.75;  both tie → 0.5;
//	inconsistent (each order prefers the response shown first, or each the
//	second) → 0.5, i.e. a tie;  b and tie → 0.25;  both prefer b → 0.
//
// Verdicts are parsed by ParseVerdict; an unparseable reply is asked again,
// up to Attempts calls per order, then a *JudgeError is returned.
//
// As a Reward, PairwiseJudge compares Sample.Completion with a reference
// completion: Sample.Meta[ReferenceKey] (a string) when ReferenceKey is
// set, Sample.Label otherwise; a sample without a reference returns
// ErrSkip.
//
// References: Zheng et al., "Judging LLM-as-a-Judge with MT-Bench and
// Chatbot Arena" (2023), pairwise comparison with swapped positions.
type PairwiseJudge struct {
	// Completer is the judge model. Required.
	Completer Completer
	// Template renders the judge prompt from a PairwiseInput; nil means
	// DefaultPairwisePrompt.
	Template *template.Template
	// Attempts is the number of model calls allowed per order; 0 means
	// DefaultJudgeAttempts; negative is an error.
	Attempts int
	// ReferenceKey names the Sample.Meta entry holding the reference
	// completion Score compares against; "" means Sample.Label.
	ReferenceKey string
}

// Verdicts asks both orders and returns the raw verdicts: first with a
// shown as A, second with b shown as A. The two calls run concurrently.
func (j *PairwiseJudge) Verdicts(ctx context.Context, prompt, a, b string) (first, second Verdict, err error) {
	attempts, err := judgeAttempts("pairwise", j.Attempts)
	if err != nil {
		return 0, 0, err
	}
	p1, err := render("pairwise", j.Template, defaultPairwiseTemplate, PairwiseInput{Prompt: prompt, A: a, B: b})
	if err != nil {
		return 0, 0, err
	}
	p2, err := render("pairwise", j.Template, defaultPairwiseTemplate, PairwiseInput{Prompt: prompt, A: b, B: a})
	if err != nil {
		return 0, 0, err
	}
	prompts := [2]string{p1, p2}
	var verdicts [2]Verdict
	err = parallel.Do(ctx, 2, 2, func(ctx context.Context, i int) error {
		var err error
		verdicts[i], err = askUntil(ctx, "pairwise", j.Completer, prompts[i], attempts, ParseVerdict)
		return err
	})
	if err == nil && ctx.Err() != nil {
		// ctx ended, perhaps before both orders were asked.
		err = fmt.Errorf("reward: pairwise judge: %w", ctx.Err())
	}
	if err != nil {
		return 0, 0, err
	}
	return verdicts[0], verdicts[1], nil
}

// Compare returns P(a better than b) as documented on PairwiseJudge.
func (j *PairwiseJudge) Compare(ctx context.Context, prompt, a, b string) (float64, error) {
	v1, v2, err := j.Verdicts(ctx, prompt, a, b)
	if err != nil {
		return 0, err
	}
	return CombineSwapped(v1, v2), nil
}

// CombineSwapped combines the verdicts of the two orders (first: a shown
// as A; second: b shown as A) into P(a better): the mean of the per-order
// outcomes win = 1, tie = 0.5, loss = 0, so that inconsistent verdicts
// make a tie.
func CombineSwapped(first, second Verdict) float64 {
	var s float64
	switch first {
	case VerdictA:
		s += 1
	case VerdictTie:
		s += 0.5
	}
	switch second {
	case VerdictB:
		s += 1
	case VerdictTie:
		s += 0.5
	}
	return s / 2
}

// Score implements Reward: Compare(s.Prompt, s.Completion, reference).
func (j *PairwiseJudge) Score(ctx context.Context, s Sample) (float64, error) {
	ref := s.Label
	if j.ReferenceKey != "" {
		v, ok := s.Meta[j.ReferenceKey]
		if !ok || v == nil {
			return 0, fmt.Errorf("reward: pairwise judge: no Meta[%q] reference: %w", j.ReferenceKey, ErrSkip)
		}
		str, ok := v.(string)
		if !ok {
			return 0, fmt.Errorf("reward: pairwise judge: Meta[%q] is a %T, want a string", j.ReferenceKey, v)
		}
		ref = str
	}
	if ref == "" {
		return 0, fmt.Errorf("reward: pairwise judge: empty reference: %w", ErrSkip)
	}
	return j.Compare(ctx, s.Prompt, s.Completion, ref)
}
