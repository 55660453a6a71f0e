package selfplay

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"text/template"

	"github.com/evolve-go/evolve/internal/parallel"
	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/reward"
)

// Solution is a worked solution whose every step is correct: the
// material of the sneaky generator.
type Solution struct {
	Problem string   `json:"problem"`
	Steps   []string `json:"steps"`
	// Answer is the reference final answer, the Label of the verifier's
	// samples.
	Answer string `json:"answer"`
}

// StepInput is the data of SPC's templates: a problem, the steps before
// the step in question, and the step.
type StepInput struct {
	Problem string
	// Partial holds the steps before Step, one per line; "" at the first
	// step.
	Partial string
	Step    string
}

// spcAsk is a step to validate or judge, with its solution's answer.
type spcAsk struct {
	StepInput
	answer string
}

// prefix is the solution up to and including the step.
func (in StepInput) prefix() string {
	if in.Partial == "" {
		return in.Step
	}
	return in.Partial + "\n" + in.Step
}

// stepSections show a step in its place, as the official SPC critic's
// prompt does.
const stepSections = `## Problem
{{.Problem}}

## Partial Solution
{{if .Partial}}{{.Partial}}{{else}}Let's solve this problem.{{end}}

## Last Step
{{.Step}}
`

// DefaultSneakyPrompt is the sneaky generator's instruction when
// SPC.SneakyTemplate is nil.
const DefaultSneakyPrompt = `You test how well students spot errors in mathematical reasoning. Rewrite the last step of the partial solution below so that it contains one subtle error (a miscalculation, a misread condition, a wrong formula or a faulty inference) that leads to a wrong final answer, while looking as plausible as the original. Keep its style and length.

` + stepSections + `
Reply with the rewritten step only.
`

// DefaultCriticPrompt is the critic's instruction when SPC.CriticTemplate
// is nil: the official SPC critic's task and verdict format.
const DefaultCriticPrompt = `You are a careful critic of mathematical reasoning. Given a problem, a partial solution and its last step, decide whether the last step is correct. First summarise the approach of the partial solution, then critique the last step, and end with your conclusion: <Answer>Correct</Answer> or <Answer>Incorrect</Answer>.

` + stepSections

// DefaultSolvePrompt is the solver's prompt when SPC.SolveTemplate is
// nil: continue the solution from the step to a final answer.
const DefaultSolvePrompt = `Solve the problem step by step, continuing the solution below to the end, and give the final answer.

## Problem
{{.Problem}}

## Solution
{{.Partial}}{{if .Partial}}
{{end}}{{.Step}}
`

var (
	defaultSneakyTemplate = template.Must(template.New("sneaky").Parse(DefaultSneakyPrompt))
	defaultCriticTemplate = template.Must(template.New("critic").Parse(DefaultCriticPrompt))
	defaultSolveTemplate  = template.Must(template.New("solve").Parse(DefaultSolvePrompt))
	stepVerdictRE         = regexp.MustCompile(`(?i)<answer>\s*(correct|incorrect)\s*</answer>`)
)

// ParseStepVerdict reads a critic's verdict on a step: the last
// "<Answer>Correct</Answer>" or "<Answer>Incorrect</Answer>" of the
// critique (case ignored), the official SPC critic's format. A critique
// with neither returns an error wrapping reward.ErrJudgeReply.
func ParseStepVerdict(critique string) (correct bool, err error) {
	m := stepVerdictRE.FindAllStringSubmatch(critique, -1)
	if m == nil {
		return false, fmt.Errorf("%w: no <Answer>Correct</Answer> or <Answer>Incorrect</Answer>", reward.ErrJudgeReply)
	}
	return strings.EqualFold(m[len(m)-1][1], "correct"), nil
}

// SPC is the sneaky generator / step critic game of SPC (Self-Play
// Critic). Each round draws Size solutions and, in each, a step k
// uniformly. The sneaky generator rewrites step k, N times, to plant an
// error. A sneaky step is validated as the paper does, by its effect on a
// solver: the Solver completes the solution Rollouts times from the
// original step and from the sneaky step, and the Verifier scores each
// completion against the Answer (1: right). Writing p(·) for the mean
// score, a solution whose original step has p(original) < OriginalMin is
// unsolved and plays no game; a sneaky step is an error when it differs
// from the original and p(sneaky) ≤ SneakyMax. Without a Solver the
// Verifier scores the partial solution ending at the step itself (a step
// checker). The critic judges each valid sneaky step and each original
// step, Critiques times; a critique of a sneaky step is a zero-sum game
// between the two players, a critique of an original step teaches the
// critic alone:
//
//	sneaky step:   critic +1 if it says Incorrect, −1 if Correct or no verdict
//	               sneaky generator −(mean of those critic rewards)
//	original step: critic +1 if it says Correct, −1 if Incorrect or no verdict
//
// so a valid sneaky step's reward plus the mean of its critiques' rewards
// is 0 (winner +1, loser −1 for one critique). A sneaky step that is no
// error (identical, empty, or still solved above SneakyMax) gets −1: it
// lost to the verifier (NaN, left out, with SkipInvalid). The sneaky
// steps of an unsolved solution, and a sneaky step whose verifier scores
// were all skipped (reward.ErrSkip), get NaN. The original steps keep the critic from learning to reject
// every step; SkipOriginals leaves them out.
//
// The official code releases the critic's offline RL on generated games
// and the critic's verdict format, not the game loop; the validation
// thresholds are this implementation's (the paper gives the procedure:
// complete the solution N times from each step and compare the success
// rates).
//
// Defaults: N 4, Critiques 4, Rollouts 8, OriginalMin 0.5, SneakyMax 0 (no
// completion from the sneaky step may reach the answer), Size the number
// of Solutions.
//
// References: Chen et al., "SPC: Evolving Self-Play Critic via
// Adversarial Games for LLM Reasoning" (2025), code
// github.com/chen-judge/SPC; docs/ALGORITHMS.md §7.
type SPC struct {
	// Sneaky plants errors; Critic judges steps. Required.
	Sneaky, Critic policy.Generator
	// Solver completes solutions for validation; nil means the Verifier
	// judges the partial solution directly.
	Solver policy.Generator
	// Verifier scores a solution, reward.Sample{Prompt: problem,
	// Completion: the steps and the solver's continuation, Label:
	// Answer}, in [0, 1]. Required.
	Verifier reward.Reward
	// Solutions are the correct solutions. Required; each needs a step.
	Solutions []Solution
	// Size is the number of solutions per round.
	Size int
	// N is the number of sneaky steps per solution; Critiques the number
	// of critiques per judged step; Rollouts the number of solver
	// completions per validated step.
	N, Critiques, Rollouts int
	// OriginalMin is the least p(original) of a solvable step, in (0, 1];
	// 0 means 0.5. SneakyMax is the most p(sneaky) of an error, in
	// [0, 1); default 0.
	OriginalMin, SneakyMax float64
	// SkipInvalid leaves out (NaN) the sneaky steps that are no error
	// instead of giving them −1. SkipOriginals leaves the original steps
	// out of the critic's batch.
	SkipInvalid, SkipOriginals bool
	// SneakyTemplate, CriticTemplate and SolveTemplate render each role's
	// prompt from a StepInput; nil means DefaultSneakyPrompt,
	// DefaultCriticPrompt and DefaultSolvePrompt.
	SneakyTemplate, CriticTemplate, SolveTemplate *template.Template
	// ParseStep turns the sneaky generator's reply into its step; nil
	// means the reply trimmed of space.
	ParseStep func(reply string) string
	// Verdict reads a critique; nil means ParseStepVerdict. An error is a
	// critique without a verdict.
	Verdict func(critique string) (correct bool, err error)
	// SneakyRequest, CriticRequest and SolverRequest hold each role's
	// sampling settings (Prompts, N and Seed are set per call).
	SneakyRequest, CriticRequest, SolverRequest policy.GenerateRequest
	// Parallelism bounds the concurrent verifier calls (0: GOMAXPROCS).
	Parallelism int
	// Seed seeds the game's draws and its players' sampling.
	Seed uint64

	clock
}

// SPCStep is a step of a round: an original step or a sneaky one.
type SPCStep struct {
	// Solution indexes SPC.Solutions; Index is the step's index in it.
	Solution, Index int
	// Text is the step: the original, or the sneaky generator's.
	Text string
	// Sneaky says the step is the sneaky generator's; Row is then its
	// row in the Sneaky batch.
	Sneaky bool
	Row    int
	// Rate is the verifier's success rate from the step; NaN when not
	// measured.
	Rate float64
	// Valid says an original step is solvable (Rate ≥ OriginalMin), a
	// sneaky step an error that passed validation.
	Valid bool
	// Critic is the Critic batch's group that judged the step, −1 if
	// none; Detected the share of its critiques that said Incorrect.
	Critic   int
	Detected float64
	// Reward is a sneaky step's reward (NaN for an original).
	Reward float64
}

// SPCStats summarises a round.
type SPCStats struct {
	// Games counts the valid sneaky steps (played against the critic),
	// Invalid the sneaky steps that are no error, Unsolved the drawn
	// solutions whose original step failed validation.
	Games, Invalid, Unsolved int
	// Detection is the share of critiques of sneaky steps that said
	// Incorrect; Acceptance the share of critiques of original steps that
	// said Correct.
	Detection, Acceptance float64
	// Unreadable counts the critiques without a verdict.
	Unreadable int
	// MeanSneaky and MeanCritic are the roles' mean rewards.
	MeanSneaky, MeanCritic float64
}

// SPCRound is one round's outcome.
type SPCRound struct {
	// Round counts from 1.
	Round int
	// Sneaky holds one group per drawn solution; Critic one group per
	// judged step, in the order of Steps.
	Sneaky, Critic Batch
	// Steps holds, for each drawn solution, its original step and then
	// its N sneaky steps.
	Steps []SPCStep
	// Stats summarises the round.
	Stats SPCStats
}

// SPCState is an SPC game's state.
type SPCState struct {
	Round int    `json:"round"`
	RNG   []byte `json:"rng"`
}

const spcGame = "spc"

// State returns the game's state.
func (g *SPC) State() SPCState {
	g.start(g.Seed)
	return SPCState{Round: g.round, RNG: saveRNG(g.rng)}
}

// Restore resumes the game from s.
func (g *SPC) Restore(s SPCState) error {
	return g.reset(spcGame, s.Round, s.RNG)
}

// spcConfig holds the resolved settings.
type spcConfig struct {
	size, n, critiques, rollouts int
	origMin, sneakyMax           float64
}

// config returns the resolved settings or the first invalid one.
func (g *SPC) config() (c spcConfig, err error) {
	c = spcConfig{size: cmp.Or(g.Size, len(g.Solutions)), n: cmp.Or(g.N, 4), critiques: cmp.Or(g.Critiques, 4),
		rollouts: cmp.Or(g.Rollouts, 8), origMin: g.OriginalMin, sneakyMax: g.SneakyMax}
	if c.origMin == 0 {
		c.origMin = 0.5
	}
	switch {
	case len(g.Solutions) == 0:
		return c, errors.New("selfplay: SPC.Solutions is empty")
	case g.Size < 0 || g.Size > len(g.Solutions):
		return c, fmt.Errorf("selfplay: SPC.Size = %d, want 0 (all) up to len(Solutions) = %d", g.Size, len(g.Solutions))
	case c.n < 0 || c.critiques < 0 || c.rollouts < 0 || g.Parallelism < 0:
		return c, fmt.Errorf("selfplay: SPC.N = %d, Critiques = %d, Rollouts = %d, Parallelism = %d: want ≥ 0", g.N, g.Critiques, g.Rollouts, g.Parallelism)
	case !(c.origMin > 0 && c.origMin <= 1):
		return c, fmt.Errorf("selfplay: SPC.OriginalMin = %v, want in (0, 1]", g.OriginalMin)
	case !(c.sneakyMax >= 0 && c.sneakyMax < 1):
		return c, fmt.Errorf("selfplay: SPC.SneakyMax = %v, want in [0, 1)", g.SneakyMax)
	}
	for i, s := range g.Solutions {
		if len(s.Steps) == 0 {
			return c, fmt.Errorf("selfplay: SPC.Solutions[%d].Steps is empty", i)
		}
		for k, st := range s.Steps {
			if strings.TrimSpace(st) == "" {
				return c, fmt.Errorf("selfplay: SPC.Solutions[%d].Steps[%d] is empty", i, k)
			}
		}
	}
	return c, nil
}

// Round plays one round (see SPC).
func (g *SPC) Round(ctx context.Context) (SPCRound, error) {
	return playRound(&g.clock, g.Seed, func(round int) (SPCRound, error) { return g.play(ctx, round) })
}

// play plays round; the game's state changes only when it succeeds.
func (g *SPC) play(ctx context.Context, round int) (SPCRound, error) {
	r := SPCRound{Round: round}
	c, err := g.config()
	if err != nil {
		return r, err
	}
	if g.Verifier == nil {
		return r, roundErr(spcGame, "verifier", r.Round, errors.New("the verifier is nil"))
	}
	ins := g.draw(rand.New(g.rng), &r, c)
	sneaky, err := g.corrupt(ctx, &r, ins, c)
	if err != nil {
		return r, err
	}
	if err := g.validate(ctx, &r, ins, c); err != nil {
		return r, err
	}
	critic, judged, err := g.critique(ctx, &r, ins, c)
	if err != nil {
		return r, err
	}
	err = g.pay(&r, sneaky, critic, judged, c)
	return r, err
}

// draw picks the round's solutions and steps and lays out r.Steps: each
// solution's original step, then room for its n sneaky steps. It returns
// each original step.
func (g *SPC) draw(rng *rand.Rand, r *SPCRound, c spcConfig) []spcAsk {
	var ins []spcAsk
	for _, s := range rng.Perm(len(g.Solutions))[:c.size] {
		sol := g.Solutions[s]
		k := rng.IntN(len(sol.Steps))
		ins = append(ins, spcAsk{StepInput{Problem: sol.Problem, Partial: strings.Join(sol.Steps[:k], "\n"), Step: sol.Steps[k]}, sol.Answer})
		r.Steps = append(r.Steps, SPCStep{Solution: s, Index: k, Text: sol.Steps[k], Row: -1, Critic: -1, Reward: math.NaN(), Rate: math.NaN(), Detected: math.NaN()})
		for range c.n {
			r.Steps = append(r.Steps, SPCStep{Solution: s, Index: k, Sneaky: true, Row: -1, Critic: -1, Reward: math.NaN(), Rate: math.NaN(), Detected: math.NaN()})
		}
	}
	return ins
}

// spcMoves are one role's prompts and completions.
type spcMoves struct {
	prompts []string
	groups  [][]policy.Completion
}

// corrupt asks the sneaky generator for n rewrites of each original step
// while the solver validates the original steps.
func (g *SPC) corrupt(ctx context.Context, r *SPCRound, ins []spcAsk, c spcConfig) (spcMoves, error) {
	var m spcMoves
	for _, in := range ins {
		p, err := runTemplate(g.SneakyTemplate, defaultSneakyTemplate, in.StepInput)
		if err != nil {
			return m, roundErr(spcGame, "sneaky", r.Round, err)
		}
		m.prompts = append(m.prompts, p)
	}
	var rates []float64
	err := parallel.Do(ctx, 2, 2, func(ctx context.Context, task int) error {
		var err error
		if task == 0 {
			req := g.SneakyRequest
			req.Prompts, req.N, req.Seed = m.prompts, c.n, callSeed(g.Seed, r.Round, 0)
			m.groups, err = generate(ctx, spcGame, "sneaky", r.Round, g.Sneaky, req)
		} else {
			rates, err = g.rates(ctx, r.Round, 1, ins, c.rollouts)
		}
		return err
	})
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return m, roundErr(spcGame, "sneaky", r.Round, err)
	}
	per := c.n + 1
	for i := range ins {
		o := &r.Steps[i*per]
		o.Rate, o.Valid = rates[i], rates[i] >= c.origMin
		for j, comp := range m.groups[i] {
			s := &r.Steps[i*per+1+j]
			s.Row, s.Text = i*c.n+j, strings.TrimSpace(comp.Text)
			if g.ParseStep != nil {
				s.Text = g.ParseStep(comp.Text)
			}
		}
	}
	return m, nil
}

// validate measures the success rate from every sneaky step of a solvable
// solution that differs from its original, and marks the errors.
func (g *SPC) validate(ctx context.Context, r *SPCRound, ins []spcAsk, c spcConfig) error {
	per := c.n + 1
	var todo []int
	var asks []spcAsk
	for k := range r.Steps {
		s, o := &r.Steps[k], r.Steps[k-k%per]
		if s.Sneaky && o.Valid && s.rewrites(o) {
			in := ins[k/per]
			in.Step = s.Text
			todo, asks = append(todo, k), append(asks, in)
		}
	}
	rates, err := g.rates(ctx, r.Round, 2, asks, c.rollouts)
	if err != nil {
		return err
	}
	for i, k := range todo {
		r.Steps[k].Rate = rates[i]
		r.Steps[k].Valid = rates[i] <= c.sneakyMax
	}
	return nil
}

// rewrites says a sneaky step s changes its original step o: it is not
// empty and differs from o's text trimmed of space. Only such a step is
// validated; any other is no error.
func (s *SPCStep) rewrites(o SPCStep) bool {
	return s.Text != "" && s.Text != strings.TrimSpace(o.Text)
}

// rates returns the success rate from each step: the mean verifier score
// of Rollouts solver completions (sampling seed call), or, without a
// Solver, the verifier's score of the partial solution ending at the
// step; NaN when every score was skipped.
func (g *SPC) rates(ctx context.Context, round int, call uint64, ins []spcAsk, rollouts int) ([]float64, error) {
	if len(ins) == 0 {
		return nil, nil
	}
	var samples []reward.Sample
	per := 1
	if g.Solver == nil {
		for _, in := range ins {
			samples = append(samples, reward.Sample{Prompt: in.Problem, Completion: in.prefix(), Label: in.answer})
		}
	} else {
		req := g.SolverRequest
		for _, in := range ins {
			p, err := runTemplate(g.SolveTemplate, defaultSolveTemplate, in.StepInput)
			if err != nil {
				return nil, roundErr(spcGame, "solver", round, err)
			}
			req.Prompts = append(req.Prompts, p)
		}
		req.N, req.Seed, per = rollouts, callSeed(g.Seed, round, call), max(rollouts, 1)
		groups, err := generate(ctx, spcGame, "solver", round, g.Solver, req)
		if err != nil {
			return nil, err
		}
		for i, grp := range groups {
			for _, comp := range grp {
				samples = append(samples, reward.Sample{Prompt: ins[i].Problem, Completion: ins[i].prefix() + "\n" + comp.Text, Label: ins[i].answer})
			}
		}
	}
	scores, err := scoreSamples(ctx, spcGame, "verifier", round, g.Verifier, g.Parallelism, samples)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(ins))
	for i := range out {
		out[i] = nanMean(scores[i*per : (i+1)*per])
	}
	return out, nil
}
