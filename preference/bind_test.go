package preference_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/preference"
)

var _ policy.Loss = (*preference.Bound)(nil)

// A bound objective is a policy.Loss giving the same loss, token count
// and gradient as the objective's own Eval, zero policy-gradient fields,
// and the objective's whole Stats from Last.
func TestBind(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	b := randBatch(rng, 6, 5)
	pairs := []preference.Pair{{0, 1}, {2, 3}, {4, 5}}
	rewards := rdpRewards(rng, 6)
	labels := []preference.Label{preference.Desirable, preference.Undesirable, preference.Desirable,
		preference.Mismatched, preference.Undesirable, preference.Unused}
	cases := []struct {
		name string
		loss *preference.Bound
		eval func(grad []float64) (preference.Stats, error)
	}{
		{"dpo", preference.DPO{Beta: 0.3}.Bind(pairs), func(g []float64) (preference.Stats, error) {
			return preference.DPO{Beta: 0.3}.Eval(g, b, pairs)
		}},
		{"rdp", preference.RDP{Epsilon: 0.05}.Bind(rewards, pairs), func(g []float64) (preference.Stats, error) {
			return preference.RDP{Epsilon: 0.05}.Eval(g, b, rewards, pairs)
		}},
		{"copg", preference.CoPG{}.Bind(rewards, pairs), func(g []float64) (preference.Stats, error) {
			return preference.CoPG{}.Eval(g, b, rewards, pairs)
		}},
		{"kto", preference.KTO{}.Bind(labels), func(g []float64) (preference.Stats, error) {
			return preference.KTO{}.Eval(g, b, labels)
		}},
	}
	for _, tc := range cases {
		if last := tc.loss.Last(); last != (preference.Stats{}) {
			t.Errorf("%s: Last before any Eval = %+v, want zero", tc.name, last)
		}
		g1, g2 := make([]float64, 30), make([]float64, 30)
		got, err := tc.loss.Eval(g1, b)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want, err := tc.eval(g2)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got != (policy.Stats{Loss: want.Loss, Tokens: want.Tokens}) || got.Tokens == 0 {
			t.Errorf("%s: bound stats %+v, own stats %+v", tc.name, got, want)
		}
		if last := tc.loss.Last(); !sameStats(last, want) || last.Pairs == 0 {
			t.Errorf("%s: Last() = %+v, own stats %+v", tc.name, last, want)
		}
		for k := range g1 {
			if g1[k] != g2[k] {
				t.Fatalf("%s: grad[%d] = %v, want %v", tc.name, k, g1[k], g2[k])
			}
		}
	}
	if _, err := (preference.DPO{Beta: -1}).Bind(pairs).Eval(nil, b); err == nil {
		t.Error("bound DPO with β < 0: no error")
	}

	// A failed Eval leaves Last as the latest successful one set it.
	p := append([]preference.Pair(nil), pairs...)
	l := preference.DPO{}.Bind(p)
	if _, err := l.Eval(nil, b); err != nil {
		t.Fatal(err)
	}
	before := l.Last()
	p[1].Rejected = 99 // the bound slice is used, not copied
	if _, err := l.Eval(nil, b); err == nil {
		t.Fatal("bound DPO with a pair out of range: no error")
	}
	if last := l.Last(); !sameStats(last, before) || last.Pairs != len(p) {
		t.Errorf("Last after a failed Eval = %+v, want %+v", last, before)
	}
}

// One Bound evaluated from several goroutines at once gives each its
// result, and Last is then one of theirs.
func TestBindConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(47, 48))
	b := randBatch(rng, 6, 5)
	pairs := []preference.Pair{{0, 1}, {2, 3}, {4, 5}}
	want, err := preference.DPO{}.Eval(nil, b, pairs)
	if err != nil {
		t.Fatal(err)
	}
	l := preference.DPO{}.Bind(pairs)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for range 100 {
				st, err := l.Eval(make([]float64, 30), b)
				if err == nil && st.Loss != want.Loss {
					err = fmt.Errorf("loss %v, want %v", st.Loss, want.Loss)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if last := l.Last(); !sameStats(last, want) {
		t.Errorf("Last() = %+v, want %+v", last, want)
	}
}

// sameStats reports whether a and b are equal, NaN fields included.
func sameStats(a, b preference.Stats) bool {
	eq := func(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }
	return a.Pairs == b.Pairs && eq(a.Loss, b.Loss) && eq(a.Tokens, b.Tokens) &&
		eq(a.ChosenReward, b.ChosenReward) && eq(a.RejectedReward, b.RejectedReward) &&
		eq(a.RewardAccuracy, b.RewardAccuracy) && eq(a.Margin, b.Margin) &&
		eq(a.ClipFraction, b.ClipFraction) && eq(a.ClippedPairs, b.ClippedPairs) && eq(a.RefPoint, b.RefPoint)
}

// Concurrent evaluations (sharing the scratch pool) give the serial results.
func TestConcurrentEval(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	batches := make([]*policy.Batch, 8)
	want := make([][]float64, len(batches))
	pairs := preference.GroupPairs(nil, rdpGroups)
	rewards := rdpRewards(rng, 8)
	for k := range batches {
		batches[k] = randBatch(rng, 8, 3+k)
		want[k] = make([]float64, 8*(3+k))
		if _, err := (preference.RDP{Epsilon: 0.05}).Eval(want[k], batches[k], rewards, pairs); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, len(batches))
	for k := range batches {
		go func() {
			g := make([]float64, len(want[k]))
			for range 200 {
				if _, err := (preference.RDP{Epsilon: 0.05}).Eval(g, batches[k], rewards, pairs); err != nil {
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

// With a caller gradient buffer and a precomputed pair list the
// objectives allocate nothing (the per-row scratch comes from a pool).
func TestNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(45, 46))
	b := randBatch(rng, 8, 16)
	rewards := rdpRewards(rng, 8)
	pairs := preference.GroupPairs(make([]preference.Pair, 0, 16), rdpGroups)
	labels := []preference.Label{preference.Desirable, preference.Undesirable, preference.Mismatched, preference.Desirable,
		preference.Undesirable, preference.Unused, preference.Desirable, preference.Mismatched}
	grad := make([]float64, 8*16)
	bound := preference.RDP{Epsilon: 0.05}.Bind(rewards, pairs)
	for name, f := range map[string]func(){
		"dpo":   func() { preference.DPO{}.Eval(grad, b, pairs) },
		"simpo": func() { preference.DPO{Variant: preference.SimPO}.Eval(grad, b, pairs) },
		"rdp":   func() { preference.RDP{Epsilon: 0.05}.Eval(grad, b, rewards, pairs) },
		"copg":  func() { preference.CoPG{}.Eval(grad, b, rewards, pairs) },
		"kto":   func() { preference.KTO{}.Eval(grad, b, labels) },
		"bound": func() { bound.Eval(grad, b) },
		"group_pairs": func() {
			pairs = preference.GroupPairs(pairs[:0], rdpGroups)
		},
	} {
		if a := testing.AllocsPerRun(50, f); a > 0.1 {
			t.Errorf("%s: %v allocations per call, want 0", name, a)
		}
	}
}
