package preference_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/preference"
)

// Every objective is a policy.Loss.
var (
	_ policy.Loss = preference.DPO{}
	_ policy.Loss = preference.RDP{}
	_ policy.Loss = preference.CoPG{}
	_ policy.Loss = preference.KTO{}
)

// Concurrent evaluations (sharing the scratch pool) give the serial results.
func TestConcurrentEval(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	batches := make([]*policy.Batch, 8)
	want := make([][]float64, len(batches))
	pairs := allPairs(rdpGroups)
	rewards := rdpRewards(rng, 8)
	for k := range batches {
		batches[k] = withPairs(randBatch(rng, 8, 3+k), rewards, pairs)
		want[k] = make([]float64, 8*(3+k))
		if _, err := (preference.RDP{Epsilon: 0.05}).Eval(want[k], batches[k]); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, len(batches))
	for k := range batches {
		go func() {
			g := make([]float64, len(want[k]))
			for range 200 {
				if _, err := (preference.RDP{Epsilon: 0.05}).Eval(g, batches[k]); err != nil {
					errs <- err
					return
				}
				for i := range g {
					if g[i] != want[k][i] {
						errs <- fmt.Errorf("batch %d: grad[%d] = %v, want %v", k, i, g[i], want[k][i])
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range batches {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// With a caller gradient buffer and the signals in the batch, the
// objectives allocate nothing (the per-row scratch comes from a pool).
func TestNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops items at random")
	}
	rng := rand.New(rand.NewPCG(45, 46))
	b := withPairs(randBatch(rng, 8, 16), rdpRewards(rng, 8), allPairs(rdpGroups))
	labels := []preference.Label{preference.Desirable, preference.Undesirable, preference.Mismatched, preference.Desirable,
		preference.Undesirable, preference.Unused, preference.Desirable, preference.Mismatched}
	b.Advantages = []float64{0.5, -1, 0, 2, -0.25, 0, 1, -3}
	grad := make([]float64, 8*16)
	for name, l := range map[string]policy.Loss{
		"dpo":            preference.DPO{},
		"simpo":          preference.DPO{Variant: preference.SimPO},
		"rdp":            preference.RDP{Epsilon: 0.05},
		"copg":           preference.CoPG{},
		"kto":            preference.KTO{Labels: labels},
		"kto advantages": preference.KTO{},
	} {
		if _, err := l.Eval(grad, b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if a := testing.AllocsPerRun(50, func() { l.Eval(grad, b) }); a > 0.1 {
			t.Errorf("%s: %v allocations per call, want 0", name, a)
		}
	}
}

// RDP and CoPG report the implicit rewards β·h of each pair's
// higher-reward row and lower-reward row, whichever way the pair is
// written: h = Σ(lp − ref) per row, computed here by hand.
func TestRDPCoPGImplicitRewards(t *testing.T) {
	b, err := policy.NewBatch([][]float64{{-1, -2}, {-0.5, -0.5}, {-3, -1}}, nil, [][]float64{{-1.5, -2}, {-1, -1}, {-2, -1}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := []float64{0.5, 1, -1}
	b.Rewards = []float64{0, 1, 2}
	// Both pairs are written backwards: the higher-reward rows are 1 and 2.
	b.Pairs = []preference.Pair{{Chosen: 0, Rejected: 1}, {Chosen: 1, Rejected: 2}}
	const beta = 0.5
	chosen := beta * (h[1] + h[2]) / 2
	rejected := beta * (h[0] + h[1]) / 2
	for _, l := range []policy.Loss{preference.RDP{Beta: beta}, preference.CoPG{Beta: beta}} {
		st, err := l.Eval(nil, b)
		if err != nil {
			t.Fatal(err)
		}
		if !near(st.ChosenReward, chosen) || !near(st.RejectedReward, rejected) || !near(st.Margin, chosen-rejected) {
			t.Errorf("%T: chosen %v rejected %v margin %v, want %v %v %v", l, st.ChosenReward, st.RejectedReward, st.Margin,
				chosen, rejected, chosen-rejected)
		}
		// h_1 > h_0 agrees with R_1 > R_0; h_1 > h_2 disagrees with R_1 < R_2.
		if st.RewardAccuracy != 0.5 || st.Pairs != 2 {
			t.Errorf("%T: accuracy %v pairs %d, want 0.5 and 2", l, st.RewardAccuracy, st.Pairs)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12 }

// KTO without Labels labels rows by the sign of their advantage: the same
// result as the labels written out.
func TestKTOLabelsFromAdvantages(t *testing.T) {
	b := randBatch(rand.New(rand.NewPCG(5, 6)), 4, 3)
	b.Advantages = []float64{0.7, -0.2, 0, -1.5}
	g1, g2 := make([]float64, 12), make([]float64, 12)
	st1, err := preference.KTO{}.Eval(g1, b)
	if err != nil {
		t.Fatal(err)
	}
	labels := []preference.Label{preference.Desirable, preference.Undesirable, preference.Unused, preference.Undesirable}
	st2, err := preference.KTO{Labels: labels}.Eval(g2, b)
	if err != nil {
		t.Fatal(err)
	}
	if st1 != st2 {
		t.Errorf("from advantages %+v, from labels %+v", st1, st2)
	}
	for k := range g1 {
		if g1[k] != g2[k] {
			t.Fatalf("grad[%d]: %v from advantages, %v from labels", k, g1[k], g2[k])
		}
	}
	b.Advantages = []float64{1, math.NaN(), 0, 0}
	if _, err := (preference.KTO{}).Eval(nil, b); err == nil {
		t.Error("a NaN advantage gave no error")
	}
}
