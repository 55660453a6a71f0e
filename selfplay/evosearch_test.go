package selfplay

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"text/template"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/tabular"
	"github.com/evolve-go/evolve/reward"
)

// tenths scores a candidate that is a number n as n/10; "skip" is not
// applicable and anything else fails.
var tenths = reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
	if s.Completion == "skip" {
		return 0, reward.ErrSkip
	}
	n, err := strconv.Atoi(s.Completion)
	return float64(n) / 10, err
})

var reviseText = template.Must(template.New("").Parse("revise {{(index .Candidates 0).Text}}"))

// A search with one operator and one parent, so that every step can be
// followed by hand:
//
//	gen 1: P → 3, 1, skip, 2            population 3, 1, 2         max .3 mean .2
//	gen 2: revise 3 → 4, 2 (twice)      population 3 | 4, 2, 4, 2  max .4 mean .3
//	gen 3: revise 4 → 5, 1 (twice)      population 4 | 5, 1, 5, 1  max .5 mean .32
func TestEvoSearchBookkeeping(t *testing.T) {
	g := &EvoSearch{
		Generator: script(func(p string, j int, _ uint64) string {
			return map[string][]string{"P": {"3", "1", "skip", "2"}, "revise 3": {"4", "2"}, "revise 4": {"5", "1"}}[p][j]
		}),
		Reward: tenths, Problem: "P", Population: 4, Parents: 1, Elites: 1, Mutations: 2, Samples: 2, Generations: 3,
		Operators: []Operator{Revise}, Revise: reviseText,
	}
	res, err := g.Search(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []EvoPoint{{1, 0.3, 0.2, 0.3}, {2, 0.4, 0.3, 0.4}, {3, 0.5, 0.32, 0.5}}
	for i, p := range res.Curve {
		if w := want[i]; p.Generation != w.Generation || !nearAll([]float64{p.Max, p.Mean, p.Best}, []float64{w.Max, w.Mean, w.Best}) {
			t.Errorf("curve[%d] = %+v, want %+v", i, p, w)
		}
	}
	if w := (Candidate{Text: "5", Reward: 0.5, Generation: 3, Operator: Revise}); res.Best != w {
		t.Errorf("best %+v, want %+v", res.Best, w)
	}
	checkBatch(t, res.Batch, []string{"P", "revise 3", "revise 3", "revise 4", "revise 4"},
		[]float64{.3, .1, math.NaN(), .2, .4, .2, .4, .2, .5, .1, .5, .1},
		[]policy.Pair{{Chosen: 0, Rejected: 1}, {Chosen: 4, Rejected: 5}, {Chosen: 6, Rejected: 7}, {Chosen: 8, Rejected: 9},
			{Chosen: 10, Rejected: 11}})
	if again, err := g.Search(context.Background()); err != nil || again.Batch.Len() != 0 || again.Best != res.Best {
		t.Errorf("a finished search searched again: %+v, %v", again, err)
	}
	pop := g.State().Population
	if texts := fmt.Sprint(pop); texts != "[{4 0.4 2 revise} {5 0.5 3 revise} {1 0.1 3 revise} {5 0.5 3 revise} {1 0.1 3 revise}]" {
		t.Errorf("population %s", texts)
	}
}

// A generator whose mutations are all worse than their parent: with an
// elite the population's maximum holds at the best so far; without, it
// falls, and the best candidate is kept all the same.
func TestEvoSearchElitism(t *testing.T) {
	for _, elites := range []int{1, 0} {
		g := &EvoSearch{
			Generator: script(func(p string, j int, _ uint64) string {
				if p == "P" {
					return []string{"3", "1"}[j]
				}
				return "0"
			}),
			Reward: tenths, Problem: "P", Population: 2, Elites: elites, Generations: 3,
		}
		res, err := g.Search(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		wantMax := []float64{0.3, 0.3, 0.3}
		if elites == 0 {
			wantMax = []float64{0.3, 0, 0}
		}
		for i, p := range res.Curve {
			if !near(p.Max, wantMax[i]) || !near(p.Best, 0.3) {
				t.Errorf("elites %d: curve[%d] = %+v, want max %v, best 0.3", elites, i, p, wantMax[i])
			}
		}
		if res.Best.Text != "3" || res.Best.Generation != 1 {
			t.Errorf("elites %d: best %+v", elites, res.Best)
		}
	}
	// A later candidate as good as the best does not replace it.
	g := &EvoSearch{Generator: script(func(string, int, uint64) string { return "3" }), Reward: tenths, Problem: "P", Generations: 2}
	if res, err := g.Search(context.Background()); err != nil || res.Best != (Candidate{Text: "3", Reward: 0.3, Generation: 1}) {
		t.Errorf("best %+v (%v), want the first", res.Best, err)
	}
}

// The default prompts show the problem and the parents: Recombine two
// distinct selected candidates (Revise when only one is selected), Refine
// the candidate with the feedback, or its score without a Feedback.
func TestEvoSearchOperators(t *testing.T) {
	ctx := context.Background()
	var prompts []string
	gen := script(func(p string, j int, _ uint64) string {
		if p == "Problem P" {
			return []string{"7", "8", "9"}[j]
		}
		prompts = append(prompts, p)
		return "1"
	})
	check := func(name string, g *EvoSearch, want ...string) {
		t.Helper()
		prompts = nil
		g.Generator, g.Reward, g.Problem, g.Population, g.Mutations, g.Samples, g.Parallelism = gen, tenths, "Problem P", 3, 4, 1, 1
		for range 2 {
			if _, err := g.Round(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if len(prompts) != 4 {
			t.Fatalf("%s: %d prompts", name, len(prompts))
		}
		for _, p := range prompts {
			for _, w := range want {
				if !strings.Contains(p, w) {
					t.Errorf("%s: prompt %q lacks %q", name, p, w)
				}
			}
		}
	}
	check("recombine", &EvoSearch{Operators: []Operator{Recombine}}, "Problem P", "Attempt 1, score 0.", "Attempt 2, score 0.", "score 0.9", "score 0.8", "combines")
	check("recombine of one", &EvoSearch{Operators: []Operator{Recombine}, Parents: 1}, "Problem P", "(score 0.9):\n9", "different approach")
	check("refine", &EvoSearch{Operators: []Operator{Refine}, Parents: 1}, "attempt:\n9", "Feedback on it: It scored 0.9.")
	check("refine with feedback", &EvoSearch{Operators: []Operator{Refine}, Parents: 1,
		Feedback: func(_ context.Context, s reward.Sample, score float64) (string, error) {
			return fmt.Sprintf("%s of %q is off by %.1f", s.Completion, s.Prompt, 1-score), nil
		}}, `Feedback on it: 9 of "Problem P" is off by 0.1`)
}

// A generator that depends on its seeds, with every operator: the search
// depends on the game's random state throughout.
func evoSeeded() *EvoSearch {
	return &EvoSearch{
		Generator: script(func(p string, j int, seed uint64) string { return fmt.Sprint((seed>>uint(3*j))%10 + uint64(len(p)%3)) }),
		Reward:    tenths, Problem: "P", Population: 5, Parents: 3, Elites: 1, Mutations: 3, Samples: 2, Seed: 9, Parallelism: 2,
	}
}

func playEvo(g *EvoSearch) (any, error) { return g.Round(context.Background()) }

// A search saved after two generations, through JSON, and restored plays
// the third as the uninterrupted search does.
func TestEvoSearchRestore(t *testing.T) {
	checkRestore(t, evoSeeded(), evoSeeded(), 2, playEvo)
	rng := evoSeeded().State().RNG
	for _, bad := range []EvoState{{Round: 1, RNG: rng}, {Round: -1, RNG: rng}, {Round: 1, Curve: []EvoPoint{{}}, RNG: rng},
		{Round: 1, Curve: []EvoPoint{{}}, Population: []Candidate{{Reward: math.NaN()}}, RNG: rng},
		{Round: 1, Curve: []EvoPoint{{}}, Population: []Candidate{{}}}} {
		if err := evoSeeded().Restore(bad); err == nil {
			t.Errorf("restored %+v", bad)
		}
	}
}

func TestEvoSearchErrors(t *testing.T) {
	ctx := context.Background()
	g := evoSeeded()
	g.Generator = &failing{from: 2, err: errBoom, next: g.Generator} // generation 1 makes one call
	if _, err := g.Round(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := g.Round(ctx)
	wantRoundError(t, err, "evosearch", "generator", 2)

	g = evoSeeded()
	g.Reward = reward.Func(func(context.Context, reward.Sample) (float64, error) { return 0, errBoom })
	_, err = g.Round(ctx)
	wantRoundError(t, err, "evosearch", "reward", 1)
	g.Reward = reward.Func(func(context.Context, reward.Sample) (float64, error) { return 0, reward.ErrSkip })
	if _, err = g.Round(ctx); !strings.Contains(err.Error(), "no candidate could be scored") {
		t.Errorf("all skipped: %v", err)
	}
	wantRoundError(t, err, "evosearch", "reward", 1)

	g = evoSeeded()
	g.Operators = []Operator{Refine}
	g.Feedback = func(context.Context, reward.Sample, float64) (string, error) { return "", errBoom }
	if _, err := g.Round(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = g.Round(ctx)
	wantRoundError(t, err, "evosearch", "feedback", 2)

	// A generation cancelled halfway leaves the state as it was and is
	// then played as if nothing had happened.
	ref := evoSeeded()
	if _, err := ref.Round(ctx); err != nil {
		t.Fatal(err)
	}
	want, err := ref.Round(ctx)
	if err != nil {
		t.Fatal(err)
	}
	g = evoSeeded()
	if _, err := g.Round(ctx); err != nil {
		t.Fatal(err)
	}
	checkCancel(t, g, want, func(cancel context.CancelFunc) func() {
		next := g.Generator
		g.Generator = &failing{from: 2, cancel: cancel, next: next}
		return func() { g.Generator = next }
	}, func(ctx context.Context, g *EvoSearch) (any, error) { return g.Round(ctx) })

	for _, bad := range []*EvoSearch{{Problem: "P"}, {Reward: tenths}, {Reward: tenths, Problem: "P", Parents: -1},
		{Reward: tenths, Problem: "P", Operators: []Operator{"mutate"}}, {Reward: tenths, Problem: "P", Operators: []Operator{}},
		{Reward: tenths, Problem: "P", Revise: template.Must(template.New("").Parse("{{.Nope}}")), Operators: []Operator{Revise}}} {
		bad.Generator = evoSeeded().Generator
		_, err := bad.Search(ctx)
		if err == nil || !strings.Contains(err.Error(), "evosearch") {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

// EvoScale's self-evolution on a tabular generator: the search's batches
// train it with GRPO, so that its candidates, first drawn and mutated at
// random among "1" to "5", score higher. The tabular policy has one
// prompt per kind of request (the problem and each operator).
func TestEvoSearchTrainsTabular(t *testing.T) {
	ctx := context.Background()
	kinds := []string{"problem", "revise", "recombine", "refine"}
	p, err := tabular.New(kinds, []string{"1", "2", "3", "4", "5"})
	if err != nil {
		t.Fatal(err)
	}
	kind := func(prompt string) string {
		for _, k := range []string{"different approach", "combines", "Feedback"} {
			if strings.Contains(prompt, k) {
				return map[string]string{"different approach": "revise", "combines": "recombine", "Feedback": "refine"}[k]
			}
		}
		return "problem"
	}
	gen := policy.GeneratorFunc(func(ctx context.Context, req policy.GenerateRequest) ([][]policy.Completion, error) {
		for i, pr := range req.Prompts {
			req.Prompts[i] = kind(pr)
		}
		return p.Generate(ctx, req)
	})
	// The reward of "1" … "5" is 0, 0.25, …, 1.
	quarters := reward.Func(func(ctx context.Context, s reward.Sample) (float64, error) {
		v, err := tenths(ctx, s)
		return (10*v - 1) / 4, err
	})
	trainer := policy.Trainer{Model: p, Ref: p.Clone(), Loss: policy.GRPO(), Advantage: policy.GroupNorm{}}
	search := func(seed uint64) EvoResult {
		g := &EvoSearch{Generator: gen, Reward: quarters, Problem: "Say a number.", Elites: 1, Generations: 3, Seed: seed}
		res, err := g.Search(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	meanOf := func(seed uint64) (first, last float64) {
		for s := range uint64(20) {
			res := search(1000 + seed + s)
			first += res.Curve[0].Mean / 20
			last += res.Curve[2].Mean / 20
		}
		return first, last
	}
	first0, last0 := meanOf(0)
	for s := range uint64(30) {
		res := search(s)
		r, err := res.Batch.Rollouts()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := trainer.Step(r); err != nil {
			t.Fatal(err)
		}
	}
	first1, last1 := meanOf(0)
	t.Logf("mean reward of generation 1 %.3f → %.3f, of generation 3 %.3f → %.3f", first0, first1, last0, last1)
	if first1 < first0+0.3 || last1 < last0+0.3 || last0 <= first0 {
		t.Errorf("generation 1: %.3f → %.3f; generation 3: %.3f → %.3f", first0, first1, last0, last1)
	}
}
