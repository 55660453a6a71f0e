// Command eva-stories plays eva's creator/solver game with the built-in
// stories260K model in both roles: the solver learns (GRPO) to mention a
// word in its stories, and the creator — the same model — evolves the
// training prompts by continuing the most informative ones, those whose
// samples disagree about the reward. It prints the held-out success rate
// before and after, next to a baseline that trains the same number of
// steps on prompts drawn uniformly from the seed prompts.
//
//	go run ./examples/eva-stories [-word fish] [-rounds 30] [-seed 1] [-baseline]
//
// Each round: the solver samples -group stories (temperature 1, -tokens
// new tokens) of each of -size prompts; the reward is 1 for a story that
// mentions the word; a prompt's informativeness is max − min of its
// rewards; the most informative quarter are the parents, each continued
// by the creator with -creator-tokens tokens into three new prompts; half
// of the next round's prompts are evolved ones and half come from a buffer
// of the most informative prompts seen. The solver takes one
// policy.Trainer step (GRPO, k3 KL to the starting model) on the round's
// batch. A monitor (package monitor) watches the solver's steps and the
// run prints its events as they fire.
//
// References: Ye et al., "Evolving Alignment via Asymmetric Self-Play"
// (eva, 2024).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"text/template"

	"github.com/evolve-go/evolve/internal/nanmean"
	"github.com/evolve-go/evolve/monitor"
	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/llama"
	"github.com/evolve-go/evolve/policy/llama/stories260k"
	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/selfplay"
)

// Config is one run. A zero field takes the default its comment gives;
// KLCoef zero means no KL penalty.
type Config struct {
	Word          string  // the word a story must mention (default "fish")
	Rounds        int     // rounds, one solver step each (default 30)
	Group         int     // solver samples per prompt (default 8)
	Size          int     // prompts per round (default 6)
	Tokens        int     // new tokens per story (default 48)
	CreatorTokens int     // new tokens the creator adds to a prompt (default 6)
	LR            float64 // AdamW learning rate (default 4e-4)
	KLCoef        float64 // k3 KL coefficient to the starting model; the -kl flag defaults to 0.04
	EvalSamples   int     // held-out samples per prompt (default 64)
	Seed          uint64
	// Baseline trains on prompts drawn uniformly from the seeds instead
	// of playing the game.
	Baseline bool
	Quiet    bool
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Rounds, 30)
	def(&c.Group, 8)
	def(&c.Size, 6)
	def(&c.Tokens, 48)
	def(&c.CreatorTokens, 6)
	def(&c.EvalSamples, 64)
	if c.Word == "" {
		c.Word = "fish"
	}
	if c.LR == 0 {
		c.LR = 4e-4
	}
	return c
}

func (c Config) validate() error {
	for _, v := range []int{c.Rounds, c.Group, c.Size, c.Tokens, c.CreatorTokens, c.EvalSamples} {
		if v < 0 {
			return fmt.Errorf("eva-stories: negative setting in %+v", c)
		}
	}
	if c.Group < 2 {
		return fmt.Errorf("eva-stories: Config.Group = %d, want ≥ 2", c.Group)
	}
	if !(c.LR > 0) || math.IsInf(c.LR, 0) || !(c.KLCoef >= 0) || math.IsInf(c.KLCoef, 0) {
		return fmt.Errorf("eva-stories: Config.LR = %v, KLCoef = %v: want finite, LR > 0, KLCoef ≥ 0", c.LR, c.KLCoef)
	}
	return nil
}

// seeds are the first round's prompts; heldOut only measure success.
var (
	seeds = []string{
		"Once upon a time", "One day,", "Once upon a time, there was a", "Tom and Sue",
		"There was a little boy named", "The sun was shining", "Lily went to the",
		"Once upon a time, in a small town,", "Mom said", "The cat", "Ben had a", "It was a sunny day.",
	}
	heldOut = []string{"Once upon a time, there lived", "One morning,", "Sam and his mom", "The little girl"}
)

// RoundLog is what one round measured.
type RoundLog struct {
	Round      int
	Reward     float64 // the solver's mean reward on the round's prompts
	Info       float64 // the prompts' mean informativeness (max − min reward)
	KL         float64 // mean k3 KL to the starting model, before the step
	Prompts    []string
	NewPrompts int // prompts the creator evolved
}

// Result is a run's outcome.
type Result struct {
	Before, After float64 // held-out success rates
	Rounds        []RoundLog
	Monitor       *monitor.Run // the monitor's records and events of the solver's steps
}

// game is one run's model, trainer and game.
type game struct {
	cfg     Config
	sampler *llama.Sampler
	trainer policy.Trainer
	eva     *selfplay.Eva
	reward  reward.Reward
	rng     *rand.Rand
	rounds  int
	mon     *monitor.Monitor
}

func newGame(cfg Config) (*game, error) {
	m, err := llama.LoadBytes(stories260k.Checkpoint)
	if err != nil {
		return nil, err
	}
	tok, err := llama.LoadTokenizerBytes(stories260k.Tokenizer)
	if err != nil {
		return nil, err
	}
	model, err := llama.NewTrainable(m, llama.AdamW{LR: cfg.LR, ClipNorm: 1})
	if err != nil {
		return nil, err
	}
	loss := policy.GRPO()
	loss.KL.Coef = cfg.KLCoef
	g := &game{cfg: cfg, sampler: llama.NewSampler(m, tok),
		trainer: policy.Trainer{Model: model, Ref: m.Clone(), Loss: loss, Advantage: policy.GroupNorm{}},
		reward:  reward.Mentions{Words: []string{cfg.Word}, Prefix: true},
		rng:     rand.New(rand.NewPCG(cfg.Seed, 2))}
	if g.mon, err = monitor.New(monitor.Config{}); err != nil {
		return nil, err
	}
	g.eva = &selfplay.Eva{Creator: g.sampler, Solver: g.sampler, Reward: g.reward, Seeds: seeds[:cfg.Size],
		N: cfg.Group, Children: 3, Size: cfg.Size, Seed: cfg.Seed,
		Template:       template.Must(template.New("continue").Parse("{{.}}")),
		Mutate:         continuePrompt,
		SolverRequest:  policy.GenerateRequest{MaxTokens: cfg.Tokens},
		CreatorRequest: policy.GenerateRequest{MaxTokens: cfg.CreatorTokens}}
	return g, nil
}

// continuePrompt evolves a story prompt by the creator's continuation, up
// to its first line break; a prompt past 100 bytes stays as it is.
func continuePrompt(parent, reply string) string {
	reply, _, _ = strings.Cut(reply, "\n")
	if len(parent) > 100 || strings.TrimSpace(reply) == "" {
		return parent
	}
	return parent + reply
}

// Run plays cfg's game (or its baseline), writing progress to w.
func Run(ctx context.Context, cfg Config, w io.Writer) (*Result, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	g, err := newGame(cfg)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	if res.Before, err = g.evaluate(ctx); err != nil {
		return nil, err
	}
	for range cfg.Rounds {
		log, err := g.round(ctx, w)
		if err != nil {
			return nil, err
		}
		res.Rounds = append(res.Rounds, log)
		if !cfg.Quiet {
			fmt.Fprintf(w, "round %3d  reward %.3f  informativeness %.3f  kl %.4f  evolved %d  e.g. %q\n",
				log.Round, log.Reward, log.Info, log.KL, log.NewPrompts, log.Prompts[0])
		}
	}
	res.Monitor = g.mon.Run()
	if res.After, err = g.evaluate(ctx); err != nil {
		return nil, err
	}
	mode := "eva"
	if cfg.Baseline {
		mode = "uniform seed prompts"
	}
	fmt.Fprintf(w, "%s: held-out stories that mention %q: before %.1f%%, after %.1f%% (%d rounds)\n",
		mode, cfg.Word, 100*res.Before, 100*res.After, cfg.Rounds)
	return res, nil
}

// round plays one eva round (or draws the baseline's prompts), takes one
// solver step on its batch and prints the monitor's events to w.
func (g *game) round(ctx context.Context, w io.Writer) (RoundLog, error) {
	var batch selfplay.Batch
	var log RoundLog
	if g.cfg.Baseline {
		var err error
		if batch, err = g.baselineBatch(ctx); err != nil {
			return log, err
		}
	} else {
		r, err := g.eva.Round(ctx)
		if err != nil {
			return log, err
		}
		batch, log.Info, log.NewPrompts = r.Solver, nanmean.Of(r.Info), len(r.Evolved)
	}
	g.rounds++
	log.Round, log.Prompts, log.Reward = g.rounds, batch.Prompts, nanmean.Of(batch.Rewards)
	ro, err := batch.Rollouts()
	if err != nil {
		return log, err
	}
	st, err := g.trainer.Step(ro)
	if err != nil {
		return log, err
	}
	log.KL = st.KL
	events, err := g.mon.Observe(ctx, monitor.Step{Stats: &st, Rollouts: ro, Texts: monitor.Texts(batch.Groups)})
	for _, e := range events {
		fmt.Fprintln(w, "monitor:", e)
	}
	return log, err
}

// baselineBatch is the baseline's round: the solver's scored stories of
// Size prompts drawn uniformly from the seeds.
func (g *game) baselineBatch(ctx context.Context) (selfplay.Batch, error) {
	prompts := make([]string, g.cfg.Size)
	for i := range prompts {
		prompts[i] = seeds[g.rng.IntN(len(seeds))]
	}
	groups, err := g.sampler.Generate(ctx, policy.GenerateRequest{Prompts: prompts, N: g.cfg.Group, MaxTokens: g.cfg.Tokens, Seed: g.rng.Uint64()})
	if err != nil {
		return selfplay.Batch{}, err
	}
	rewards, _, err := (&reward.Scorer{Reward: g.reward}).ScoreCompletions(ctx, prompts, nil, groups)
	return selfplay.Batch{Role: "solver", Prompts: prompts, Groups: groups, Rewards: rewards}, err
}

// evaluate returns the share of EvalSamples stories of each held-out
// prompt that mention the word, with a fixed seed so that before and
// after are paired.
func (g *game) evaluate(ctx context.Context) (float64, error) {
	groups, err := g.sampler.Generate(ctx, policy.GenerateRequest{Prompts: heldOut, N: g.cfg.EvalSamples, MaxTokens: g.cfg.Tokens, Seed: g.cfg.Seed ^ 0x5eed})
	if err != nil {
		return 0, err
	}
	scores, _, err := (&reward.Scorer{Reward: g.reward}).ScoreCompletions(ctx, heldOut, nil, groups)
	if err != nil {
		return 0, err
	}
	return nanmean.Of(scores), nil
}

func main() {
	var cfg Config
	flag.StringVar(&cfg.Word, "word", "fish", "word a story must mention")
	flag.IntVar(&cfg.Rounds, "rounds", 30, "rounds (one solver step each)")
	flag.IntVar(&cfg.Group, "group", 8, "solver samples per prompt")
	flag.IntVar(&cfg.Size, "size", 6, "prompts per round")
	flag.IntVar(&cfg.Tokens, "tokens", 48, "new tokens per story")
	flag.IntVar(&cfg.CreatorTokens, "creator-tokens", 6, "tokens the creator adds to a prompt")
	flag.Float64Var(&cfg.LR, "lr", 4e-4, "AdamW learning rate")
	flag.Float64Var(&cfg.KLCoef, "kl", 0.04, "k3 KL coefficient to the starting model (0: none)")
	flag.IntVar(&cfg.EvalSamples, "eval", 64, "held-out samples per prompt")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "random seed")
	flag.BoolVar(&cfg.Baseline, "baseline", false, "train on uniform seed prompts instead of playing the game")
	flag.Parse()
	if _, err := Run(context.Background(), cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "eva-stories:", err)
		os.Exit(1)
	}
}
