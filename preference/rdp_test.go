package preference_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/preference"
)

// Groups: {0,2,3} (id 3), {1,4} (id −1), {5} alone (id 7), {6,7} (id 2).
var rdpGroups = []int{3, -1, 3, 3, -1, 7, 2, 2}

func TestAllPairsHelper(t *testing.T) {
	want := []preference.Pair{{Chosen: 0, Rejected: 2}, {Chosen: 0, Rejected: 3}, {Chosen: 2, Rejected: 3}, {Chosen: 1, Rejected: 4}, {Chosen: 6, Rejected: 7}}
	if got := allPairs(rdpGroups); !slices.Equal(got, want) {
		t.Errorf("allPairs = %v, want %v", got, want)
	}
}

// The pair builders against a brute-force listing from the definitions:
// every pair of a group whose rewards differ by more than the margin,
// oriented by reward; best vs worst per group; NaN rows left out; ties
// never paired.
func TestPairBuilders(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := range 50 {
		n := 1 + rng.IntN(40)
		rewards, groups := make([]float64, n), make([]int, n)
		for i := range n {
			groups[i] = rng.IntN(6) - 3
			rewards[i] = float64(rng.IntN(4)) / 2 // many ties
			if rng.IntN(10) == 0 {
				rewards[i] = math.NaN()
			}
		}
		margin := []float64{0, 0.5, 0.75}[trial%3]
		got, err := preference.MarginPairs([]preference.Pair{{Chosen: 9, Rejected: 9}}, rewards, groups, margin)
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != (preference.Pair{Chosen: 9, Rejected: 9}) {
			t.Fatalf("MarginPairs does not append to dst: %v", got)
		}
		got = got[1:]
		var brute []preference.Pair
		for i := range n {
			for j := range n {
				if groups[i] == groups[j] && rewards[i]-rewards[j] > margin {
					brute = append(brute, preference.Pair{Chosen: i, Rejected: j})
				}
			}
		}
		if !samePairs(got, brute) {
			t.Fatalf("MarginPairs(margin %v) = %v, brute force %v", margin, got, brute)
		}
		best, err := preference.BestWorstPairs(nil, rewards, groups)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int]bool{}
		for _, p := range best {
			g := groups[p.Chosen]
			if groups[p.Rejected] != g || seen[g] || !(rewards[p.Chosen] > rewards[p.Rejected]) {
				t.Fatalf("BestWorstPairs: bad pair %v in %v", p, best)
			}
			seen[g] = true
			for i := range n {
				if groups[i] == g && (rewards[i] > rewards[p.Chosen] || rewards[i] < rewards[p.Rejected]) {
					t.Fatalf("BestWorstPairs: %v is not best vs worst of group %d", p, g)
				}
			}
		}
		for _, p := range brute {
			if !seen[groups[p.Chosen]] {
				t.Fatalf("BestWorstPairs skipped group %d, which has a preference", groups[p.Chosen])
			}
		}
	}
}

// samePairs reports whether a and b hold the same pairs in any order.
func samePairs(a, b []preference.Pair) bool {
	cmp := func(x, y preference.Pair) int {
		if x.Chosen != y.Chosen {
			return x.Chosen - y.Chosen
		}
		return x.Rejected - y.Rejected
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.SortFunc(a, cmp)
	slices.SortFunc(b, cmp)
	return slices.Equal(a, b)
}

func TestOrientPairs(t *testing.T) {
	rewards := []float64{1, 0, 1, math.NaN()}
	got, err := preference.OrientPairs([]preference.Pair{{Chosen: 0, Rejected: 1}, {Chosen: 1, Rejected: 2}, {Chosen: 0, Rejected: 2}, {Chosen: 3, Rejected: 0}}, rewards)
	if err != nil {
		t.Fatal(err)
	}
	if want := []preference.Pair{{Chosen: 0, Rejected: 1}, {Chosen: 2, Rejected: 1}}; !slices.Equal(got, want) {
		t.Errorf("OrientPairs = %v, want %v (the tie and the missing reward dropped)", got, want)
	}
	for _, tc := range []struct {
		pairs   []preference.Pair
		rewards []float64
		want    string
	}{
		{[]preference.Pair{{Chosen: 0, Rejected: 5}}, rewards, "pairs[0] names row 5"},
		{[]preference.Pair{{Chosen: 0, Rejected: 1}}, []float64{math.Inf(1), 0}, "rewards[0] is Inf"},
	} {
		if _, err := preference.OrientPairs(tc.pairs, tc.rewards); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("OrientPairs: error %v, want %q", err, tc.want)
		}
	}
}

func TestPairBuilderErrors(t *testing.T) {
	for _, tc := range []struct {
		f    func() ([]preference.Pair, error)
		want string
	}{
		{func() ([]preference.Pair, error) { return preference.MarginPairs(nil, []float64{1}, []int{0, 0}, 0) }, "len(rewards) = 1, len(groups) = 2"},
		{func() ([]preference.Pair, error) { return preference.MarginPairs(nil, []float64{1}, []int{0}, -1) }, "margin = -1"},
		{func() ([]preference.Pair, error) {
			return preference.MarginPairs(nil, []float64{1}, []int{0}, math.NaN())
		}, "margin = NaN"},
		{func() ([]preference.Pair, error) {
			return preference.BestWorstPairs(nil, []float64{1, math.Inf(-1)}, []int{0, 0})
		}, "rewards[1] is Inf"},
	} {
		if _, err := tc.f(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
}

func rdpRewards(rng *rand.Rand, B int) []float64 {
	r := make([]float64, B)
	for i := range r {
		r[i] = rng.NormFloat64()
	}
	return r
}

func TestRDPFiniteDifferences(t *testing.T) {
	cases := []struct {
		name string
		obj  preference.RDP
		// clip: whether the clipped branch must win some pairs and lose others.
		clip bool
	}{
		{"sum", preference.RDP{Beta: 0.5}, false},
		{"mean", preference.RDP{Beta: 0.5, Reduce: preference.Mean}, false},
		{"sum_clip", preference.RDP{Beta: 0.5, Epsilon: 0.05}, true},
		{"mean_clip", preference.RDP{Beta: 2, Epsilon: 0.05, Reduce: preference.Mean}, true},
		{"default_beta_wide_clip", preference.RDP{Epsilon: 10}, false},
		{"sum_clip_no_mask", preference.RDP{Beta: 0.5, Epsilon: 0.05}, true},
		{"mean_no_mask", preference.RDP{Beta: 0.5, Reduce: preference.Mean}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			b := randBatch(rng, 8, 10)
			if strings.HasSuffix(tc.name, "no_mask") {
				b.Mask = nil
			}
			rewards := rdpRewards(rng, 8)
			pairs := allPairs(rdpGroups)
			grad := make([]float64, b.B*b.T)
			st, err := tc.obj.Eval(grad, withPairs(b, rewards, pairs))
			if err != nil {
				t.Fatal(err)
			}
			if tc.clip && !(st.ClippedPairs > 0 && st.ClippedPairs < 1 && st.ClipFrac > 0) {
				t.Fatalf("clip not exercised on both branches: %+v", st)
			}
			if !tc.clip && st.ClippedPairs != 0 {
				t.Fatalf("ClippedPairs = %v, want 0", st.ClippedPairs)
			}
			// Row 5 is a singleton: no gradient.
			for k := 5 * b.T; k < 6*b.T; k++ {
				if grad[k] != 0 {
					t.Fatalf("singleton row: grad[%d] = %v, want 0", k, grad[k])
				}
			}
			fdCheck(t, b, grad, func() float64 {
				st, err := tc.obj.Eval(nil, withPairs(b, rewards, pairs))
				if err != nil {
					t.Fatal(err)
				}
				return st.Loss
			})
		})
	}
}

// A hand-computed RDP pair with the clip active: row 0 has one token with
// lp − ref = 1 but old − ref = 0, so with ε = 0.1 its clipped log-ratio is
// 0.1; row 1 has lp = ref = old. With R_0 − R_1 = 0.5 and β = 1:
// l = (1 − 0.5)² = 0.25, l^clip = (0.1 − 0.5)² = 0.16, so loss = 0.25 and
// the gradient is 2(1 − 0.5) = 1 on row 0, −1 on row 1.
// With R_0 − R_1 = 2: l = 1, l^clip = 3.61 wins, and its gradient flows only
// through tokens inside the clip range: row 0's token is outside (0), row
// 1's is inside (−2(0.1 − 2) = 3.8).
func TestRDPByHand(t *testing.T) {
	b := &policy.Batch{B: 2, T: 1, LogProbs: []float64{0, -1}, RefLogProbs: []float64{-1, -1},
		OldLogProbs: []float64{-1, -1}}
	obj := preference.RDP{Beta: 1, Epsilon: 0.1}
	pairs := []preference.Pair{{Chosen: 0, Rejected: 1}}
	grad := make([]float64, 2)
	st, err := obj.Eval(grad, withPairs(b, []float64{0.5, 0}, pairs))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(st.Loss-0.25) > 1e-15 || math.Abs(grad[0]-1) > 1e-15 || math.Abs(grad[1]+1) > 1e-15 || st.ClippedPairs != 0 {
		t.Errorf("ΔR = 0.5: loss %v grad %v stats %+v", st.Loss, grad, st)
	}
	if st.ClipFrac != 0.5 || st.RewardAccuracy != 1 {
		t.Errorf("ΔR = 0.5: stats %+v, want ClipFraction 0.5, RewardAccuracy 1", st)
	}
	st, err = obj.Eval(grad, withPairs(b, []float64{2, 0}, pairs))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(st.Loss-3.61) > 1e-14 || grad[0] != 0 || math.Abs(grad[1]-3.8) > 1e-14 || st.ClippedPairs != 1 {
		t.Errorf("ΔR = 2: loss %v grad %v stats %+v", st.Loss, grad, st)
	}
}

func TestCoPGFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	b := randBatch(rng, 8, 10)
	rewards := rdpRewards(rng, 8)
	pairs := allPairs(rdpGroups)
	obj := preference.CoPG{Beta: 0.3}
	grad := make([]float64, b.B*b.T)
	if _, err := obj.Eval(grad, withPairs(b, rewards, pairs)); err != nil {
		t.Fatal(err)
	}
	fdCheck(t, b, grad, func() float64 {
		st, err := obj.Eval(nil, withPairs(b, rewards, pairs))
		if err != nil {
			t.Fatal(err)
		}
		return st.Loss
	})
}

// docs/ALGORITHMS.md §4: the CoPG gradient is exactly β/2 times the RDP
// gradient (summed log-ratios) when RDP's clip is inactive — both with the
// clip off and with a clip range wide enough never to bind.
func TestCoPGIsHalfBetaRDP(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	b := randBatch(rng, 8, 10)
	rewards := rdpRewards(rng, 8)
	pairs := allPairs(rdpGroups)
	for _, beta := range []float64{0.1, 0.3, 2} {
		gc := make([]float64, b.B*b.T)
		if _, err := (preference.CoPG{Beta: beta}).Eval(gc, withPairs(b, rewards, pairs)); err != nil {
			t.Fatal(err)
		}
		for _, eps := range []float64{0, 100} {
			gr := make([]float64, b.B*b.T)
			st, err := (preference.RDP{Beta: beta, Epsilon: eps}).Eval(gr, withPairs(b, rewards, pairs))
			if err != nil {
				t.Fatal(err)
			}
			if st.ClipFrac != 0 {
				t.Fatalf("ε = %v: ClipFraction = %v, want 0", eps, st.ClipFrac)
			}
			for k := range gc {
				if want := beta / 2 * gr[k]; math.Abs(gc[k]-want) > 1e-12*(1+math.Abs(want)) {
					t.Fatalf("β = %v, ε = %v: CoPG grad[%d] = %v, β/2·RDP = %v", beta, eps, k, gc[k], want)
				}
			}
		}
	}
}

// CoPG with R(y) = −R(y') = 1/4 gives the gradient of the summed IPO loss
// (Δ − 1/(2β))² up to a positive factor: CoPG's is β/2 of it.
func TestCoPGQuarterRewardsIsIPO(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	b := randBatch(rng, 2, 6)
	pairs := []preference.Pair{{Chosen: 0, Rejected: 1}}
	const beta = 0.4
	gc := make([]float64, 12)
	gi := make([]float64, 12)
	if _, err := (preference.CoPG{Beta: beta}).Eval(gc, withPairs(b, []float64{0.25, -0.25}, pairs)); err != nil {
		t.Fatal(err)
	}
	if _, err := (preference.DPO{Variant: preference.IPO, Beta: beta, IPOSummed: true}).Eval(gi, withPairs(b, nil, pairs)); err != nil {
		t.Fatal(err)
	}
	for k := range gc {
		if want := beta / 2 * gi[k]; math.Abs(gc[k]-want) > 1e-13 {
			t.Errorf("grad[%d]: CoPG %v, β/2·IPO %v", k, gc[k], want)
		}
	}
}

func TestRDPErrors(t *testing.T) {
	pairs := []preference.Pair{{Chosen: 0, Rejected: 1}}
	cases := []struct {
		name    string
		obj     preference.RDP
		edit    func(b *policy.Batch)
		rewards []float64
		pairs   []preference.Pair
		want    string
		target  error
	}{
		{name: "beta", obj: preference.RDP{Beta: -0.1}, want: "RDP.Beta = -0.1"},
		{name: "epsilon", obj: preference.RDP{Epsilon: -1}, want: "RDP.Epsilon = -1"},
		{name: "epsilon NaN", obj: preference.RDP{Epsilon: math.NaN()}, want: "RDP.Epsilon = NaN"},
		{name: "reduce", obj: preference.RDP{Reduce: 7}, want: "RDP.Reduce = 7"},
		{name: "old missing", obj: preference.RDP{Epsilon: 0.1}, edit: func(b *policy.Batch) { b.OldLogProbs = nil }, want: "OldLogProbs is nil"},
		{name: "old NaN", obj: preference.RDP{Epsilon: 0.1}, edit: func(b *policy.Batch) { b.OldLogProbs[1*4+3] = math.NaN() }, want: "Batch.OldLogProbs[1*T+3] is NaN"},
		{name: "ref Inf", edit: func(b *policy.Batch) { b.RefLogProbs[2] = math.Inf(1) }, want: "Batch.RefLogProbs[0*T+2] is Inf"},
		{name: "rewards length", rewards: []float64{1}, want: "len(Batch.Rewards) = 1, want B = 2"},
		{name: "reward NaN", rewards: []float64{0, math.NaN()}, want: "Batch.Rewards[1] is NaN"},
		{name: "no pairs", pairs: []preference.Pair{}, target: preference.ErrNoPairs},
		{name: "pair range", pairs: []preference.Pair{{Chosen: 0, Rejected: 2}}, want: "Batch.Pairs[0].Rejected = 2"},
		{name: "mean empty row", obj: preference.RDP{Reduce: preference.Mean}, edit: func(b *policy.Batch) { clear(b.Mask[4:]) }, want: "row 1 has no counted token"},
		{name: "mean empty row, shared rows", obj: preference.RDP{Reduce: preference.Mean}, pairs: []preference.Pair{{Chosen: 0, Rejected: 1}, {Chosen: 1, Rejected: 0}},
			edit: func(b *policy.Batch) { clear(b.Mask[4:]) }, want: "row 1 has no counted token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := randBatch(rand.New(rand.NewPCG(2, 2)), 2, 4)
			if tc.edit != nil {
				tc.edit(b)
			}
			r := tc.rewards
			if r == nil {
				r = []float64{1, 0}
			}
			p := pairs
			if tc.pairs != nil {
				p = tc.pairs
			}
			_, err := tc.obj.Eval(make([]float64, 8), withPairs(b, r, p))
			if err == nil {
				t.Fatal("no error")
			}
			if tc.target != nil && !errors.Is(err, tc.target) {
				t.Errorf("error %q, want %v", err, tc.target)
			}
			if tc.want != "" && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
			// CoPG shares the checks that do not concern the clip.
			if tc.obj == (preference.RDP{}) {
				if _, err := (preference.CoPG{}).Eval(make([]float64, 8), withPairs(b, r, p)); err == nil {
					t.Error("CoPG: no error")
				}
			}
		})
	}
	if _, err := (preference.CoPG{Beta: math.Inf(1)}).Eval(nil, withPairs(randBatch(rand.New(rand.NewPCG(2, 2)), 2, 4), []float64{0, 1}, pairs)); err == nil ||
		!strings.Contains(err.Error(), "CoPG.Beta = +Inf") {
		t.Errorf("CoPG β = Inf: error %v", err)
	}
}

// Disjoint pairs and the same pairs listed twice (rows in two pairs; the
// mean is unchanged) agree, for RDP with and without the clip and for both
// reductions; a row in no pair gets exactly 0 even in a dirty buffer.
func TestRDPLayoutsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	b := randBatch(rng, 15, 9)
	rewards := rdpRewards(rng, 15)
	groups := make([]int, 15) // pairs (2i, 2i+1) and row 14 alone
	for i := range groups {
		groups[i] = i / 2
	}
	pairs := allPairs(groups)
	twice := append(slices.Clone(pairs), pairs...)
	for _, obj := range []preference.RDP{{Beta: 0.5}, {Beta: 0.5, Epsilon: 0.05}, {Beta: 2, Epsilon: 0.05, Reduce: preference.Mean}} {
		g1, g2 := make([]float64, 15*9), make([]float64, 15*9)
		for k := range g1 {
			g1[k] = 7
		}
		s1, err := obj.Eval(g1, withPairs(b, rewards, pairs))
		if err != nil {
			t.Fatal(err)
		}
		s2, err := obj.Eval(g2, withPairs(b, rewards, twice))
		if err != nil {
			t.Fatal(err)
		}
		if obj.Epsilon > 0 && !(s1.ClipFrac > 0 && s1.ClippedPairs > 0) {
			t.Fatalf("%+v: clip not exercised: %+v", obj, s1)
		}
		if math.Abs(s1.Loss-s2.Loss) > 1e-14*s2.Loss || s1.Tokens != s2.Tokens || s1.ClipFrac != s2.ClipFrac ||
			s1.ClippedPairs != s2.ClippedPairs || s1.RewardAccuracy != s2.RewardAccuracy {
			t.Errorf("%+v: disjoint %+v, twice %+v", obj, s1, s2)
		}
		for k := range g1 {
			if math.Abs(g1[k]-g2[k]) > 1e-14 {
				t.Fatalf("%+v: grad[%d] = %v (disjoint), %v (twice)", obj, k, g1[k], g2[k])
			}
			if k >= 14*9 && g1[k] != 0 {
				t.Fatalf("%+v: row in no pair: grad[%d] = %v", obj, k, g1[k])
			}
		}
	}
}
