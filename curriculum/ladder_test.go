package curriculum

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func newLadder(t *testing.T, k, target int, cfg LadderConfig) *Ladder {
	t.Helper()
	l, err := NewLadder(k, target, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// ladderStep is one Select (checked against want) followed by an Update
// of the selected arm with r.
type ladderStep struct {
	want int
	r    float64
}

func runLadder(t *testing.T, l *Ladder, steps []ladderStep) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 1))
	for i, s := range steps {
		a, err := l.Select(rng)
		if err != nil || a != s.want {
			t.Fatalf("step %d: Select = %d, %v; want %d (windows %v, retired %v)", i, a, err, s.want, l.win, l.retired)
		}
		if err := l.Update(a, s.r); err != nil {
			t.Fatalf("step %d: Update(%d, %v): %v", i, a, s.r, err)
		}
	}
}

// TestLadderBookkeeping follows a Ladder over 4 arms with the target in
// the middle (arm 2), W = 3 and Mastery = 0.75, step by step.
func TestLadderBookkeeping(t *testing.T) {
	l := newLadder(t, 4, 2, LadderConfig{Mastery: 0.75, Window: 3})
	runLadder(t, l, []ladderStep{
		// One group of each stepping stone, in index order; the target
		// is not probed.
		{0, 0.5}, {1, 1}, {3, 0.25},
		// Means 0.5, 1, 0.25: arm 1 is the easiest.
		{1, 0.5},  // w1 = (1, 0.5): mean 0.75 but the window is not full
		{1, 0.75}, // w1 = (1, 0.5, 0.75): mean 2.25/3 = 0.75 ≥ 0.75, retired
		// Arm 0 (mean 0.5) before arm 3 (0.25).
		{0, 0}, // w0 = (0.5, 0): 0.25, tied with arm 3: the lower index
		{0, 1}, // w0 = (0.5, 0, 1): mean 0.5 < 0.75
		{0, 1}, // the oldest drops: w0 = (0, 1, 1), mean 2/3
		{0, 1}, // w0 = (1, 1, 1): retired
		{3, 1}, // w3 = (0.25, 1)
		{3, 1}, // w3 = (0.25, 1, 1): mean 0.75, retired
		// Only the target is left; it is never retired.
		{2, 1}, {2, 1}, {2, 1}, {2, 1},
	})
	if got := l.Retired(); !slices.Equal(got, []bool{true, true, false, true}) {
		t.Errorf("Retired = %v, want [true true false true]", got)
	}
	if !slices.Equal(l.n, []int{5, 3, 4, 3}) || !slices.Equal(l.win[2], []float64{1, 1, 1}) {
		t.Errorf("groups %v, target window %v; want [5 3 4 3], [1 1 1]", l.n, l.win[2])
	}
	if l.Target() != 2 || l.Arms() != 4 {
		t.Errorf("Target = %d, Arms = %d", l.Target(), l.Arms())
	}
}

// TestLadderReorders: a stone that proves harder than another falls
// below it; MaxGroups retires a stone that never reaches Mastery; the
// defaults are Mastery 0.8 and W = 10.
func TestLadderReorders(t *testing.T) {
	l := newLadder(t, 3, 2, LadderConfig{})
	runLadder(t, l, []ladderStep{
		{0, 0.5}, {1, 0.625},
		{1, 0}, // w1 = (0.625, 0): 0.3125 < 0.5
		{0, 0.5},
	})
	if l.mastery != 0.8 || l.window != 10 || l.maxGroups != 0 {
		t.Errorf("defaults: mastery %v, window %d, max groups %d; want 0.8, 10, 0", l.mastery, l.window, l.maxGroups)
	}
	// Mastery over a full default window: nine groups at 1 and one at
	// 0 average 0.9.
	l = newLadder(t, 2, 1, LadderConfig{})
	steps := []ladderStep{{0, 0}}
	for range 8 {
		steps = append(steps, ladderStep{0, 1})
	}
	runLadder(t, l, append(steps, ladderStep{0, 1}, ladderStep{1, 0}))

	l = newLadder(t, 3, 2, LadderConfig{MaxGroups: 2})
	runLadder(t, l, []ladderStep{{0, 0}, {1, 0}, {0, 0}, {1, 0.1}, {2, 0}, {2, 0}})
	if got := l.Retired(); !slices.Equal(got, []bool{true, true, false}) {
		t.Errorf("MaxGroups 2: Retired = %v", got)
	}
	// A Ladder with the target alone plays it.
	runLadder(t, newLadder(t, 1, 0, LadderConfig{}), []ladderStep{{0, 1}, {0, 1}})
}

func TestLadderErrors(t *testing.T) {
	for _, c := range []struct {
		k, target int
		cfg       LadderConfig
	}{
		{0, 0, LadderConfig{}}, {3, -1, LadderConfig{}}, {3, 3, LadderConfig{}},
		{3, 2, LadderConfig{Mastery: 1.5}}, {3, 2, LadderConfig{Mastery: -0.5}}, {3, 2, LadderConfig{Mastery: math.NaN()}},
		{3, 2, LadderConfig{Window: -1}}, {3, 2, LadderConfig{MaxGroups: -1}},
	} {
		if _, err := NewLadder(c.k, c.target, c.cfg); err == nil {
			t.Errorf("NewLadder(%d, %d, %+v): no error", c.k, c.target, c.cfg)
		}
	}
	l := newLadder(t, 3, 2, LadderConfig{})
	for _, c := range []struct {
		arm int
		r   float64
	}{{-1, 0.5}, {3, 0.5}, {0, -0.1}, {0, 1.1}, {0, math.NaN()}, {0, math.Inf(1)}} {
		if err := l.Update(c.arm, c.r); err == nil {
			t.Errorf("Update(%d, %v): no error", c.arm, c.r)
		}
	}
	if l.n[0] != 0 || len(l.win[0]) != 0 {
		t.Errorf("rejected updates changed the ladder: %v, %v", l.n, l.win)
	}
	if _, err := l.Select(nil); err == nil {
		t.Error("Select(nil rng): no error")
	}
	var zero Ladder
	if _, err := zero.Select(rand.New(rand.NewPCG(1, 1))); !errors.Is(err, ErrNoArms) {
		t.Errorf("zero Ladder Select: %v, want ErrNoArms", err)
	}
	if err := zero.Update(0, 1); !errors.Is(err, ErrNoArms) {
		t.Errorf("zero Ladder Update: %v, want ErrNoArms", err)
	}
}

// TestLadderResume: a restored Ladder continues exactly as the original;
// invalid states are rejected and leave the Ladder unchanged.
func TestLadderResume(t *testing.T) {
	cfg := LadderConfig{Mastery: 0.75, Window: 3, MaxGroups: 7}
	l := newLadder(t, 4, 3, cfg)
	runLadder(t, l, []ladderStep{{0, 1}, {1, 0.5}, {2, 0}, {0, 0.5}, {0, 1}, {1, 1}})
	b, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	r := newLadder(t, 2, 0, LadderConfig{})
	if err := json.Unmarshal(b, r); err != nil {
		t.Fatal(err)
	}
	rest := []ladderStep{{1, 1}, {2, 1}, {2, 1}, {2, 1}, {3, 0}, {3, 1}}
	runLadder(t, l, rest)
	runLadder(t, r, rest)
	b2, _ := json.Marshal(r)
	if b3, _ := json.Marshal(l); string(b2) != string(b3) {
		t.Errorf("after the same steps: restored %s, original %s", b2, b3)
	}
	for name, s := range map[string]string{
		"kind":            `{"kind":"sec","target":0,"mastery":0.8,"window":2,"recent":[[],[]],"groups":[0,0],"retired":[false,false]}`,
		"target retired":  `{"kind":"ladder","target":1,"mastery":0.8,"window":2,"recent":[[],[]],"groups":[0,0],"retired":[false,true]}`,
		"target range":    `{"kind":"ladder","target":2,"mastery":0.8,"window":2,"recent":[[],[]],"groups":[0,0],"retired":[false,false]}`,
		"window 0":        `{"kind":"ladder","target":1,"mastery":0.8,"window":0,"recent":[[],[]],"groups":[0,0],"retired":[false,false]}`,
		"mastery 0":       `{"kind":"ladder","target":1,"mastery":0,"window":2,"recent":[[],[]],"groups":[0,0],"retired":[false,false]}`,
		"long window":     `{"kind":"ladder","target":1,"mastery":0.8,"window":2,"recent":[[1,1,1],[]],"groups":[3,0],"retired":[false,false]}`,
		"rate range":      `{"kind":"ladder","target":1,"mastery":0.8,"window":2,"recent":[[2],[]],"groups":[1,0],"retired":[false,false]}`,
		"few groups":      `{"kind":"ladder","target":1,"mastery":0.8,"window":2,"recent":[[1,1],[]],"groups":[1,0],"retired":[false,false]}`,
		"lengths":         `{"kind":"ladder","target":1,"mastery":0.8,"window":2,"recent":[[]],"groups":[0,0],"retired":[false,false]}`,
		"no arms":         `{"kind":"ladder","target":0,"mastery":0.8,"window":2,"recent":[],"groups":[],"retired":[]}`,
		"negative groups": `{"kind":"ladder","target":1,"mastery":0.8,"window":2,"recent":[[],[]],"groups":[-1,0],"retired":[false,false]}`,
		"not JSON":        `{"kind":`,
	} {
		if err := json.Unmarshal([]byte(s), r); err == nil {
			t.Errorf("%s: no error", name)
		}
		if b4, _ := json.Marshal(r); string(b4) != string(b2) {
			t.Errorf("%s: a rejected state changed the Ladder to %s", name, b4)
		}
	}
}

// TestLadderInCurriculum: the Ladder behind a Curriculum with the
// SuccessRate signal; a group with a reward outside [0, 1] or with none
// present is rejected and changes nothing.
func TestLadderInCurriculum(t *testing.T) {
	l := newLadder(t, 3, 2, LadderConfig{Window: 2})
	c, err := New(l, [][]string{{"a"}, {"b"}, {"c"}}, Config{Signal: SuccessRate})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	arms, _, err := c.NextBatch(rng, 4)
	if err != nil || !slices.Equal(arms, []int{0, 0, 0, 0}) {
		t.Fatalf("first batch: %v, %v; want four draws of arm 0", arms, err)
	}
	nan := math.NaN()
	if err := c.ObserveBatch([]int{0, 0}, [][]float64{{1, 1}, {1, 2}}); err == nil {
		t.Error("a reward of 2: no error")
	}
	if err := c.ObserveBatch([]int{0, 0}, [][]float64{{1, 1}, {nan, nan}}); !errors.Is(err, ErrNoReward) {
		t.Errorf("a group with no reward present: %v, want ErrNoReward", err)
	}
	if l.n[0] != 0 {
		t.Fatalf("rejected batches changed the ladder: groups %v", l.n)
	}
	// Two groups at 1 (one with a missing reward) fill arm 0's window.
	if err := c.ObserveBatch([]int{0, 0}, [][]float64{{1, 1}, {nan, 1}}); err != nil {
		t.Fatal(err)
	}
	if !l.Retired()[0] {
		t.Errorf("arm 0 not retired after a full window at 1: %v", l.win)
	}
	if a, _, _ := c.Next(rng); a != 1 {
		t.Errorf("after arm 0 is retired: Next = %d, want 1", a)
	}
	if _, err := json.Marshal(c); err != nil {
		t.Errorf("saving the curriculum: %v", err)
	}
}

func TestSuccessRate(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		rs   []float64
		want float64
	}{{[]float64{1, 0, 1, 1}, 0.75}, {[]float64{nan, 1, 0, nan}, 0.5}, {[]float64{0.25, 0.75}, 0.5}, {[]float64{0}, 0}} {
		if got, err := SuccessRate(0, c.rs); err != nil || got != c.want {
			t.Errorf("SuccessRate(%v) = %v, %v; want %v", c.rs, got, err, c.want)
		}
	}
	for _, rs := range [][]float64{nil, {1, 1.5}, {-0.5}, {math.Inf(1)}} {
		if _, err := SuccessRate(0, rs); err == nil {
			t.Errorf("SuccessRate(%v): no error", rs)
		}
	}
	if _, err := SuccessRate(0, []float64{nan, nan}); !errors.Is(err, ErrNoReward) {
		t.Errorf("SuccessRate(all missing): %v, want ErrNoReward", err)
	}
}

// failureRates feeds a Ladder 1 − success rate: a sign slip the
// simulation test must reject.
type failureRates struct{ *Ladder }

func (f failureRates) Update(arm int, r float64) error { return f.Ladder.Update(arm, 1-r) }

// TestSimulationLadder: on the default learner and on the learner without
// transfer (Learners), over 20 seeds, the Ladder reaches the goal in every
// run with at most half the steps of uniform sampling and at most 1.25 ×
// those of the adaptive easy-to-hard schedule (measured: 0.33 and 1.00 ×
// on the default learner, 0.25 and 1.00 × without transfer). A Ladder
// that skips the stepping stones (MaxGroups 1) or is fed failure rates
// misses the margin on the default learner.
func TestSimulationLadder(t *testing.T) {
	const seeds, vsUniform, vsAdaptive = 20, 0.5, 1.25
	ls := Learners()
	for _, l := range []Learner{ls[0], ls[2]} {
		K := l.Arms()
		sum := func(mk func() Teacher) SimSummary { return learnerSummary(t, l.Config, seeds, mk) }
		ladder := func(cfg LadderConfig, wrap func(*Ladder) Bandit) func() Teacher {
			return func() Teacher {
				return BanditTeacher{Bandit: wrap(newLadder(t, K, K-1, cfg)), Signal: SuccessRate}
			}
		}
		plain := func(b *Ladder) Bandit { return b }
		uni := sum(func() Teacher { return UniformTeacher{K: K} })
		ada := sum(func() Teacher { return &AdaptiveTeacher{K: K, Window: 10, Threshold: 0.8} })
		lad := sum(ladder(LadderConfig{}, plain))
		t.Logf("%s: steps over %d seeds: uniform %.0f, adaptive easy→hard %.0f, Ladder %.0f (%.2f × uniform, %.2f × adaptive)",
			l.Name, seeds, uni.Mean, ada.Mean, lad.Mean, lad.Mean/uni.Mean, lad.Mean/ada.Mean)
		meets := func(s SimSummary) bool {
			return s.Misses == 0 && s.Mean <= vsUniform*uni.Mean && s.Mean <= vsAdaptive*ada.Mean
		}
		if uni.Misses != 0 || ada.Misses != 0 {
			t.Fatalf("%s: baselines missed the goal (uniform %d, adaptive %d)", l.Name, uni.Misses, ada.Misses)
		}
		if !meets(lad) {
			t.Errorf("%s: Ladder %.0f steps (%d misses), want ≤ %.2f × uniform (%.0f) and ≤ %.2f × adaptive (%.0f)",
				l.Name, lad.Mean, lad.Misses, vsUniform, uni.Mean, vsAdaptive, ada.Mean)
		}
		if l.Name != "default" {
			continue
		}
		// The broken Ladders, capped at 5000 steps (a miss fails the margin).
		capped := l.Config
		capped.MaxSteps = 5000
		sum = func(mk func() Teacher) SimSummary { return learnerSummary(t, capped, seeds, mk) }
		skip := sum(ladder(LadderConfig{MaxGroups: 1}, plain))
		flip := sum(ladder(LadderConfig{}, func(b *Ladder) Bandit { return failureRates{b} }))
		t.Logf("broken: stones skipped %.0f steps, fed failure rates %.0f (%d misses)", skip.Mean, flip.Mean, flip.Misses)
		if meets(skip) || meets(flip) {
			t.Errorf("%s: a broken Ladder meets the margin: stones skipped %.0f, fed failure rates %.0f", l.Name, skip.Mean, flip.Mean)
		}
	}
}

func learnerSummary(t *testing.T, cfg SimConfig, seeds int, mk func() Teacher) SimSummary {
	t.Helper()
	rs := make([]SimResult, seeds)
	for s := range rs {
		r, err := Simulate(cfg, mk(), rand.New(rand.NewPCG(uint64(s+1), 0x5ec)))
		if err != nil {
			t.Fatal(err)
		}
		rs[s] = r
	}
	return Summarize(rs)
}

// TestLadderLearnsOrder: with the default learner's categories under
// shuffled labels (a different permutation per seed), the Ladder, told
// only which label is the target, still needs at most 1.25 × the steps of
// the adaptive easy-to-hard schedule given the true order (measured:
// 1.01 ×), while that schedule following the shuffled labels needs at
// least 1.5 × the Ladder's (measured: 1.84 ×, runs capped at 5000 steps).
func TestLadderLearnsOrder(t *testing.T) {
	const seeds = 20
	l := Learners()[0]
	K := l.Arms()
	capped := l.Config
	capped.MaxSteps = 5000
	shuffled := func(mk func(target int) Teacher) SimSummary {
		rs := make([]SimResult, seeds)
		for s := range rs {
			perm := rand.New(rand.NewPCG(uint64(s), 99)).Perm(K)
			target := slices.Index(perm, K-1)
			r, err := NewRelabelled(mk(target), perm)
			if err != nil || r.Inverse(K-1) != target {
				t.Fatalf("NewRelabelled(%v): %v", perm, err)
			}
			if rs[s], err = Simulate(capped, r, rand.New(rand.NewPCG(uint64(s+1), 0x5ec))); err != nil {
				t.Fatal(err)
			}
		}
		return Summarize(rs)
	}
	lad := shuffled(func(target int) Teacher {
		return BanditTeacher{Bandit: newLadder(t, K, target, LadderConfig{}), Signal: SuccessRate}
	})
	blind := shuffled(func(int) Teacher { return &AdaptiveTeacher{K: K, Window: 10, Threshold: 0.8} })
	ada := learnerSummary(t, l.Config, seeds, func() Teacher { return &AdaptiveTeacher{K: K, Window: 10, Threshold: 0.8} })
	t.Logf("shuffled labels, %d seeds: Ladder %.0f steps (%d misses), adaptive following the labels %.0f (%d misses); adaptive in the true order %.0f",
		seeds, lad.Mean, lad.Misses, blind.Mean, blind.Misses, ada.Mean)
	if lad.Misses != 0 || lad.Mean > 1.25*ada.Mean {
		t.Errorf("Ladder under shuffled labels: %.0f steps (%d misses), want ≤ 1.25 × %.0f", lad.Mean, lad.Misses, ada.Mean)
	}
	if blind.Mean < 1.5*lad.Mean {
		t.Errorf("adaptive following shuffled labels: %.0f steps, want ≥ 1.5 × the Ladder's %.0f (are the labels shuffled?)", blind.Mean, lad.Mean)
	}
}
