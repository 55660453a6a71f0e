package curriculum

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestEvenDifficulties(t *testing.T) {
	d, err := EvenDifficulties(5, -2, 6)
	if err != nil || !slices.Equal(d, []float64{-2, 0, 2, 4, 6}) {
		t.Fatalf("EvenDifficulties(5, −2, 6) = %v, %v", d, err)
	}
	d, _ = EvenDifficulties(3, 0, 1)
	if !slices.Equal(d, []float64{0, 0.5, 1}) {
		t.Errorf("EvenDifficulties(3, 0, 1) = %v", d)
	}
	for _, c := range []struct {
		k      int
		lo, hi float64
	}{{1, 0, 1}, {0, 0, 1}, {3, 1, 1}, {3, 2, 1}, {3, math.NaN(), 1}, {3, 0, math.Inf(1)}} {
		if _, err := EvenDifficulties(c.k, c.lo, c.hi); err == nil {
			t.Errorf("EvenDifficulties(%d, %v, %v): no error", c.k, c.lo, c.hi)
		}
	}
}

// TestLearners checks each learner's definition against its documented
// difficulties and transfer.
func TestLearners(t *testing.T) {
	ls := Learners()
	want := []struct {
		name     string
		k        int
		lo, hi   float64
		transfer float64
	}{
		{"default", 5, -2, 6, 0.3}, {"shifted", 5, 0, 8, 0.3}, {"no transfer", 5, -2, 6, 0},
		{"8 categories", 8, -2, 6, 0.3}, {"8 independent", 8, -2, 6, 0}, {"16 categories", 16, -2, 6, 0.3},
	}
	if len(ls) != len(want) {
		t.Fatalf("%d learners, want %d", len(ls), len(want))
	}
	for i, w := range want {
		l := ls[i]
		c, err := l.Config.resolve()
		if err != nil {
			t.Fatalf("%s: %v", l.Name, err)
		}
		d, _ := EvenDifficulties(w.k, w.lo, w.hi)
		if l.Name != w.name || l.Arms() != w.k || !slices.Equal(c.Difficulties, d) || c.Transfer != w.transfer {
			t.Errorf("learner %d: %q with %d arms, difficulties %v, transfer %v; want %q, %d, %v, %v",
				i, l.Name, l.Arms(), c.Difficulties, c.Transfer, w.name, w.k, d, w.transfer)
		}
		if c.GroupSize != 8 || c.Rate != 0.05 || c.Goal != 0.8 {
			t.Errorf("%s: G = %d, η = %v, goal = %v; want the reference 8, 0.05, 0.8", l.Name, c.GroupSize, c.Rate, c.Goal)
		}
	}
	// The default learner is the reference scenario SimConfig{}.
	ref, _ := SimConfig{}.resolve()
	def, _ := ls[0].Config.resolve()
	if !slices.Equal(ref.Difficulties, def.Difficulties) || ref.Transfer != def.Transfer {
		t.Errorf("default learner %+v differs from SimConfig{} %+v", def, ref)
	}
	if (Learner{}).Arms() != 5 {
		t.Errorf("Learner{}.Arms() = %d, want 5", Learner{}.Arms())
	}
}

// TestNoTransferLearners: on a learner without transfer, practising arm i
// leaves every other arm's success at its starting value σ(−d_j); with
// transfer, the neighbours of i move.
func TestNoTransferLearners(t *testing.T) {
	sigma := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	for _, l := range Learners() {
		c, _ := l.Config.resolve()
		for i := range l.Arms() {
			cfg := l.Config
			cfg.MaxSteps = 40
			r, err := Simulate(cfg, FixedTeacher{Arm: i}, rand.New(rand.NewPCG(uint64(i), 1)))
			if err != nil {
				t.Fatal(err)
			}
			if r.Success[i] <= sigma(-c.Difficulties[i]) {
				t.Errorf("%s: practising arm %d did not raise it (%v)", l.Name, i, r.Success[i])
			}
			for j, p := range r.Success {
				start := sigma(-c.Difficulties[j])
				moved := p != start
				neighbour := j == i-1 || j == i+1
				if j != i && moved != (c.Transfer > 0 && neighbour) {
					t.Errorf("%s: practising arm %d moved arm %d from %v to %v (transfer %v)", l.Name, i, j, start, p, c.Transfer)
				}
			}
		}
	}
}

// TestRelabelled: the teacher's arm a is category perm[a], groups come
// back under the teacher's labels, and bad permutations are errors.
func TestRelabelled(t *testing.T) {
	perm := []int{2, 0, 1}
	r, err := NewRelabelled(FixedTeacher{Arm: 0}, perm)
	if err != nil {
		t.Fatal(err)
	}
	perm[0] = 1 // the permutation is copied
	res, err := Simulate(SimConfig{Difficulties: []float64{0, 1, 2}, MaxSteps: 3}, r, rand.New(rand.NewPCG(1, 1)))
	if err != nil || !slices.Equal(res.Counts, []int{0, 0, 3}) {
		t.Errorf("arm 0 relabelled as category 2: counts %v, %v", res.Counts, err)
	}
	if r.Inverse(2) != 0 || r.Inverse(0) != 1 || r.Inverse(1) != 2 || r.Inverse(3) != -1 {
		t.Errorf("Inverse: %d %d %d %d", r.Inverse(2), r.Inverse(0), r.Inverse(1), r.Inverse(3))
	}
	rec := &observed{}
	r, _ = NewRelabelled(rec, []int{2, 0, 1})
	for _, k := range []int{2, 0, 1} {
		if err := r.Observe(k, []float64{1}); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(rec.arms, []int{0, 1, 2}) {
		t.Errorf("categories 2, 0, 1 reached the teacher as arms %v, want [0 1 2]", rec.arms)
	}
	if err := r.Observe(3, []float64{1}); err == nil {
		t.Error("Observe(3): no error")
	}
	for _, p := range [][]int{{0, 0}, {1, 2}, {-1, 0}} {
		if _, err := NewRelabelled(FixedTeacher{}, p); err == nil {
			t.Errorf("NewRelabelled(%v): no error", p)
		}
	}
	if _, err := NewRelabelled(nil, []int{0}); err == nil {
		t.Error("NewRelabelled(nil): no error")
	}
	var zero Relabelled
	if _, err := zero.Choose(rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("zero Relabelled Choose: no error")
	}
	if err := zero.Observe(0, []float64{1}); err == nil {
		t.Error("zero Relabelled Observe: no error")
	}
	r, _ = NewRelabelled(FixedTeacher{Arm: 5}, []int{1, 0})
	if _, err := r.Choose(rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("a teacher's arm out of range: no error")
	}
}

// observed records the arms it is shown.
type observed struct{ arms []int }

func (o *observed) Choose(*rand.Rand) (int, error) { return 0, nil }
func (o *observed) Observe(arm int, _ []float64) error {
	o.arms = append(o.arms, arm)
	return nil
}
