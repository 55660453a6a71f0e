package selfplay

import (
	"context"
	"errors"
	"fmt"
	"math"
	"text/template"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/reward"
)

// The default prompts of CoMAS's evaluator and scorer; each is a
// text/template over a CoMASInput.
const (
	DefaultCoMASEvaluatePrompt = `Here is a problem and a proposed solution. Evaluate the solution: check each step and the final answer, and point out every error you find. If the solution is correct, say so and why.

[Problem]
{{.Question}}

[Solution]
{{.Solution}}
`
	DefaultCoMASScorePrompt = `Here is a problem, a proposed solution and an evaluation of that solution. Taking the evaluation into account, rate the solution: 1 if it is wrong, 2 if it is partly correct, 3 if it is fully correct. End your reply with "Rating: [[X]]", where X is 1, 2 or 3.

[Problem]
{{.Question}}

[Solution]
{{.Solution}}

[Evaluation]
{{.Evaluation}}
`
)

var (
	defaultCoMASEvaluate = template.Must(template.New("evaluate").Parse(DefaultCoMASEvaluatePrompt))
	defaultCoMASScore    = template.Must(template.New("score").Parse(DefaultCoMASScorePrompt))
)

// CoMASInput is the data of CoMAS's prompt templates.
type CoMASInput struct {
	// Question is the problem; Solution a solver's answer to it;
	// Evaluation an evaluator's critique of the solution ("" in the
	// evaluator's own prompt).
	Question, Solution, Evaluation string
}

// CoMAS is the multi-agent discussion of CoMAS, in which agents learn
// from the rewards of their interaction: a solver answers a question, an
// evaluator critiques the answer, and a scorer, shown both, rates the
// answer s ∈ {1, 2, 3}. The rewards are
//
//	solver:    r_sol  = (s − 1)/2
//	evaluator: r_eval = 1 − (s − 1)/2
//
// so a solution the scorer rates correct rewards its solver, and an
// evaluation that exposes a flawed solution rewards its evaluator. A round
// takes Solutions answers of each question (one group per question),
// Evaluations critiques of each answer (one group per answer) and one
// rating of each critique; a solution's reward is the mean of r_sol over
// its critiques. The scorer's reply is read with reward.ParseJudgeScore
// ("Rating: [[2]]", "[[2/3]]", ...); a reply without a score in [1, 3],
// or on another scale, leaves that critique's reward NaN (left out of the
// learning signal) and is counted in CoMASRound.Unscored.
//
// In the paper several agents discuss each question over turns, every
// agent solving, evaluating and scoring in its turn, and each agent
// trains with REINFORCE++ on the experience of its roles. Here each role
// is a Generator: pass one generator for all three roles for a single
// agent, or different ones for several; one round is one pass of
// solution, evaluation and scoring. The scorer is a judge and gets no
// batch.
//
// References: Xue et al., "CoMAS: Co-Evolving Multi-Agent Systems via
// Interaction Rewards", 2025 (arXiv:2510.08529; code:
// github.com/xxyQwQ/CoMAS); docs/ALGORITHMS.md §7.
type CoMAS struct {
	// Solver, Evaluator and Scorer play the three roles. Required.
	Solver, Evaluator, Scorer policy.Generator
	// Solutions is the number of answers per question; 0 means 4.
	// Negative is an error.
	Solutions int
	// Evaluations is the number of critiques per answer; 0 means 2.
	// Negative is an error.
	Evaluations int
	// Evaluate and Score render the evaluator's and the scorer's prompts
	// from a CoMASInput; nil means DefaultCoMASEvaluatePrompt and
	// DefaultCoMASScorePrompt. The solver's prompt is the question.
	Evaluate, Score *template.Template
	// SolverRequest, EvaluatorRequest and ScorerRequest hold the roles'
	// sampling settings; the game sets Prompts, N and Seed. A scorer
	// usually wants Greedy.
	SolverRequest, EvaluatorRequest, ScorerRequest policy.GenerateRequest
	// Parallelism is the number of calls in flight within a role's turn
	// (one call per prompt); 0 means GOMAXPROCS. Negative is an error.
	Parallelism int
	// Seed seeds the game's random state, from which every call draws its
	// seed.
	Seed uint64

	clock
}

// CoMASRound is what one round of CoMAS produced.
type CoMASRound struct {
	// Round is the round's number, counting from 1.
	Round int
	// Solver holds the answers, one group per question, rewarded r_sol.
	Solver Batch
	// Evaluator holds the critiques, one group per answer (in the row
	// order of Solver), rewarded r_eval.
	Evaluator Batch
	// Scores[k][e] is the score s of answer k (row k of Solver) given its
	// critique e; NaN where the scorer gave none.
	Scores [][]float64
	// Unscored counts the critiques without a score.
	Unscored int
}

// CoMASState is the state of a CoMAS game, for State and Restore.
type CoMASState struct {
	// Round is the number of rounds played.
	Round int `json:"round"`
	// RNG is the game's random state.
	RNG rngState `json:"rng"`
}

// Round plays one round on questions (see CoMAS).
func (g *CoMAS) Round(ctx context.Context, questions []string) (CoMASRound, error) {
	if len(questions) == 0 {
		return CoMASRound{}, errors.New("selfplay: comas: no question")
	}
	nSol, err := sizeOr("comas", "Solutions", g.Solutions, 4)
	if err != nil {
		return CoMASRound{}, err
	}
	nEval, err := sizeOr("comas", "Evaluations", g.Evaluations, 2)
	if err != nil {
		return CoMASRound{}, err
	}
	limit, err := limitOf("comas", g.Parallelism)
	if err != nil {
		return CoMASRound{}, err
	}
	return playRound(&g.clock, g.Seed, func(round int) (CoMASRound, error) {
		return g.play(ctx, round, questions, nSol, nEval, limit)
	})
}

// State returns the game's state.
func (g *CoMAS) State() CoMASState {
	g.start(g.Seed)
	return CoMASState{Round: g.round, RNG: saveRNG(g.rng)}
}

// Restore resumes the game from s: the next Round plays as the round
// after s.Round of the game s was taken from.
func (g *CoMAS) Restore(s CoMASState) error { return g.reset("comas", s.Round, s.RNG) }

// play plays round number round.
func (g *CoMAS) play(ctx context.Context, round int, questions []string, nSol, nEval, limit int) (CoMASRound, error) {
	sols, err := generateEach(ctx, "comas", "solver", round, g.Solver, g.SolverRequest, questions, nSol,
		drawSeeds(g.rng, len(questions)), limit)
	if err != nil {
		return CoMASRound{}, err
	}
	var solIn []CoMASInput // one per answer, in row order
	for i, grp := range sols {
		for _, c := range grp {
			solIn = append(solIn, CoMASInput{Question: questions[i], Solution: c.Text})
		}
	}
	evalPrompts, evals, err := g.turn(ctx, round, "evaluator", g.Evaluator, g.EvaluatorRequest, g.Evaluate,
		defaultCoMASEvaluate, solIn, nEval, limit)
	if err != nil {
		return CoMASRound{}, err
	}
	var scoreIn []CoMASInput // one per critique, in row order
	for k, grp := range evals {
		for _, c := range grp {
			in := solIn[k]
			in.Evaluation = c.Text
			scoreIn = append(scoreIn, in)
		}
	}
	_, replies, err := g.turn(ctx, round, "scorer", g.Scorer, g.ScorerRequest, g.Score, defaultCoMASScore, scoreIn, 1, limit)
	if err != nil {
		return CoMASRound{}, err
	}
	return comasRewards(round, questions, sols, evalPrompts, evals, replies)
}

// turn renders role's prompt from t (def when nil) for each input and
// asks gen for n completions of each.
func (g *CoMAS) turn(ctx context.Context, round int, role string, gen policy.Generator, req policy.GenerateRequest,
	t, def *template.Template, ins []CoMASInput, n, limit int) ([]string, [][]policy.Completion, error) {
	prompts := make([]string, len(ins))
	for i, in := range ins {
		var err error
		if prompts[i], err = runTemplate(t, def, in); err != nil {
			return nil, nil, fmt.Errorf("selfplay: comas: %s %w", role, err)
		}
	}
	groups, err := generateEach(ctx, "comas", role, round, gen, req, prompts, n, drawSeeds(g.rng, len(prompts)), limit)
	return prompts, groups, err
}

// comasRewards reads the scores and builds the solver's and the
// evaluator's batches.
func comasRewards(round int, questions []string, sols [][]policy.Completion, evalPrompts []string,
	evals, replies [][]policy.Completion) (CoMASRound, error) {
	out := CoMASRound{Round: round, Scores: make([][]float64, len(evals))}
	var solR, evalR []float64
	row := 0
	for k, grp := range evals {
		out.Scores[k] = make([]float64, len(grp))
		sol := make([]float64, len(grp))
		for e := range grp {
			s := comasScore(replies[row][0].Text)
			row++
			out.Scores[k][e], sol[e] = s, (s-1)/2
			evalR = append(evalR, 1-sol[e])
			if math.IsNaN(s) {
				out.Unscored++
			}
		}
		solR = append(solR, nanMean(sol))
	}
	var err error
	if out.Solver, err = newBatch("solver", questions, sols, solR); err != nil {
		return CoMASRound{}, err
	}
	if out.Evaluator, err = newBatch("evaluator", evalPrompts, evals, evalR); err != nil {
		return CoMASRound{}, err
	}
	return out, nil
}

// comasScore reads a CoMAS scorer's reply: the score s ∈ [1, 3] that
// reward.ParseJudgeScore finds, or NaN when it finds none, the score lies
// outside [1, 3] or the reply names another scale ("2/5").
func comasScore(reply string) float64 {
	s, scale, err := reward.ParseJudgeScore(reply)
	if err != nil || scale != 0 && scale != 3 || s < 1 || s > 3 {
		return math.NaN()
	}
	return s
}
