package preference_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/preference"
)

var ktoLabels = []preference.Label{preference.Desirable, preference.Undesirable, preference.Mismatched,
	preference.Desirable, preference.Unused, preference.Undesirable, preference.Mismatched}

func TestKTOFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	b := randBatch(rng, 7, 8)
	// z₀ carries no gradient, so differentiate with it held fixed.
	obj := preference.KTO{Beta: 0.5, DesirableWeight: 1.5, FixedRefPoint: true, RefPoint: 0.3}
	grad := make([]float64, b.B*b.T)
	if _, err := ktoEval(obj, grad, b, ktoLabels); err != nil {
		t.Fatal(err)
	}
	fdCheck(t, b, grad, func() float64 {
		st, err := ktoEval(obj, nil, b, ktoLabels)
		if err != nil {
			t.Fatal(err)
		}
		return st.Loss
	})
	for _, i := range []int{2, 4, 6} { // Mismatched and Unused rows
		for k := i * b.T; k < (i+1)*b.T; k++ {
			if grad[k] != 0 {
				t.Fatalf("row %d (%v): grad = %v, want 0", i, ktoLabels[i], grad[k])
			}
		}
	}
}

// rowsWithU builds a T = 2 batch whose rows have implicit rewards u.
func rowsWithU(u ...float64) *policy.Batch {
	b := &policy.Batch{B: len(u), T: 2, LogProbs: make([]float64, 2*len(u)), RefLogProbs: make([]float64, 2*len(u))}
	for i, x := range u {
		b.LogProbs[2*i], b.LogProbs[2*i+1] = -1, -1+x
		b.RefLogProbs[2*i], b.RefLogProbs[2*i+1] = -1, -1
	}
	return b
}

func TestKTORefPoint(t *testing.T) {
	D, U, M, X := preference.Desirable, preference.Undesirable, preference.Mismatched, preference.Unused
	cases := []struct {
		name   string
		obj    preference.KTO
		u      []float64
		labels []preference.Label
		want   float64
	}{
		{"mismatched mean", preference.KTO{}, []float64{5, -3, 0.2, 0.6, 9}, []preference.Label{D, U, M, M, X}, 0.4},
		{"mismatched mean clamped", preference.KTO{}, []float64{5, -3, -0.2, -0.6}, []preference.Label{D, U, M, M}, 0},
		{"batch mean", preference.KTO{}, []float64{2, -1, 0.5, 9}, []preference.Label{D, U, D, X}, 0.5},
		{"batch mean clamped", preference.KTO{}, []float64{-2, -1}, []preference.Label{D, U}, 0},
		{"fixed", preference.KTO{FixedRefPoint: true, RefPoint: -0.25}, []float64{2, -1, 3}, []preference.Label{D, U, M}, -0.25},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, err := ktoEval(tc.obj, nil, rowsWithU(tc.u...), tc.labels)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(st.RefPoint-tc.want) > 1e-15 {
				t.Errorf("z₀ = %v, want %v", st.RefPoint, tc.want)
			}
		})
	}
}

// One desirable row (u = 1) and one undesirable (u = −2), z₀ = 0.5 fixed,
// β = 0.5, λ_U = 2: loss = ((1 − σ(0.25)) + 2(1 − σ(1.25)))/2.
func TestKTOByHand(t *testing.T) {
	b := rowsWithU(1, -2)
	obj := preference.KTO{Beta: 0.5, UndesirableWeight: 2, FixedRefPoint: true, RefPoint: 0.5}
	grad := make([]float64, 4)
	st, err := ktoEval(obj, grad, b, []preference.Label{preference.Desirable, preference.Undesirable})
	if err != nil {
		t.Fatal(err)
	}
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	want := ((1 - sig(0.25)) + 2*(1-sig(1.25))) / 2
	if math.Abs(st.Loss-want) > 1e-15 {
		t.Errorf("loss = %v, want %v", st.Loss, want)
	}
	gD := -0.5 * sig(0.25) * (1 - sig(0.25)) / 2
	gU := 2 * 0.5 * sig(1.25) * (1 - sig(1.25)) / 2
	for k, w := range []float64{gD, gD, gU, gU} {
		if math.Abs(grad[k]-w) > 1e-16 {
			t.Errorf("grad[%d] = %v, want %v", k, grad[k], w)
		}
	}
	if math.Abs(st.ChosenReward-0.5) > 1e-15 || math.Abs(st.RejectedReward+1) > 1e-15 || st.Pairs != 2 {
		t.Errorf("stats = %+v", st)
	}
}

// The estimated z₀ is treated as a constant: the gradient equals the one
// with z₀ fixed to the estimate.
func TestKTORefPointHasNoGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	b := randBatch(rng, 7, 8)
	for k := range b.RefLogProbs { // make every u positive on average
		b.RefLogProbs[k] -= 0.2
	}
	for _, labels := range [][]preference.Label{ktoLabels,
		{preference.Desirable, preference.Undesirable, preference.Desirable, preference.Desirable, preference.Undesirable, preference.Unused, preference.Desirable}} {
		g1 := make([]float64, b.B*b.T)
		st, err := ktoEval(preference.KTO{Beta: 2}, g1, b, labels)
		if err != nil {
			t.Fatal(err)
		}
		if st.RefPoint <= 0 {
			t.Fatalf("z₀ = %v; pick data with a positive estimate", st.RefPoint)
		}
		g2 := make([]float64, b.B*b.T)
		if _, err := ktoEval((preference.KTO{Beta: 2, FixedRefPoint: true, RefPoint: st.RefPoint}), g2, b, labels); err != nil {
			t.Fatal(err)
		}
		for k := range g1 {
			if g1[k] != g2[k] {
				t.Fatalf("grad[%d]: estimated z₀ %v, fixed z₀ %v", k, g1[k], g2[k])
			}
		}
	}
}

func TestKTOErrors(t *testing.T) {
	D, U := preference.Desirable, preference.Undesirable
	cases := []struct {
		name   string
		obj    preference.KTO
		labels []preference.Label
		want   string
		target error
	}{
		{name: "labels length", labels: []preference.Label{D}, want: "len(KTO.Labels) = 1, want B = 2"},
		{name: "unknown label", labels: []preference.Label{D, 9}, want: "KTO.Labels[1] = 9"},
		{name: "no samples", labels: []preference.Label{preference.Mismatched, preference.Unused}, target: preference.ErrNoSamples},
		{name: "beta", obj: preference.KTO{Beta: -2}, labels: []preference.Label{D, U}, want: "KTO.Beta = -2"},
		{name: "weight", obj: preference.KTO{UndesirableWeight: -1}, labels: []preference.Label{D, U}, want: "KTO.UndesirableWeight = -1"},
		{name: "ref point", obj: preference.KTO{FixedRefPoint: true, RefPoint: math.NaN()}, labels: []preference.Label{D, U}, want: "KTO.RefPoint = NaN"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ktoEval(tc.obj, nil, rowsWithU(1, 2), tc.labels)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.target != nil && !errors.Is(err, tc.target) {
				t.Errorf("error %q, want %v", err, tc.target)
			}
			if tc.want != "" && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
	b := rowsWithU(1, 2)
	b.LogProbs[3] = math.NaN()
	if _, err := ktoEval((preference.KTO{}), nil, b, []preference.Label{D, U}); err == nil || !strings.Contains(err.Error(), "Batch.LogProbs[1*T+1] is NaN") {
		t.Errorf("NaN log-prob: error %v", err)
	}
}
