package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/evolve-go/evolve/curriculum"
	"github.com/evolve-go/evolve/internal/nanmean"
	"github.com/evolve-go/evolve/monitor"
	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/llama"
	"github.com/evolve-go/evolve/preference"
	"github.com/evolve-go/evolve/reward"
)

// StepLog is what one training step measured: a line of log.jsonl.
type StepLog struct {
	Step      int       `json:"step"`
	Arms      []int     `json:"arms"`              // the task of each prompt
	Rewards   []float64 `json:"rewards"`           // the mean reward of each prompt's group
	Reward    float64   `json:"reward"`            // the mean reward of the step
	KL        float64   `json:"kl"`                // mean k3 KL to the starting model, before the step
	ClipFrac  float64   `json:"clip_frac"`         // share of tokens on which a clip held
	Loss      float64   `json:"loss"`              // the objective's value
	Shares    []float64 `json:"shares"`            // each task's share of the prompts so far
	HeldOut   []float64 `json:"held_out"`          // each task's held-out success, on check steps
	SampleTPS float64   `json:"sample_tok_s"`      // new tokens sampled per second
	TrainTPS  float64   `json:"train_tok_s"`       // tokens through the trainer step per second
	Elapsed   float64   `json:"elapsed_s"`         // seconds since the run started (or resumed)
	Skipped   bool      `json:"skipped,omitempty"` // no learning signal: the step trained nothing
}

// Result is a run's outcome.
type Result struct {
	Tasks         []Task
	Before, After []TaskReport // held-out evaluation of the base and the trained model
	Steps         []StepLog
	// Solved is the first check step at which every task's held-out
	// success reached 0.9 (0: never).
	Solved int
	// Monitor is the monitor's record of the run (see monitor.go).
	Monitor *monitor.Run
}

// run is one training run's state.
type run struct {
	cfg     Config
	obj     objective
	tasks   []Task
	base    *llama.Model // the starting model: reference and judge of fluency
	model   *llama.Trainable
	sampler *llama.Sampler
	trainer policy.Trainer
	teacher curriculum.Teacher
	pcg     *rand.PCG
	rng     *rand.Rand
	step    int
	counts  []float64 // prompts per task so far
	history []observation
	logs    []StepLog
	start   time.Time
	mon     *monitor.Monitor
}

// observation is what the curriculum saw at one step (replayed on resume).
type observation struct {
	Arms    []int       `json:"arms"`
	Rewards [][]float64 `json:"rewards"`
}

// newRun loads the model and sets up cfg's training (cfg has its
// defaults).
func newRun(cfg Config) (*run, error) {
	obj, _ := objectiveNamed(cfg.Objective)
	if b, ok := pairBuilders[cfg.Pairs]; ok && obj.pairs != nil {
		obj.pairs = b
	}
	ts, _ := tasksNamed(cfg.Tasks)
	base, tok, err := loadStories()
	if err != nil {
		return nil, err
	}
	m := base.Clone()
	model, err := llama.NewTrainable(m, llama.AdamW{LR: cfg.LR, ClipNorm: 1})
	if err != nil {
		return nil, err
	}
	teacher, err := newTeacher(cfg.Curriculum, len(ts))
	if err != nil {
		return nil, err
	}
	r := &run{cfg: cfg, obj: obj, tasks: ts, base: base, model: model, sampler: llama.NewSampler(m, tok),
		trainer: policy.Trainer{Model: model, Ref: base, Loss: obj.loss(cfg), Advantage: obj.adv},
		teacher: teacher, pcg: rand.NewPCG(cfg.Seed, 1), counts: make([]float64, len(ts)), start: time.Now()}
	r.rng = rand.New(r.pcg)
	if r.mon, err = newMonitor(cfg, r.sampler, ts); err != nil {
		return nil, err
	}
	return r, nil
}

// newTeacher returns the curriculum called name over k tasks, fed with
// SEC's signal, the mean |advantage| of a group (easy2hard and ladder: the
// mean reward; easy2hard moves on at 0.8 over a window of 4 groups, the
// ladder aims at the hardest task).
func newTeacher(name string, k int) (curriculum.Teacher, error) {
	var b curriculum.Bandit
	var err error
	switch name {
	case "uniform":
		return curriculum.UniformTeacher{K: k}, nil
	case "easy2hard":
		return &curriculum.AdaptiveTeacher{K: k, Window: 4, Threshold: 0.8}, nil
	case "ucb":
		b, err = curriculum.NewUCB1(k, curriculum.UCBConfig{})
	case "thompson":
		b, err = curriculum.NewGaussianThompson(k, curriculum.GaussianThompsonConfig{})
	case "ladder":
		// The hardest task is the target; the others are stepping stones.
		l, err := curriculum.NewLadder(k, k-1, curriculum.LadderConfig{})
		return curriculum.BanditTeacher{Bandit: l, Signal: curriculum.SuccessRate}, err
	default:
		b, err = curriculum.NewSEC(k, curriculum.SECConfig{})
	}
	return curriculum.BanditTeacher{Bandit: b}, err
}

// Run trains under cfg, writing progress to w; ctx's end stops it after
// the current step, keeping the checkpoint, log and plot.
func Run(ctx context.Context, cfg Config, w io.Writer) (*Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	r, err := newRun(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Resume {
		if err := r.resume(); err != nil {
			return nil, err
		}
	}
	res := &Result{Tasks: r.tasks}
	if res.Before, err = evaluate(ctx, r.base, r.sampler.Tokenizer, r.base, r.tasks, cfg); err != nil {
		return nil, err
	}
	r.header(w)
	for r.step < cfg.Steps && ctx.Err() == nil {
		if err := r.takeStep(ctx, w); err != nil {
			if errors.Is(err, context.Canceled) && ctx.Err() != nil {
				break
			}
			return nil, err
		}
		if r.step%cfg.CheckpointEvery == 0 {
			if err := r.save(false); err != nil {
				return nil, err
			}
		}
	}
	if err := r.save(true); err != nil {
		return nil, err
	}
	res.Steps, res.Solved, res.Monitor = r.logs, solvedAt(r.logs), r.mon.Run()
	if res.After, err = evaluate(context.WithoutCancel(ctx), r.model.Model, r.sampler.Tokenizer, r.base, r.tasks, cfg); err != nil {
		return nil, err
	}
	report(w, res, cfg)
	return res, ctx.Err()
}

// takeStep samples, scores and trains one step, and checks the held-out
// success every EvalEvery steps.
func (r *run) takeStep(ctx context.Context, w io.Writer) error {
	cfg := r.cfg
	arms, prompts, labels, err := r.choose()
	if err != nil {
		return err
	}
	t0 := time.Now()
	groups, err := r.sampler.Generate(ctx, policy.GenerateRequest{Prompts: prompts, N: cfg.Group, MaxTokens: cfg.Tokens, Seed: cfg.Seed<<32 | uint64(r.step)})
	if err != nil {
		return err
	}
	sampleTime := time.Since(t0)
	batch, err := policy.NewRollouts(groups, 0)
	if err != nil {
		return err
	}
	if batch.Rewards, _, err = (&reward.Scorer{Reward: mentionsLabel}).ScoreCompletions(ctx, prompts, labels, groups); err != nil {
		return err
	}
	log := StepLog{Step: r.step + 1, Arms: arms, Reward: nanMean(batch.Rewards)}
	t1 := time.Now()
	st, err := r.train(batch, &log)
	if err != nil {
		return err
	}
	log.KL, log.ClipFrac, log.Loss = st.KL, st.ClipFrac, st.Loss
	log.SampleTPS = batch.Tokens() / sampleTime.Seconds()
	log.TrainTPS = batch.Tokens() / time.Since(t1).Seconds()
	stats := &st
	if log.Skipped {
		stats = nil
	}
	if err := r.watch(ctx, w, stats, batch, groups); err != nil {
		return err
	}
	if err := r.observe(arms, batch, &log); err != nil {
		return err
	}
	if log.Step%cfg.EvalEvery == 0 {
		if log.HeldOut, err = quickCheck(ctx, r.sampler, r.tasks, cfg, log.Step); err != nil {
			return err
		}
	}
	log.Elapsed = time.Since(r.start).Seconds()
	r.step++
	r.logs = append(r.logs, log)
	if !cfg.Quiet {
		printStep(w, log, r.tasks)
	}
	return nil
}

// choose draws the task of each of the step's prompts from the curriculum,
// then the prompt from the task's training prompts.
func (r *run) choose() (arms []int, prompts, labels []string, err error) {
	for range r.cfg.Prompts {
		arm, err := r.teacher.Choose(r.rng)
		if err != nil {
			return nil, nil, nil, err
		}
		t := r.tasks[arm]
		arms = append(arms, arm)
		prompts = append(prompts, t.Train[r.rng.IntN(len(t.Train))])
		labels = append(labels, t.Word)
		r.counts[arm]++
	}
	return arms, prompts, labels, nil
}

// train takes Epochs trainer steps on batch, building the pairs of a
// pairwise objective first, and returns the last step's statistics; a
// step with nothing to learn from (no pair; for KTO, no labelled row) is
// skipped and marked.
func (r *run) train(batch *policy.Rollouts, log *StepLog) (policy.StepStats, error) {
	if r.obj.pairs != nil {
		var err error
		if batch.Pairs, err = r.obj.pairs(batch.Rewards, batch.Groups); err != nil {
			return policy.StepStats{}, err
		}
		if len(batch.Pairs) == 0 {
			log.Skipped = true
			return policy.StepStats{}, nil
		}
	}
	var st policy.StepStats
	for e := 0; e < r.cfg.Epochs; e++ {
		var err error
		st, err = r.trainer.Step(batch)
		if errors.Is(err, preference.ErrNoSamples) {
			// KTO: every group's rewards tie, no row is labelled.
			log.Skipped = true
			return policy.StepStats{}, nil
		}
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// observe feeds each group's rewards to the curriculum and records them.
func (r *run) observe(arms []int, batch *policy.Rollouts, log *StepLog) error {
	obs := observation{Arms: arms}
	for i, arm := range arms {
		g := batch.Rewards[i*r.cfg.Group : (i+1)*r.cfg.Group]
		obs.Rewards = append(obs.Rewards, g)
		log.Rewards = append(log.Rewards, nanMean(g))
		if err := r.teacher.Observe(arm, g); err != nil {
			return err
		}
	}
	r.history = append(r.history, obs)
	total := 0.0
	for _, c := range r.counts {
		total += c
	}
	for _, c := range r.counts {
		log.Shares = append(log.Shares, c/total)
	}
	return nil
}

// solvedAt returns the first check step at which every task reached 0.9.
func solvedAt(logs []StepLog) int {
	for _, l := range logs {
		if len(l.HeldOut) > 0 && slices.Min(l.HeldOut) >= 0.9 {
			return l.Step
		}
	}
	return 0
}

// nanMean is the mean of the non-NaN entries of v (NaN when there are
// none).
func nanMean(v []float64) float64 { return nanmean.Of(v) }

// header prints the run's settings.
func (r *run) header(w io.Writer) {
	fmt.Fprintf(w, "objective %s (lr %g, kl %g, beta %g), curriculum %s over the %q tasks, %d steps of %d prompts × %d stories, seed %d\n",
		r.cfg.Objective, r.cfg.LR, r.cfg.KLCoef, r.cfg.Beta, r.cfg.Curriculum, r.cfg.Tasks, r.cfg.Steps, r.cfg.Prompts, r.cfg.Group, r.cfg.Seed)
}
