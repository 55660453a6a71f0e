package reward

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"text/template"
)

// The roles a judge plays in a game or a loop, as interfaces the consumers
// take. The pointwise role is Reward itself (PointwiseJudge and GRMJudge
// score a Sample into [0, 1]).

// Comparer is the pairwise role of a judge: an estimate of the
// probability that completion a answers prompt better than completion b
// (1: a, 0: b, 0.5: a tie). PairwiseJudge implements it.
type Comparer interface {
	Compare(ctx context.Context, prompt, a, b string) (float64, error)
}

// Labeler is the classifying role of a judge: one of a fixed set of
// labels for a sample, with the judge's reasons. LabelJudge implements it.
type Labeler interface {
	Label(ctx context.Context, s Sample) (Judgement, error)
}

// Judgement is a Labeler's verdict.
type Judgement struct {
	// Label is one of the judge's labels, as the judge spells it.
	Label string
	// Rationale is the judge's reasoning before its verdict; "" when it
	// gave none.
	Rationale string
}

var _ Comparer = (*PairwiseJudge)(nil)

// LabelInput is the data of a LabelJudge template.
type LabelInput struct {
	// Prompt, Completion and Label come from the Sample (Label is its
	// reference answer, not a verdict).
	Prompt, Completion, Label string
	// Meta is Sample.Meta.
	Meta map[string]any
	// Question is LabelJudge.Question; Labels its labels.
	Question string
	Labels   []string
}

// DefaultLabelPrompt is the template text a LabelJudge uses when its
// Template is nil: the question, the exchange, and a verdict in double
// brackets after the reasons (the MT-Bench convention).
const DefaultLabelPrompt = `Please act as an impartial judge. {{.Question}}

[User prompt]
{{.Prompt}}

[Response]
{{.Completion}}

Explain your reasoning briefly, then give your verdict as exactly one of {{range $i, $l := .Labels}}{{if $i}}, {{end}}"[[{{$l}}]]"{{end}}.
`

var defaultLabelTemplate = template.Must(template.New("label").Parse(DefaultLabelPrompt))

// LabelJudge classifies a sample with an LLM: it renders Template, asks
// Completer and reads the verdict with ParseLabel; an unparseable reply is
// asked again, up to Attempts calls, then Label returns a *JudgeError
// (wrapping ErrJudgeReply). Completer errors are returned at once. It
// labels harm and refusal for the attacker/defender game, a step's
// correctness for the step critic, and whatever a Question asks.
//
// References: Zheng et al., "Judging LLM-as-a-Judge with MT-Bench and
// Chatbot Arena" (2023); Liu et al., Self-RedTeam (2025), the judge's
// harm and refusal labels.
type LabelJudge struct {
	// Completer is the judge model. Required.
	Completer Completer
	// Question says what to decide ("Is the response harmful?").
	// Required.
	Question string
	// Labels are the verdicts to choose from, at least two, distinct
	// without regard to case, none empty or containing "]". Required.
	Labels []string
	// Template renders the judge prompt from a LabelInput; nil means
	// DefaultLabelPrompt.
	Template *template.Template
	// Attempts is the number of model calls allowed for one verdict; 0
	// means DefaultJudgeAttempts; negative is an error.
	Attempts int
}

var _ Labeler = (*LabelJudge)(nil)

// Label implements Labeler.
func (j *LabelJudge) Label(ctx context.Context, s Sample) (Judgement, error) {
	attempts, err := judgeAttempts("label", j.Attempts)
	if err != nil {
		return Judgement{}, err
	}
	if err := j.check(); err != nil {
		return Judgement{}, err
	}
	prompt, err := render("label", j.Template, defaultLabelTemplate, LabelInput{
		Prompt: s.Prompt, Completion: s.Completion, Label: s.Label, Meta: s.Meta, Question: j.Question, Labels: j.Labels,
	})
	if err != nil {
		return Judgement{}, err
	}
	return askUntil(ctx, "label", j.Completer, prompt, attempts, func(reply string) (Judgement, error) {
		return ParseLabel(reply, j.Labels)
	})
}

// check validates the question and labels.
func (j *LabelJudge) check() error {
	if strings.TrimSpace(j.Question) == "" {
		return fmt.Errorf("reward: label judge: Question is empty")
	}
	if len(j.Labels) < 2 {
		return fmt.Errorf("reward: label judge: %d Labels, want at least 2", len(j.Labels))
	}
	seen := map[string]bool{}
	for i, l := range j.Labels {
		k := strings.ToLower(strings.TrimSpace(l))
		if k == "" || strings.Contains(l, "]") || seen[k] {
			return fmt.Errorf("reward: label judge: Labels[%d] = %q is empty, contains \"]\" or repeats another label", i, l)
		}
		seen[k] = true
	}
	return nil
}

var labelVerdictRE = regexp.MustCompile(`\[\[\s*([^\[\]]*?)\s*\]\]`)

// ParseLabel reads a verdict from a judge's reply: the last "[[label]]"
// whose text is one of labels (case and surrounding spaces ignored), the
// reasons being the text before it; else a reply that is just one label.
// The Judgement spells the label as labels does. A reply with no label, or
// whose last bracketed verdict is not one of labels, returns an error
// wrapping ErrJudgeReply.
func ParseLabel(reply string, labels []string) (Judgement, error) {
	match := func(s string) (string, bool) {
		for _, l := range labels {
			if strings.EqualFold(strings.TrimSpace(s), strings.TrimSpace(l)) {
				return l, true
			}
		}
		return "", false
	}
	if ms := labelVerdictRE.FindAllStringSubmatchIndex(reply, -1); len(ms) > 0 {
		m := ms[len(ms)-1]
		l, ok := match(reply[m[2]:m[3]])
		if !ok {
			return Judgement{}, fmt.Errorf("%w: verdict %q is not one of %q", ErrJudgeReply, reply[m[2]:m[3]], labels)
		}
		return Judgement{Label: l, Rationale: strings.TrimSpace(reply[:m[0]])}, nil
	}
	if l, ok := match(strings.Trim(strings.TrimSpace(reply), ".!\"'")); ok {
		return Judgement{Label: l}, nil
	}
	return Judgement{}, fmt.Errorf("%w: no label of %q found", ErrJudgeReply, labels)
}
