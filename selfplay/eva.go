package selfplay

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"text/template"

	"gonum.org/v1/gonum/stat"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/reward"
)

// Informativeness selects eva's regret proxy: how much a prompt can still
// teach the solver, from the rewards of the solver's samples of it.
type Informativeness int

const (
	// MaxMinusMin is max R − min R over the prompt's samples (the default).
	MaxMinusMin Informativeness = iota
	// MaxMinusMean is max R − mean R.
	MaxMinusMean
	// RewardVariance is the population variance of R.
	RewardVariance
)

// DefaultEvolvePrompt is the creator's instruction when Eva.Template is
// nil: an in-depth evolving step of EvolInstruct, which eva uses to evolve
// its informative prompts. The template's data is the parent prompt.
const DefaultEvolvePrompt = `I want you to act as a Prompt Rewriter. Rewrite the given prompt into a new prompt that is a bit harder or more specific, so that answering it well takes more care, while keeping it reasonable and answerable by a human. Reply with the new prompt only.

#Given Prompt#:
{{.}}

#Rewritten Prompt#:
`

var defaultEvolveTemplate = template.Must(template.New("evolve").Parse(DefaultEvolvePrompt))

// Eva is the creator/solver game of eva (evolving alignment via asymmetric
// self-play). Each round the solver samples N responses to each of the
// round's prompts and the Reward scores them; a prompt's informativeness
// is a regret proxy over its rewards (max − min by default); the most
// informative share Keep of the prompts are the parents the creator
// evolves, Children new prompts each; the next round's prompts are the
// evolved ones mixed with a draw (share Replay) from a buffer that keeps
// the BufferSize most informative prompts seen. The round's solver Batch
// (its groups, rewards and best-vs-worst pairs) is what the solver trains
// on, with DPO or a policy-gradient objective (the paper uses DPO and
// RLOO).
//
// Defaults: N 4, Keep 0.25, Children 4, Replay 0.5, BufferSize 256, Size
// (prompts per round) the number of Seeds.
//
// References: Ye et al., "Evolving Alignment via Asymmetric Self-Play"
// (eva, 2024); Xu et al., "WizardLM: Empowering Large Language Models to
// Follow Complex Instructions" (EvolInstruct, 2023); docs/ALGORITHMS.md §7.
type Eva struct {
	// Creator evolves prompts; Solver answers them; Reward scores the
	// solver's answers. Required.
	Creator, Solver policy.Generator
	Reward          reward.Reward
	// Seeds are the first round's prompts. Required.
	Seeds []string
	// Informativeness is the regret proxy; default MaxMinusMin.
	Informativeness Informativeness
	// N is the number of solver samples per prompt.
	N int
	// Keep is the share of a round's prompts that the creator evolves, in
	// (0, 1]; at least one prompt is kept.
	Keep float64
	// Children is the number of new prompts evolved from each parent.
	Children int
	// Replay is the share of the next round's prompts drawn from the
	// buffer, in (0, 1]; the rest are evolved prompts (the buffer fills
	// any shortfall). Zero means the default 0.5; NoReplay turns the draw
	// off.
	Replay float64
	// NoReplay draws no prompt from the buffer while there are evolved
	// ones. Default false.
	NoReplay bool
	// BufferSize is the buffer's capacity.
	BufferSize int
	// Size is the number of prompts per round.
	Size int
	// Template renders the creator's instruction from a parent prompt;
	// nil means DefaultEvolvePrompt.
	Template *template.Template
	// Mutate turns a parent prompt and the creator's reply into the new
	// prompt; nil means the reply, trimmed of spaces. (A model that
	// continues text rather than follows instructions evolves a prompt by
	// Mutate = parent + reply, with the template "{{.}}".)
	Mutate func(parent, reply string) string
	// SolverRequest and CreatorRequest hold the sampling settings of each
	// role (Prompts, N and Seed are set per call).
	SolverRequest, CreatorRequest policy.GenerateRequest
	// Parallelism bounds the concurrent reward calls (0: GOMAXPROCS).
	Parallelism int
	// Seed seeds the game's random draws and its players' sampling.
	Seed uint64

	clock
	prompts []string
	buffer  []ScoredPrompt
}

// ScoredPrompt is a prompt with its informativeness.
type ScoredPrompt struct {
	Prompt string  `json:"prompt"`
	Info   float64 `json:"info"`
}

// EvaRound is one round's outcome.
type EvaRound struct {
	// Round counts from 1.
	Round int
	// Solver is the solver's batch on the round's prompts.
	Solver Batch
	// Info holds each prompt's informativeness.
	Info []float64
	// Parents are the prompts the creator evolved; Evolved the new
	// prompts; Next the prompts of the next round.
	Parents, Evolved, Next []string
	// MeanReward is the solver's mean reward.
	MeanReward float64
}

// EvaState is an Eva game's state.
type EvaState struct {
	Round   int            `json:"round"`
	Prompts []string       `json:"prompts"`
	Buffer  []ScoredPrompt `json:"buffer"`
	RNG     []byte         `json:"rng"`
}

const evaGame = "eva"

// config returns the resolved settings or the first invalid one.
func (e *Eva) config() (n, children, bufSize, size int, keep, replay float64, err error) {
	n, children, bufSize, size = cmp.Or(e.N, 4), cmp.Or(e.Children, 4), cmp.Or(e.BufferSize, 256), cmp.Or(e.Size, len(e.Seeds))
	keep, replay = e.Keep, e.Replay
	if keep == 0 {
		keep = 0.25
	}
	switch {
	case e.NoReplay:
		replay = 0
	case e.Replay == 0:
		replay = 0.5
	}
	switch {
	case n < 0 || children < 0 || bufSize < 0 || size <= 0:
		err = fmt.Errorf("selfplay: Eva.N = %d, Children = %d, BufferSize = %d, Size = %d: want ≥ 0 and a positive size (set Seeds)", e.N, e.Children, e.BufferSize, size)
	case !(keep > 0 && keep <= 1):
		err = fmt.Errorf("selfplay: Eva.Keep = %v, want in (0, 1]", e.Keep)
	case !(replay >= 0 && replay <= 1):
		err = fmt.Errorf("selfplay: Eva.Replay = %v, want in [0, 1]", e.Replay)
	case e.Informativeness < MaxMinusMin || e.Informativeness > RewardVariance:
		err = fmt.Errorf("selfplay: Eva.Informativeness = %d is not an Informativeness", int(e.Informativeness))
	}
	return
}

// State returns the game's state.
func (e *Eva) State() EvaState {
	e.init()
	return EvaState{Round: e.round, Prompts: slices.Clone(e.prompts), Buffer: slices.Clone(e.buffer), RNG: saveRNG(e.rng)}
}

// Restore resumes the game from s.
func (e *Eva) Restore(s EvaState) error {
	if err := e.reset(evaGame, s.Round, s.RNG); err != nil {
		return err
	}
	e.prompts, e.buffer = slices.Clone(s.Prompts), slices.Clone(s.Buffer)
	return nil
}

// init sets up the state of a game that has not played yet.
func (e *Eva) init() {
	e.start(e.Seed)
	if e.round == 0 && e.prompts == nil {
		e.prompts = slices.Clone(e.Seeds)
	}
}

// Round plays one round.
func (e *Eva) Round(ctx context.Context) (EvaRound, error) {
	e.init()
	return playRound(&e.clock, e.Seed, func(round int) (EvaRound, error) { return e.play(ctx, round) })
}

// play plays round; the state changes only when it succeeds.
func (e *Eva) play(ctx context.Context, round int) (EvaRound, error) {
	r := EvaRound{Round: round}
	n, children, bufSize, size, keep, replay, err := e.config()
	if err != nil {
		return r, err
	}
	if e.Reward == nil {
		return r, roundErr(evaGame, "reward", r.Round, errors.New("the reward is nil"))
	}
	prompts := e.prompts
	req := e.SolverRequest
	req.Prompts, req.N, req.Seed = prompts, n, e.rng.Uint64()
	groups, err := generate(ctx, evaGame, "solver", r.Round, e.Solver, req)
	if err != nil {
		return r, err
	}
	rewards, err := score(ctx, evaGame, "reward", r.Round, e.Reward, e.Parallelism, prompts, groups)
	if err != nil {
		return r, err
	}
	if r.Solver, err = newBatch("solver", prompts, groups, rewards); err != nil {
		return r, roundErr(evaGame, "reward", r.Round, err)
	}
	r.MeanReward = nanMean(rewards)
	r.Info = make([]float64, len(prompts))
	for i := range prompts {
		r.Info[i] = e.Informativeness.of(rewards[i*n : (i+1)*n])
	}
	r.Parents = mostInformative(prompts, r.Info, max(1, int(math.Ceil(keep*float64(len(prompts))))))
	if r.Evolved, err = e.evolve(ctx, r.Round, r.Parents, children); err != nil {
		return r, err
	}
	buffer := keepBuffer(e.buffer, prompts, r.Info, bufSize)
	r.Next = nextPrompts(rand.New(e.rng), r.Evolved, buffer, size, replay)
	e.prompts, e.buffer = r.Next, buffer
	return r, nil
}

// of returns the informativeness of one prompt's rewards (NaN ones left
// out); fewer than two rewards give 0.
func (k Informativeness) of(rewards []float64) float64 {
	v := slices.DeleteFunc(slices.Clone(rewards), math.IsNaN)
	if len(v) < 2 {
		return 0
	}
	mean, variance := stat.PopMeanVariance(v, nil)
	switch k {
	case MaxMinusMean:
		return slices.Max(v) - mean
	case RewardVariance:
		return variance
	}
	return slices.Max(v) - slices.Min(v)
}

// mostInformative returns the k prompts of highest informativeness, ties
// in prompt order.
func mostInformative(prompts []string, info []float64, k int) []string {
	idx := make([]int, len(prompts))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(info[b], info[a]) })
	out := make([]string, 0, k)
	for _, i := range idx[:min(k, len(idx))] {
		out = append(out, prompts[i])
	}
	return out
}

// evolve asks the creator for children new prompts of each parent and
// returns the distinct non-empty ones in order.
func (e *Eva) evolve(ctx context.Context, round int, parents []string, children int) ([]string, error) {
	if children == 0 || len(parents) == 0 {
		return nil, nil
	}
	asks := make([]string, len(parents))
	for i, p := range parents {
		var err error
		if asks[i], err = runTemplate(e.Template, defaultEvolveTemplate, p); err != nil {
			return nil, roundErr(evaGame, "creator", round, err)
		}
	}
	req := e.CreatorRequest
	req.Prompts, req.N, req.Seed = asks, children, e.rng.Uint64()
	groups, err := generate(ctx, evaGame, "creator", round, e.Creator, req)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for i, g := range groups {
		for _, c := range g {
			p := strings.TrimSpace(c.Text)
			if e.Mutate != nil {
				p = e.Mutate(parents[i], c.Text)
			}
			if p != "" && !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// keepBuffer adds the round's prompts to buf (a prompt already there keeps
// its latest informativeness) and keeps the capacity most informative,
// ties by age (older first).
func keepBuffer(buf []ScoredPrompt, prompts []string, info []float64, capacity int) []ScoredPrompt {
	out := slices.Clone(buf)
	for i, p := range prompts {
		if k := slices.IndexFunc(out, func(s ScoredPrompt) bool { return s.Prompt == p }); k >= 0 {
			out[k].Info = info[i]
			continue
		}
		out = append(out, ScoredPrompt{Prompt: p, Info: info[i]})
	}
	slices.SortStableFunc(out, func(a, b ScoredPrompt) int { return cmp.Compare(b.Info, a.Info) })
	return out[:min(len(out), capacity)]
}

// nextPrompts returns size prompts: evolved ones, up to the share 1 −
// replay, then a uniform draw without replacement from the buffer (and, if
// that runs short, more evolved ones).
func nextPrompts(rng *rand.Rand, evolved []string, buffer []ScoredPrompt, size int, replay float64) []string {
	nEvolved := min(len(evolved), size-int(math.Round(replay*float64(size))))
	next := slices.Clone(evolved[:nEvolved])
	for _, k := range rng.Perm(len(buffer)) {
		if len(next) == size {
			break
		}
		if p := buffer[k].Prompt; !slices.Contains(next, p) {
			next = append(next, p)
		}
	}
	for _, p := range evolved[nEvolved:] {
		if len(next) == size {
			break
		}
		next = append(next, p)
	}
	return next
}
