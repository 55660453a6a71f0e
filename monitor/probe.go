package monitor

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/reward"
)

// Probe is a regression probe: a fixed set of held-out prompts with a
// reward of their own — a skill or a safety behaviour the run is not
// trained on — scored every Every steps with the same seed, so that
// successive scores are paired. A self-evolving agent loses such
// abilities while its training reward rises (Misevolution); the
// ProbeRegression detector reports the drop.
//
// References: Shao et al., "Your Agent May Misevolve: Emergent Risks in
// Self-evolving LLM Agents" (2025).
type Probe struct {
	// Generator samples the policy being trained (the loop's own, e.g. a
	// llama.Sampler of the trained model). Required.
	Generator policy.Generator
	// Prompts are the held-out prompts. Required.
	Prompts []string
	// Labels are the prompts' reference answers for Reward (one per
	// prompt), or nil.
	Labels []string
	// Reward scores the probe's samples. Required.
	Reward reward.Reward
	// N is the number of samples per prompt (default 8).
	N int
	// MaxTokens bounds each sample (default 48).
	MaxTokens int
	// Every is the number of steps between probes (default 10): the probe
	// runs at steps 1, 1+Every, 1+2·Every, ...
	Every int
	// Seed seeds the probe's sampling, the same at every probe.
	Seed uint64
}

// check reports a Probe that cannot run.
func (p *Probe) check() error {
	switch {
	case p.Generator == nil:
		return errors.New("monitor: Probe.Generator is nil")
	case p.Reward == nil:
		return errors.New("monitor: Probe.Reward is nil")
	case len(p.Prompts) == 0:
		return errors.New("monitor: Probe.Prompts is empty")
	case p.Labels != nil && len(p.Labels) != len(p.Prompts):
		return fmt.Errorf("monitor: len(Probe.Labels) = %d, want len(Prompts) = %d", len(p.Labels), len(p.Prompts))
	case p.N < 0 || p.MaxTokens < 0 || p.Every < 0:
		return fmt.Errorf("monitor: Probe.N = %d, MaxTokens = %d, Every = %d, want ≥ 0", p.N, p.MaxTokens, p.Every)
	}
	return nil
}

// Score samples N completions of each prompt and returns their mean
// reward and its standard error s/√n (s the samples' standard deviation
// with Bessel's correction, n the samples scored); samples the reward
// skips or fails on are left out (NaN when all are; a NaN standard error
// with fewer than two).
func (p *Probe) Score(ctx context.Context) (mean, stderr float64, err error) {
	if err := p.check(); err != nil {
		return 0, 0, err
	}
	req := policy.GenerateRequest{Prompts: p.Prompts, N: or(p.N, 8), MaxTokens: or(p.MaxTokens, 48), Seed: p.Seed}
	groups, err := p.Generator.Generate(ctx, req)
	if err != nil {
		return 0, 0, fmt.Errorf("monitor: Probe: %w", err)
	}
	scores, _, err := (&reward.Scorer{Reward: p.Reward}).ScoreCompletions(ctx, p.Prompts, p.Labels, groups)
	if err != nil {
		return 0, 0, fmt.Errorf("monitor: Probe: %w", err)
	}
	present := slices.DeleteFunc(scores, math.IsNaN)
	// Both NaN without a score; the standard deviation NaN with one.
	mean, std := stat.MeanStdDev(present, nil)
	return mean, stat.StdErr(std, float64(len(present))), nil
}

// Sentences is a probe reward for story and prose generation: 1 when the
// completion ends a sentence and begins another — '.', '!' or '?', a
// space, a capital letter — and 0 otherwise. Readable stories of a few
// dozen tokens nearly always do (the built-in model's: 97–100% of 48-token
// continuations); text a run has collapsed into gibberish seldom does
// (0.00 and 0.08 five steps into two of ProbeRegression's lr 3e-3
// collapses, 0.33 ten steps into the third).
var Sentences reward.Reward = reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
	t := s.Completion
	for i := 0; i+2 < len(t); i++ {
		if (t[i] == '.' || t[i] == '!' || t[i] == '?') && t[i+1] == ' ' && t[i+2] >= 'A' && t[i+2] <= 'Z' {
			return 1, nil
		}
	}
	return 0, nil
})
