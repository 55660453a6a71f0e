package curriculum

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func testPools() [][]string {
	pools := make([][]string, 4)
	for k := range pools {
		for i := range 3 + 2*k {
			pools[k] = append(pools[k], fmt.Sprintf("L%d-%d", k, i))
		}
	}
	return pools
}

func TestCurriculumNewErrors(t *testing.T) {
	sec, _ := NewSEC(2, SECConfig{})
	if _, err := New[string](nil, [][]string{{"a"}}, Config{}); err == nil {
		t.Error("nil bandit: no error")
	}
	if _, err := New[string](sec, nil, Config{}); !errors.Is(err, ErrNoArms) {
		t.Errorf("no pools: %v", err)
	}
	if _, err := New(sec, [][]string{{"a"}}, Config{}); err == nil || !strings.Contains(err.Error(), "1 pools") {
		t.Errorf("pool count mismatch: %v", err)
	}
	if _, err := New(sec, [][]string{{"a"}, {}}, Config{}); !errors.Is(err, ErrEmptyPool) || !strings.Contains(err.Error(), "pools[1]") {
		t.Errorf("empty pool: %v", err)
	}
}

func TestCurriculumWithoutReplacement(t *testing.T) {
	pools := testPools()
	b, _ := NewSEC(4, SECConfig{})
	c, err := New(b, pools, Config{})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	arm := 3
	n := len(pools[arm])
	var epochs [][]string
	for e := range 3 {
		var got []string
		for range n {
			task, err := c.Take(rng, arm)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, task)
		}
		sorted := slices.Clone(got)
		slices.Sort(sorted)
		want := slices.Clone(pools[arm])
		slices.Sort(want)
		if !slices.Equal(sorted, want) {
			t.Fatalf("epoch %d: %v is not the pool once each", e, got)
		}
		epochs = append(epochs, got)
	}
	if slices.Equal(epochs[0], epochs[1]) && slices.Equal(epochs[1], epochs[2]) {
		t.Error("pool never reshuffled between epochs")
	}
	if st := c.Stats()[arm]; st.Draws != 3*n || st.Epochs != 3 {
		t.Errorf("stats %+v, want %d draws in 3 epochs", st, 3*n)
	}
	if _, err := c.Take(rng, 4); err == nil {
		t.Error("Take(arm 4 of 4): no error")
	}
	if _, err := c.Take(nil, 0); err == nil {
		t.Error("Take(nil rng): no error")
	}
}

func TestCurriculumObserve(t *testing.T) {
	b, _ := NewSEC(3, SECConfig{Alpha: 0.5})
	c, _ := New(b, [][]int{{1}, {2}, {3}}, Config{})
	if err := c.ObserveBatch([]int{1, 1, 2}, [][]float64{{1, 0}, {1, 1, 1, 0}, {0, 0}}); err != nil {
		t.Fatal(err)
	}
	st := c.Stats()
	// Arm 1: signals 1 (q = ½) and 2·sqrt(¾·¼) = 0.866; SEC averages them.
	want1 := 0.5 * (1 + 2*math.Sqrt(0.75*0.25)) / 2
	if q := b.Values(); math.Abs(q[1]-want1) > 1e-15 || q[2] != 0 || q[0] != 0 {
		t.Errorf("Q = %v, want [0 %v 0]", q, want1)
	}
	if st[1].Groups != 2 || st[1].Rewards != 6 || math.Abs(st[1].MeanReward-4.0/6) > 1e-15 || math.Abs(st[1].LastSignal-2*math.Sqrt(0.75*0.25)) > 1e-15 {
		t.Errorf("arm 1 stats %+v", st[1])
	}
	if st[2].MeanReward != 0 || st[2].Groups != 1 || st[2].LastSignal != 0 {
		t.Errorf("arm 2 stats %+v", st[2])
	}
	// Bad input changes nothing.
	before, _ := json.Marshal(c)
	for name, err := range map[string]error{
		"arm out of range": c.ObserveBatch([]int{0, 3}, [][]float64{{1}, {1}}),
		"Inf reward":       c.ObserveBatch([]int{0, 1}, [][]float64{{1}, {math.Inf(1)}}),
		"empty group":      c.Observe(0, nil),
		"length mismatch":  c.ObserveBatch([]int{0}, nil),
		"empty batch":      c.ObserveBatch(nil, nil),
		"signal arm":       c.ObserveSignal(-1, 0.5),
		"signal NaN":       c.ObserveSignal(0, math.NaN()),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if after, _ := json.Marshal(c); string(after) != string(before) {
		t.Errorf("state changed by rejected input:\n%s\n%s", before, after)
	}
	// A custom signal.
	c2, _ := New(first(NewUCB1(2, UCBConfig{})), [][]int{{1}, {2}}, Config{Signal: Learnability})
	if err := c2.Observe(0, []float64{1, 0, 0, 0}); err != nil || c2.Stats()[0].LastSignal != 0.25*0.75 {
		t.Errorf("Learnability signal: %v, %+v", err, c2.Stats()[0])
	}
}

// TestCurriculumResume runs a batch curriculum for N steps, saves it and
// the PCG state, restores both into fresh values and continues: the tasks
// handed out and the final state match an uninterrupted run.
func TestCurriculumResume(t *testing.T) {
	pools := testPools()
	success := []float64{0.9, 0.6, 0.3, 0.05}
	build := func() *Curriculum[string] {
		b, err := NewSEC(4, SECConfig{Temperature: 0.3, DecayUnselected: true})
		if err != nil {
			t.Fatal(err)
		}
		c, err := New(b, pools, Config{})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// One training step: a batch of 6 tasks, a group of 4 rewards each.
	step := func(c *Curriculum[string], rng *rand.Rand) []string {
		arms, tasks, err := c.NextBatch(rng, 6)
		if err != nil {
			t.Fatal(err)
		}
		groups := make([][]float64, len(arms))
		for i, a := range arms {
			groups[i] = bernoulliGroup(make([]float64, 4), success[a], rng)
		}
		if err := c.ObserveBatch(arms, groups); err != nil {
			t.Fatal(err)
		}
		return tasks
	}
	const N, M = 25, 40
	ref := build()
	refRNG := rand.New(rand.NewPCG(8, 9))
	var want []string
	for range N + M {
		want = append(want, step(ref, refRNG)...)
	}

	c := build()
	src := rand.NewPCG(8, 9)
	rng := rand.New(src)
	var got []string
	for range N {
		got = append(got, step(c, rng)...)
	}
	state, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	rngState, err := src.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}

	c2 := build()
	if err := json.Unmarshal(state, c2); err != nil {
		t.Fatal(err)
	}
	src2 := new(rand.PCG)
	if err := src2.UnmarshalBinary(rngState); err != nil {
		t.Fatal(err)
	}
	rng2 := rand.New(src2)
	for range M {
		got = append(got, step(c2, rng2)...)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("resumed curriculum hands out different tasks")
	}
	a, _ := json.Marshal(ref)
	b, _ := json.Marshal(c2)
	if string(a) != string(b) {
		t.Fatalf("final states differ:\n%s\n%s", a, b)
	}
	// A run that skips the restore diverges (the test can fail).
	c3 := build()
	rng3 := rand.New(rand.NewPCG(8, 9))
	var other []string
	for range N {
		other = append(other, step(c3, rng3)...)
	}
	for range M {
		other = append(other, step(build(), rng2)...)
	}
	if reflect.DeepEqual(other, want) {
		t.Fatal("a curriculum restarted from scratch matched the uninterrupted run")
	}
}

func TestCurriculumRestoreErrors(t *testing.T) {
	b, _ := NewSEC(2, SECConfig{})
	c, _ := New(b, [][]int{{1, 2}, {3}}, Config{})
	good, _ := json.Marshal(c)
	var zero Curriculum[int]
	if err := json.Unmarshal(good, &zero); err == nil {
		t.Error("restoring into a Curriculum not built by New: no error")
	}
	other, _ := New(first(NewSEC(2, SECConfig{})), [][]int{{1, 2, 3}, {3}}, Config{})
	if err := json.Unmarshal(good, other); err == nil {
		t.Error("restoring into pools of other sizes: no error")
	}
	bad := strings.Replace(string(good), `"order":[[0,1]`, `"order":[[1,1]`, 1)
	if bad == string(good) {
		t.Fatalf("test setup: %s", good)
	}
	if err := json.Unmarshal([]byte(bad), c); err == nil || !strings.Contains(err.Error(), "order[0]") {
		t.Errorf("bad permutation: %v", err)
	}
	u, _ := New(first(NewUCB1(2, UCBConfig{})), [][]int{{1, 2}, {3}}, Config{})
	if err := json.Unmarshal(good, u); err == nil {
		t.Error("restoring an SEC state into a UCB1 curriculum: no error")
	}
}

// TestRejectedBatchChangesNothing: a batch whose later pair the bandit
// rejects (EXP3 and BetaThompson take rewards in [0, 1] only) leaves the
// bandit and the curriculum as they were.
func TestRejectedBatchChangesNothing(t *testing.T) {
	for name, mk := range map[string]func() Bandit{
		"EXP3":         func() Bandit { return first(NewEXP3(2, EXP3Config{Gamma: 0.2})) },
		"BetaThompson": func() Bandit { return first(NewBetaThompson(2, BetaThompsonConfig{})) },
	} {
		b := mk()
		before, _ := json.Marshal(b)
		if err := UpdateBatch(b, []int{0, 1}, []float64{0.5, 1.5}); err == nil || !strings.Contains(err.Error(), "pair 1") {
			t.Errorf("%s: UpdateBatch with reward 1.5: %v", name, err)
		}
		if after, _ := json.Marshal(b); string(after) != string(before) {
			t.Errorf("%s: rejected UpdateBatch changed the bandit:\n%s\n%s", name, before, after)
		}
		// The first reward of each group as the signal: 1.5 is rejected.
		firstReward := func(_ int, rs []float64) (float64, error) { return rs[0], nil }
		c, _ := New(mk(), [][]int{{1}, {2}}, Config{Signal: firstReward})
		cb, _ := json.Marshal(c)
		if err := c.ObserveBatch([]int{0, 1}, [][]float64{{0.5}, {1.5}}); err == nil {
			t.Errorf("%s: ObserveBatch with signal 1.5: no error", name)
		}
		if ca, _ := json.Marshal(c); string(ca) != string(cb) {
			t.Errorf("%s: rejected ObserveBatch changed the curriculum:\n%s\n%s", name, cb, ca)
		}
	}
}

// TestRestoreIsAtomic: a saved state whose bandit has the wrong number of
// arms, or a bad entry after a good bandit, leaves the curriculum and its
// bandit as they were.
func TestRestoreIsAtomic(t *testing.T) {
	b, _ := NewSEC(2, SECConfig{Alpha: 0.5})
	_ = b.Update(1, 0.8)
	c, _ := New(b, [][]int{{1, 2}, {3}}, Config{})
	before, _ := json.Marshal(c)
	q := b.Values()

	b3, _ := NewSEC(3, SECConfig{})
	c3, _ := New(b3, [][]int{{1, 2}, {3}, {4}}, Config{})
	s3, _ := json.Marshal(c3)
	var st map[string]json.RawMessage
	_ = json.Unmarshal(before, &st)
	var st3 map[string]json.RawMessage
	_ = json.Unmarshal(s3, &st3)
	st["bandit"] = st3["bandit"] // a 3-arm SEC in a 2-pool state
	bad, _ := json.Marshal(st)
	if err := json.Unmarshal(bad, c); err == nil || !strings.Contains(err.Error(), "3 arms") {
		t.Errorf("3-arm bandit for 2 pools: %v", err)
	}
	if after, _ := json.Marshal(c); string(after) != string(before) {
		t.Errorf("rejected state changed the curriculum:\n%s\n%s", before, after)
	}
	if b.Arms() != 2 || !slices.Equal(b.Values(), q) {
		t.Errorf("rejected state changed the bandit: %d arms, Q = %v", b.Arms(), b.Values())
	}
	negative := strings.Replace(string(before), `"draws":0`, `"draws":-1`, 1)
	if err := json.Unmarshal([]byte(negative), c); err == nil || !strings.Contains(err.Error(), "stats[") {
		t.Errorf("negative draws: %v", err)
	}
}
