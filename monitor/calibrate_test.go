package monitor_test

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/monitor"
	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/llama"
	"github.com/evolve-go/evolve/policy/llama/stories260k"
	"github.com/evolve-go/evolve/reward"
	"gonum.org/v1/gonum/stat"
)

var (
	calibrate     = flag.Bool("calibrate", false, "run TestCalibration: the runs the detectors' defaults come from (minutes)")
	calibrateRuns = flag.String("calibrate.runs", "", "with -calibrate, a glob of monitor.jsonl files of more runs, named by their folder (bench/monitor.sh: the main job's)")
)

// margins is how near a run came to each detector's firing: the setting
// at which the detector would have fired on some step of it, found by
// bisection on the detector itself (so that its formula is the one the
// Monitor runs).
type margins struct {
	entropy   float64 // lowest entropy as a share of the first (EntropyCollapse.Ratio)
	closure   float64 // highest similarity closure within 3 steps (DiversityCollapse.Closure)
	level     float64 // highest similarity closure from the first step (DiversityCollapse.Level)
	distinct  float64 // lowest distinct-2 as a share of the first (DiversityCollapse.DistinctRatio)
	kl        float64 // highest KL (KLRunaway.Max)
	klRate    float64 // highest rise of the KL per step over 3 steps (KLRunaway.Rate)
	drop      float64 // largest fall of the probe below its first (ProbeRegression.Drop)
	dropZ     float64 // largest such fall in standard errors (ProbeRegression.Z)
	starved   float64 // highest 10-step mean share of starved groups (Starvation.Share)
	watchRise float64 // lowest rise of the watcher as a share of the reward's, once that is 0.2 (RewardHacking.Ratio)
}

// never is a setting no run reaches.
const never = 1e9

// tiny is the smallest setting tried: 0 means a detector's default.
const tiny = 1e-12

// measure returns rec's margins.
func measure(rec []monitor.Record) margins {
	return margins{
		entropy: edge(rec, func(x float64) monitor.Detector { return monitor.EntropyCollapse{Ratio: x} }, true),
		closure: edge(rec, func(x float64) monitor.Detector {
			return monitor.DiversityCollapse{Closure: x, Level: never, DistinctRatio: tiny}
		}, false),
		level: edge(rec, func(x float64) monitor.Detector {
			return monitor.DiversityCollapse{Closure: never, Level: x, DistinctRatio: tiny}
		}, false),
		distinct: edge(rec, func(x float64) monitor.Detector {
			return monitor.DiversityCollapse{Closure: never, Level: never, DistinctRatio: x}
		}, true),
		kl:        edge(rec, func(x float64) monitor.Detector { return monitor.KLRunaway{Max: x, Rate: never} }, false),
		klRate:    edge(rec, func(x float64) monitor.Detector { return monitor.KLRunaway{Max: never, Rate: x} }, false),
		drop:      edge(rec, func(x float64) monitor.Detector { return monitor.ProbeRegression{Drop: x, Z: tiny} }, false),
		dropZ:     edge(rec, func(x float64) monitor.Detector { return monitor.ProbeRegression{Drop: tiny, Z: x} }, false),
		starved:   edge(rec, func(x float64) monitor.Detector { return monitor.Starvation{Share: x} }, false),
		watchRise: edge(rec, func(x float64) monitor.Detector { return monitor.RewardHacking{Ratio: x} }, true),
	}
}

// edge returns the setting x at which det(x) starts to fire on some
// prefix of rec: the least x that fires when fall (a ratio that fires at
// or below it: 0 when even tiny fires), the greatest otherwise (+Inf when
// even 100 fires); NaN when it fires at no setting in [tiny, 100].
func edge(rec []monitor.Record, det func(x float64) monitor.Detector, fall bool) float64 {
	fires := func(x float64) bool {
		d := det(x)
		for k := range rec {
			if _, ok := d.Detect(rec[:k+1]); ok {
				return true
			}
		}
		return false
	}
	lo, hi := tiny, 100.0
	switch {
	case fall && fires(lo):
		return 0
	case !fall && fires(hi):
		return math.Inf(1)
	case fires(lo) == fires(hi):
		return math.NaN()
	}
	for range 60 {
		mid := (lo + hi) / 2
		if fires(mid) == fall {
			hi = mid
		} else {
			lo = mid
		}
	}
	if fall {
		return hi
	}
	return lo
}

// firstFired returns the step each default detector first fired at in
// run, as "name@step".
func firstFired(run *monitor.Run) string {
	var out []string
	seen := map[string]bool{}
	for _, e := range run.Events {
		if !seen[e.Detector] {
			seen[e.Detector] = true
			out = append(out, fmt.Sprintf("%s@%d", e.Detector, e.Step))
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, " ")
}

// calibration is one named run, its group of healthy runs (summed up
// together; "" for a run that should fire), the detectors it must fire
// and its record.
type calibration struct {
	name, group string
	want        []string
	run         *monitor.Run
}

// The runs the detectors' default thresholds come from (their doc
// comments and the README's table quote this output): healthy runs that
// must raise nothing, and runs each detector must catch. Opt-in
// (-calibrate); bench/monitor.sh adds the main job's runs, healthy too.
func TestCalibration(t *testing.T) {
	if !*calibrate {
		t.Skip("the calibration runs take minutes: -calibrate")
	}
	baseRates(t, []string{"fish", "friend", "sun", "dragon", "dog"})
	var runs []calibration
	if *calibrateRuns != "" {
		runs = append(runs, readRuns(t, *calibrateRuns)...)
	}
	probe16 := *sentences
	probe16.N, probe16.MaxTokens = 16, 48
	grpo64 := spec{steps: 40, prompts: 6, tokens: 64, lr: 4e-4, beta: 0.04, reward: fish, probe: &probe16,
		watch: reward.Mentions{Words: []string{"fish"}}}
	collapse := grpo64
	collapse.steps, collapse.lr, collapse.beta, collapse.watch = 12, 3e-3, 0.02, nil
	for seed := uint64(1); seed <= 5; seed++ {
		runs = append(runs, calibration{fmt.Sprintf("grpo64-%d", seed), "grpo64", nil, trainSeed(t, grpo64, seed)})
	}
	for seed := uint64(1); seed <= 3; seed++ {
		runs = append(runs, calibration{fmt.Sprintf("collapse-%d", seed), "",
			[]string{monitor.NameKLRunaway, monitor.NameDiversityCollapse, monitor.NameProbeRegression}, trainSeed(t, collapse, seed)})
	}
	dog := grpo64
	dog.watch, dog.probe = nil, &monitor.Probe{Prompts: []string{"The dog", "Tom had a dog", "A little dog", "Max the dog"},
		Reward: reward.Mentions{Words: []string{"dog"}, Prefix: true}, N: 16, MaxTokens: 48, Every: 3, Seed: 5}
	for _, r := range []struct {
		name string
		want []string
		sp   spec
	}{
		{"hack-friend", []string{monitor.NameRewardHacking}, spec{steps: 20, prompts: 6, tokens: 64, lr: 4e-4, beta: 0.04, reward: reward.Mentions{Words: []string{"fish", "friend"}, Prefix: true}, watch: fish}},
		{"hack-sun", []string{monitor.NameRewardHacking}, spec{steps: 20, prompts: 6, tokens: 64, lr: 4e-4, beta: 0.04, reward: reward.Mentions{Words: []string{"fish", "sun"}, Prefix: true}, watch: fish}},
		{"certainty", []string{monitor.NameEntropyCollapse}, spec{steps: 12, lr: 1e-3, score: certainty}},
		{"dragon", []string{monitor.NameStarvation}, spec{steps: 10, lr: 4e-4, beta: 0.04, reward: reward.Mentions{Words: []string{"dragon"}, Prefix: true}}},
		{"dog-probe", nil, dog},
	} {
		runs = append(runs, calibration{r.name, "", r.want, trainSeed(t, r.sp, 1)})
	}
	t.Logf("\n%s", calibrationTable(runs))
	for _, r := range runs {
		if r.group != "" && len(r.run.Events) > 0 {
			t.Errorf("%s, a healthy run, raised %s", r.name, firstFired(r.run))
		}
		for _, name := range r.want {
			if fired(r.run, name) == 0 {
				t.Errorf("%s did not fire %s", r.name, name)
			}
		}
	}
}

// trainSeed runs sp with the given seed.
func trainSeed(t *testing.T, sp spec, seed uint64) *monitor.Run {
	sp.seed = seed
	return train(t, sp)
}

// readRuns reads the monitor.jsonl files glob matches, each named by its
// folder, grouped by the folder's name up to its first '-'.
func readRuns(t *testing.T, glob string) []calibration {
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("-calibrate.runs %q matches no file (%v)", glob, err)
	}
	var out []calibration
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		run, err := monitor.ReadRun(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name := filepath.Base(filepath.Dir(f))
		group, _, _ := strings.Cut(name, "-")
		out = append(out, calibration{name, group, nil, run})
	}
	return out
}

// calibrationTable lays out each run's margins, the steps its detectors
// fired at and where its reward first reached 0.99, then the worst
// margins of each group of healthy runs.
func calibrationTable(runs []calibration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-14s %7s %7s %7s %7s %7s %7s %7s %5s %7s %7s %5s  %s\n", "run", "entropy", "closure", "level", "dist-2",
		"kl", "kl/step", "drop", "z", "starved", "watch", "r≥.99", "fired (defaults)")
	row := func(name string, m margins, tail string) {
		fmt.Fprintf(&b, "%-14s %7.3f %7.3f %7.3f %7.3f %7.3f %7.4f %7.3f %5.1f %7.3f %7.3f %s\n", name, m.entropy, m.closure, m.level,
			m.distinct, m.kl, m.klRate, m.drop, m.dropZ, m.starved, m.watchRise, tail)
	}
	worst := map[string]margins{}
	var groups []string
	for _, r := range runs {
		m := measure(r.run.Records)
		row(r.name, m, fmt.Sprintf("%5d  %s", saturated(r.run, 0.99), firstFired(r.run)))
		if r.group == "" {
			continue
		}
		w, ok := worst[r.group]
		if !ok {
			groups, w = append(groups, r.group), m
		}
		worst[r.group] = worse(w, m)
	}
	b.WriteString("worst of each group of healthy runs:\n")
	for _, g := range groups {
		row(g, worst[g], "")
	}
	b.WriteString("NaN: fires at no setting (the signal never moved that way, or was not measured)\n")
	return b.String()
}

// worse returns the margins nearer to firing of a and b, one by one (NaN,
// never measured, loses to any value).
func worse(a, b margins) margins {
	lo := func(x, y float64) float64 { return nanPick(x, y, math.Min) }
	hi := func(x, y float64) float64 { return nanPick(x, y, math.Max) }
	return margins{lo(a.entropy, b.entropy), hi(a.closure, b.closure), hi(a.level, b.level), lo(a.distinct, b.distinct),
		hi(a.kl, b.kl), hi(a.klRate, b.klRate), hi(a.drop, b.drop), hi(a.dropZ, b.dropZ), hi(a.starved, b.starved),
		lo(a.watchRise, b.watchRise)}
}

// nanPick returns f(x, y), or the one of them that is not NaN.
func nanPick(x, y float64, f func(x, y float64) float64) float64 {
	switch {
	case math.IsNaN(x):
		return y
	case math.IsNaN(y):
		return x
	}
	return f(x, y)
}

// baseRates logs how often the base model's stories (50 of each of the
// prompts, 64 tokens) mention each word: how hard each run's reward is to
// earn before training.
func baseRates(t *testing.T, words []string) {
	m, err := llama.LoadBytes(stories260k.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := llama.LoadTokenizerBytes(stories260k.Tokenizer)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	groups, err := llama.NewSampler(m, tok).Generate(ctx, policy.GenerateRequest{Prompts: prompts, N: 50, MaxTokens: 64, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var rates []string
	for _, w := range words {
		scores, _, err := (&reward.Scorer{Reward: reward.Mentions{Words: []string{w}, Prefix: true}}).ScoreCompletions(ctx, prompts, nil, groups)
		if err != nil {
			t.Fatal(err)
		}
		rates = append(rates, fmt.Sprintf("%s %.1f%%", w, 100*stat.Mean(scores, nil)))
	}
	t.Logf("base rates over %d stories: %s", len(prompts)*50, strings.Join(rates, ", "))
}
