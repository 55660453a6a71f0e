package reward

import (
	"context"
	"fmt"
	"text/template"
)

// PointwiseInput is the data of a PointwiseJudge template.
type PointwiseInput struct {
	// Prompt, Completion and Label come from the Sample.
	Prompt, Completion, Label string
	// Meta is Sample.Meta.
	Meta map[string]any
	// Min and Max are the judge's score scale.
	Min, Max float64
}

// DefaultPointwisePrompt is the template text a PointwiseJudge uses when
// its Template is nil. It asks for a short justification and a final
// "Rating: [[X]]" (the MT-Bench single-answer grading format).
const DefaultPointwisePrompt = `Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant to the user prompt below. Consider helpfulness, relevance, accuracy, depth and level of detail.{{if .Label}} Compare the response with the reference answer; a response that contradicts it is wrong.{{end}} Be as objective as possible.

[User prompt]
{{.Prompt}}
{{if .Label}}
[Reference answer]
{{.Label}}
{{end}}
[Response]
{{.Completion}}

After a short explanation, rate the response on a scale from {{.Min}} to {{.Max}} by ending with exactly: "Rating: [[X]]", where X is a number from {{.Min}} to {{.Max}}.
`

var defaultPointwiseTemplate = template.Must(template.New("pointwise").Parse(DefaultPointwisePrompt))

// PointwiseJudge scores one completion with an LLM: it renders Template,
// asks Completer, parses a score with ParseJudgeScore and rescales it to
// [0, 1]:
//
//	score = (x − Min) / (Max − Min)
//
// A reply whose score is outside [Min, Max], or that names a scale other
// than Max ("4/5" when Max is 10), counts as unparseable. An unparseable
// reply is asked again, up to Attempts calls in all; then Score returns a
// *JudgeError (wrapping ErrJudgeReply). Completer errors are returned at
// once.
//
// References: Zheng et al., "Judging LLM-as-a-Judge with MT-Bench and
// Chatbot Arena" (2023), single-answer grading.
type PointwiseJudge struct {
	// Completer is the judge model. Required.
	Completer Completer
	// Template renders the judge prompt from a PointwiseInput; nil means
	// DefaultPointwisePrompt.
	Template *template.Template
	// Min and Max are the score scale. Both zero means 1 and 10 (MT-Bench);
	// otherwise Max must exceed Min and both must be finite.
	Min, Max float64
	// Attempts is the number of model calls allowed for one score; 0 means
	// DefaultJudgeAttempts; negative is an error.
	Attempts int
}

func (j *PointwiseJudge) scale() (lo, hi float64, err error) {
	return judgeScale("pointwise", j.Min, j.Max)
}

// Rate returns the judge's raw score on the [Min, Max] scale.
func (j *PointwiseJudge) Rate(ctx context.Context, s Sample) (float64, error) {
	lo, hi, err := j.scale()
	if err != nil {
		return 0, err
	}
	attempts, err := judgeAttempts("pointwise", j.Attempts)
	if err != nil {
		return 0, err
	}
	prompt, err := render("pointwise", j.Template, defaultPointwiseTemplate, PointwiseInput{
		Prompt: s.Prompt, Completion: s.Completion, Label: s.Label, Meta: s.Meta, Min: lo, Max: hi,
	})
	if err != nil {
		return 0, err
	}
	return askUntil(ctx, "pointwise", j.Completer, prompt, attempts, func(reply string) (float64, error) {
		return checkJudgeScore(reply, lo, hi)
	})
}

// checkJudgeScore parses a pointwise reply and range-checks it.
func checkJudgeScore(reply string, lo, hi float64) (float64, error) {
	x, d, err := ParseJudgeScore(reply)
	if err != nil {
		return 0, err
	}
	if d != 0 && d != hi {
		return 0, fmt.Errorf("%w: score %v/%v is not on the %v–%v scale", ErrJudgeReply, x, d, lo, hi)
	}
	if x < lo || x > hi {
		return 0, fmt.Errorf("%w: score %v is outside [%v, %v]", ErrJudgeReply, x, lo, hi)
	}
	return x, nil
}

// Score implements Reward: the judge's score rescaled to [0, 1].
func (j *PointwiseJudge) Score(ctx context.Context, s Sample) (float64, error) {
	x, err := j.Rate(ctx, s)
	if err != nil {
		return 0, err
	}
	lo, hi, _ := j.scale()
	return (x - lo) / (hi - lo), nil
}
