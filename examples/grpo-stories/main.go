// Command grpo-stories is the main job: it post-trains the built-in
// stories260K model to mention a word in its stories — tasks of different
// difficulty, each with its own prompts — with a curriculum choosing the
// tasks and any objective of the library, and reports what the run did to
// the model.
//
//	go run ./examples/grpo-stories [-objective grpo] [-curriculum sec] [-tasks fish]
//	    [-steps 80] [-dir run] [-resume] [-seed 1]
//
// Each step the curriculum (SEC by default: a Boltzmann choice over the
// tasks' recent mean |advantage|) picks the task of each of -prompts
// prompts; the model samples -group stories (temperature 1, -tokens new
// tokens) of each with its policy.Generator (llama.Sampler); a
// reward.Scorer scores them (1 when the story mentions its task's word);
// policy.NewRollouts lays them out; and a policy.Trainer step trains the
// model (llama.Trainable: AdamW) with the objective: reference log-probs
// from the frozen starting model, advantages or pairs from the rewards,
// the loss's gradient ∂loss/∂logp, back-propagation, the update. The
// curriculum then sees each group's rewards.
//
// It prints a line per step (reward, KL to the starting model, clip
// fraction, tokens per second, elapsed time, the tasks' shares of the
// prompts, and every -eval-every steps the held-out success of each task),
// then a before/after table on held-out prompts — success, KL per token,
// the floor of that KL (the least KL that lifts success from its base rate
// to the reached one), the base model's NLL per token of the stories (their
// fluency), distinct-2 (their diversity) — and a story before and after.
// A monitor (package monitor) watches the run — the policy's entropy, the
// diversity of its stories, the KL, the groups without learning signal, a
// probe of the held-out stories' sentences — and its events are printed
// as they fire; the default run raises none.
// With -dir it writes the checkpoint (model.bin in llama2.c's format, the
// optimizer's state, state.json), log.jsonl (a JSON line per step),
// monitor.jsonl (the monitor's record, monitor.ReadRun) and plot.png
// every -checkpoint-every steps and at the end; -resume continues
// such a run bit for bit; Ctrl-C stops after the current step and keeps
// them. -survey N prints the base model's rates of a few words instead.
//
// References: Shao et al., DeepSeekMath (GRPO, 2024); Chen et al.,
// Self-Evolving Curriculum for LLM Reasoning (SEC, 2025); Karpathy,
// llama2.c (stories260K).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/evolve-go/evolve/policy/llama"
	"github.com/evolve-go/evolve/policy/llama/stories260k"
	"github.com/evolve-go/evolve/reward"
)

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
	m, tok, err := loadStories()
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

// loadStories returns the built-in stories260K model and its tokenizer.
func loadStories() (*llama.Model, *llama.Tokenizer, error) {
	m, err := llama.LoadBytes(stories260k.Checkpoint)
	if err != nil {
		return nil, nil, err
	}
	tok, err := llama.LoadTokenizerBytes(stories260k.Tokenizer)
	return m, tok, err
}

// mentions returns the reward of a word: 1 when the completion has it at
// the start of a word (case-insensitive), else 0.
func mentions(word string) reward.Mentions {
	return reward.Mentions{Words: []string{word}, Prefix: true}
}

func main() {
	var cfg Config
	flag.StringVar(&cfg.Objective, "objective", "grpo", "loss: grpo, dapo, drgrpo, gspo, cispo, nft, dpo, ipo, rdp, copg or kto")
	flag.StringVar(&cfg.Curriculum, "curriculum", "sec", "task choice: sec, uniform, ucb, thompson, easy2hard or ladder")
	flag.StringVar(&cfg.Tasks, "tasks", "fish", "task set: fish (one word, four difficulty levels) or words (four words)")
	flag.IntVar(&cfg.Steps, "steps", 80, "training steps")
	flag.IntVar(&cfg.Group, "group", 16, "stories per prompt")
	flag.IntVar(&cfg.Prompts, "prompts", 8, "prompts per step")
	flag.IntVar(&cfg.Tokens, "tokens", 48, "new tokens per story")
	flag.IntVar(&cfg.Epochs, "epochs", 1, "optimisation steps on each step's samples (1: on-policy)")
	flag.Float64Var(&cfg.LR, "lr", 0, "AdamW learning rate (0: the objective's default)")
	flag.Float64Var(&cfg.KLCoef, "kl", 0, "k3 KL coefficient of the policy-gradient objectives (0: the objective's default)")
	flag.BoolVar(&cfg.NoKL, "no-kl", false, "no KL penalty")
	flag.Float64Var(&cfg.Beta, "beta", 0, "β of the preference objectives (0: the objective's default)")
	flag.StringVar(&cfg.Pairs, "pairs", "", "pairs of the pairwise objectives: best, margin or all (ties included); default the objective's")
	flag.IntVar(&cfg.EvalSamples, "eval", 64, "stories per held-out prompt in the final evaluation")
	flag.IntVar(&cfg.EvalEvery, "eval-every", 5, "steps between held-out checks")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "random seed")
	flag.StringVar(&cfg.Dir, "dir", "", "directory for the checkpoint, log.jsonl and plot.png")
	flag.IntVar(&cfg.CheckpointEvery, "checkpoint-every", 10, "steps between checkpoints")
	flag.BoolVar(&cfg.Resume, "resume", false, "continue the run saved in -dir")
	flag.BoolVar(&cfg.Quiet, "quiet", false, "no line per step")
	surveyN := flag.Int("survey", 0, "instead of training, print how often N continuations of \"Once upon a time\" by the base model mention each of a few words")
	flag.Parse()
	if err := run1(cfg, *surveyN, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "grpo-stories:", err)
		os.Exit(1)
	}
}

// run1 runs the survey or the training; Ctrl-C stops training after the
// current step.
func run1(cfg Config, surveyN int, w io.Writer) error {
	if surveyN > 0 {
		return Survey(context.Background(), w, surveyN, cfg.Tokens, cfg.Seed, surveyWords)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	_, err := Run(ctx, cfg, w)
	if err != nil && ctx.Err() != nil {
		fmt.Fprintln(w, "interrupted: the checkpoint, log and plot hold the steps done")
		return nil
	}
	return err
}
