// Package tabular is the smallest policy that trains: a categorical
// distribution over a fixed set of answers for each of a fixed set of
// prompts,
//
//	π(a | p) = softmax(θ_p)_a,
//
// with the logits θ as its parameters. It is both a policy.Generator and
// a policy.Trainable, so the loop that trains the built-in llama model
// trains it unchanged, in microseconds: paper toy problems (the bandits of
// CoPG and RDP, the optimum π_ref·exp(R/β) of KL-regularised objectives)
// and unit tests of a whole training loop run on it.
//
// A prompt is one token (its index in Prompts) and a completion is one
// token (its index in Answers): Sequence{Prompt: {p}, Completion: {a}}.
package tabular

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/evolve-go/evolve/policy"
)

// Optimizer selects how Update moves the logits.
type Optimizer int

const (
	// Adam is Adam (β1 0.9, β2 0.999, ε 1e-8; Kingma & Ba 2015), the
	// default: its steps do not depend on the scale of the loss.
	Adam Optimizer = iota
	// SGD is plain gradient descent, θ ← θ − LR·g: the dynamics that the
	// papers' analyses of their toy problems assume.
	SGD
)

// Policy is a tabular softmax policy. Build one with New; the exported
// fields may be set before use. It is not safe for concurrent use, and
// Generate must not overlap Update.
type Policy struct {
	// Prompts and Answers name the prompts and answers; a GenerateRequest
	// must use these prompts.
	Prompts, Answers []string
	// Logits holds θ_p, one row of len(Answers) per prompt.
	Logits [][]float64
	// Optimizer is the update rule; default Adam.
	Optimizer Optimizer
	// LR is the learning rate; 0 means the default 0.1. Negative or not
	// finite is an error at Update.
	LR float64

	index    map[string]int
	grad     [][]float64
	m, v     [][]float64 // Adam's moments
	steps    int
	last     [][2]int // (prompt, answer) of each row of the last Forward
	lastT    int
	forwards bool
}

var (
	_ policy.Generator     = (*Policy)(nil)
	_ policy.Trainable     = (*Policy)(nil)
	_ policy.EntropyProber = (*Policy)(nil)
)

// New returns the uniform policy (all logits 0) over answers for each
// prompt. Prompts must be distinct; both lists must be non-empty.
func New(prompts, answers []string) (*Policy, error) {
	if len(prompts) == 0 || len(answers) == 0 {
		return nil, errors.New("tabular: New needs at least one prompt and one answer")
	}
	p := &Policy{Prompts: prompts, Answers: answers, index: make(map[string]int, len(prompts))}
	for i, s := range prompts {
		if _, dup := p.index[s]; dup {
			return nil, fmt.Errorf("tabular: prompts[%d] = %q repeats an earlier prompt", i, s)
		}
		p.index[s] = i
	}
	p.Logits = table(len(prompts), len(answers))
	return p, nil
}

func table(rows, cols int) [][]float64 {
	t := make([][]float64, rows)
	for i := range t {
		t[i] = make([]float64, cols)
	}
	return t
}

// Clone returns a copy with the same logits and no optimizer state: a
// frozen reference policy.
func (p *Policy) Clone() *Policy {
	c := &Policy{Prompts: p.Prompts, Answers: p.Answers, Optimizer: p.Optimizer, LR: p.LR, index: p.index,
		Logits: table(len(p.Logits), len(p.Answers))}
	for i, row := range p.Logits {
		copy(c.Logits[i], row)
	}
	return c
}

// Probs returns π(· | prompt p) at temperature 1.
func (p *Policy) Probs(prompt int) []float64 {
	out := make([]float64, len(p.Answers))
	logSoftmax(out, p.Logits[prompt], 1)
	for a, l := range out {
		out[a] = math.Exp(l)
	}
	return out
}

// logSoftmax writes log softmax(z/temp) into dst.
func logSoftmax(dst, z []float64, temp float64) {
	mx := math.Inf(-1)
	for _, x := range z {
		mx = max(mx, x/temp)
	}
	s := 0.0
	for _, x := range z {
		s += math.Exp(x/temp - mx)
	}
	lse := mx + math.Log(s)
	for a, x := range z {
		dst[a] = x/temp - lse
	}
}

// Generate implements policy.Generator: req.N answers (default 1) to each
// prompt, drawn from softmax(θ_p/Temperature) (Temperature 0 means 1), or
// the most probable answer with Greedy. The draws of completion j of
// prompt i come from rand.NewPCG(Seed, i·N+j). Each completion has one
// token, its answer's index, with its log-probability at temperature 1;
// PromptTokens is the prompt's index. MaxTokens and Stop do not apply;
// TopP and TopK are not supported and must be 0.
func (p *Policy) Generate(ctx context.Context, req policy.GenerateRequest) ([][]policy.Completion, error) {
	if err := p.checkRequest(req); err != nil {
		return nil, err
	}
	n, temp := max(req.N, 1), req.Temperature
	if temp == 0 {
		temp = 1
	}
	out := make([][]policy.Completion, len(req.Prompts))
	lp, draw := make([]float64, len(p.Answers)), make([]float64, len(p.Answers))
	for i, text := range req.Prompts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		row := p.index[text]
		logSoftmax(lp, p.Logits[row], 1)
		logSoftmax(draw, p.Logits[row], temp)
		out[i] = make([]policy.Completion, n)
		for j := range n {
			a := argmax(draw)
			if !req.Greedy {
				a = sample(draw, rand.New(rand.NewPCG(req.Seed, uint64(i*n+j))))
			}
			out[i][j] = policy.Completion{Prompt: i, PromptTokens: []int{row}, Text: p.Answers[a],
				Tokens: []int{a}, LogProbs: []float64{lp[a]}, FinishReason: "stop"}
		}
	}
	return out, nil
}

// checkRequest reports the first problem with req.
func (p *Policy) checkRequest(req policy.GenerateRequest) error {
	switch {
	case req.N < 0:
		return fmt.Errorf("tabular: GenerateRequest.N = %d, want ≥ 0", req.N)
	case !(req.Temperature >= 0) || math.IsInf(req.Temperature, 0):
		return fmt.Errorf("tabular: GenerateRequest.Temperature = %v, want finite ≥ 0", req.Temperature)
	case req.TopP != 0 || req.TopK != 0:
		return errors.New("tabular: GenerateRequest.TopP and TopK are not supported")
	}
	for i, text := range req.Prompts {
		if _, ok := p.index[text]; !ok {
			return fmt.Errorf("tabular: GenerateRequest.Prompts[%d] = %q is not one of the policy's prompts", i, text)
		}
	}
	return nil
}

func argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// sample draws an index with probabilities exp(logp).
func sample(logp []float64, rng *rand.Rand) int {
	u := rng.Float64()
	c := 0.0
	for a, l := range logp {
		c += math.Exp(l)
		if u < c {
			return a
		}
	}
	return len(logp) - 1
}
