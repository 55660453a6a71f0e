package curriculum

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat"

	"github.com/evolve-go/evolve/policy"
)

func bernoulliGroup(dst []float64, p float64, rng *rand.Rand) []float64 {
	for i := range dst {
		dst[i] = 0
		if rng.Float64() < p {
			dst[i] = 1
		}
	}
	return dst
}

func TestAbsAdvantageExact(t *testing.T) {
	// 3 of 8 correct: mean|A| = 2·sqrt(q(1−q)), q = 3/8.
	g := []float64{1, 0, 0, 1, 0, 0, 1, 0}
	got, err := AbsAdvantage(0, g)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 * math.Sqrt(3.0/8*5/8); math.Abs(got-want) > 1e-14 {
		t.Fatalf("AbsAdvantage = %v, want %v", got, want)
	}
	adv := make([]float64, len(g))
	if err := (policy.GroupNorm{Std: policy.Population}).Advantages(adv, g, make([]int, len(g))); err != nil {
		t.Fatal(err)
	}
	m, _ := MeanAbsAdvantage(adv)
	if math.Abs(m-got) > 1e-14 {
		t.Fatalf("MeanAbsAdvantage(GroupNorm) = %v, AbsAdvantage = %v", m, got)
	}
	// Fractional rewards too: three 0.1s average to 0.10000000000000002,
	// which must not turn into a spread of ±1 standard deviation.
	for _, g := range [][]float64{{1, 1, 1}, {0, 0}, {0.3}, {0.1, 0.1, 0.1}, {0.7, 0.7, 0.7, 0.7, 0.7, 0.7}} {
		if v, err := AbsAdvantage(0, g); err != nil || v != 0 {
			t.Errorf("all-equal group %v: %v, %v; want 0", g, v, err)
		}
	}
}

// TestAbsAdvantagePeaksAtHalf checks, on simulated GRPO groups, that the
// expected mean |A| follows 2·sqrt(p(1−p)) (large groups) and peaks at
// p = 0.5 for groups of 8.
func TestAbsAdvantagePeaksAtHalf(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	ps := []float64{0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95}
	const groups = 4000
	for _, G := range []int{8, 256} {
		est := make([]float64, len(ps))
		g := make([]float64, G)
		v := make([]float64, groups)
		for i, p := range ps {
			for j := range v {
				v[j], _ = AbsAdvantage(0, bernoulliGroup(g, p, rng))
			}
			est[i] = stat.Mean(v, nil)
			if G == 256 {
				if want := 2 * math.Sqrt(p*(1-p)); math.Abs(est[i]-want) > 0.02 {
					t.Errorf("G = %d, p = %v: E|A| = %.4f, want 2·sqrt(p(1−p)) = %.4f", G, p, est[i], want)
				}
			}
		}
		best := argmaxRand(est, rng)
		t.Logf("G = %d: E|A| at p = %v: %.3f", G, ps, est)
		if ps[best] != 0.5 {
			t.Errorf("G = %d: E|A| peaks at p = %v, want 0.5", G, ps[best])
		}
		// Symmetric in p ↔ 1−p and falling away from 0.5.
		for i := range 5 {
			if est[i] >= est[i+1] {
				t.Errorf("G = %d: E|A| not increasing toward 0.5 at p = %v", G, ps[i])
			}
			if math.Abs(est[i]-est[len(ps)-1-i]) > 0.03 {
				t.Errorf("G = %d: E|A| asymmetric at p = %v: %.3f vs %.3f", G, ps[i], est[i], est[len(ps)-1-i])
			}
		}
	}
}

// TestSECPrefersHalf: stationary arms with success rates (0.02, 0.2, 0.5,
// 0.8, 0.98), one group of 8 per step, SEC (α 0.5, τ 1) on mean |A|.
func TestSECPrefersHalf(t *testing.T) {
	ps := []float64{0.02, 0.2, 0.5, 0.8, 0.98}
	steps, seeds := 5000, 4
	if testing.Short() {
		seeds = 2
	}
	share := make([]float64, len(ps))
	g := make([]float64, 8)
	for s := range seeds {
		rng := rand.New(rand.NewPCG(uint64(s+1), 31))
		b, _ := NewSEC(len(ps), SECConfig{Alpha: 0.5, Temperature: 1})
		for range steps {
			a, err := b.Select(rng)
			if err != nil {
				t.Fatal(err)
			}
			r, _ := AbsAdvantage(a, bernoulliGroup(g, ps[a], rng))
			if err := b.Update(a, r); err != nil {
				t.Fatal(err)
			}
			share[a] += 1 / float64(steps*seeds)
		}
	}
	t.Logf("SEC selection shares at p = %v: %.3f", ps, share)
	for i := range ps {
		if i != 2 && share[i] >= share[2] {
			t.Errorf("arm p = %v chosen %.3f ≥ the p = 0.5 arm's %.3f", ps[i], share[i], share[2])
		}
		if i != 0 && i != 4 && share[i] <= max(share[0], share[4]) {
			t.Errorf("arm p = %v chosen %.3f, not more than the extremes (%.3f, %.3f)", ps[i], share[i], share[0], share[4])
		}
	}
}

func TestLearnability(t *testing.T) {
	v, err := Learnability(0, []float64{1, 0, 1, 1})
	if err != nil || v != 0.75*0.25 {
		t.Fatalf("Learnability = %v, %v", v, err)
	}
	if _, err := Learnability(0, []float64{0, 2}); err == nil {
		t.Error("reward 2: no error")
	}
}

func TestRewardChange(t *testing.T) {
	c, err := NewRewardChange(2)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		arm  int
		rs   []float64
		want float64
	}{
		{0, []float64{0, 0, 1, 1}, 0},    // first group: no previous mean
		{0, []float64{1, 1, 1, 0}, 0.25}, // 0.75 − 0.5
		{1, []float64{1}, 0},             // arms are separate
		{0, []float64{0, 0, 0, 0}, 0.75}, // |0 − 0.75|
	}
	for i, s := range steps {
		got, err := c.Signal(s.arm, s.rs)
		if err != nil || got != s.want {
			t.Fatalf("step %d: %v, %v; want %v", i, got, err, s.want)
		}
	}
	b, _ := json.Marshal(c)
	var d RewardChange
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if v, _ := d.Signal(0, []float64{1}); v != 1 {
		t.Fatalf("restored RewardChange: %v, want 1", v)
	}
	if _, err := c.Signal(2, []float64{1}); err == nil {
		t.Error("arm 2 of 2: no error")
	}
	var zero RewardChange
	if _, err := zero.Signal(0, []float64{1}); !errors.Is(err, ErrNoArms) {
		t.Errorf("zero RewardChange: %v, want ErrNoArms", err)
	}
}

func TestSignalErrors(t *testing.T) {
	for name, f := range map[string]Signal{"AbsAdvantage": AbsAdvantage, "Learnability": Learnability} {
		if _, err := f(0, nil); err == nil {
			t.Errorf("%s(empty): no error", name)
		}
		for _, inf := range []float64{math.Inf(1), math.Inf(-1)} {
			if _, err := f(0, []float64{0, inf}); err == nil {
				t.Errorf("%s(%v): no error", name, inf)
			}
		}
	}
	if _, err := MeanAbsAdvantage(nil); err == nil {
		t.Error("MeanAbsAdvantage(empty): no error")
	}
	if _, err := MeanAbsAdvantage([]float64{1, math.NaN()}); err == nil {
		t.Error("MeanAbsAdvantage(NaN): no error")
	}
}

// TestSignalsMissingRewards: NaN marks a missing reward (reward.ErrSkip);
// the signals leave it out, and a group with none present scores 0.
func TestSignalsMissingRewards(t *testing.T) {
	nan := math.NaN()
	g := []float64{1, 0, 0, 1, 0, 0, 1, 0}
	withNaN := []float64{nan, 1, 0, nan, 0, 1, 0, 0, 1, 0, nan}
	for name, f := range map[string]Signal{"AbsAdvantage": AbsAdvantage, "Learnability": Learnability} {
		want, _ := f(0, g)
		if got, err := f(0, withNaN); err != nil || math.Abs(got-want) > 1e-15 {
			t.Errorf("%s with missing rewards = %v, %v; want %v as without them", name, got, err, want)
		}
		for _, rs := range [][]float64{{nan}, {nan, nan, nan}, {nan, 1, nan}, {0, nan, 0, 0}} {
			if got, err := f(0, rs); err != nil || got != 0 {
				t.Errorf("%s(%v) = %v, %v; want 0", name, rs, got, err)
			}
		}
	}
	if got, err := AbsAdvantage(0, []float64{0.1, nan, 0.1, 0.1}); err != nil || got != 0 {
		t.Errorf("AbsAdvantage of equal present rewards = %v, %v; want 0", got, err)
	}
	rc, _ := NewRewardChange(1)
	for i, s := range []struct {
		rs   []float64
		want float64
	}{
		{[]float64{1, nan, 0}, 0},
		{[]float64{nan, nan}, 0}, // nothing present: previous mean kept
		{[]float64{nan, 1, 1, 1}, 0.5},
	} {
		if got, err := rc.Signal(0, s.rs); err != nil || got != s.want {
			t.Errorf("RewardChange step %d: %v, %v; want %v", i, got, err, s.want)
		}
	}
	// A curriculum counts present rewards only.
	c, _ := New(first(NewSEC(2, SECConfig{})), [][]int{{1}, {2}}, Config{})
	if err := c.ObserveBatch([]int{0, 1}, [][]float64{{1, nan, 0, 1}, {nan, nan}}); err != nil {
		t.Fatal(err)
	}
	st := c.Stats()
	if st[0].Rewards != 3 || math.Abs(st[0].MeanReward-2.0/3) > 1e-15 || st[1].Rewards != 0 || st[1].MeanReward != 0 || st[1].Groups != 1 {
		t.Errorf("stats with missing rewards: %+v", st)
	}
	if err := c.Observe(0, []float64{1, math.Inf(1)}); err == nil {
		t.Error("Observe(+Inf): no error")
	}
}
