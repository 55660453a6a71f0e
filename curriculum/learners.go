package curriculum

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Learner is a named simulated learner: a SimConfig of the skill
// simulator (see Simulate) whose Difficulties are set explicitly, so
// that Arms is the number of categories a curriculum chooses from. The
// target is always the last (hardest) category.
type Learner struct {
	Name   string
	Config SimConfig
}

// Arms returns the number of categories, len(Config.Difficulties), or 5
// (the default difficulties) when they are nil.
func (l Learner) Arms() int {
	if l.Config.Difficulties == nil {
		return 5
	}
	return len(l.Config.Difficulties)
}

// EvenDifficulties returns k ≥ 2 difficulties evenly spaced from lo to
// hi inclusive, d_i = lo + (hi − lo)·i/(k − 1); lo and hi must be finite
// with lo < hi.
func EvenDifficulties(k int, lo, hi float64) ([]float64, error) {
	if k < 2 {
		return nil, fmt.Errorf("curriculum: EvenDifficulties: k = %d, want ≥ 2", k)
	}
	if math.IsNaN(lo) || math.IsInf(lo, 0) || math.IsNaN(hi) || math.IsInf(hi, 0) || lo >= hi {
		return nil, fmt.Errorf("curriculum: EvenDifficulties: lo = %v, hi = %v, want finite lo < hi", lo, hi)
	}
	d := make([]float64, k)
	for i := range d {
		d[i] = lo + (hi-lo)*float64(i)/float64(k-1)
	}
	return d, nil
}

// Learners returns the simulated learners curricula are compared on
// (examples/sec-simulation), each a small change to the reference
// scenario SimConfig{} (η = 0.05, groups of 8, goal p ≥ 0.8 on the last
// category):
//
//	default        difficulties (−2, 0, 2, 4, 6), transfer 0.3 to each neighbour
//	shifted        every difficulty 2 higher, (0, 2, 4, 6, 8): a weaker start and a harder target
//	no transfer    the default difficulties, Transfer = 0: practising one category teaches no other
//	8 categories   8 difficulties evenly spaced over [−2, 6], transfer 0.3
//	8 independent  the same 8 difficulties with no transfer
//	16 categories  16 difficulties evenly spaced over [−2, 6], transfer 0.3
//
// With transfer, the easier categories are stepping stones to the target;
// without it, every step spent off the target is wasted, so practising
// the target alone is optimal. A curriculum that is good on all of them
// must not rely on either. MaxSteps is left at its default (20,000);
// uniform sampling on 8 independent categories needs about 17,000 steps,
// so set a higher cap to compare without misses.
func Learners() []Learner {
	even := func(k int) []float64 {
		d, _ := EvenDifficulties(k, -2, 6) // k ≥ 2, finite lo < hi: no error
		return d
	}
	return []Learner{
		{"default", SimConfig{Difficulties: []float64{-2, 0, 2, 4, 6}}},
		{"shifted", SimConfig{Difficulties: []float64{0, 2, 4, 6, 8}}},
		{"no transfer", SimConfig{Difficulties: []float64{-2, 0, 2, 4, 6}, NoTransfer: true}},
		{"8 categories", SimConfig{Difficulties: even(8)}},
		{"8 independent", SimConfig{Difficulties: even(8), NoTransfer: true}},
		{"16 categories", SimConfig{Difficulties: even(16)}},
	}
}

// Relabelled shows a teacher the categories under other labels: the
// teacher's arm a is the simulator's category Perm[a]. It checks that a
// curriculum does not depend on the arms being listed from easy to hard
// (the target of a relabelled run is the teacher's arm Inverse(K−1)).
type Relabelled struct {
	teacher   Teacher
	perm, inv []int
}

// NewRelabelled returns t under the labels perm, a permutation of
// 0..len(perm)−1.
func NewRelabelled(t Teacher, perm []int) (*Relabelled, error) {
	if t == nil {
		return nil, errors.New("curriculum: NewRelabelled: nil teacher")
	}
	inv := make([]int, len(perm))
	for i := range inv {
		inv[i] = -1
	}
	for a, k := range perm {
		if k < 0 || k >= len(perm) || inv[k] >= 0 {
			return nil, fmt.Errorf("curriculum: NewRelabelled: perm = %v is not a permutation of 0..%d", perm, len(perm)-1)
		}
		inv[k] = a
	}
	return &Relabelled{t, slices.Clone(perm), inv}, nil
}

// Inverse returns the teacher's label of the simulator's category k, or
// −1 when k is out of range.
func (r *Relabelled) Inverse(k int) int {
	if k < 0 || k >= len(r.inv) {
		return -1
	}
	return r.inv[k]
}

// Choose returns the category behind the teacher's choice.
func (r *Relabelled) Choose(rng *rand.Rand) (int, error) {
	if r.teacher == nil {
		return 0, errors.New("curriculum: Relabelled: no teacher (build it with NewRelabelled)")
	}
	a, err := r.teacher.Choose(rng)
	if err != nil {
		return 0, err
	}
	if a < 0 || a >= len(r.perm) {
		return 0, fmt.Errorf("curriculum: Relabelled: teacher chose arm %d out of range [0, %d)", a, len(r.perm))
	}
	return r.perm[a], nil
}

// Observe passes the group to the teacher under its label for category k.
func (r *Relabelled) Observe(k int, rewards []float64) error {
	if r.teacher == nil {
		return errors.New("curriculum: Relabelled: no teacher (build it with NewRelabelled)")
	}
	if k < 0 || k >= len(r.inv) {
		return fmt.Errorf("curriculum: Relabelled: category %d out of range [0, %d)", k, len(r.inv))
	}
	return r.teacher.Observe(r.inv[k], rewards)
}
