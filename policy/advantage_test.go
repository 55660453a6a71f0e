package policy

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
)

var estimators = []AdvantageEstimator{
	GroupNorm{}, GroupNorm{Std: Population, Eps: 1e-4}, GroupMean{}, GroupMeanBatchStd{}, GroupMeanBatchStd{Std: Population, Eps: 1e-6}, RLOO{},
}

// centred are the estimators whose advantages sum to zero within a group:
// all of them, RPPBaseline included (its batch mean of group-centred values
// is zero up to rounding).
var centred = append(estimators[:len(estimators):len(estimators)], RPPBaseline{}, RPPBaseline{Eps: 1e-8})

// randGroups draws rewards for samples with arbitrary, shuffled group ids,
// including a constant group, a singleton and missing rewards.
func randGroups(rng *rand.Rand) ([]float64, []int) {
	var rewards []float64
	var groups []int
	for g := range 6 {
		id := rng.IntN(1000) - 500 + 1000*g
		n := 1 + rng.IntN(6)
		for range n {
			r := rng.NormFloat64()
			switch {
			case g == 0:
				r = 0.7 // a constant group
			case g == 1:
				// equal but for rounding, at a random scale
				r = (0.1 + 0.2) * math.Pow(10, float64(rng.IntN(40)-20))
				if rng.IntN(2) == 0 {
					r = math.Nextafter(r, math.Inf(rng.IntN(2)*2-1))
				}
			case rng.Float64() < 0.1:
				r = math.NaN()
			case rng.Float64() < 0.3:
				r = math.Round(r)
			}
			rewards = append(rewards, r)
			groups = append(groups, id)
		}
	}
	rng.Shuffle(len(rewards), func(i, j int) {
		rewards[i], rewards[j] = rewards[j], rewards[i]
		groups[i], groups[j] = groups[j], groups[i]
	})
	return rewards, groups
}

// roundingCases are batches whose groups differ only by rounding (each
// must get advantage 0) or mix such groups with real spread, at scales
// where a running mean and variance go wrong.
var roundingCases = []struct {
	rewards []float64
	groups  []int
}{
	{[]float64{0.3, 0.1 + 0.2}, []int{0, 0}},
	{[]float64{0.3, 0.1 + 0.2, 0.3, 0.1 + 0.2}, []int{0, 0, 0, 0}},
	{[]float64{0.1 + 0.2, 0.3, 0.3, 0.3, 0.1 + 0.2}, []int{5, 5, 5, 5, 5}},
	{[]float64{1e15, 1e15 + 1, 1e15, 1e15 + 1, 0, 1, 1}, []int{1, 1, 1, 1, 2, 2, 2}},
	{[]float64{1e15 + 1, 1e15 + 2, 1e15 + 4, 1e15 + 8}, []int{0, 0, 0, 0}},
	{[]float64{1e15, 2e15, 3e15, 0.3, 0.1 + 0.2, math.NaN()}, []int{0, 0, 0, 1, 1, 1}},
	{[]float64{1e-300, 1e-300 * (1 + 0x1p-52), 3e-300, 0.1, 0.7, 0.1 * 7}, []int{0, 0, 1, 2, 2, 2}},
	{[]float64{1e300, 1e300, 1e300 * (1 + 0x1p-50), -1e300, 2}, []int{0, 0, 0, 3, 3}},
	{[]float64{-0.7, -0.1 * 7, 1, -1}, []int{0, 0, 1, 1}},
	// a singleton far larger than the rest must not set the scale of the
	// batch statistics
	{[]float64{3.01171875, 3.01171875, 3.011962890625, math.MaxFloat64}, []int{0, 0, 0, 1}},
}

// noise reports whether the rewards are equal but for rounding: their
// range is at most 2^-41 of the largest (so their standard deviation is
// well inside the 2^-40 bound of AdvantageEstimator).
func noise(v []float64) bool {
	lo, hi, top := math.Inf(1), math.Inf(-1), 0.0
	for _, x := range v {
		lo, hi, top = min(lo, x), max(hi, x), max(top, math.Abs(x))
	}
	return len(v) < 2 || hi-lo <= 0x1p-41*top
}

// Group-centred advantages sum to zero within every group; constant
// groups, groups equal but for rounding, singletons and missing rewards get
// exactly 0; nothing is NaN or Inf.
func TestAdvantagesSumToZeroPerGroup(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for it := range 200 + len(roundingCases) {
		var rewards []float64
		var groups []int
		if it < len(roundingCases) {
			rewards, groups = roundingCases[it].rewards, roundingCases[it].groups
		} else {
			rewards, groups = randGroups(rng)
		}
		for _, e := range centred {
			dst := make([]float64, len(rewards))
			if err := e.Advantages(dst, rewards, groups); err != nil {
				t.Fatal(err)
			}
			sums := map[int]float64{}
			scale := map[int]float64{}
			present := map[int][]float64{}
			for i, a := range dst {
				if math.IsNaN(a) || math.IsInf(a, 0) {
					t.Fatalf("%T: advantage %d is %v", e, i, a)
				}
				if math.IsNaN(rewards[i]) {
					if a != 0 {
						t.Errorf("%T: missing reward %d got advantage %v, want 0", e, i, a)
					}
					continue
				}
				sums[groups[i]] += a
				scale[groups[i]] += math.Abs(a)
				present[groups[i]] = append(present[groups[i]], rewards[i])
			}
			for g, s := range sums {
				if math.Abs(s) > 1e-12*max(1, scale[g]) {
					t.Errorf("%T: group %d advantages sum to %v", e, g, s)
				}
				if noise(present[g]) && scale[g] != 0 {
					t.Errorf("%T: group %d (rewards %v) is constant, equal but for rounding, or a singleton, but has advantages %v", e, g, present[g], dst)
				}
			}
		}
	}
}

// Large finite rewards: GroupNorm, GroupMeanBatchStd and RPPBaseline
// (without Eps) do not depend on the scale of the rewards and must give
// the advantages of the same rewards scaled down; GroupMean and RLOO give
// those advantages scaled up, or an error naming the reward when that
// overflows. Nothing is ever NaN or Inf.
func TestAdvantagesHugeRewards(t *testing.T) {
	rewards := []float64{1e308, -1e308, 5e307, 1.5e308, 1.7e308, -1.7e308, math.NaN(), 3, 1e308}
	groups := []int{0, 0, 0, 1, 1, 1, 1, 2, 2}
	small := make([]float64, len(rewards))
	for i, r := range rewards {
		small[i] = math.Ldexp(r, -1000) // exact
	}
	for _, e := range []AdvantageEstimator{GroupNorm{}, GroupNorm{Std: Population}, GroupMeanBatchStd{}, RPPBaseline{}, GroupMean{}, RLOO{}} {
		got, want := make([]float64, len(rewards)), make([]float64, len(rewards))
		if err := e.Advantages(want, small, groups); err != nil {
			t.Fatalf("%T: %v", e, err)
		}
		err := e.Advantages(got, rewards, groups)
		switch e.(type) {
		case GroupMean, RLOO:
			// group 1: 1.7e308 − mean and 1.5·(1.7e308 − mean) overflow
			want := map[bool]string{true: "rewards[5] = -1.7e+308 overflows", false: "rewards[4] = 1.7e+308 overflows"}[e == GroupMean{}]
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%T: error %v, want one containing %q", e, err, want)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%T: %v", e, err)
		}
		for i := range got {
			if math.IsNaN(got[i]) || math.IsInf(got[i], 0) || got[i] != want[i] {
				t.Errorf("%T: A[%d] = %v, want %v (scale-free)", e, i, got[i], want[i])
			}
		}
	}
	// Within range, GroupMean and RLOO scale back exactly.
	for _, e := range []AdvantageEstimator{GroupMean{}, RLOO{}} {
		r := []float64{1e300, 3e300, -2e300, 7}
		g := []int{0, 0, 0, 1}
		got, want := make([]float64, 4), make([]float64, 4)
		s := make([]float64, 4)
		for i := range r {
			s[i] = math.Ldexp(r[i], -900)
		}
		if err := e.Advantages(got, r, g); err != nil {
			t.Fatal(err)
		}
		if err := e.Advantages(want, s, g); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if got[i] != math.Ldexp(want[i], 900) {
				t.Errorf("%T: A[%d] = %v, want %v", e, i, got[i], math.Ldexp(want[i], 900))
			}
		}
	}
}

// Each estimator against its formula on one group of three and one
// singleton, written out by hand.
func TestAdvantagesByHand(t *testing.T) {
	rewards := []float64{1, 2, 6, 5}
	groups := []int{4, 4, 4, -9}
	mean := 3.0
	ss := 4.0 + 1 + 9 // Σ (R − mean)²
	ub, pop := math.Sqrt(ss/2), math.Sqrt(ss/3)
	allSS := 2.5*2.5 + 1.5*1.5 + 2.5*2.5 + 1.5*1.5
	cases := []struct {
		e    AdvantageEstimator
		want []float64
	}{
		{GroupNorm{}, []float64{-2 / ub, -1 / ub, 3 / ub, 0}},
		{GroupNorm{Std: Population, Eps: 0.5}, []float64{-2 / (pop + 0.5), -1 / (pop + 0.5), 3 / (pop + 0.5), 0}},
		{GroupMean{}, []float64{1 - mean, 2 - mean, 6 - mean, 0}},
		{GroupMeanBatchStd{}, []float64{-2 / math.Sqrt(allSS/3), -1 / math.Sqrt(allSS/3), 3 / math.Sqrt(allSS/3), 0}},
		{RLOO{}, []float64{1 - 4, 2 - 3.5, 6 - 1.5, 0}},
	}
	for _, c := range cases {
		dst := make([]float64, 4)
		if err := c.e.Advantages(dst, rewards, groups); err != nil {
			t.Fatal(err)
		}
		for i := range dst {
			if math.Abs(dst[i]-c.want[i]) > 1e-14 {
				t.Errorf("%T%+v: A[%d] = %v, want %v", c.e, c.e, i, dst[i], c.want[i])
			}
		}
	}
	// REINFORCE++: centred c = (−2, −1, 3, 0), whitened over the batch.
	dst := make([]float64, 4)
	if err := (RPPBaseline{Eps: 1e-8}).Advantages(dst, rewards, groups); err != nil {
		t.Fatal(err)
	}
	c := []float64{-2, -1, 3, 0}
	s := math.Sqrt((4+1+9+0)/3.0 + 1e-8)
	for i := range dst {
		if want := c[i] / s; math.Abs(dst[i]-want) > 1e-14 {
			t.Errorf("RPPBaseline: A[%d] = %v, want %v", i, dst[i], want)
		}
	}
}

// A missing reward is left out of the baseline: the group {1, NaN, 3}
// behaves like {1, 3}.
func TestAdvantagesMissingReward(t *testing.T) {
	for _, e := range append(estimators, RPPBaseline{}) {
		a := make([]float64, 3)
		b := make([]float64, 2)
		if err := e.Advantages(a, []float64{1, math.NaN(), 3}, []int{0, 0, 0}); err != nil {
			t.Fatal(err)
		}
		if err := e.Advantages(b, []float64{1, 3}, []int{0, 0}); err != nil {
			t.Fatal(err)
		}
		if a[0] != b[0] || a[2] != b[1] || a[1] != 0 {
			t.Errorf("%T: with a missing reward %v, without %v", e, a, b)
		}
	}
}

func TestAdvantageErrors(t *testing.T) {
	for _, e := range append(estimators, RPPBaseline{}) {
		if err := e.Advantages(make([]float64, 2), []float64{1, 2, 3}, []int{0, 0, 0}); err == nil || !strings.Contains(err.Error(), "len(dst) = 2") {
			t.Errorf("%T: error %v for a short dst", e, err)
		}
		if err := e.Advantages(make([]float64, 3), []float64{1, 2, 3}, []int{0, 0}); err == nil || !strings.Contains(err.Error(), "len(groups) = 2") {
			t.Errorf("%T: error %v for short groups", e, err)
		}
		if err := e.Advantages(make([]float64, 3), []float64{1, math.Inf(1), 3}, []int{0, 0, 0}); err == nil || !strings.Contains(err.Error(), "rewards[1] is +Inf") {
			t.Errorf("%T: error %v for an Inf reward", e, err)
		}
	}
	for _, e := range []AdvantageEstimator{GroupNorm{Eps: -1}, GroupMeanBatchStd{Eps: math.NaN()}, RPPBaseline{Eps: -1}, GroupNorm{Std: 3}} {
		if err := e.Advantages(make([]float64, 1), []float64{1}, []int{0}); err == nil {
			t.Errorf("%T%+v: no error", e, e)
		}
	}
}

func TestMultiReward(t *testing.T) {
	nan := math.NaN()
	groups := []int{1, 1, 1, 2, 2, 2}
	r0 := []float64{1, 0, 1, 0, 0, nan}
	r1 := []float64{0.5, nan, 0.2, 0.9, 0.1, nan}
	// Sum then normalise: R = r0 + 2·r1 with missing parts left out; the
	// last sample has no reward at all.
	sum := []float64{1 + 1, 0, 1 + 0.4, 1.8, 0.2, nan}
	want := make([]float64, 6)
	if err := (GroupNorm{}).Advantages(want, sum, groups); err != nil {
		t.Fatal(err)
	}
	got := make([]float64, 6)
	if err := (MultiReward{Weights: []float64{1, 2}}).Advantages(got, [][]float64{r0, r1}, groups); err != nil {
		t.Fatal(err)
	}
	compare(t, "sum then normalise", got, want)
	if got[5] != 0 {
		t.Errorf("all-missing sample: A = %v, want 0", got[5])
	}
	// Normalise then sum (GDPO): z-score each reward per group, add with
	// weights, whiten over the present samples.
	z0, z1 := make([]float64, 6), make([]float64, 6)
	if err := (GroupNorm{Std: Population}).Advantages(z0, r0, groups); err != nil {
		t.Fatal(err)
	}
	if err := (GroupNorm{Std: Population}).Advantages(z1, r1, groups); err != nil {
		t.Fatal(err)
	}
	s := []float64{z0[0] + 2*z1[0], z0[1], z0[2] + 2*z1[2], z0[3] + 2*z1[3], z0[4] + 2*z1[4]}
	m := (s[0] + s[1] + s[2] + s[3] + s[4]) / 5
	v := 0.0
	for _, x := range s {
		v += (x - m) * (x - m)
	}
	sd := math.Sqrt(v / 5)
	for i := range want[:5] {
		want[i] = (s[i] - m) / sd
	}
	want[5] = 0
	if err := (MultiReward{Weights: []float64{1, 2}, NormalizeFirst: true, Std: Population}).Advantages(got, [][]float64{r0, r1}, groups); err != nil {
		t.Fatal(err)
	}
	compare(t, "GDPO", got, want)

	// GDPO by hand (population std, weights 1 and 2). Group 1 is four
	// samples: correctness 1, 0, 1, 0 has mean 1/2 and std 1/2, so z0 =
	// (1, −1, 1, −1); format 0.3, 0.1, 0.2, 0 has mean 0.15, deviations
	// (0.15, −0.05, 0.05, −0.15), variance 0.05/4 and std 0.05·√5, so z1 =
	// (3, −1, 1, −3)/√5. Group 2: correctness (1, NaN, NaN) has one present
	// value, so z0 = 0; format (0.5, 0.2, NaN) has mean 0.35 and std 0.15,
	// so z1 = (1, −1); its third sample has no reward. With a = 1/√5 the
	// sums S = z0 + 2·z1 of the six present samples are 1+6a, −1−2a, 1+2a,
	// −1−6a, 2, −2: mean 0, Σ S² = 2(1+6a)² + 2(1+2a)² + 8 = 28 + 32a, and
	// A = S/sqrt((28 + 32a)/6), 0 for the sample with no reward.
	{
		r0 := []float64{1, 0, 1, 0, 1, nan, nan}
		r1 := []float64{0.3, 0.1, 0.2, 0, 0.5, 0.2, nan}
		g := []int{1, 1, 1, 1, 2, 2, 2}
		a := 1 / math.Sqrt(5)
		sd := math.Sqrt((28 + 32*a) / 6)
		want := []float64{(1 + 6*a) / sd, (-1 - 2*a) / sd, (1 + 2*a) / sd, (-1 - 6*a) / sd, 2 / sd, -2 / sd, 0}
		got := make([]float64, 7)
		if err := (MultiReward{Weights: []float64{1, 2}, NormalizeFirst: true, Std: Population}).Advantages(got, [][]float64{r0, r1}, g); err != nil {
			t.Fatal(err)
		}
		compare(t, "GDPO by hand", got, want)
		// GDPO does not depend on the scale of the weights: weights of
		// 1e308 give the same advantages, not NaN.
		if err := (MultiReward{Weights: []float64{1e308, 2e308 / 4}, NormalizeFirst: true, Std: Population}).Advantages(got, [][]float64{r0, r1}, g); err != nil {
			t.Fatal(err)
		}
		w2 := []float64{0, 0, 0, 0, 0, 0, 0}
		if err := (MultiReward{Weights: []float64{2, 1}, NormalizeFirst: true, Std: Population}).Advantages(w2, [][]float64{r0, r1}, g); err != nil {
			t.Fatal(err)
		}
		compare(t, "GDPO huge weights", got, w2)
	}

	for _, bad := range []struct {
		m    MultiReward
		r    [][]float64
		want string
	}{
		{MultiReward{}, nil, "no reward function"},
		{MultiReward{Weights: []float64{1}}, [][]float64{r0, r1}, "len(MultiReward.Weights) = 1"},
		{MultiReward{Weights: []float64{1, math.NaN()}}, [][]float64{r0, r1}, "Weights[1] = NaN"},
		{MultiReward{}, [][]float64{r0, r1[:5]}, "len(rewards[1]) = 5"},
		{MultiReward{}, [][]float64{{1, 2, 3, 4, math.Inf(-1), 0}}, "rewards[0][4] is -Inf"},
		{MultiReward{Eps: -1}, [][]float64{r0}, "MultiReward.Eps = -1"},
		{MultiReward{NormalizeFirst: true, Estimator: GroupMean{}}, [][]float64{r0}, "MultiReward.Estimator is set with NormalizeFirst"},
		// sum then normalise: an overflowing sum names the caller's
		// weight and reward, not an internal sum
		{MultiReward{Weights: []float64{1e308, 1e308}}, [][]float64{r0, {1, 1, 1, 1, 1, 1}}, "sample 0 overflows float64 (Weights[1] = 1e+308, rewards[1][0] = 1)"},
		{MultiReward{Weights: []float64{1e308, -1e308}}, [][]float64{{2, 0, 0, 0, 0, 0}, r0}, "sample 0 overflows float64 (Weights[0] = 1e+308, rewards[0][0] = 2)"},
		{MultiReward{Estimator: GroupMean{}}, [][]float64{{1.7e308, -1.7e308, 1.7e308, 0, 0, 0}}, "MultiReward: on the weighted sums (rewards[i] is the sum of sample i): policy: GroupMean: the advantage of rewards[1]"},
	} {
		if err := bad.m.Advantages(got, bad.r, groups); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("error %v, want one containing %q", err, bad.want)
		}
	}
}

func TestGAE(t *testing.T) {
	// γ = λ = 1: A_t = Σ_{u≥t} r_u − V_t.
	rew := []float64{0, 0, 1, 0.5, 0, 2}
	val := []float64{0.3, 0.2, 0.9, 1, 0.4, 0.1}
	adv, ret := make([]float64, 6), make([]float64, 6)
	if err := (GAE{Gamma: 1, Lambda: 1}).Advantages(adv, ret, rew, val, nil, 2, 3); err != nil {
		t.Fatal(err)
	}
	want := []float64{1 - 0.3, 1 - 0.2, 1 - 0.9, 2.5 - 1, 2 - 0.4, 2 - 0.1}
	compare(t, "GAE γ=λ=1", adv, want)
	for k := range ret {
		if math.Abs(ret[k]-(adv[k]+val[k])) > 1e-15 {
			t.Errorf("returns[%d] = %v, want A + V = %v", k, ret[k], adv[k]+val[k])
		}
	}
	// A masked token in the middle is skipped: the result on the counted
	// tokens equals that of the sequence without it.
	g := GAE{Gamma: 0.9, Lambda: 0.8}
	full := []float64{0.1, 7, 0.2, 0.3}
	fv := []float64{0.5, 9, 0.4, 0.6}
	mask := []float64{1, 0, 1, 1}
	a1, r1 := make([]float64, 4), make([]float64, 4)
	if err := g.Advantages(a1, r1, full, fv, mask, 1, 4); err != nil {
		t.Fatal(err)
	}
	a2 := make([]float64, 3)
	if err := g.Advantages(a2, nil, []float64{0.1, 0.2, 0.3}, []float64{0.5, 0.4, 0.6}, nil, 1, 3); err != nil {
		t.Fatal(err)
	}
	compare(t, "GAE skip masked", []float64{a1[0], a1[2], a1[3]}, a2)
	if a1[1] != 0 || r1[1] != 0 {
		t.Errorf("masked token: A = %v, return = %v, want 0", a1[1], r1[1])
	}
	// Last token: δ = r − V.
	if want := 0.3 - 0.6; math.Abs(a2[2]-want) > 1e-15 {
		t.Errorf("last A = %v, want %v", a2[2], want)
	}
	if want := 0.2 + 0.9*0.6 - 0.4 + 0.9*0.8*(0.3-0.6); math.Abs(a2[1]-want) > 1e-15 {
		t.Errorf("A[1] = %v, want %v", a2[1], want)
	}
	// Zero means zero: γ = 0 gives A = r − V at every token; λ = 0 gives
	// the one-step TD advantage δ_t = r_t + γV_{t+1} − V_t.
	if err := (GAE{}).Advantages(adv, ret, rew, val, nil, 2, 3); err != nil {
		t.Fatal(err)
	}
	compare(t, "GAE γ=0", adv, []float64{0 - 0.3, 0 - 0.2, 1 - 0.9, 0.5 - 1, 0 - 0.4, 2 - 0.1})
	if err := (GAE{Gamma: 0.5}).Advantages(adv, ret, rew, val, nil, 2, 3); err != nil {
		t.Fatal(err)
	}
	compare(t, "GAE λ=0", adv, []float64{0 + 0.5*0.2 - 0.3, 0 + 0.5*0.9 - 0.2, 1 - 0.9, 0.5 + 0.5*0.4 - 1, 0 + 0.5*0.1 - 0.4, 2 - 0.1})
	// Finite inputs whose advantage or return overflows are an error, not
	// an Inf.
	for _, c := range []struct {
		r, v, ret []float64
		want      string // "" for no error
	}{
		{[]float64{1e308, 1e308, 1e308}, []float64{0, 0, 0}, nil, "[0*T+1] overflows"},               // A_1 = 2e308
		{[]float64{0, 0, 1e308}, []float64{-1e308, 0, 0}, nil, "[0*T+0] overflows"},                  // A_0 = 1e308 + 1e308
		{[]float64{1.5e308, 0, 0}, []float64{-1e308, 0, 0}, make([]float64, 3), "[0*T+0] overflows"}, // δ_0 = 2.5e308
		{[]float64{1e308, 0, 0}, []float64{1e308, 0, 0}, make([]float64, 3), ""},                     // A_0 = 0, return 1e308
	} {
		a := make([]float64, 3)
		err := (GAE{Gamma: 1, Lambda: 1}).Advantages(a, c.ret, c.r, c.v, nil, 1, 3)
		for k := range a {
			if math.IsInf(a[k], 0) || math.IsNaN(a[k]) || c.ret != nil && (math.IsInf(c.ret[k], 0) || math.IsNaN(c.ret[k])) {
				t.Errorf("rewards %v, values %v: advantages %v, returns %v", c.r, c.v, a, c.ret)
			}
		}
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("rewards %v, values %v: error %v, want %q", c.r, c.v, err, c.want)
		}
	}
	// B*T overflowing int is an error before anything is indexed.
	half := 1 << (bits.UintSize / 2)
	if err := (GAE{}).Advantages(nil, nil, nil, nil, nil, half, half); err == nil || !strings.Contains(err.Error(), "overflows int") {
		t.Errorf("B = T = %d: error %v", half, err)
	}
	for _, bad := range []struct {
		g    GAE
		r, v []float64
		want string
	}{
		{GAE{Gamma: -0.1}, rew, val, "GAE.Gamma = -0.1"},
		{GAE{Lambda: 1.5}, rew, val, "GAE.Lambda = 1.5"},
		{GAE{Gamma: math.NaN()}, rew, val, "GAE.Gamma = NaN"},
		{GAE{}, rew[:5], val, "len(rewards) = 5"},
		{GAE{}, rew, []float64{0, 0, 0, math.NaN(), 0, 0}, "values[1*T+0] is NaN"},
	} {
		if err := bad.g.Advantages(adv, ret, bad.r, bad.v, nil, 2, 3); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("error %v, want one containing %q", err, bad.want)
		}
	}
}
