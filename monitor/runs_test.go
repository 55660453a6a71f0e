package monitor_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/evolve-go/evolve/monitor"
	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/llama"
	"github.com/evolve-go/evolve/policy/llama/stories260k"
	"github.com/evolve-go/evolve/reward"
)

// The detectors on real short GRPO runs of the built-in stories260K model,
// each a run it should catch (small settings: 8 samples of 4 prompts × 32
// tokens a step, or of 6 prompts × 64 tokens as the main job samples; a
// few seconds each).

var prompts = []string{
	"Once upon a time", "One day,", "Once upon a time, there was a", "Tom and Sue",
	"There was a little boy named", "The sun was shining", "Lily went to the",
	"Once upon a time, in a small town,", "Mom said", "The cat", "Ben had a", "It was a sunny day.",
}

// spec is one training run.
type spec struct {
	steps    int
	prompts  int // prompts a step (default 4)
	tokens   int // tokens a sample (default 32)
	lr, beta float64
	seed     uint64
	// score gives each row's training reward; nil: reward.
	score  func(r *policy.Rollouts) []float64
	reward reward.Reward
	watch  reward.Reward  // the verifier watching the reward, or nil
	probe  *monitor.Probe // the regression probe, its Generator the run's sampler; nil: none
}

// train runs sp and returns the monitor's record of it.
func train(t *testing.T, sp spec) *monitor.Run {
	t.Helper()
	ctx := context.Background()
	m, err := llama.LoadBytes(stories260k.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := llama.LoadTokenizerBytes(stories260k.Tokenizer)
	if err != nil {
		t.Fatal(err)
	}
	model, err := llama.NewTrainable(m, llama.AdamW{LR: sp.lr, ClipNorm: 1})
	if err != nil {
		t.Fatal(err)
	}
	gen := llama.NewSampler(m, tok)
	loss := policy.GRPO()
	loss.KL.Coef = sp.beta
	trainer := policy.Trainer{Model: model, Ref: m.Clone(), Loss: loss, Advantage: policy.GroupNorm{}}
	cfg := monitor.Config{}
	if sp.probe != nil {
		p := *sp.probe
		p.Generator = gen
		cfg.Probe = &p
	}
	mon, err := monitor.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(sp.seed, 1))
	sp.prompts, sp.tokens = max(sp.prompts, 4), max(sp.tokens, 32)
	for step := range sp.steps {
		ps := make([]string, sp.prompts)
		for i := range ps {
			ps[i] = prompts[rng.IntN(len(prompts))]
		}
		groups, err := gen.Generate(ctx, policy.GenerateRequest{Prompts: ps, N: 8, MaxTokens: sp.tokens, Seed: sp.seed<<32 | uint64(step)})
		if err != nil {
			t.Fatal(err)
		}
		batch, err := policy.NewRollouts(groups, 0)
		if err != nil {
			t.Fatal(err)
		}
		if sp.score != nil {
			batch.Rewards = sp.score(batch)
		} else if batch.Rewards, _, err = (&reward.Scorer{Reward: sp.reward}).ScoreCompletions(ctx, ps, nil, groups); err != nil {
			t.Fatal(err)
		}
		var watch []float64
		if sp.watch != nil {
			if watch, _, err = (&reward.Scorer{Reward: sp.watch}).ScoreCompletions(ctx, ps, nil, groups); err != nil {
				t.Fatal(err)
			}
		}
		st, err := trainer.Step(batch)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mon.Observe(ctx, monitor.Step{Stats: &st, Rollouts: batch, Texts: monitor.Texts(groups), Watch: watch}); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("\n%s", mon.Run())
	return mon.Run()
}

// fired returns the step at which the detector called name first fired,
// 0 if it did not.
func fired(run *monitor.Run, name string) int {
	for _, e := range run.Events {
		if e.Detector == name {
			return e.Step
		}
	}
	return 0
}

// saturated returns the first step whose mean reward is at least r, 0 if
// none.
func saturated(run *monitor.Run, r float64) int {
	for _, rec := range run.Records {
		if rec.Reward >= r {
			return rec.Step
		}
	}
	return 0
}

var fish = reward.Mentions{Words: []string{"fish"}, Prefix: true}

// sentences probes held-out stories for sentences every 3 steps.
var sentences = &monitor.Probe{Prompts: []string{"Once upon a time, there lived", "One morning,", "Sam and his mom", "The little girl"},
	Reward: monitor.Sentences, N: 8, MaxTokens: 32, Every: 3, Seed: 5}

// A learning rate high enough to turn the stories into gibberish (lr 3e-3,
// β 0.02: reward 1, KL ≈ 3) fires the KL and diversity detectors before
// the reward saturates, and the "writes sentences" probe regresses while
// the reward rises. The batch is the main job's (6 prompts × 8 samples ×
// 64 tokens): its samples show the collapse sooner than 32-token ones.
func TestRunCollapse(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the built-in model")
	}
	run := train(t, spec{steps: 7, prompts: 6, tokens: 64, lr: 3e-3, beta: 0.02, seed: 1, reward: fish, probe: sentences})
	sat := saturated(run, 0.99)
	kl, div, probe := fired(run, monitor.NameKLRunaway), fired(run, monitor.NameDiversityCollapse), fired(run, monitor.NameProbeRegression)
	t.Logf("reward ≥ 0.99 at step %d; kl-runaway at %d, diversity-collapse at %d, probe-regression at %d", sat, kl, div, probe)
	if sat == 0 || kl == 0 || div == 0 || kl >= sat || div >= sat {
		t.Errorf("reward saturated at step %d: want kl-runaway (%d) and diversity-collapse (%d) before it", sat, kl, div)
	}
	if probe == 0 || run.Records[probe-1].Reward <= run.Records[0].Reward {
		t.Errorf("probe-regression at step %d: want it to fire as the reward rises", probe)
	}
	if e := fired(run, monitor.NameRewardHacking); e != 0 {
		t.Errorf("reward-hacking fired at step %d without a watcher", e)
	}
}

// A reward with a planted hack — "fish" or "friend", a word the base
// model writes in one story in six — watched by the honest "fish"
// verifier: the reward rises, the verifier does not, and the hacking
// detector fires.
func TestRunRewardHacking(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the built-in model")
	}
	hack := reward.Mentions{Words: []string{"fish", "friend"}, Prefix: true}
	run := train(t, spec{steps: 8, lr: 1e-3, beta: 0.04, seed: 1, reward: hack, watch: fish})
	at := fired(run, monitor.NameRewardHacking)
	if at == 0 {
		t.Fatal("reward-hacking did not fire")
	}
	rec := run.Records[at-1]
	t.Logf("reward-hacking at step %d: reward %.3f, watcher %.3f", at, rec.Reward, rec.Watch)
	if len(run.Events) != 1 {
		t.Errorf("events %v, want reward-hacking alone", run.Events)
	}
}

// certainty rewards each sample with its mean log-prob under the policy
// that drew it: self-certainty, the confidence objective of label-free
// self-training.
func certainty(r *policy.Rollouts) []float64 {
	out := make([]float64, r.B)
	for i := range out {
		s, n := 0.0, 0.0
		for k := i * r.T; k < (i+1)*r.T; k++ {
			if r.Mask == nil || r.Mask[k] != 0 {
				s += r.OldLogProbs[k]
				n++
			}
		}
		out[i] = s / n
	}
	return out
}

// A self-certainty reward — each sample's mean log-prob under the
// policy that sampled it, the confidence objective of label-free
// self-training — sharpens the policy onto one story: the entropy
// collapses.
func TestRunEntropyCollapse(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the built-in model")
	}
	run := train(t, spec{steps: 12, lr: 1e-3, seed: 1, score: certainty})
	at := fired(run, monitor.NameEntropyCollapse)
	if at == 0 {
		t.Fatal("entropy-collapse did not fire")
	}
	t.Logf("entropy-collapse at step %d: entropy %.3f (first %.3f)", at, run.Records[at-1].Entropy, run.Records[0].Entropy)
}

// A reward the base model almost never earns ("dragon") leaves every
// group without learning signal: starvation fires once its window is
// full.
func TestRunStarvation(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the built-in model")
	}
	run := train(t, spec{steps: 10, lr: 4e-4, beta: 0.04, seed: 1, reward: reward.Mentions{Words: []string{"dragon"}, Prefix: true}})
	if at := fired(run, monitor.NameStarvation); at != 10 {
		t.Errorf("signal-starvation fired at step %d, want 10 (its window)", at)
	}
	for _, name := range []string{monitor.NameKLRunaway, monitor.NameDiversityCollapse, monitor.NameEntropyCollapse} {
		if at := fired(run, name); at != 0 {
			t.Errorf("%s fired at step %d on a run that learns nothing", name, at)
		}
	}
	if math.IsNaN(run.Records[0].Entropy) {
		t.Error("the built-in model reported no entropy")
	}
}
