package main

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/preference"
)

// Config is one training run. A zero field takes the default its comment
// documents; the defaults of LR, KLCoef and Beta depend on the objective
// (see objectives).
type Config struct {
	// Tasks names the task set, the curriculum's arms: "fish" (default:
	// one word at four levels of difficulty) or "words" (four words with
	// their own prompts); see taskSets.
	Tasks string
	// Curriculum chooses the task of each prompt: "sec" (default),
	// "uniform", "ucb", "thompson", "easy2hard" or "ladder".
	Curriculum string
	// Objective is the loss: "grpo" (default), "dapo", "drgrpo", "gspo",
	// "cispo", "nft", "dpo", "ipo", "rdp", "copg" or "kto".
	Objective string
	// Steps is the number of training steps (default 80).
	Steps int
	// Group is the number of stories per prompt (default 16).
	Group int
	// Prompts is the number of prompts per step (default 8).
	Prompts int
	// Tokens is the number of new tokens per story (default 48).
	Tokens int
	// Epochs is the number of optimisation steps on each step's samples
	// (default 1: on-policy, where every ratio is 1 and the PPO clip, the
	// CISPO cap and GSPO's sequence ratio change nothing; above 1 they
	// do).
	Epochs int
	// LR is AdamW's learning rate; 0 means the objective's default.
	LR float64
	// KLCoef is β of the k3 KL penalty to the starting model that the
	// policy-gradient objectives add; 0 means the objective's default,
	// and NoKL turns it off.
	KLCoef float64
	NoKL   bool
	// Beta is β of the preference objectives (DPO, IPO, RDP, CoPG, KTO);
	// 0 means the objective's default.
	Beta float64
	// Pairs overrides how a pairwise objective's pairs are built: "best"
	// (best vs worst of each group), "margin" (every pair of different
	// rewards) or "all" (every pair of a group, ties included, in row
	// order: what RDP's and CoPG's papers pool; not for DPO or IPO, to
	// whom row order is a preference). "" means the objective's own.
	Pairs string
	// EvalSamples is the number of stories per held-out prompt of the
	// final evaluation (default 64); EvalEvery the steps between the
	// quick held-out checks of the run (default 5, 16 stories per
	// prompt).
	EvalSamples, EvalEvery int
	// Seed seeds prompt choice, the curriculum and sampling (0 is valid).
	Seed uint64
	// Dir, when set, receives the checkpoint (model.bin in llama2.c's
	// format, optimizer.bin, state.json), the step log (log.jsonl) and the
	// plot (plot.png); CheckpointEvery is the steps between checkpoints
	// (default 10; one is always written at the end).
	Dir             string
	CheckpointEvery int
	// Resume continues the run saved in Dir.
	Resume bool
	// Quiet suppresses the per-step lines.
	Quiet bool
}

// objective is how a run trains: the loss, how a step's batch gets its
// signal, and the objective's default settings.
type objective struct {
	name   string
	lr     float64 // default learning rate
	kl     float64 // default KL coefficient (policy-gradient objectives)
	beta   float64 // default β (preference objectives)
	loss   func(c Config) policy.Loss
	adv    policy.AdvantageEstimator // nil: none
	pairs  func(rewards []float64, groups []int) ([]policy.Pair, error)
	pgLike bool // takes KLCoef
}

// objectives are the objectives and the settings under which each learns
// here (see the README's table for what each reaches).
var objectives = []objective{
	{name: "grpo", lr: 1.5e-4, kl: 0.1, pgLike: true, adv: policy.GroupNorm{},
		loss: func(c Config) policy.Loss { return withKL(policy.GRPO(), c) }},
	{name: "dapo", lr: 1.5e-4, kl: 0.1, pgLike: true, adv: policy.GroupNorm{},
		loss: func(c Config) policy.Loss { return withKL(policy.DAPO(), c) }},
	{name: "drgrpo", lr: 1.5e-4, kl: 0.1, pgLike: true, adv: policy.GroupMean{},
		loss: func(c Config) policy.Loss { return withKL(policy.DrGRPO(float64(c.Tokens)), c) }},
	{name: "gspo", lr: 1.5e-4, kl: 0.1, pgLike: true, adv: policy.GroupNorm{},
		loss: func(c Config) policy.Loss { return withKL(policy.GSPO(), c) }},
	{name: "cispo", lr: 1.5e-4, kl: 0.1, pgLike: true, adv: policy.GroupNorm{},
		loss: func(c Config) policy.Loss {
			return withKL(policy.PG{Surrogate: policy.CISPO{}, Agg: policy.TokenMean{}}, c)
		}},
	{name: "nft", lr: 5e-5, loss: func(Config) policy.Loss { return policy.NFT{} }},
	{name: "dpo", lr: 1e-4, beta: 0.2, pairs: bestWorst,
		loss: func(c Config) policy.Loss { return preference.DPO{Beta: c.Beta} }},
	{name: "ipo", lr: 1e-4, beta: 0.2, pairs: bestWorst,
		loss: func(c Config) policy.Loss { return preference.DPO{Variant: preference.IPO, Beta: c.Beta} }},
	{name: "rdp", lr: 4e-4, beta: 0.1, pairs: marginPairs,
		loss: func(c Config) policy.Loss { return preference.RDP{Beta: c.Beta} }},
	{name: "copg", lr: 4e-4, beta: 0.1, pairs: marginPairs,
		loss: func(c Config) policy.Loss { return preference.CoPG{Beta: c.Beta} }},
	{name: "kto", lr: 2e-4, beta: 0.1, adv: policy.GroupNorm{},
		loss: func(c Config) policy.Loss { return preference.KTO{Beta: c.Beta} }},
}

// pairBuilders are the pairings Config.Pairs names.
var pairBuilders = map[string]func(rewards []float64, groups []int) ([]policy.Pair, error){
	"best": bestWorst, "margin": marginPairs, "all": allPairs,
}

// allPairs returns every pair (i, j), i < j, of rows of a group, ties
// included, in row order.
func allPairs(_ []float64, groups []int) ([]policy.Pair, error) {
	var out []policy.Pair
	for i := range groups {
		for j := i + 1; j < len(groups); j++ {
			if groups[i] == groups[j] {
				out = append(out, policy.Pair{Chosen: i, Rejected: j})
			}
		}
	}
	return out, nil
}

func bestWorst(rewards []float64, groups []int) ([]policy.Pair, error) {
	return preference.BestWorstPairs(nil, rewards, groups)
}

func marginPairs(rewards []float64, groups []int) ([]policy.Pair, error) {
	return preference.MarginPairs(nil, rewards, groups, 0)
}

// withKL sets the k3 KL penalty of a policy-gradient loss to c.KLCoef.
func withKL(p policy.PG, c Config) policy.PG {
	p.KL = policy.KL{Estimator: policy.K3, Coef: c.KLCoef}
	return p
}

// objectiveNamed returns the objective called name.
func objectiveNamed(name string) (objective, error) {
	for _, o := range objectives {
		if o.name == name {
			return o, nil
		}
	}
	names := make([]string, len(objectives))
	for i, o := range objectives {
		names[i] = o.name
	}
	return objective{}, fmt.Errorf("grpo-stories: unknown objective %q (have %s)", name, strings.Join(names, ", "))
}

// curricula are the names Config.Curriculum takes.
var curricula = []string{"sec", "uniform", "ucb", "thompson", "easy2hard", "ladder"}

// withDefaults fills the zero fields.
func (c Config) withDefaults() (Config, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Steps, 80)
	def(&c.Group, 16)
	def(&c.Prompts, 8)
	def(&c.Tokens, 48)
	def(&c.Epochs, 1)
	def(&c.EvalSamples, 64)
	def(&c.EvalEvery, 5)
	def(&c.CheckpointEvery, 10)
	if c.Curriculum == "" {
		c.Curriculum = "sec"
	}
	if c.Tasks == "" {
		c.Tasks = "fish"
	}
	if c.Objective == "" {
		c.Objective = "grpo"
	}
	o, err := objectiveNamed(c.Objective)
	if err != nil {
		return c, err
	}
	if c.LR == 0 {
		c.LR = o.lr
	}
	if c.KLCoef == 0 && o.pgLike {
		c.KLCoef = o.kl
	}
	if c.NoKL {
		c.KLCoef = 0
	}
	if c.Beta == 0 {
		c.Beta = o.beta
	}
	return c, c.validate()
}

// validate reports the first field of c (after withDefaults) out of range.
func (c Config) validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"Steps", c.Steps}, {"Prompts", c.Prompts}, {"Tokens", c.Tokens}, {"Epochs", c.Epochs}, {"EvalSamples", c.EvalSamples},
		{"EvalEvery", c.EvalEvery}, {"CheckpointEvery", c.CheckpointEvery}} {
		if f.v < 0 {
			return fmt.Errorf("grpo-stories: Config.%s = %d, want ≥ 0", f.name, f.v)
		}
	}
	if c.Group < 2 {
		return fmt.Errorf("grpo-stories: Config.Group = %d, want ≥ 2 (the objectives compare stories of a prompt)", c.Group)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"LR", c.LR}, {"KLCoef", c.KLCoef}, {"Beta", c.Beta}} {
		if f.v < 0 || math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("grpo-stories: Config.%s = %v, want finite ≥ 0", f.name, f.v)
		}
	}
	if _, ok := pairBuilders[c.Pairs]; c.Pairs != "" && !ok {
		return fmt.Errorf("grpo-stories: unknown pairing %q (have best, margin, all)", c.Pairs)
	}
	if !slices.Contains(curricula, c.Curriculum) {
		return fmt.Errorf("grpo-stories: unknown curriculum %q (have %s)", c.Curriculum, strings.Join(curricula, ", "))
	}
	if c.Resume && c.Dir == "" {
		return fmt.Errorf("grpo-stories: Config.Resume needs Config.Dir")
	}
	_, err := tasksNamed(c.Tasks)
	return err
}
