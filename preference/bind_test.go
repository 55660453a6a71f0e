package preference_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/preference"
)

// A bound objective is a policy.Loss giving the same loss, token count
// and gradient as the objective's own Eval.
func TestBind(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	b := randBatch(rng, 6, 5)
	pairs := []preference.Pair{{0, 1}, {2, 3}, {4, 5}}
	rewards := rdpRewards(rng, 6)
	labels := []preference.Label{preference.Desirable, preference.Undesirable, preference.Desirable,
		preference.Mismatched, preference.Undesirable, preference.Unused}
	cases := []struct {
		name string
		loss policy.Loss
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
		g1, g2 := make([]float64, 30), make([]float64, 30)
		got, err := tc.loss.Eval(g1, b)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want, err := tc.eval(g2)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got.Loss != want.Loss || got.Tokens != want.Tokens || got.Tokens == 0 {
			t.Errorf("%s: bound stats %+v, own stats %+v", tc.name, got, want)
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
	for name, f := range map[string]func(){
		"dpo":   func() { preference.DPO{}.Eval(grad, b, pairs) },
		"simpo": func() { preference.DPO{Variant: preference.SimPO}.Eval(grad, b, pairs) },
		"rdp":   func() { preference.RDP{Epsilon: 0.05}.Eval(grad, b, rewards, pairs) },
		"copg":  func() { preference.CoPG{}.Eval(grad, b, rewards, pairs) },
		"kto":   func() { preference.KTO{}.Eval(grad, b, labels) },
		"group_pairs": func() {
			pairs = preference.GroupPairs(pairs[:0], rdpGroups)
		},
	} {
		if a := testing.AllocsPerRun(50, f); a > 0.1 {
			t.Errorf("%s: %v allocations per call, want 0", name, a)
		}
	}
}
