package selfplay

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"text/template"

	"github.com/evolve-go/evolve/internal/parallel"
	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/reward"
)

// Operator is a mutation of EvoSearch: how the generator is asked to make
// a new candidate from the selected ones.
type Operator string

// The mutation operators of SE-Agent.
const (
	// Revise shows one candidate and asks for a different, better one.
	Revise Operator = "revise"
	// Recombine shows two candidates and asks for one that combines their
	// strengths.
	Recombine Operator = "recombine"
	// Refine shows one candidate with feedback on it and asks for an
	// improved one.
	Refine Operator = "refine"
)

// The default mutation prompts; each is a text/template over an EvoInput.
const (
	DefaultRevisePrompt = `{{.Problem}}

Here is a previous attempt (score {{printf "%.3g" (index .Candidates 0).Reward}}):
{{(index .Candidates 0).Text}}

Write a new attempt that takes a different approach and scores higher.
`
	DefaultRecombinePrompt = `{{.Problem}}

Here are two previous attempts.
{{range $i, $c := .Candidates}}
[Attempt {{$i | inc}}, score {{printf "%.3g" $c.Reward}}]
{{$c.Text}}
{{end}}
Write one attempt that combines the strengths of both and is better than either.
`
	DefaultRefinePrompt = `{{.Problem}}

Here is a previous attempt:
{{(index .Candidates 0).Text}}

Feedback on it: {{.Feedback}}

Write an improved attempt that addresses the feedback.
`
)

var evoFuncs = template.FuncMap{"inc": func(i int) int { return i + 1 }}

var defaultEvoTemplates = map[Operator]*template.Template{
	Revise:    template.Must(template.New("revise").Funcs(evoFuncs).Parse(DefaultRevisePrompt)),
	Recombine: template.Must(template.New("recombine").Funcs(evoFuncs).Parse(DefaultRecombinePrompt)),
	Refine:    template.Must(template.New("refine").Funcs(evoFuncs).Parse(DefaultRefinePrompt)),
}

// EvoInput is the data of a mutation prompt's template.
type EvoInput struct {
	// Problem is EvoSearch.Problem.
	Problem string
	// Candidates are the selected candidates shown: one for Revise and
	// Refine, two for Recombine.
	Candidates []Candidate
	// Feedback is, for Refine, EvoSearch.Feedback's text on the candidate,
	// or "It scored X." without a Feedback.
	Feedback string
}

// Candidate is one solution in an EvoSearch population.
type Candidate struct {
	// Text is the candidate's text.
	Text string `json:"text"`
	// Reward is its reward.
	Reward float64 `json:"reward"`
	// Generation is the generation that made it, counting from 1.
	Generation int `json:"generation"`
	// Operator is the mutation that made it; "" for the first generation,
	// sampled from the problem itself.
	Operator Operator `json:"operator,omitempty"`
}

// EvoPoint is one generation's point of the reward curve.
type EvoPoint struct {
	// Generation counts from 1.
	Generation int `json:"generation"`
	// Max and Mean are the largest and the mean reward of the generation's
	// population (its elites and its scored new candidates).
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
	// Best is the best reward found so far.
	Best float64 `json:"best"`
}

// EvoSearch is evolutionary test-time search for one problem: a
// population of candidate solutions, selection by reward and mutation by
// the generator itself.
//
// Generation 1 samples Population candidates of Problem. Each later
// generation selects the Parents candidates of highest reward (ties in
// population order), writes Mutations prompts — each with an operator
// drawn uniformly from Operators and parents drawn uniformly from the
// selected, two distinct ones for Recombine (a Recombine with a single
// selected candidate is a Revise) — and samples Samples candidates of
// each prompt. Every new candidate is scored by Reward as an answer to
// Problem (Sample{Prompt: Problem, Completion: text, Label: Label}); the
// generation's population is the best Elites of the previous population
// followed by the new candidates that were scored (a reward of
// reward.ErrSkip leaves a candidate out; a generation in which none was
// scored fails). With Elites ≥ 1 the population's maximum reward never
// decreases; the best candidate found so far is kept either way.
//
// EvoScale conditions every sample of an iteration on the top candidates
// of the previous one; SE-Agent revises one trajectory, recombines two or
// refines one with what was learnt about it. Here each mutation prompt
// shows one or two selected candidates through the operator's template.
//
// Each generation's Batch holds its new candidates grouped by the prompt
// that made them, with their rewards, for training the generator to
// evolve its own solutions, as EvoScale does with RL. EvoScale's RL
// shapes a mutation's reward by the score it gains over the candidates it
// was shown (potential-based shaping, R(y) − R(shown)); all candidates of
// a group were shown the same candidates, so group-normalised advantages
// (GRPO's, RLOO's) are the same with or without that shaping, and the
// batch holds R(y).
//
// Randomness (operators, parents, generator seeds) comes from the game's
// PCG seeded by Seed: a search is reproducible. A negative size or
// Parallelism is an error.
//
// References: Zeng et al., "Satori-SWE: Evolutionary Test-Time Scaling for
// Sample-Efficient Software Engineering" (EvoScale), 2025
// (arXiv:2505.23604; github.com/satori-reasoning/Satori-SWE); Lin et al.,
// "SE-Agent: Self-Evolution Trajectory Optimization in Multi-Step
// Reasoning with LLM-Based Agents" (revision, recombination, refinement),
// 2025 (arXiv:2508.02085; code: github.com/JARVIS-Xs/SE-Agent, SE/operators);
// docs/ALGORITHMS.md §7.
type EvoSearch struct {
	// Generator writes and mutates the candidates. Required.
	Generator policy.Generator
	// Reward scores a candidate. Required.
	Reward reward.Reward
	// Problem is the problem's prompt. Required.
	Problem string
	// Label is the reference answer given to Reward, "" for none.
	Label string
	// Population is the number of candidates of generation 1; 0 means 8.
	Population int
	// Parents is the number of candidates selected as parents; 0 means 2.
	Parents int
	// Elites is the number of best candidates carried into the next
	// generation unchanged; 0 means none.
	Elites int
	// Mutations is the number of mutation prompts per generation; 0 means
	// 4.
	Mutations int
	// Samples is the number of candidates sampled per mutation prompt (a
	// group of the batch); 0 means 2.
	Samples int
	// Generations is the number of generations Search plays; 0 means 4.
	Generations int
	// Operators are the mutations to draw from; nil means all three.
	Operators []Operator
	// Revise, Recombine and Refine render the mutation prompts from an
	// EvoInput; nil means DefaultRevisePrompt, DefaultRecombinePrompt and
	// DefaultRefinePrompt.
	Revise, Recombine, Refine *template.Template
	// Feedback gives Refine its feedback on a candidate (a critique, a
	// failing test); nil means "It scored X.". It is called for Refine
	// prompts only; an error fails the round.
	Feedback func(ctx context.Context, s reward.Sample, score float64) (string, error)
	// Request holds the generator's sampling settings; the game sets
	// Prompts, N and Seed.
	Request policy.GenerateRequest
	// Parallelism bounds the concurrent generator, reward and feedback
	// calls; 0 means GOMAXPROCS.
	Parallelism int
	// Seed seeds the game's random state.
	Seed uint64

	clock
	population []Candidate
	best       Candidate
	curve      []EvoPoint
}

// EvoRound is what one generation produced.
type EvoRound struct {
	// Point is the generation's point of the reward curve.
	Point EvoPoint
	// Population is the generation's population, in order.
	Population []Candidate
	// Best is the best candidate found so far.
	Best Candidate
	// Batch holds the generation's new candidates, one group per prompt
	// (the problem's in generation 1, the mutation prompts' after), with
	// their rewards (NaN for a candidate the reward skipped).
	Batch Batch
}

// EvoResult is the outcome of Search.
type EvoResult struct {
	// Best is the best candidate found.
	Best Candidate
	// Curve holds one point per generation played so far.
	Curve []EvoPoint
	// Batch holds every candidate of the generations this call played,
	// one group per prompt, for training the generator.
	Batch Batch
}

// EvoState is the state of an EvoSearch, for State and Restore.
type EvoState struct {
	// Round is the number of generations played.
	Round int `json:"round"`
	// Population is the last generation's population.
	Population []Candidate `json:"population"`
	// Best is the best candidate so far (zero before the first round).
	Best Candidate `json:"best"`
	// Curve is the reward curve so far.
	Curve []EvoPoint `json:"curve"`
	// RNG is the game's random state.
	RNG rngState `json:"rng"`
}

// evoConfig is an EvoSearch's settings with the defaults applied.
type evoConfig struct {
	population, parents, elites, mutations, samples, generations, limit int
	ops                                                                 []Operator
	tmpl                                                                map[Operator]*template.Template
}

// config checks the search's settings and applies the defaults.
func (g *EvoSearch) config() (evoConfig, error) {
	var c evoConfig
	switch {
	case g.Reward == nil:
		return c, errors.New("selfplay: evosearch: Reward is nil")
	case g.Problem == "":
		return c, errors.New("selfplay: evosearch: Problem is empty")
	}
	for _, f := range []struct {
		name   string
		v, def int
		dst    *int
	}{
		{"Population", g.Population, 8, &c.population}, {"Parents", g.Parents, 2, &c.parents},
		{"Elites", g.Elites, 0, &c.elites}, {"Mutations", g.Mutations, 4, &c.mutations},
		{"Samples", g.Samples, 2, &c.samples}, {"Generations", g.Generations, 4, &c.generations},
	} {
		var err error
		if *f.dst, err = sizeOr("evosearch", f.name, f.v, f.def); err != nil {
			return c, err
		}
	}
	var err error
	if c.limit, err = limitOf("evosearch", g.Parallelism); err != nil {
		return c, err
	}
	c.ops = g.Operators
	if c.ops == nil {
		c.ops = []Operator{Revise, Recombine, Refine}
	}
	c.tmpl = map[Operator]*template.Template{Revise: g.Revise, Recombine: g.Recombine, Refine: g.Refine}
	for op, t := range c.tmpl {
		if t == nil {
			c.tmpl[op] = defaultEvoTemplates[op]
		}
	}
	if len(c.ops) == 0 {
		return c, errors.New("selfplay: evosearch: Operators is empty")
	}
	for i, op := range c.ops {
		if c.tmpl[op] == nil {
			return c, fmt.Errorf("selfplay: evosearch: Operators[%d] = %q is not an operator", i, op)
		}
	}
	return c, nil
}

// Round plays one generation (see EvoSearch).
func (g *EvoSearch) Round(ctx context.Context) (EvoRound, error) {
	c, err := g.config()
	if err != nil {
		return EvoRound{}, err
	}
	return g.next(ctx, c)
}

// next plays the next generation with the settings c.
func (g *EvoSearch) next(ctx context.Context, c evoConfig) (EvoRound, error) {
	return playRound(&g.clock, g.Seed, func(round int) (EvoRound, error) { return g.play(ctx, c, round) })
}

// Search plays the generations left of Generations and returns the best
// candidate, the reward curve, and the batch of the candidates it made.
// A search that has played them all returns its result with an empty
// batch. After an error the generations played are kept: Search again
// resumes.
func (g *EvoSearch) Search(ctx context.Context) (EvoResult, error) {
	c, err := g.config()
	if err != nil {
		return EvoResult{}, err
	}
	var batches []Batch
	for g.round < c.generations {
		r, err := g.next(ctx, c)
		if err != nil {
			return EvoResult{}, err
		}
		batches = append(batches, r.Batch)
	}
	b, err := joinBatches("generator", batches)
	if err != nil {
		return EvoResult{}, err
	}
	return EvoResult{Best: g.best, Curve: slices.Clone(g.curve), Batch: b}, nil
}

// play plays generation round.
func (g *EvoSearch) play(ctx context.Context, c evoConfig, round int) (EvoRound, error) {
	prompts, ops, n := []string{g.Problem}, []Operator{""}, c.population
	if len(g.population) > 0 {
		var err error
		if prompts, ops, err = g.mutations(ctx, c, round); err != nil {
			return EvoRound{}, err
		}
		n = c.samples
	}
	groups, err := generateEach(ctx, "evosearch", "generator", round, g.Generator, g.Request, prompts, n,
		drawSeeds(g.rng, len(prompts)), c.limit)
	if err != nil {
		return EvoRound{}, err
	}
	rewards, err := g.score(ctx, c, round, groups)
	if err != nil {
		return EvoRound{}, err
	}
	next := selectTop(g.population, c.elites)
	row := 0
	for i, grp := range groups {
		for _, cm := range grp {
			if !math.IsNaN(rewards[row]) {
				next = append(next, Candidate{Text: cm.Text, Reward: rewards[row], Generation: round, Operator: ops[i]})
			}
			row++
		}
	}
	if len(next) == 0 {
		return EvoRound{}, roundErr("evosearch", "reward", round, errors.New("no candidate could be scored (every reward was skipped)"))
	}
	batch, err := newBatch("generator", prompts, groups, rewards)
	if err != nil {
		return EvoRound{}, err
	}
	g.commit(round, next)
	return EvoRound{Point: g.curve[len(g.curve)-1], Population: slices.Clone(next), Best: g.best, Batch: batch}, nil
}

// commit makes next the population of generation round.
func (g *EvoSearch) commit(round int, next []Candidate) {
	p := EvoPoint{Generation: round, Max: math.Inf(-1)}
	first := len(g.curve) == 0
	for i, cd := range next {
		p.Max = max(p.Max, cd.Reward)
		p.Mean += cd.Reward / float64(len(next))
		if first && i == 0 || cd.Reward > g.best.Reward {
			g.best = cd
		}
	}
	p.Best = g.best.Reward
	g.population, g.curve = next, append(g.curve, p)
}

// selectTop returns the k candidates of highest reward, ties in
// population order.
func selectTop(pop []Candidate, k int) []Candidate {
	s := slices.Clone(pop)
	slices.SortStableFunc(s, func(a, b Candidate) int { return cmp.Compare(b.Reward, a.Reward) })
	return s[:min(k, len(s))]
}

// mutations draws the generation's operators and parents and renders its
// prompts.
func (g *EvoSearch) mutations(ctx context.Context, c evoConfig, round int) ([]string, []Operator, error) {
	sel := selectTop(g.population, c.parents)
	r := rand.New(g.rng)
	ins, ops := make([]EvoInput, c.mutations), make([]Operator, c.mutations)
	for m := range ins {
		op, i := c.ops[r.IntN(len(c.ops))], r.IntN(len(sel))
		ins[m] = EvoInput{Problem: g.Problem, Candidates: []Candidate{sel[i]}}
		if op == Recombine && len(sel) < 2 {
			op = Revise
		} else if op == Recombine {
			j := r.IntN(len(sel) - 1)
			if j >= i {
				j++
			}
			ins[m].Candidates = append(ins[m].Candidates, sel[j])
		}
		ops[m] = op
	}
	if err := g.feedback(ctx, c, round, ins, ops); err != nil {
		return nil, nil, err
	}
	prompts := make([]string, len(ins))
	for m, in := range ins {
		var err error
		if prompts[m], err = runTemplate(c.tmpl[ops[m]], nil, in); err != nil {
			return nil, nil, fmt.Errorf("selfplay: evosearch: %s %w", ops[m], err)
		}
	}
	return prompts, ops, nil
}

// feedback sets the feedback of the Refine mutations.
func (g *EvoSearch) feedback(ctx context.Context, c evoConfig, round int, ins []EvoInput, ops []Operator) error {
	return parallel.Do(ctx, len(ins), c.limit, func(ctx context.Context, m int) error {
		if ops[m] != Refine {
			return nil
		}
		cd := ins[m].Candidates[0]
		if g.Feedback == nil {
			ins[m].Feedback = fmt.Sprintf("It scored %.3g.", cd.Reward)
			return nil
		}
		f, err := g.Feedback(ctx, reward.Sample{Prompt: g.Problem, Completion: cd.Text, Label: g.Label}, cd.Reward)
		ins[m].Feedback = f
		return roundErr("evosearch", "feedback", round, err)
	})
}

// score scores every new candidate as an answer to the problem: NaN where
// the reward skipped it; any other failure fails the round.
func (g *EvoSearch) score(ctx context.Context, c evoConfig, round int, groups [][]policy.Completion) ([]float64, error) {
	var samples []reward.Sample
	for _, grp := range groups {
		for _, cm := range grp {
			samples = append(samples, reward.Sample{Prompt: g.Problem, Completion: cm.Text, Label: g.Label})
		}
	}
	return scoreSamples(ctx, "evosearch", "reward", round, g.Reward, c.limit, samples)
}

// joinBatches returns one batch of role holding the groups of bs in
// order.
func joinBatches(role string, bs []Batch) (Batch, error) {
	var prompts []string
	var groups [][]policy.Completion
	var rewards []float64
	for _, b := range bs {
		for _, grp := range b.Groups {
			groups = append(groups, renumbered(grp, len(groups)))
		}
		prompts = append(prompts, b.Prompts...)
		rewards = append(rewards, b.Rewards...)
	}
	return newBatch(role, prompts, groups, rewards)
}

// State returns the search's state.
func (g *EvoSearch) State() EvoState {
	g.start(g.Seed)
	return EvoState{Round: g.round, Population: slices.Clone(g.population), Best: g.best, Curve: slices.Clone(g.curve),
		RNG: saveRNG(g.rng)}
}

// Restore resumes the search from s: the next Round plays the generation
// after s.Round of the search s was taken from.
func (g *EvoSearch) Restore(s EvoState) error {
	switch {
	case len(s.Curve) != s.Round:
		return fmt.Errorf("selfplay: evosearch: state of round %d with %d curve points", s.Round, len(s.Curve))
	case (s.Round == 0) != (len(s.Population) == 0):
		return fmt.Errorf("selfplay: evosearch: state of round %d with %d candidates", s.Round, len(s.Population))
	}
	for i, cd := range append(slices.Clone(s.Population), s.Best) {
		if math.IsNaN(cd.Reward) || math.IsInf(cd.Reward, 0) {
			return fmt.Errorf("selfplay: evosearch: state candidate %d has reward %v", i, cd.Reward)
		}
	}
	if err := g.reset("evosearch", s.Round, s.RNG); err != nil {
		return err
	}
	g.population, g.best, g.curve = slices.Clone(s.Population), s.Best, slices.Clone(s.Curve)
	return nil
}
