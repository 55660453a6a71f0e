package monitor

import (
	"fmt"
	"math"
	"slices"

	"github.com/evolve-go/evolve/internal/nanmean"
)

// Detector watches a run's records and says whether its condition holds at
// the last one. Detect gets every record so far, the newest last, and
// returns whether the condition holds and, when it does, the event that
// describes the evidence (the Monitor sets its Step). A Monitor reports
// the event when the condition starts to hold, not at every step it
// keeps holding.
type Detector interface {
	Detect(records []Record) (Event, bool)
}

// The built-in detectors' names, as in Event.Detector.
const (
	NameEntropyCollapse   = "entropy-collapse"
	NameDiversityCollapse = "diversity-collapse"
	NameKLRunaway         = "kl-runaway"
	NameRewardHacking     = "reward-hacking"
	NameProbeRegression   = "probe-regression"
	NameStarvation        = "signal-starvation"
)

// Detectors configures the built-in detectors; the zero value runs each
// with its defaults. A detector whose signal is never measured (no
// watcher, no probe, no texts, a model without entropies) never fires.
//
// The defaults come from runs of the built-in stories260K model, named in
// the detectors' documentation as follows; the three healthy ones raise
// nothing. The main job: the default run of examples/grpo-stories (GRPO,
// lr 1.5e-4, β 0.1, SEC over four "fish" tasks, 80 steps of 8 prompts ×
// 16 stories × 48 tokens), 5 seeds. The fast main job: the same at lr
// 4e-4, β 0.04, 8 stories a prompt, 60 steps, 5 seeds. GRPO-64: GRPO on
// 12 story prompts with the reward "mentions fish", 6 prompts × 8 stories
// × 64 tokens a step, lr 4e-4, β 0.04, 40 steps, 5 seeds, watched by
// "fish" as a whole word and probed for sentences (4 prompts × 16 stories
// every 3 steps). The collapse: GRPO-64 at lr 3e-3 and β 0.02, which turns
// the stories into gibberish at reward 1 and KL ≈ 3, 3 seeds, 12 steps.
// bench/monitor.sh re-runs them all, with the runs each detector must
// catch, and prints how near each run came to each detector (the setting
// at which it would have fired) and where the defaults fired: the figures
// below. The tests of this package re-run short versions of the runs that
// should fire; examples/grpo-stories tests that its default run raises
// nothing.
type Detectors struct {
	Entropy    EntropyCollapse
	Diversity  DiversityCollapse
	KL         KLRunaway
	Hacking    RewardHacking
	Probe      ProbeRegression
	Starvation Starvation
}

// list returns the detectors that are on, or the first setting out of
// range.
func (d Detectors) list() ([]Detector, error) {
	var out []Detector
	for _, c := range []struct {
		off  bool
		name string
		vals []float64
		det  Detector
	}{
		{d.Entropy.Off, "Entropy.Ratio", []float64{d.Entropy.Ratio}, d.Entropy},
		{d.Diversity.Off, "Diversity.Closure, Window, Level, DistinctRatio",
			[]float64{d.Diversity.Closure, float64(d.Diversity.Window), d.Diversity.Level, d.Diversity.DistinctRatio}, d.Diversity},
		{d.KL.Off, "KL.Max, Rate, Window", []float64{d.KL.Max, d.KL.Rate, float64(d.KL.Window)}, d.KL},
		{d.Hacking.Off, "Hacking.Rise, Ratio, Window", []float64{d.Hacking.Rise, d.Hacking.Ratio, float64(d.Hacking.Window)}, d.Hacking},
		{d.Probe.Off, "Probe.Drop, Z", []float64{d.Probe.Drop, d.Probe.Z}, d.Probe},
		{d.Starvation.Off, "Starvation.Share, Window", []float64{d.Starvation.Share, float64(d.Starvation.Window)}, d.Starvation},
	} {
		for _, v := range c.vals {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("monitor: Detectors.%s = %v, want finite ≥ 0 (0: the default)", c.name, c.vals)
			}
		}
		if !c.off {
			out = append(out, c.det)
		}
	}
	return out, nil
}

// or returns x, or def when x is 0.
func or[T int | float64](x, def T) T {
	if x == 0 {
		return def
	}
	return x
}

// recent returns the last up to n measured values of name and the window
// of steps they span, from the records up to the last one; ok is false
// when the last record did not measure it.
func recent(records []Record, name string, n int) (window [2]int, values []float64, ok bool) {
	if len(records) == 0 {
		return window, nil, false
	}
	last := records[len(records)-1]
	if v, _ := last.Value(name); math.IsNaN(v) {
		return window, nil, false
	}
	for i := len(records) - 1; i >= 0 && len(values) < n; i-- {
		if v, _ := records[i].Value(name); !math.IsNaN(v) {
			values = append(values, v)
			window[0] = records[i].Step
		}
	}
	slices.Reverse(values)
	window[1] = last.Step
	return window, values, true
}

// baseline returns the first measured value of name and its step; ok is
// false when it has not been measured before the last record.
func baseline(records []Record, name string) (v float64, step int, ok bool) {
	for _, r := range records[:max(0, len(records)-1)] {
		if x, _ := r.Value(name); !math.IsNaN(x) {
			return x, r.Step, true
		}
	}
	return math.NaN(), 0, false
}

// shown is how many recent values an event of a detector without a
// window of its own carries.
const shown = 5

// EntropyCollapse fires when the policy's mean per-token entropy falls to
// Ratio times its value at the first step it was measured (the untrained
// policy, when the Monitor watches from the start): the policy stops
// exploring, the entropy collapse EVOL-RL reports for label-free
// self-training (confidence and majority-vote objectives).
//
// Default Ratio 0.5: the main job never went below 0.82 of its first
// entropy, the fast main job below 0.73 (seed 1: 1.03 of 1.41 nats),
// GRPO-64 below 0.80; a self-certainty run (each sample's reward its mean
// log-prob under the policy that drew it, lr 1e-3, β 0, 4 prompts × 8 × 32
// tokens) fell to 0.41 of its first by step 7 (0.58 of 1.43 nats) and 0.13
// by step 12, its stories one story. The collapse hardly lowers it (to
// 0.75 of the first on one of its 3 seeds, not at all on the others, then
// up to 2.2 nats): gibberish is diverse noise, which the KL and diversity
// detectors catch.
//
// References: Zhou et al., "Evolving Language Models without Labels:
// Majority Drives Selection, Novelty Promotes Variation" (EVOL-RL, 2025).
type EntropyCollapse struct {
	// Ratio is the share of the first entropy at or below which it fires
	// (default 0.5).
	Ratio float64
	// Off turns the detector off.
	Off bool
}

// Detect implements Detector.
func (d EntropyCollapse) Detect(records []Record) (Event, bool) {
	return fell(records, NameEntropyCollapse, "entropy", "mean token entropy %.3f nats", or(d.Ratio, 0.5))
}

// fell reports whether the signal called name, measured at the last
// record, has fallen to ratio times its first measured value x₀,
//
//	x_t ≤ ratio · x₀,   x₀ > 0,
//
// and returns the event of detector det that says so; value is the
// message's format of x_t.
func fell(records []Record, det, name, value string, ratio float64) (Event, bool) {
	w, vals, ok := recent(records, name, shown)
	if !ok {
		return Event{}, false
	}
	base, at, ok := baseline(records, name)
	if !ok || base <= 0 {
		return Event{}, false
	}
	x := vals[len(vals)-1]
	if x > ratio*base {
		return Event{}, false
	}
	return Event{Detector: det, Signal: name, Window: w, Values: vals, Baseline: base, Threshold: ratio * base,
		Message: fmt.Sprintf(value+", %.2f of its %.3f at step %d (threshold %.2f)", x, x/base, base, at, ratio)}, true
}

// DiversityCollapse fires when a step's samples lose their diversity:
// when the mean embedding similarity within groups, or of a step's samples
// to the previous step's, closes a share of its distance to 1 (identical
// samples),
//
//	c = (s_t − s_ref) / (1 − s_ref),
//
// of Closure or more against its lowest value over the Window steps
// before (a fast collapse) or of Level or more against its first value (a
// slow one); or when the within-group distinct-n falls to DistinctRatio of
// its first value. It names the signal that crossed (similarity,
// cross_similarity, distinct).
//
// Defaults Closure 0.35 over Window 3, Level 0.65, DistinctRatio 0.5, with
// the default HashEmbedder and distinct-2: the main job closed at most
// 0.17 within 3 steps and 0.34 from its first step and kept distinct-2
// above 0.77 of its first; the fast main job at most 0.29 (seed 5, step
// 15) and 0.51, above 0.67, as every story takes up fish; GRPO-64 at most
// 0.22 and 0.46, above 0.76. The collapse closed 0.39, 0.59 and 0.43
// within 3 steps, firing at steps 4, 4 and 5 with the reward at 0.69, 1.00
// and 0.79 (it reached 0.99 at steps 6, 4 and 8: the second seed learns so
// fast that its reward saturates first, and KLRunaway fires a step
// before). The self-certainty run of EntropyCollapse (4 prompts × 8 × 32
// tokens) halved its distinct-2 by step 7 (0.44 of 0.90) and closed 0.79
// from its first similarity by step 9.
//
// References: Zhou et al., EVOL-RL (2025); Zeng et al., "B-STaR" (ICLR
// 2025) — the exploration that falls with diversity; Li et al.,
// distinct-n (NAACL 2016).
type DiversityCollapse struct {
	// Closure is the closure within Window steps at or above which it
	// fires (default 0.35).
	Closure float64
	// Window is the number of steps before the current one whose lowest
	// similarity Closure is measured from (default 3).
	Window int
	// Level is the closure from the first step at or above which it fires
	// (default 0.65).
	Level float64
	// DistinctRatio is the share of the first distinct-n at or below which
	// it fires (default 0.5).
	DistinctRatio float64
	// Off turns the detector off.
	Off bool
}

// Detect implements Detector.
func (d DiversityCollapse) Detect(records []Record) (Event, bool) {
	for _, name := range []string{"similarity", "cross_similarity"} {
		if ev, ok := d.closure(records, name); ok {
			return ev, true
		}
	}
	return fell(records, NameDiversityCollapse, "distinct", "distinct-n within groups %.3f", or(d.DistinctRatio, 0.5))
}

// closure checks one similarity signal against its recent low and its
// first value.
func (d DiversityCollapse) closure(records []Record, name string) (Event, bool) {
	fast, win, level := or(d.Closure, 0.35), or(d.Window, 3), or(d.Level, 0.65)
	w, vals, ok := recent(records, name, win+1)
	if !ok || len(vals) < 2 {
		return Event{}, false
	}
	s, low := vals[len(vals)-1], slices.Min(vals[:len(vals)-1])
	if c := (s - low) / (1 - low); low < 1 && c >= fast {
		return Event{Detector: NameDiversityCollapse, Signal: name, Window: w, Values: vals, Baseline: low, Threshold: low + fast*(1-low),
			Message: fmt.Sprintf("%s %.3f from %.3f within steps %d–%d: %.2f of the way to identical samples (threshold %.2f)",
				name, s, low, w[0], w[1], c, fast)}, true
	}
	first, at, _ := baseline(records, name) // found: vals holds an earlier value
	if c := (s - first) / (1 - first); first < 1 && c >= level {
		w, vals, _ := recent(records, name, shown)
		return Event{Detector: NameDiversityCollapse, Signal: name, Window: w, Values: vals, Baseline: first, Threshold: first + level*(1-first),
			Message: fmt.Sprintf("%s %.3f against %.3f at step %d: %.2f of the way to identical samples (threshold %.2f)",
				name, s, first, at, c, level)}, true
	}
	return Event{}, false
}

// KLRunaway fires when the policy's KL to the reference passes Max, or
// rises faster than Rate per step on average over the last Window steps
// (once there are Window steps before the current one; steps where the KL
// was not measured do not count):
//
//	KL_t ≥ Max   or   (KL_t − KL_{t−W}) / W ≥ Rate.
//
// A policy far from its reference has left the region where the reward
// and the reference's language can be trusted: the KL-regularised
// objective's premise (the optimum π_ref·exp(R/β) stays near π_ref).
//
// Defaults Max 1 nat per token, Rate 0.15 per step, Window 3 (k3 estimate,
// as policy.StepStats.KL): the main job peaked at 0.27 and rose at most
// 0.021 per step over 3 steps, the fast main job at 0.52 and 0.056,
// GRPO-64 at 0.50 and 0.055; the collapse fired at steps 2, 3 and 4 of its
// 3 seeds (KL 1.12, 1.72 and 1.55), 4, 1 and 4 steps before the reward
// reached 0.99.
//
// References: Schulman, "Approximating KL Divergence" (2020: k3);
// Ouyang et al., InstructGPT (2022: the KL-penalised objective).
type KLRunaway struct {
	// Max is the KL at or above which it fires (default 1).
	Max float64
	// Rate is the mean rise per step at or above which it fires (default
	// 0.15).
	Rate float64
	// Window is the number of steps the rate is taken over (default 3).
	Window int
	// Off turns the detector off.
	Off bool
}

// Detect implements Detector.
func (d KLRunaway) Detect(records []Record) (Event, bool) {
	kmax, rate, win := or(d.Max, 1), or(d.Rate, 0.15), or(d.Window, 3)
	w, vals, ok := recent(records, "kl", win+1)
	if !ok {
		return Event{}, false
	}
	kl, first := vals[len(vals)-1], vals[0]
	if kl >= kmax {
		return Event{Detector: NameKLRunaway, Signal: "kl", Window: w, Values: vals, Baseline: first, Threshold: kmax,
			Message: fmt.Sprintf("KL to the reference %.3f ≥ %.3f", kl, kmax)}, true
	}
	if len(vals) == win+1 {
		steps := w[1] - w[0]
		if r := (kl - first) / float64(steps); r >= rate {
			return Event{Detector: NameKLRunaway, Signal: "kl", Window: w, Values: vals, Baseline: first, Threshold: rate,
				Message: fmt.Sprintf("KL rose %.3f → %.3f in %d steps: %.3f per step ≥ %.3f", first, kl, steps, r, rate)}, true
		}
	}
	return Event{}, false
}

// RewardHacking fires when the training reward rises and the verifier
// watching it (Step.Watch) does not follow: over the last Window steps
// against the first Window steps where both were measured,
//
//	ΔR = mean R_recent − mean R_first ≥ Rise   and   ΔV ≤ Ratio · ΔR.
//
// An honest gain shows in both; a gain the verifier does not confirm is
// the policy earning what the reward pays for rather than what it is
// meant to measure — the gap between a learned or judged reward and a
// held-out verifier.
//
// Defaults Rise 0.2, Ratio 0.5, Window 5, from GRPO-64 runs whose reward
// pays for "fish" or a planted hack word and whose watcher pays for
// "fish" only (20 steps): with "friend" (in 16% of base stories, fish in
// 2%) the reward went 0.38 → 0.63 (steps 1–5 → 3–7) while the watcher
// went 0.03 → 0.03, firing at step 7, and the reward reached 1 at step 14
// with the watcher never above 0.09; with "sun" (11%) it fired at step 8
// (0.21 → 0.47, watcher 0.03 → 0.12). GRPO-64 watched by an honest
// verifier of its own ("fish" as a whole word, where the reward also
// counts "fishing") raised nothing: the watcher's rise was never below
// 0.93 of the reward's.
//
// References: Skalse et al., "Defining and Characterizing Reward Hacking"
// (NeurIPS 2022); Gao et al., "Scaling Laws for Reward Model
// Overoptimization" (ICML 2023: the proxy-versus-gold gap).
type RewardHacking struct {
	// Rise is the reward's rise at or above which it may fire (default
	// 0.2, in reward units).
	Rise float64
	// Ratio is the share of the reward's rise that the watcher must at
	// least match not to fire (default 0.5).
	Ratio float64
	// Window is the number of steps of each mean (default 5).
	Window int
	// Off turns the detector off.
	Off bool
}

// Detect implements Detector.
func (d RewardHacking) Detect(records []Record) (Event, bool) {
	rise, ratio, win := or(d.Rise, 0.2), or(d.Ratio, 0.5), or(d.Window, 5)
	var steps []int
	var rs, vs []float64
	for _, r := range records {
		if !math.IsNaN(r.Reward) && !math.IsNaN(r.Watch) {
			steps, rs, vs = append(steps, r.Step), append(rs, r.Reward), append(vs, r.Watch)
		}
	}
	n := len(rs)
	if n <= win || steps[n-1] != records[len(records)-1].Step {
		return Event{}, false
	}
	r0, v0 := nanmean.Of(rs[:win]), nanmean.Of(vs[:win])
	r1, v1 := nanmean.Of(rs[n-win:]), nanmean.Of(vs[n-win:])
	if r1-r0 < rise || v1-v0 > ratio*(r1-r0) {
		return Event{}, false
	}
	return Event{Detector: NameRewardHacking, Signal: "reward", Window: [2]int{steps[n-win], steps[n-1]}, Values: rs[n-win:],
		Baseline: r0, Threshold: rise,
		Message: fmt.Sprintf("reward rose %.3f → %.3f (steps %d–%d → %d–%d) while the watcher went %.3f → %.3f (watch %v)",
			r0, r1, steps[0], steps[win-1], steps[n-win], steps[n-1], v0, v1, rounded(vs[n-win:]))}, true
}

// ProbeRegression fires when the regression probe's latest score is
// below its first by Drop or more and by Z or more standard errors of the
// difference,
//
//	p_0 − p_t ≥ Drop   and   p_0 − p_t ≥ Z·√(se_0² + se_t²),
//
// with se the probe's standard error (Probe.Score): an ability the run
// does not train has regressed, whatever the training reward does
// (Misevolution: self-evolving agents lose skills and safety they were
// not trained on). It keeps holding between probes, so it fires once per
// regression.
//
// Defaults Drop 0.1 (probe reward units; for success rates, 10 points) and
// Z 3 (a control chart's three-sigma limit): a "writes sentences" probe
// (Sentences) fell at most 0.031 below its first score in the main job and
// the fast main job (8 held-out prompts × 8 stories) and at most 0.062 in
// GRPO-64 (4 prompts × 16, 2.0 standard errors), and fell by 0.80–1.00
// within 12 steps of each collapse (0.89–1.00 → 0.00–0.20 by step 10),
// firing at steps 4, 4 and 7 as the reward reached 1. Subtler losses stay below the defaults: a
// "mentions dog" probe on dog prompts fell 0.08 → 0.00 by step 22 of
// GRPO-64 (2.3 standard errors) as training on fish taught the stories to
// drop the dog.
//
// References: Shao et al., "Your Agent May Misevolve: Emergent Risks in
// Self-evolving LLM Agents" (2025); Shewhart, "Economic Control of
// Quality of Manufactured Product" (1931).
type ProbeRegression struct {
	// Drop is the fall below the first probe score at or beyond which it
	// may fire (default 0.1).
	Drop float64
	// Z is the number of standard errors the fall must reach as well
	// (default 3).
	Z float64
	// Off turns the detector off.
	Off bool
}

// Detect implements Detector.
func (d ProbeRegression) Detect(records []Record) (Event, bool) {
	drop, z := or(d.Drop, 0.1), or(d.Z, 3)
	var steps []int
	var vals, ses []float64
	for _, r := range records {
		if !math.IsNaN(r.Probe) {
			steps, vals, ses = append(steps, r.Step), append(vals, r.Probe), append(ses, r.ProbeSE)
		}
	}
	if len(vals) < 2 {
		return Event{}, false
	}
	n := len(vals)
	fall, se := vals[0]-vals[n-1], math.Hypot(zeroIfNaN(ses[0]), zeroIfNaN(ses[n-1]))
	if fall < drop || fall < z*se {
		return Event{}, false
	}
	k := max(0, n-shown)
	return Event{Detector: NameProbeRegression, Signal: "probe", Window: [2]int{steps[k], steps[n-1]}, Values: vals[k:],
		Baseline: vals[0], Threshold: vals[0] - max(drop, z*se),
		Message: fmt.Sprintf("probe %.3f, down %.3f from %.3f at step %d: %.1f standard errors (thresholds %.3f and %.1f)",
			vals[n-1], fall, vals[0], steps[0], fall/se, drop, z)}, true
}

// zeroIfNaN returns x, or 0 for NaN.
func zeroIfNaN(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return x
}

// Starvation fires when, on average over the last Window steps, a Share
// or more of the groups carry no learning signal and are not solved:
// every sample of the prompt earned the same reward, below the success
// threshold (the starved signal, StarvedShare). The group-relative advantages
// are then 0 and the step learns next to nothing — DAPO's motivation for
// dynamic sampling (curriculum.FillBatch). Groups solved by every sample
// are left out: a run that has learned its prompts has converged, not
// starved.
//
// Defaults Share 0.9, Window 10: the main job's 10-step mean never passed
// 0.24, the fast main job's 0.31 (its first steps starve 38–75% of their
// groups, on the hard tasks), GRPO-64's 0.48 (up to 100% of the groups of
// its first steps are flat: fish in 2–3% of base stories); a reward for
// "dragon", in 1 of 600 base stories, left every group flat and fired at
// step 10 (4 prompts × 8 samples). With G samples per group, 0.9 is a
// success rate below about 1 − 0.9^(1/G) per sample (1.3% at G = 8).
//
// References: Yu et al., "DAPO" (2025), §3.2.
type Starvation struct {
	// Share is the mean share of unsolved flat groups at or above which
	// it fires (default 0.9).
	Share float64
	// Window is the number of steps of the mean (default 10).
	Window int
	// Off turns the detector off.
	Off bool
}

// Detect implements Detector.
func (d Starvation) Detect(records []Record) (Event, bool) {
	share, win := or(d.Share, 0.9), or(d.Window, 10)
	w, vals, ok := recent(records, "starved", win)
	if !ok || len(vals) < win {
		return Event{}, false
	}
	m := nanmean.Of(vals)
	if m < share {
		return Event{}, false
	}
	return Event{Detector: NameStarvation, Signal: "starved", Window: w, Values: vals, Threshold: share, Baseline: math.NaN(),
		Message: fmt.Sprintf("%.0f%% of groups over steps %d–%d had all rewards equal and below success: no learning signal (threshold %.0f%%)",
			100*m, w[0], w[1], 100*share)}, true
}

// rounded returns v rounded to 3 decimals, for messages.
func rounded(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Round(x*1000) / 1000
	}
	return out
}
