package policy

import (
	"math"
	"testing"
)

func TestFastExp(t *testing.T) {
	worst := 0.0
	for i := -2_000_000; i <= 2_000_000; i++ {
		x := float64(i) * 3.5e-4
		got, want := fastExp(x), math.Exp(x)
		if d := math.Abs(got-want) / want; d > worst {
			worst = d
		}
	}
	if worst > 1e-15 {
		t.Errorf("fastExp: worst relative error %g, want ≤ 1e-15", worst)
	}
	for _, x := range []float64{0, 1e-300, -1e-300, 699.9, -699.9, 700, -700, 710, -746, math.Inf(1), math.Inf(-1)} {
		if got, want := fastExp(x), math.Exp(x); got != want && math.Abs(got-want) > 1e-15*want {
			t.Errorf("fastExp(%v) = %v, want %v", x, got, want)
		}
	}
	if !math.IsNaN(fastExp(math.NaN())) {
		t.Error("fastExp(NaN) is not NaN")
	}
}

var sinkExp float64

func BenchmarkFastExp(b *testing.B) {
	xs := make([]float64, 4096)
	for i := range xs {
		xs[i] = float64(i%200)/100 - 1
	}
	s := 0.0
	for b.Loop() {
		for _, x := range xs {
			s += fastExp(x)
		}
	}
	sinkExp = s
}

func TestFastLog(t *testing.T) {
	worst := 0.0
	for i := 1; i <= 4_000_000; i++ {
		x := float64(i) * 1.7e-6
		got, want := fastLog(x), math.Log(x)
		if d := math.Abs(got - want); d > worst*max(1, math.Abs(want)) {
			worst = d / max(1, math.Abs(want))
		}
	}
	if worst > 1e-15 {
		t.Errorf("fastLog: worst error %g, want ≤ 1e-15 (absolute below 1, relative above)", worst)
	}
	for _, x := range []float64{1, 2, 0.5, 1e-300, 1e300, math.MaxFloat64, 5e-324} {
		if got, want := fastLog(x), math.Log(x); math.Abs(got-want) > 1e-15*max(1, math.Abs(want)) {
			t.Errorf("fastLog(%v) = %v, want %v", x, got, want)
		}
	}
	for _, x := range []float64{0, -1, math.Inf(1), math.NaN()} {
		got, want := fastLog(x), math.Log(x)
		if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("fastLog(%v) = %v, want %v", x, got, want)
		}
	}
}

func BenchmarkFastLog(b *testing.B) {
	xs := make([]float64, 4096)
	for i := range xs {
		xs[i] = float64(i%200)/100 + 0.5
	}
	s := 0.0
	for b.Loop() {
		for _, x := range xs {
			s += fastLog(x)
		}
	}
	sinkExp = s
}
