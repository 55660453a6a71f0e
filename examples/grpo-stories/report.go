package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/evolve-go/evolve/monitor"
	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/llama"
	"github.com/evolve-go/evolve/reward"
)

// TaskReport is one task's held-out evaluation.
type TaskReport struct {
	Name    string
	Success float64 // share of held-out stories that mention the word
	// KL is the mean over the stories' tokens of log π(y_t) − log π_base(y_t):
	// an unbiased estimate of KL(π‖π_base) per token (0 for the base model).
	KL float64
	// BaseNLL is the base model's mean negative log-likelihood per token
	// of the stories: how fluent they are by the model they came from.
	BaseNLL float64
	// Distinct2 is the share of distinct word bigrams among all the
	// stories' word bigrams (monitor.DistinctN, n = 2).
	Distinct2 float64
	Tokens    float64 // mean new tokens per story
	Story     string  // the first story of the first held-out prompt
}

// evaluate samples EvalSamples stories (temperature 1, a fixed seed, so
// that before and after are paired) of every held-out prompt of every task
// from model and measures them.
func evaluate(ctx context.Context, model *llama.Model, tok *llama.Tokenizer, base *llama.Model, ts []Task, cfg Config) ([]TaskReport, error) {
	s := llama.NewSampler(model, tok)
	out := make([]TaskReport, len(ts))
	for k, t := range ts {
		groups, err := s.Generate(ctx, policy.GenerateRequest{Prompts: t.HeldOut, N: cfg.EvalSamples, MaxTokens: cfg.Tokens, Seed: cfg.Seed ^ 0x5eed})
		if err != nil {
			return nil, err
		}
		rep, err := measure(ctx, model, base, t, groups)
		if err != nil {
			return nil, err
		}
		out[k] = rep
	}
	return out, nil
}

// measure fills a TaskReport from one task's held-out stories.
func measure(ctx context.Context, model, base *llama.Model, t Task, groups [][]policy.Completion) (TaskReport, error) {
	rep := TaskReport{Name: t.Name, Story: t.HeldOut[0] + groups[0][0].Text}
	var err error
	if rep.Success, err = success(ctx, t, groups); err != nil {
		return rep, err
	}
	r, err := policy.NewRollouts(groups, 0)
	if err != nil {
		return rep, err
	}
	lp, lb := make([]float64, r.B*r.T), make([]float64, r.B*r.T)
	if err := model.LogProbs(lp, r.Seqs, r.T); err != nil {
		return rep, err
	}
	if err := base.LogProbs(lb, r.Seqs, r.T); err != nil {
		return rep, err
	}
	n := r.Tokens()
	for k := range lp {
		if r.Mask == nil || r.Mask[k] != 0 {
			rep.KL += (lp[k] - lb[k]) / n
			rep.BaseNLL -= lb[k] / n
		}
	}
	rep.Tokens = n / float64(r.B)
	rep.Distinct2, err = monitor.DistinctN(monitor.Texts(groups), 2)
	return rep, err
}

// quickCheck returns each task's held-out success over 16 stories per
// prompt, seeded by the step.
func quickCheck(ctx context.Context, s *llama.Sampler, ts []Task, cfg Config, step int) ([]float64, error) {
	out := make([]float64, len(ts))
	for k, t := range ts {
		groups, err := s.Generate(ctx, policy.GenerateRequest{Prompts: t.HeldOut, N: 16, MaxTokens: cfg.Tokens, Seed: cfg.Seed ^ uint64(step)<<8})
		if err != nil {
			return nil, err
		}
		if out[k], err = success(ctx, t, groups); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// success returns the share of the stories of t's held-out prompts
// (groups, a group per prompt) that mention t's word.
func success(ctx context.Context, t Task, groups [][]policy.Completion) (float64, error) {
	scores, _, err := (&reward.Scorer{Reward: mentions(t.Word)}).ScoreCompletions(ctx, t.HeldOut, nil, groups)
	return nanMean(scores), err
}

// klFloor is the least KL per sequence that lifts an event's probability
// from p0 to p: reweighting the base model on the event only,
// p·log(p/p0) + (1−p)·log((1−p)/(1−p0)). A base rate measured as 0 over
// n samples is taken as half a count, 0.5/n (the floor would be infinite).
func klFloor(p0, p float64, n int) float64 {
	p0 = max(p0, 0.5/float64(n))
	term := func(a, b float64) float64 {
		if a == 0 {
			return 0
		}
		return a * math.Log(a/b)
	}
	return term(p, p0) + term(1-p, 1-p0)
}

// printStep prints one step's line.
func printStep(w io.Writer, l StepLog, ts []Task) {
	arms := make([]string, len(ts))
	for k, t := range ts {
		arms[k] = fmt.Sprintf("%s %.2f", t.Name, l.Shares[k])
	}
	fmt.Fprintf(w, "step %3d  reward %.3f  kl %.4f  clip %.3f  sample %6.0f tok/s  train %6.0f tok/s  %5.1fs  shares [%s]",
		l.Step, l.Reward, l.KL, l.ClipFrac, l.SampleTPS, l.TrainTPS, l.Elapsed, strings.Join(arms, ", "))
	if l.Skipped {
		fmt.Fprint(w, "  (no pair: skipped)")
	}
	if l.HeldOut != nil {
		fmt.Fprintf(w, "  held-out %.2f", l.HeldOut)
	}
	fmt.Fprintln(w)
}

// report prints the before/after table and a story before and after.
func report(w io.Writer, res *Result, cfg Config) {
	fmt.Fprintf(w, "\n%-8s %18s %10s %12s %8s %16s %16s\n", "task", "held-out success", "KL/token", "floor/KL", "", "base NLL/token", "distinct-2")
	var mb, ma, kl, floor float64
	for k, a := range res.After {
		b := res.Before[k]
		f := klFloor(b.Success, a.Success, cfg.EvalSamples*len(res.Tasks[k].HeldOut)) / a.Tokens
		fmt.Fprintf(w, "%-8s %7.1f%% → %5.1f%% %10.3f %12.2f %8s %7.2f → %5.2f %7.3f → %5.3f\n",
			a.Name, 100*b.Success, 100*a.Success, a.KL, f/a.KL, "", b.BaseNLL, a.BaseNLL, b.Distinct2, a.Distinct2)
		mb, ma, kl, floor = mb+b.Success, ma+a.Success, kl+a.KL, floor+f
	}
	n := float64(len(res.After))
	fmt.Fprintf(w, "%-8s %7.1f%% → %5.1f%% %10.3f %12.2f\n", "mean", 100*mb/n, 100*ma/n, kl/n, floor/kl)
	if res.Solved > 0 {
		fmt.Fprintf(w, "held-out success ≥ 0.9 on every task first at step %d (checks every %d steps)\n", res.Solved, cfg.EvalEvery)
	} else {
		fmt.Fprintf(w, "held-out success did not reach 0.9 on every task at a check\n")
	}
	b, a := res.Before[0], res.After[0]
	fmt.Fprintf(w, "\nbefore: %s\nafter:  %s\n", b.Story, a.Story)
	fmt.Fprintln(w, summary(res, cfg))
}

// summary is the run's one-line summary, for scripts
// (bench/objectives.sh, bench/curricula.sh): the objective and curriculum,
// the mean held-out success, KL per token, base NLL per token before and
// after, distinct-2 before and after, the first check step with every task
// ≥ 0.9 (0: never) and the training time.
func summary(res *Result, cfg Config) string {
	var s [7]float64 // success, kl, nll0, nll, d0, d, elapsed
	for k, a := range res.After {
		b := res.Before[k]
		for i, v := range []float64{a.Success, a.KL, b.BaseNLL, a.BaseNLL, b.Distinct2, a.Distinct2} {
			s[i] += v / float64(len(res.After))
		}
	}
	if n := len(res.Steps); n > 0 {
		s[6] = res.Steps[n-1].Elapsed
	}
	return fmt.Sprintf("summary: objective=%s curriculum=%s tasks=%s seed=%d success=%.3f kl=%.3f nll=%.2f->%.2f distinct2=%.3f->%.3f solved=%d train_s=%.1f",
		cfg.Objective, cfg.Curriculum, cfg.Tasks, cfg.Seed, s[0], s[1], s[2], s[3], s[4], s[5], res.Solved, s[6])
}
