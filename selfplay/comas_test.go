package selfplay

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"text/template"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/tabular"
)

var (
	evalText  = template.Must(template.New("").Parse("eval {{.Solution}}"))
	scoreText = template.Must(template.New("").Parse("{{.Solution}} {{.Evaluation}}"))
)

// A round with scripted roles and hand-computed rewards: r_sol = (s−1)/2
// and r_eval = 1 − (s−1)/2 per critique, a solution's reward the mean
// over its critiques (NaN ones left out).
//
//	a: e1 [[3]] → 1, 0;      e2 [[2]] → .5, .5          r_sol(a) = .75
//	b: e1 unscored;          e2 [[1/3]] → 0, 1          r_sol(b) = 0
//	c: e1 [[4]] and e2 [[2/5]]: off the scale           r_sol(c) = NaN
//	d: e1 Score: 2.5/3 → .75, .25;  e2 "1" → 0, 1       r_sol(d) = .375
func TestCoMASBookkeeping(t *testing.T) {
	replies := map[string]string{"a e1": "Rating: [[3]]", "a e2": "I'd say [[2]].", "b e1": "no idea", "b e2": "[[1/3]]",
		"c e1": "[[4]]", "c e2": "[[2/5]]", "d e1": "Score: 2.5/3", "d e2": "1"}
	g := &CoMAS{
		Solver: script(func(p string, j int, _ uint64) string {
			return map[string][]string{"Q1": {"a", "b"}, "Q2": {"c", "d"}}[p][j]
		}),
		Evaluator: script(func(_ string, j int, _ uint64) string { return []string{"e1", "e2"}[j] }),
		Scorer:    script(func(p string, _ int, _ uint64) string { return replies[p] }),
		Solutions: 2, Evaluate: evalText, Score: scoreText,
	}
	r, err := g.Round(context.Background(), []string{"Q1", "Q2"})
	if err != nil {
		t.Fatal(err)
	}
	nan := math.NaN()
	if r.Round != 1 || r.Unscored != 3 || len(r.Scores) != 4 {
		t.Fatalf("round %+v", r)
	}
	for k, w := range [][]float64{{3, 2}, {nan, 1}, {nan, nan}, {2.5, 1}} {
		if !nearAll(r.Scores[k], w) {
			t.Errorf("Scores[%d] = %v, want %v", k, r.Scores[k], w)
		}
	}
	checkBatch(t, r.Solver, []string{"Q1", "Q2"}, []float64{.75, 0, nan, .375}, []policy.Pair{{Chosen: 0, Rejected: 1}})
	checkBatch(t, r.Evaluator, []string{"eval a", "eval b", "eval c", "eval d"}, []float64{0, .5, nan, 1, nan, nan, .25, 1},
		[]policy.Pair{{Chosen: 1, Rejected: 0}, {Chosen: 7, Rejected: 6}})
}

// The default prompts show the evaluator the question and the solution,
// and the scorer all three.
func TestCoMASDefaultPrompts(t *testing.T) {
	var evalPrompt, scorePrompt string
	g := &CoMAS{
		Solver: script(func(string, int, uint64) string { return "x = 4" }),
		Evaluator: script(func(p string, _ int, _ uint64) string {
			evalPrompt = p
			return "The step is right."
		}),
		Scorer: script(func(p string, _ int, _ uint64) string {
			scorePrompt = p
			return "Rating: [[3]]"
		}),
		Solutions: 1, Evaluations: 1,
	}
	r, err := g.Round(context.Background(), []string{"Solve x − 2 = 2."})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"[Problem]\nSolve x − 2 = 2.", "[Solution]\nx = 4"} {
		if !strings.Contains(evalPrompt, w) || !strings.Contains(scorePrompt, w) {
			t.Errorf("prompts lack %q:\n%s\n%s", w, evalPrompt, scorePrompt)
		}
	}
	if !strings.Contains(scorePrompt, "[Evaluation]\nThe step is right.") || !nearAll(r.Solver.Rewards, []float64{1}) ||
		!nearAll(r.Evaluator.Rewards, []float64{0}) {
		t.Errorf("score prompt %q, rewards %v %v", scorePrompt, r.Solver.Rewards, r.Evaluator.Rewards)
	}
}

// Roles that depend on their seeds, so that the game's random state
// matters.
func comasSeeded() *CoMAS {
	return &CoMAS{
		Solver:    script(func(p string, j int, seed uint64) string { return fmt.Sprint(p, (seed>>uint(j))%5) }),
		Evaluator: script(func(_ string, j int, seed uint64) string { return fmt.Sprint((seed >> uint(j)) % 7) }),
		Scorer:    script(func(_ string, _ int, seed uint64) string { return fmt.Sprintf("[[%d]]", seed%4) }),
		Seed:      5, Parallelism: 3,
	}
}

var comasQuestions = []string{"q1", "q2", "q3"}

func playCoMAS(g *CoMAS) (any, error) { return g.Round(context.Background(), comasQuestions) }

func TestCoMASRestore(t *testing.T) {
	checkRestore(t, comasSeeded(), comasSeeded(), 1, playCoMAS)
	if err := comasSeeded().Restore(CoMASState{Round: -1, RNG: comasSeeded().State().RNG}); err == nil {
		t.Error("negative round restored")
	}
}

func TestCoMASErrors(t *testing.T) {
	ctx := context.Background()
	qs := comasQuestions
	for i, role := range []string{"solver", "evaluator", "scorer"} {
		g := comasSeeded()
		fail := &failing{from: 1, err: errBoom}
		*[]*policy.Generator{&g.Solver, &g.Evaluator, &g.Scorer}[i] = fail
		_, err := g.Round(ctx, qs)
		wantRoundError(t, err, "comas", role, 1)
	}

	want, err := playCoMAS(comasSeeded())
	if err != nil {
		t.Fatal(err)
	}
	g := comasSeeded()
	checkCancel(t, g, want, func(cancel context.CancelFunc) func() {
		next := g.Scorer
		g.Scorer = &failing{from: 3, cancel: cancel, next: next}
		return func() { g.Scorer = next }
	}, func(ctx context.Context, g *CoMAS) (any, error) { return g.Round(ctx, qs) })

	bad := template.Must(template.New("").Parse("{{.Nope}}"))
	for _, g := range []*CoMAS{{Solutions: -1}, {Evaluations: -1}, {Parallelism: -1}, {Evaluate: bad}, {Score: bad}} {
		s := comasSeeded()
		g.Solver, g.Evaluator, g.Scorer = s.Solver, s.Evaluator, s.Scorer
		if _, err := g.Round(ctx, qs); err == nil || !strings.Contains(err.Error(), "comas") {
			t.Errorf("%+v: %v", g, err)
		}
	}
	if _, err := comasSeeded().Round(ctx, nil); err == nil {
		t.Error("a round without questions")
	}
}

// CoMAS with a tabular solver and a tabular evaluator, both trained with
// GRPO on their batches, and a scripted scorer that checks the
// evaluation's claim: it rates a correct solution 3 when the evaluation
// agrees and 2 when the evaluation wrongly rejects it, a wrong solution 1
// when the evaluation exposes it and 2 when it misses it. The solver's
// accuracy rises, and the evaluator learns to expose wrong solutions.
func TestCoMASTrainsTabular(t *testing.T) {
	ctx := context.Background()
	questions := []string{"q0", "q1", "q2", "q3"}
	answers := []string{"1", "2", "3", "4"}
	correct := func(q, a string) bool { return q[1:] == fmt.Sprint(strings.Index("1234", a)) }
	solver, err := tabular.New(questions, answers)
	if err != nil {
		t.Fatal(err)
	}
	var evalPrompts []string
	for _, q := range questions {
		for _, a := range answers {
			evalPrompts = append(evalPrompts, q+" "+a)
		}
	}
	evaluator, err := tabular.New(evalPrompts, []string{"right", "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	scorer := script(func(p string, _ int, _ uint64) string {
		f := strings.Fields(p) // question, solution, evaluation
		ok, says := correct(f[0], f[1]), f[2] == "right"
		return map[[2]bool]string{{true, true}: "[[3]]", {true, false}: "[[2]]", {false, false}: "[[1]]", {false, true}: "[[2]]"}[[2]bool{ok, says}]
	})
	accuracy := func() (solved, exposed float64) {
		for i, q := range questions {
			solved += solver.Probs(i)[i] / 4
			for j, a := range answers {
				if !correct(q, a) {
					exposed += evaluator.Probs(4*i + j)[1] / 12
				}
			}
		}
		return solved, exposed
	}
	solved0, exposed0 := accuracy()
	g := &CoMAS{Solver: solver, Evaluator: evaluator, Scorer: scorer, Solutions: 8, Seed: 3,
		Evaluate: template.Must(template.New("").Parse("{{.Question}} {{.Solution}}")),
		Score:    template.Must(template.New("").Parse("{{.Question}} {{.Solution}} {{.Evaluation}}"))}
	train := map[string]*policy.Trainer{
		"solver":    {Model: solver, Ref: solver.Clone(), Loss: policy.GRPO(), Advantage: policy.GroupNorm{}},
		"evaluator": {Model: evaluator, Ref: evaluator.Clone(), Loss: policy.GRPO(), Advantage: policy.GroupNorm{}},
	}
	for range 30 {
		r, err := g.Round(ctx, questions)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range []Batch{r.Solver, r.Evaluator} {
			ro, err := b.Rollouts()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := train[b.Role].Step(ro); err != nil {
				t.Fatal(err)
			}
		}
	}
	solved1, exposed1 := accuracy()
	t.Logf("solver accuracy %.3f → %.3f; evaluator exposes wrong solutions %.3f → %.3f", solved0, solved1, exposed0, exposed1)
	if solved1 < solved0+0.5 || exposed1 < exposed0+0.2 {
		t.Errorf("solver %.3f → %.3f, evaluator %.3f → %.3f", solved0, solved1, exposed0, exposed1)
	}
}
