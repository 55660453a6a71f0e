package preference_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/preference"
)

func TestKendallTau(t *testing.T) {
	cases := []struct {
		name string
		x, y []float64
		want float64
	}{
		{"identical", []float64{1, 2, 3, 4}, []float64{10, 20, 30, 40}, 1},
		{"reversed", []float64{1, 2, 3, 4}, []float64{4, 3, 2, 1}, -1},
		{"one swap", []float64{1, 2, 3, 4}, []float64{1, 3, 2, 4}, 4.0 / 6},
		// One pair tied in x: τ_b = 2/sqrt(2·3) (SciPy: 0.8164965809277261).
		{"tie", []float64{1, 1, 2}, []float64{1, 2, 3}, 2 / math.Sqrt(6)},
		// Pairs (0,1) tied in both, (2,3) discordant, others concordant:
		// n_c = 4, n_d = 1, n_x = n_y = 1, τ_b = 3/5.
		{"joint tie", []float64{1, 1, 2, 3}, []float64{5, 5, 7, 6}, 3.0 / 5},
	}
	for _, tc := range cases {
		got, err := preference.KendallTau(tc.x, tc.y)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("%s: τ = %v, want %v", tc.name, got, tc.want)
		}
	}
	for _, bad := range []struct {
		x, y []float64
		want string
	}{
		{[]float64{1, 2}, []float64{1}, "len(x) = 2, len(y) = 1"},
		{[]float64{1}, []float64{1}, "1 items"},
		{[]float64{1, math.NaN()}, []float64{1, 2}, "x[1] is NaN"},
		{[]float64{1, 2}, []float64{math.Inf(1), 2}, "y[0] is Inf"},
		{[]float64{3, 3, 3}, []float64{1, 2, 3}, "every x is equal"},
		{[]float64{1, 2, 3}, []float64{0, 0, 0}, "every y is equal"},
	} {
		if _, err := preference.KendallTau(bad.x, bad.y); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("KendallTau(%v, %v): error %v, want %q", bad.x, bad.y, err, bad.want)
		}
	}
}

func TestCREAMSmoothing(t *testing.T) {
	for _, tc := range []struct {
		prev, cur []float64
		want      float64
	}{
		{[]float64{0.1, 0.5, 0.9}, []float64{1, 2, 3}, 0},       // consistent: keep labels
		{[]float64{0.1, 0.5, 0.9}, []float64{3, 2, 1}, 1},       // reversed: flip them
		{[]float64{1, 2, 3, 4}, []float64{1, 3, 2, 4}, 1.0 / 6}, // τ = 2/3, C = 5/6
	} {
		got, err := preference.CREAMSmoothing(tc.prev, tc.cur)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("CREAMSmoothing(%v, %v) = %v, want %v", tc.prev, tc.cur, got, tc.want)
		}
	}
	if _, err := preference.CREAMSmoothing([]float64{1}, []float64{1}); err == nil {
		t.Error("one item: no error")
	}
}

// Per-pair smoothing equals evaluating each pair with its own
// LabelSmoothing (the mean over pairs of the single-pair losses).
func TestEvalSmoothed(t *testing.T) {
	b := randBatch(rand.New(rand.NewPCG(61, 62)), 6, 5)
	pairs := []preference.Pair{{Chosen: 0, Rejected: 1}, {Chosen: 2, Rejected: 3}, {Chosen: 4, Rejected: 5}, {Chosen: 1, Rejected: 2}}
	eps := []float64{0, 0.25, 0.9, 0.5}
	for _, v := range []preference.Variant{preference.Sigmoid, preference.SimPO} {
		obj := preference.DPO{Variant: v, Beta: 0.7}
		got := make([]float64, 30)
		st, err := obj.EvalSmoothed(got, withPairs(b, nil, pairs), eps)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float64, 30)
		one := make([]float64, 30)
		loss := 0.0
		for k, p := range pairs {
			o := obj
			o.LabelSmoothing = eps[k]
			s, err := o.Eval(one, withPairs(b, nil, []preference.Pair{p}))
			if err != nil {
				t.Fatal(err)
			}
			loss += s.Loss / 4
			for i := range want {
				want[i] += one[i] / 4
			}
		}
		if math.Abs(st.Loss-loss) > 1e-15 {
			t.Errorf("%v: loss %v, want %v", v, st.Loss, loss)
		}
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-16 {
				t.Errorf("%v: grad[%d] = %v, want %v", v, i, got[i], want[i])
			}
		}
	}
	for _, bad := range []struct {
		obj  preference.DPO
		eps  []float64
		want string
	}{
		{preference.DPO{Variant: preference.IPO}, []float64{0, 0, 0, 0}, "ipo takes no per-pair"},
		{preference.DPO{}, []float64{0, 0}, "len(DPO.PairSmoothing) = 2, want len(Batch.Pairs) = 4"},
		{preference.DPO{}, []float64{0, 0, 1.5, 0}, "PairSmoothing[2] = 1.5"},
		{preference.DPO{}, []float64{0, math.NaN(), 0, 0}, "PairSmoothing[1] = NaN"},
	} {
		if _, err := bad.obj.EvalSmoothed(nil, withPairs(b, nil, pairs), bad.eps); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("EvalSmoothed(%v): error %v, want %q", bad.eps, err, bad.want)
		}
	}
}
