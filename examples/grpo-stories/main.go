// Command grpo-stories trains the built-in stories260K model with GRPO to
// mention a word in its stories — a verifiable reward the base model rarely
// earns — and prints the success rate on held-out prompts before and after.
//
//	go run ./examples/grpo-stories [-word fish] [-steps 40] [-group 8] [-prompts 6] [-seed 1]
//
// Each step samples -group completions (temperature 1, -tokens new tokens)
// of -prompts training prompts with llama.Sampler, scores each 1 when it
// mentions the word and 0 otherwise, turns the rewards into group z-score
// advantages (policy.GroupNorm), computes the GRPO loss (policy.GRPO: PPO
// clip 0.2, k3 KL penalty to the frozen starting model, seq-mean-token-mean)
// on the teacher-forced log-probs of the samples, back-propagates it through
// the model (Tape.Backward) and takes an AdamW step. It prints, per step,
// the mean reward, the KL to the reference and the tokens per second of
// sampling and of training.
//
// The base model mentions "fish" in about 2% of its 64-token continuations
// of "Once upon a time" (see the model's README); the defaults finish in a
// few minutes on two cores and raise the held-out rate several-fold.
//
// References: Shao et al., DeepSeekMath (GRPO, 2024); Karpathy, llama2.c
// (stories260K).
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
	"time"
	"unicode"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/llama"
	"github.com/evolve-go/evolve/policy/llama/stories260k"
)

// Config is one training run. Zero fields take the documented defaults.
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
	// KLCoef is β of the k3 KL penalty to the reference (default 0.04,
	// GRPO's; negative turns it off).
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
	if c.KLCoef == 0 {
		c.KLCoef = 0.04
	} else if c.KLCoef < 0 {
		c.KLCoef = 0
	}
	if c.EvalSamples == 0 {
		c.EvalSamples = 64
	}
	return c
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
	Step      int
	Reward    float64 // mean reward of the step's samples
	KL        float64 // mean k3 estimate of KL(π‖π_ref) over sampled tokens
	Loss      float64
	SampleTPS float64 // new tokens sampled per second
	TrainTPS  float64 // tokens through forward+backward per second
}

// Result is a run's outcome.
type Result struct {
	Before, After float64 // held-out success rates
	Steps         []StepLog
}

// Run trains a fresh copy of stories260K under cfg, writing progress to w.
func Run(ctx context.Context, cfg Config, w io.Writer) (*Result, error) {
	cfg = cfg.withDefaults()
	for _, f := range []struct {
		name string
		v    int
	}{{"Steps", cfg.Steps}, {"Group", cfg.Group}, {"Prompts", cfg.Prompts}, {"Tokens", cfg.Tokens}, {"EvalSamples", cfg.EvalSamples}} {
		if f.v < 0 {
			return nil, fmt.Errorf("grpo-stories: %s = %d, want ≥ 0", f.name, f.v)
		}
	}
	if cfg.Group < 2 {
		return nil, fmt.Errorf("grpo-stories: Group = %d, want ≥ 2 (GRPO compares completions of a prompt)", cfg.Group)
	}
	if cfg.LR < 0 || math.IsNaN(cfg.LR) || math.IsInf(cfg.LR, 0) {
		return nil, fmt.Errorf("grpo-stories: LR = %v, want finite > 0", cfg.LR)
	}
	m, err := llama.LoadBytes(stories260k.Checkpoint)
	if err != nil {
		return nil, err
	}
	tok, err := llama.LoadTokenizerBytes(stories260k.Tokenizer)
	if err != nil {
		return nil, err
	}
	ref := m.Clone() // frozen reference policy for the KL penalty
	opt, err := llama.NewOptimizer(m, llama.AdamW{LR: cfg.LR, ClipNorm: 1})
	if err != nil {
		return nil, err
	}
	sampler := llama.NewSampler(m, tok)
	reward := mentions(cfg.Word)
	loss := policy.GRPO()
	loss.KL.Coef = cfg.KLCoef
	res := &Result{}

	res.Before, err = evaluate(ctx, sampler, tok, reward, cfg, cfg.Seed^0x5eed)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "reward: mentions %q; held-out success before training: %.1f%%\n", cfg.Word, 100*res.Before)

	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	grads := m.NewGrads()
	tape := new(llama.Tape)
	for step := 0; step < cfg.Steps; step++ {
		// Sample Group completions of each of the step's prompts.
		var prompts [][]int
		var groups []int
		for p := 0; p < cfg.Prompts; p++ {
			ids, err := tok.Encode(trainPrompts[rng.IntN(len(trainPrompts))], true, false)
			if err != nil {
				return nil, err
			}
			for range cfg.Group {
				prompts = append(prompts, ids)
				groups = append(groups, p)
			}
		}
		t0 := time.Now()
		gens, err := sampler.Sample(ctx, prompts, llama.SampleOptions{
			MaxTokens: cfg.Tokens, Temperature: 1, Seed: cfg.Seed<<32 | uint64(step),
		})
		if err != nil {
			return nil, err
		}
		sampleTime := time.Since(t0)

		B := len(gens)
		rewards := make([]float64, B)
		T, newTokens := 0, 0
		for i, g := range gens {
			rewards[i] = reward(g.Text)
			T = max(T, len(g.Tokens))
			newTokens += len(g.Tokens)
		}
		adv := make([]float64, B)
		if err := (policy.GroupNorm{}).Advantages(adv, rewards, groups); err != nil {
			return nil, err
		}

		// Teacher-forced log-probs of the samples under the policy (with
		// the tape for backward) and under the frozen reference.
		t1 := time.Now()
		seqs := make([]llama.Sequence, B)
		old := make([]float64, B*T)
		mask := make([]float64, B*T)
		for i, g := range gens {
			seqs[i] = llama.Sequence{Prompt: prompts[i], Completion: g.Tokens}
			copy(old[i*T:], g.LogProbs)
			for j := range g.Tokens {
				mask[i*T+j] = 1
			}
		}
		logp := make([]float64, B*T)
		if err := tape.Forward(m, logp, seqs, T); err != nil {
			return nil, err
		}
		refLogp := make([]float64, B*T)
		if _, err := ref.LogProbs(refLogp, seqs, T); err != nil {
			return nil, err
		}
		batch := &policy.Batch{B: B, T: T, LogProbs: logp, OldLogProbs: old, RefLogProbs: refLogp, Mask: mask, Advantages: adv}
		grad := make([]float64, B*T)
		stats, err := loss.Eval(grad, batch)
		if err != nil {
			return nil, err
		}
		if err := tape.Backward(grad, grads); err != nil {
			return nil, err
		}
		if _, err := opt.Step(grads); err != nil {
			return nil, err
		}
		grads.Zero()
		trainTime := time.Since(t1)

		var kl float64
		for k, mk := range mask {
			if mk != 0 {
				x := refLogp[k] - logp[k]
				kl += math.Exp(x) - x - 1
			}
		}
		sl := StepLog{
			Step: step + 1, Reward: mean(rewards), KL: kl / float64(newTokens), Loss: stats.Loss,
			SampleTPS: float64(newTokens) / sampleTime.Seconds(),
			TrainTPS:  float64(newTokens) / trainTime.Seconds(),
		}
		res.Steps = append(res.Steps, sl)
		if !cfg.Quiet {
			fmt.Fprintf(w, "step %3d  reward %.3f  kl %.4f  loss %+.4f  sample %6.0f tok/s  train %6.0f tok/s\n",
				sl.Step, sl.Reward, sl.KL, sl.Loss, sl.SampleTPS, sl.TrainTPS)
		}
	}

	res.After, err = evaluate(ctx, sampler, tok, reward, cfg, cfg.Seed^0x5eed)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(w, "held-out success: before %.1f%%, after %.1f%% (%d samples)\n",
		100*res.Before, 100*res.After, len(heldOut)*cfg.EvalSamples)
	if !cfg.Quiet {
		ids, err := tok.Encode(heldOut[0], true, false)
		if err != nil {
			return nil, err
		}
		g, err := sampler.Sample(ctx, [][]int{ids}, llama.SampleOptions{MaxTokens: cfg.Tokens, Temperature: 1, Seed: cfg.Seed})
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(w, "a story after training: %s%s\n", heldOut[0], g[0].Text)
	}
	return res, nil
}

// evaluate returns the share of EvalSamples completions (temperature 1)
// of each held-out prompt that earn reward 1. The same seed before and
// after training makes the comparison paired.
func evaluate(ctx context.Context, s *llama.Sampler, tok *llama.Tokenizer, reward func(string) float64, cfg Config, seed uint64) (float64, error) {
	var prompts [][]int
	for _, p := range heldOut {
		ids, err := tok.Encode(p, true, false)
		if err != nil {
			return 0, err
		}
		for range cfg.EvalSamples {
			prompts = append(prompts, ids)
		}
	}
	gens, err := s.Sample(ctx, prompts, llama.SampleOptions{MaxTokens: cfg.Tokens, Temperature: 1, Seed: seed})
	if err != nil {
		return 0, err
	}
	var hits float64
	for _, g := range gens {
		hits += reward(g.Text)
	}
	return hits / float64(len(gens)), nil
}

// mentions returns the reward function: 1 when text contains word at the
// start of a word (case-insensitive), else 0.
func mentions(word string) func(string) float64 {
	word = strings.ToLower(word)
	return func(text string) float64 {
		text = strings.ToLower(text)
		for i := 0; ; {
			j := strings.Index(text[i:], word)
			if j < 0 {
				return 0
			}
			j += i
			if j == 0 || !unicode.IsLetter(rune(text[j-1])) {
				return 1
			}
			i = j + 1
		}
	}
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func main() {
	var cfg Config
	flag.StringVar(&cfg.Word, "word", "fish", "word a story must mention to earn reward 1")
	flag.IntVar(&cfg.Steps, "steps", 40, "GRPO steps")
	flag.IntVar(&cfg.Group, "group", 8, "completions per prompt (GRPO's G)")
	flag.IntVar(&cfg.Prompts, "prompts", 6, "training prompts per step")
	flag.IntVar(&cfg.Tokens, "tokens", 64, "new tokens per completion")
	flag.Float64Var(&cfg.LR, "lr", 4e-4, "AdamW learning rate")
	flag.Float64Var(&cfg.KLCoef, "kl", 0.04, "k3 KL coefficient β to the starting model (negative: off)")
	flag.IntVar(&cfg.EvalSamples, "eval", 64, "completions per held-out prompt for the success rate")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "random seed")
	flag.Parse()
	if _, err := Run(context.Background(), cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "grpo-stories:", err)
		os.Exit(1)
	}
}
