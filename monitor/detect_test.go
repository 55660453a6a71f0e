package monitor

import (
	"reflect"
	"testing"
)

// script returns records 1..n with one signal set from vals (NaN for
// the entries given as nan) and the rest NaN.
func script(name string, vals ...float64) []Record {
	recs := make([]Record, len(vals))
	for i, v := range vals {
		recs[i] = blank()
		recs[i].Step = i + 1
		for _, s := range recs[i].signals() {
			if s.name == name {
				*s.v = v
			}
		}
	}
	return recs
}

// replay feeds recs one at a time to a Monitor running only d, re-armed
// after one clear step, and returns the events it raises.
func replay(t *testing.T, d Detector, recs []Record) []Event {
	t.Helper()
	m, err := New(Config{Detectors: allOff, Extra: []Detector{d}, Rearm: 1})
	if err != nil {
		t.Fatal(err)
	}
	var evs []Event
	for _, r := range recs {
		evs = append(evs, m.push(r)...)
	}
	return evs
}

var allOff = Detectors{Entropy: EntropyCollapse{Off: true}, Diversity: DiversityCollapse{Off: true}, KL: KLRunaway{Off: true},
	Hacking: RewardHacking{Off: true}, Probe: ProbeRegression{Off: true}, Starvation: Starvation{Off: true}}

// want is the part of an event a scripted test checks.
type want struct {
	step     int
	signal   string
	window   [2]int
	values   []float64
	baseline float64
}

func check(t *testing.T, name string, got []Event, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("%s: %d events, want %d: %v", name, len(got), len(wants), got)
	}
	for i, w := range wants {
		e := got[i]
		if e.Step != w.step || e.Signal != w.signal || e.Window != w.window || !reflect.DeepEqual(e.Values, w.values) || !near(e.Baseline, w.baseline) {
			t.Errorf("%s: event %d = step %d %s %v %v baseline %v; want %+v (%s)", name, i, e.Step, e.Signal, e.Window, e.Values, e.Baseline, w, e.Message)
		}
	}
}

// Each detector on scripted signals: it fires at the step its condition
// starts to hold, with the window and values of the evidence, once until
// the condition clears, and not at all on a healthy sequence.
func TestDetectorsScripted(t *testing.T) {
	// Entropy halves (0.7 ≤ ½·1.4) at step 4, recovers at 6, falls at 7.
	check(t, "entropy", replay(t, EntropyCollapse{}, script("entropy", 1.4, 1.3, 1.0, 0.7, 0.6, 0.9, 0.5)), []want{
		{4, "entropy", [2]int{1, 4}, []float64{1.4, 1.3, 1.0, 0.7}, 1.4},
		{7, "entropy", [2]int{3, 7}, []float64{1.0, 0.7, 0.6, 0.9, 0.5}, 1.4},
	})
	check(t, "healthy entropy", replay(t, EntropyCollapse{}, script("entropy", 1.45, 1.35, 1.22, 1.3, 1.5)), nil)

	// Similarity 0.3 → 0.6 closes 0.43 of the way to 1 at step 4.
	check(t, "similarity", replay(t, DiversityCollapse{}, script("similarity", 0.3, 0.35, 0.5, 0.6)), []want{
		{4, "similarity", [2]int{1, 4}, []float64{0.3, 0.35, 0.5, 0.6}, 0.3},
	})
	check(t, "cross-step similarity", replay(t, DiversityCollapse{}, script("cross_similarity", nan, 0.3, 0.4, 0.7)), []want{
		{4, "cross_similarity", [2]int{2, 4}, []float64{0.3, 0.4, 0.7}, 0.3},
	})
	// Distinct-2 0.9 → 0.4 ≤ 0.5·0.9 at step 3.
	check(t, "distinct", replay(t, DiversityCollapse{}, script("distinct", 0.9, 0.8, 0.4)), []want{
		{3, "distinct", [2]int{1, 3}, []float64{0.9, 0.8, 0.4}, 0.9},
	})
	// A slow rise never closes 0.35 within 3 steps; at 0.76 it has closed
	// 0.66 of the way from its first 0.3.
	check(t, "slow similarity", replay(t, DiversityCollapse{}, script("similarity",
		0.3, 0.33, 0.36, 0.39, 0.42, 0.45, 0.48, 0.51, 0.54, 0.57, 0.6, 0.63, 0.66, 0.69, 0.73, 0.76)), []want{
		{16, "similarity", [2]int{12, 16}, []float64{0.63, 0.66, 0.69, 0.73, 0.76}, 0.3},
	})
	check(t, "healthy similarity", replay(t, DiversityCollapse{}, script("similarity", 0.34, 0.38, 0.4, 0.42, 0.45, 0.48, 0.5, 0.52, 0.55, 0.5)), nil)

	// KL rises 0.48 over 3 steps (rate ≥ 0.15) at step 4 — the rise of
	// 0.2 in the first step alone does not count; with the rate out of
	// reach, it passes Max = 1 at step 4.
	check(t, "kl rate", replay(t, KLRunaway{}, script("kl", 0, 0.2, 0.3, 0.48, 0.5)), []want{
		{4, "kl", [2]int{1, 4}, []float64{0, 0.2, 0.3, 0.48}, 0},
	})
	check(t, "kl max", replay(t, KLRunaway{Rate: 100}, script("kl", 0, 0.5, 0.9, 1.0)), []want{
		{4, "kl", [2]int{1, 4}, []float64{0, 0.5, 0.9, 1.0}, 0},
	})
	check(t, "healthy kl", replay(t, KLRunaway{}, script("kl", 0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.38)), nil)

	// Reward 0.1 for five steps then 0.3, 0.5, 0.7; watcher flat at 0.05:
	// steps 4–8 average 0.34, 0.24 above steps 1–5, at step 8.
	reward := []float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.3, 0.5, 0.7}
	hacked := script("reward", reward...)
	honest := script("reward", reward...)
	for i := range hacked {
		hacked[i].Watch, honest[i].Watch = 0.05, reward[i]
	}
	check(t, "hacking", replay(t, RewardHacking{}, hacked), []want{
		{8, "reward", [2]int{4, 8}, []float64{0.1, 0.1, 0.3, 0.5, 0.7}, 0.1},
	})
	check(t, "honest watcher", replay(t, RewardHacking{}, honest), nil)

	// Probe 0.9 at step 1; 0.75 at step 11 is 0.15 down: fires, holds
	// through the steps without a probe, clears at 16, fires again at 21.
	probe := make([]float64, 21)
	for i := range probe {
		probe[i] = nan
	}
	probe[0], probe[5], probe[10], probe[15], probe[20] = 0.9, 0.85, 0.75, 0.95, 0.7
	check(t, "probe", replay(t, ProbeRegression{}, script("probe", probe...)), []want{
		{11, "probe", [2]int{1, 11}, []float64{0.9, 0.85, 0.75}, 0.9},
		{21, "probe", [2]int{1, 21}, []float64{0.9, 0.85, 0.75, 0.95, 0.7}, 0.9},
	})
	check(t, "steady probe", replay(t, ProbeRegression{}, script("probe", 0.94, nan, 1, nan, 0.91, 0.97)), nil)
	// A fall of 0.15 with standard errors of 0.05 is 2.1 of the
	// difference's: not enough.
	noisy := script("probe", 0.9, 0.75)
	noisy[0].ProbeSE, noisy[1].ProbeSE = 0.05, 0.05
	check(t, "noisy probe", replay(t, ProbeRegression{}, noisy), nil)

	// Every group starved for ten steps fires at step 10.
	ones := []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
	check(t, "starvation", replay(t, Starvation{}, script("starved", ones...)), []want{
		{10, "starved", [2]int{1, 10}, ones[:10], nan},
	})
	check(t, "early starvation", replay(t, Starvation{}, script("starved", 1, 1, 0.8, 0.8, 0.7, 0.5, 0.3, 0, 0, 0, 0, 0)), nil)
}

// A detector that fired fires again only after its condition has been
// clear for Config.Rearm steps (default 5).
func TestRearm(t *testing.T) {
	recs := script("entropy", 1.4, 0.6, 1.4, 0.6, 1.4, 1.4, 1.4, 1.4, 1.4, 0.6)
	for rearm, steps := range map[int][]int{0: {2, 10}, 1: {2, 4, 10}, 6: {2}} {
		m, err := New(Config{Detectors: allOff, Extra: []Detector{EntropyCollapse{}}, Rearm: rearm})
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, r := range recs {
			for _, e := range m.push(r) {
				got = append(got, e.Step)
			}
		}
		if !reflect.DeepEqual(got, steps) {
			t.Errorf("Rearm %d: events at steps %v, want %v", rearm, got, steps)
		}
	}
	if _, err := New(Config{Rearm: -1}); err == nil {
		t.Error("Rearm -1: no error")
	}
}

// Negative and non-finite settings are errors; Off turns a detector off.
func TestDetectorSettings(t *testing.T) {
	for _, d := range []Detectors{
		{Entropy: EntropyCollapse{Ratio: -1}}, {Diversity: DiversityCollapse{Closure: nan}},
		{KL: KLRunaway{Window: -1}}, {Hacking: RewardHacking{Rise: -0.1}}, {Probe: ProbeRegression{Drop: -1}},
		{Starvation: Starvation{Window: -3}},
	} {
		if _, err := New(Config{Detectors: d}); err == nil {
			t.Errorf("%+v: no error", d)
		}
	}
	m, err := New(Config{Detectors: allOff})
	if err != nil || len(m.detectors) != 0 {
		t.Errorf("every detector off: %d detectors, %v", len(m.detectors), err)
	}
	m, err = New(Config{})
	if err != nil || len(m.detectors) != 6 {
		t.Errorf("defaults: %d detectors, %v", len(m.detectors), err)
	}
}
