// Command grpo-stories trains the built-in stories260K model with GRPO to
// mention a word in its stories — a verifiable reward the base model rarely
// earns — and prints the success rate on held-out prompts before and after.
//
//	go run ./examples/grpo-stories [-word fish] [-steps 40] [-group 8] [-prompts 6] [-kl 0.04] [-seed 1]
//
// Its loop is the library's training loop: each step samples -group
// completions (temperature 1, -tokens new tokens) of -prompts training
// prompts with the model's policy.Generator (llama.Sampler), lays them out
// as policy.Rollouts, scores them with a reward.Scorer running the reward
// (1 when the completion mentions the word, else 0), and takes one
// policy.Trainer step: reference log-probs from the frozen starting model
// (forward only), group z-score advantages (policy.GroupNorm), the GRPO
// loss and its gradient ∂loss/∂logp (policy.GRPO: PPO clip 0.2, k3 KL
// penalty to the starting model, seq-mean-token-mean), back-propagation
// through the model and an AdamW step (llama.Trainable). It prints, per
// step, the mean reward, the KL to the starting model, the loss and the
// tokens per second of sampling and of training.
//
// The base model mentions "fish" in about 2.5% of its 64-token continuations
// of "Once upon a time"; -survey N prints such base rates for a few words
// over N samples instead of training (figures in the documentation of
// package stories260k). The defaults
// finish in well under a minute on two cores and raise the held-out rate
// from about 3% to over 90%.
//
// References: Shao et al., DeepSeekMath (GRPO, 2024); Karpathy, llama2.c
// (stories260K).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/llama"
	"github.com/evolve-go/evolve/policy/llama/stories260k"
	"github.com/evolve-go/evolve/reward"
)

// Config is one training run. A zero field takes the default its comment
// documents; for KLCoef, zero means no KL penalty.
type Config struct {
	// Word is the word a story must mention to earn reward 1 (default
	// "fish"): a case-insensitive match at the start of a word, so
	// "Fish", "fishes" and "fishing" count and "selfish" does not.
	Word string
	// Steps is the number of GRPO steps (default 40).
	Steps int
	// Group is the number of completions per prompt, GRPO's G (default 8).
	Group int
	// Prompts is the number of training prompts per step (default 6).
	Prompts int
	// Tokens is the number of new tokens per completion (default 64).
	Tokens int
	// LR is AdamW's learning rate (default 4e-4, high because the model is
	// tiny and the run short).
	LR float64
	// KLCoef is β of the k3 KL penalty to the starting model. Zero (the
	// zero value) turns the penalty off; the command's -kl flag defaults to
	// 0.04, GRPO's (DeepSeekMath). Negative or non-finite is an error.
	KLCoef float64
	// EvalSamples is the number of completions per held-out prompt for the
	// before/after success rate (default 64).
	EvalSamples int
	// Seed seeds prompt choice and sampling (0 is a valid seed).
	Seed uint64
	// Quiet suppresses the per-step lines.
	Quiet bool
}

func (c Config) withDefaults() Config {
	if c.Word == "" {
		c.Word = "fish"
	}
	if c.Steps == 0 {
		c.Steps = 40
	}
	if c.Group == 0 {
		c.Group = 8
	}
	if c.Prompts == 0 {
		c.Prompts = 6
	}
	if c.Tokens == 0 {
		c.Tokens = 64
	}
	if c.LR == 0 {
		c.LR = 4e-4
	}
	if c.EvalSamples == 0 {
		c.EvalSamples = 64
	}
	return c
}

// validate reports the first field of c (after withDefaults) that is out
// of range.
func (c Config) validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"Steps", c.Steps}, {"Group", c.Group}, {"Prompts", c.Prompts}, {"Tokens", c.Tokens}, {"EvalSamples", c.EvalSamples}} {
		if f.v < 0 {
			return fmt.Errorf("grpo-stories: Config.%s = %d, want ≥ 0", f.name, f.v)
		}
	}
	if c.Group < 2 {
		return fmt.Errorf("grpo-stories: Config.Group = %d, want ≥ 2 (GRPO compares completions of a prompt)", c.Group)
	}
	if c.LR < 0 || math.IsNaN(c.LR) || math.IsInf(c.LR, 0) {
		return fmt.Errorf("grpo-stories: Config.LR = %v, want finite > 0", c.LR)
	}
	if c.KLCoef < 0 || math.IsNaN(c.KLCoef) || math.IsInf(c.KLCoef, 0) {
		return fmt.Errorf("grpo-stories: Config.KLCoef = %v, want finite ≥ 0 (0: no KL penalty)", c.KLCoef)
	}
	return nil
}

// objective returns the GRPO loss of c: DeepSeekMath's preset with β =
// c.KLCoef.
func (c Config) objective() policy.PG {
	loss := policy.GRPO()
	loss.KL.Coef = c.KLCoef
	return loss
}

// trainPrompts open the stories sampled during training; heldOut are used
// only to measure the success rate before and after.
var (
	trainPrompts = []string{
		"Once upon a time", "One day,", "Once upon a time, there was a", "Tom and Sue",
		"There was a little boy named", "The sun was shining", "Lily went to the",
		"Once upon a time, in a small town,", "Mom said", "The cat",
		"Ben had a", "It was a sunny day.",
	}
	heldOut = []string{"Once upon a time, there lived", "One morning,", "Sam and his mom", "The little girl"}
)

// StepLog is what one training step measured.
type StepLog struct {
	Step     int
	Reward   float64 // mean reward of the step's scored samples
	Unscored int     // samples whose reward failed or did not apply (left out of the advantages)
	KL       float64 // mean k3 estimate of KL(π‖π_ref) over sampled tokens, before the step
	Loss     float64
	// SampleTPS is the number of new tokens sampled per second.
	SampleTPS float64
	// TrainTPS is the number of tokens through forward and backward per
	// second.
	TrainTPS float64
}

// Result is a run's outcome.
type Result struct {
	Before, After float64 // held-out success rates
	Steps         []StepLog
}

// run is one training run's state: the policy and its trainer, the
// sampler, the scorer and the prompt stream.
type run struct {
	cfg     Config
	sampler *llama.Sampler
	scorer  *reward.Scorer
	trainer policy.Trainer
	rng     *rand.Rand
}

// newRun loads a fresh copy of stories260K and sets up cfg's training.
func newRun(cfg Config) (*run, error) {
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
	return &run{
		cfg:     cfg,
		sampler: llama.NewSampler(m, tok),
		scorer:  &reward.Scorer{Reward: mentions(cfg.Word)},
		// The frozen starting model is the reference of the KL penalty.
		trainer: policy.Trainer{Model: model, Ref: m.Clone(), Loss: cfg.objective(), Advantage: policy.GroupNorm{}},
		rng:     rand.New(rand.NewPCG(cfg.Seed, 1)),
	}, nil
}

// Run trains a fresh copy of stories260K under cfg, writing progress to w.
func Run(ctx context.Context, cfg Config, w io.Writer) (*Result, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	r, err := newRun(cfg)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	if res.Before, err = r.evaluate(ctx); err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "reward: mentions %q; held-out success before training: %.1f%%\n", cfg.Word, 100*res.Before)
	for step := range cfg.Steps {
		sl, err := r.step(ctx, step, w)
		if err != nil {
			return nil, err
		}
		res.Steps = append(res.Steps, sl)
	}
	if res.After, err = r.evaluate(ctx); err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "held-out success: before %.1f%%, after %.1f%% (%d samples)\n",
		100*res.Before, 100*res.After, len(heldOut)*cfg.EvalSamples)
	if !cfg.Quiet {
		groups, err := r.sampler.Generate(ctx, policy.GenerateRequest{Prompts: heldOut[:1], MaxTokens: cfg.Tokens, Seed: cfg.Seed})
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(w, "a story after training: %s%s\n", heldOut[0], groups[0][0].Text)
	}
	return res, nil
}

// step takes one GRPO step: Group completions (temperature 1) of each of
// Prompts training prompts, scored, laid out as rollouts and trained on.
func (r *run) step(ctx context.Context, step int, w io.Writer) (StepLog, error) {
	cfg := r.cfg
	prompts := make([]string, cfg.Prompts)
	for p := range prompts {
		prompts[p] = trainPrompts[r.rng.IntN(len(trainPrompts))]
	}
	t0 := time.Now()
	groups, err := r.sampler.Generate(ctx, policy.GenerateRequest{
		Prompts: prompts, N: cfg.Group, MaxTokens: cfg.Tokens, Seed: cfg.Seed<<32 | uint64(step),
	})
	if err != nil {
		return StepLog{}, err
	}
	sampleTime := time.Since(t0)
	batch, err := policy.NewRollouts(groups, 0)
	if err != nil {
		return StepLog{}, err
	}
	// A sample whose reward failed or did not apply scores NaN, which the
	// advantage estimator leaves out.
	var errs []error
	if batch.Rewards, errs, err = r.scorer.ScoreCompletions(ctx, prompts, nil, groups); err != nil {
		return StepLog{}, err // cancelled, or the Scorer is misconfigured
	}
	t1 := time.Now()
	st, err := r.trainer.Step(batch)
	if err != nil {
		return StepLog{}, err
	}
	trainTime := time.Since(t1)
	tokens := batch.Tokens()
	sl := StepLog{Step: step + 1, Reward: nanMean(batch.Rewards), KL: st.KL, Loss: st.Loss,
		SampleTPS: tokens / sampleTime.Seconds(), TrainTPS: tokens / trainTime.Seconds()}
	sl.Unscored, err = unscored(errs)
	if !cfg.Quiet {
		r.log(w, sl, err, batch.B)
	}
	return sl, nil
}

// unscored counts the samples that could not be scored and returns the
// first error other than "not applicable".
func unscored(errs []error) (n int, first error) {
	for _, e := range errs {
		if e != nil {
			n++
			if first == nil && !errors.Is(e, reward.ErrSkip) {
				first = e
			}
		}
	}
	return n, first
}

// log prints a step's line and the first scoring failure, if any.
func (r *run) log(w io.Writer, sl StepLog, failure error, B int) {
	if failure != nil {
		fmt.Fprintf(w, "step %d: %v\n", sl.Step, failure)
	}
	fmt.Fprintf(w, "step %3d  reward %.3f  kl %.4f  loss %+.4f  sample %6.0f tok/s  train %6.0f tok/s",
		sl.Step, sl.Reward, sl.KL, sl.Loss, sl.SampleTPS, sl.TrainTPS)
	if sl.Unscored > 0 {
		fmt.Fprintf(w, "  (%d of %d unscored)", sl.Unscored, B)
	}
	fmt.Fprintln(w)
}

// evaluate returns the mean reward, that is the success rate, of
// EvalSamples completions (temperature 1) of each held-out prompt; samples
// that could not be scored are left out. The same seed before and after
// training makes the comparison paired.
func (r *run) evaluate(ctx context.Context) (float64, error) {
	groups, err := r.sampler.Generate(ctx, policy.GenerateRequest{
		Prompts: heldOut, N: r.cfg.EvalSamples, MaxTokens: r.cfg.Tokens, Seed: r.cfg.Seed ^ 0x5eed,
	})
	if err != nil {
		return 0, err
	}
	scores, _, err := r.scorer.ScoreCompletions(ctx, heldOut, nil, groups)
	if err != nil {
		return 0, err
	}
	return nanMean(scores), nil
}

// surveyWords are the words whose base rates Survey reports by default.
var surveyWords = []string{"dog", "car", "tree", "cat", "ball", "fish", "boat", "cake"}

// Survey samples n continuations (temperature 1, at most tokens new tokens,
// seeded) of "Once upon a time" from the untrained model and prints, for
// each word, the share that mentions it as the training reward counts it:
// how often a group of samples earns any reward at all before training.
func Survey(ctx context.Context, w io.Writer, n, tokens int, seed uint64, words []string) error {
	if n <= 0 || tokens <= 0 {
		return fmt.Errorf("grpo-stories: Survey: n = %d and tokens = %d, want both > 0", n, tokens)
	}
	m, err := llama.LoadBytes(stories260k.Checkpoint)
	if err != nil {
		return err
	}
	tok, err := llama.LoadTokenizerBytes(stories260k.Tokenizer)
	if err != nil {
		return err
	}
	const prompt = "Once upon a time"
	ids, err := tok.Encode(prompt, true, false)
	if err != nil {
		return err
	}
	prompts := make([][]int, n)
	for i := range prompts {
		prompts[i] = ids
	}
	gens, err := llama.NewSampler(m, tok).Sample(ctx, prompts, llama.SampleOptions{MaxTokens: tokens, Temperature: 1, Seed: seed})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d continuations of %q (temperature 1, ≤ %d tokens, seed %d):\n", n, prompt, tokens, seed)
	for _, word := range words {
		r := mentions(word)
		hits := 0.0
		for _, g := range gens {
			v, err := r.Score(ctx, reward.Sample{Prompt: prompt, Completion: g.Text})
			if err != nil {
				return err
			}
			hits += v
		}
		fmt.Fprintf(w, "%-6s %5.1f%%\n", word, 100*hits/float64(n))
	}
	return nil
}

// mentions returns the reward: 1 when the completion has word at the
// start of a word (case-insensitive: "Fish", "fishes" and "fishing" count,
// "selfish" does not), else 0.
func mentions(word string) reward.Mentions {
	return reward.Mentions{Words: []string{word}, Prefix: true}
}

// nanMean is the mean of the non-NaN entries of v (NaN when there are none).
func nanMean(v []float64) float64 {
	s, n := 0.0, 0
	for _, x := range v {
		if !math.IsNaN(x) {
			s += x
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

func main() {
	var cfg Config
	flag.StringVar(&cfg.Word, "word", "fish", "word a story must mention to earn reward 1")
	flag.IntVar(&cfg.Steps, "steps", 40, "GRPO steps")
	flag.IntVar(&cfg.Group, "group", 8, "completions per prompt (GRPO's G)")
	flag.IntVar(&cfg.Prompts, "prompts", 6, "training prompts per step")
	flag.IntVar(&cfg.Tokens, "tokens", 64, "new tokens per completion")
	flag.Float64Var(&cfg.LR, "lr", 4e-4, "AdamW learning rate")
	flag.Float64Var(&cfg.KLCoef, "kl", 0.04, "k3 KL coefficient β to the starting model (0: no KL penalty)")
	flag.IntVar(&cfg.EvalSamples, "eval", 64, "completions per held-out prompt for the success rate")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "random seed")
	surveyN := flag.Int("survey", 0, "instead of training, print how often N continuations of \"Once upon a time\" by the base model mention each of a few words")
	flag.Parse()
	if *surveyN > 0 {
		if err := Survey(context.Background(), os.Stdout, *surveyN, cfg.Tokens, cfg.Seed, surveyWords); err != nil {
			fmt.Fprintln(os.Stderr, "grpo-stories:", err)
			os.Exit(1)
		}
		return
	}
	if _, err := Run(context.Background(), cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "grpo-stories:", err)
		os.Exit(1)
	}
}
