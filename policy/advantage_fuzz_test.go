package policy

import (
	"math"
	"testing"
)

// FuzzAdvantages runs every estimator, MultiReward and GAE on arbitrary
// rewards, including NaN, ±Inf, huge magnitudes and values equal but for
// rounding: they never panic, and without an error every advantage is
// finite and the group-centred ones sum to zero within each group.
func FuzzAdvantages(f *testing.F) {
	f.Add([]byte{5, 0, 0, 10, 0, 0, 20, 1, 1, 30, 1, 255, 3, 1, 0, 0, 0, 0})
	f.Add([]byte{4, 0, 255, 3, 0, 255, 3, 0, 255, 3, 1, 0, 1, 1, 0, 1})
	f.Add([]byte{6, 2, 253, 1, 2, 253, 2, 2, 253, 3, 2, 253, 4, 3, 0, 9, 3, 0, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &fuzzReader{data}
		n := 1 + int(r.byte()%12)
		rewards, second := make([]float64, n), make([]float64, n)
		groups := make([]int, n)
		for i := range n {
			groups[i] = int(r.byte() % 4)
			hi := r.byte()
			if hi == 253 { // equal but for rounding, at a scale set by the next byte
				k := r.byte()
				x := (0.1 + 0.2) * math.Pow(10, float64(int(k%64)-32))
				if k&64 != 0 {
					x = math.Nextafter(x, math.Inf(1))
				}
				rewards[i] = x
			} else {
				r.data = append([]byte{hi}, r.data...)
				rewards[i] = r.float()
			}
			if rewards[i] == 1e300 && r.byte()%2 == 0 {
				rewards[i] = math.MaxFloat64
			}
			second[i] = r.float()
		}
		dst := make([]float64, n)
		for _, e := range centred {
			if err := e.Advantages(dst, rewards, groups); err != nil {
				continue
			}
			sum, abs := map[int]float64{}, map[int]float64{}
			for i, a := range dst {
				if math.IsNaN(a) || math.IsInf(a, 0) {
					t.Fatalf("%T%+v: rewards %v, groups %v: A[%d] = %v", e, e, rewards, groups, i, a)
				}
				sum[groups[i]] += a
				abs[groups[i]] += math.Abs(a)
			}
			for g, s := range sum {
				if math.Abs(s) > 1e-12*max(1, abs[g]) {
					t.Fatalf("%T%+v: rewards %v, groups %v: group %d sums to %v (advantages %v)", e, e, rewards, groups, g, s, dst)
				}
			}
		}
		w := r.float()
		for _, m := range []MultiReward{{}, {Weights: []float64{w, 1e308}}, {Weights: []float64{w, 1e308}, NormalizeFirst: true}, {NormalizeFirst: true, Std: Population, Eps: 1e-6}} {
			if err := m.Advantages(dst, [][]float64{rewards, second}, groups); err != nil {
				continue
			}
			for i, a := range dst {
				if math.IsNaN(a) || math.IsInf(a, 0) {
					t.Fatalf("%+v: A[%d] = %v", m, i, a)
				}
			}
		}
		adv, ret := make([]float64, n), make([]float64, n)
		if err := (GAE{Gamma: 1, Lambda: 0.95}).Advantages(adv, ret, rewards, second, nil, 1, n); err == nil {
			for i := range adv {
				if math.IsNaN(adv[i]) || math.IsInf(adv[i], 0) || math.IsNaN(ret[i]) || math.IsInf(ret[i], 0) {
					t.Fatalf("GAE: A[%d] = %v, return %v", i, adv[i], ret[i])
				}
			}
		}
	})
}
