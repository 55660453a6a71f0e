package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestExpDiff(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, asm := range bodies() {
		setAsm(asm)
		for _, n := range lengths() {
			for off := range 4 {
				for _, scale := range []float64{0.1, 3, 40, 1e3} {
					mk := func() []float64 { return padded(n, off) }
					a, b, dst := mk(), mk(), mk()
					for k := range a {
						a[k] = scale * rng.NormFloat64()
						b[k] = scale * rng.NormFloat64()
						switch rng.IntN(40) {
						case 0:
							a[k] = math.Inf(1)
						case 1:
							b[k] = math.Inf(1)
						case 2:
							a[k] = math.NaN()
						case 3:
							a[k], b[k] = 0, math.Copysign(0, -1)
						}
					}
					for _, lim := range []float64{20, 700, 0} {
						ExpDiff(dst, a, b, lim)
						for k, got := range dst {
							x := a[k] - b[k]
							if math.IsNaN(x) {
								continue
							}
							want := ExpSmall(max(-lim, min(lim, x)))
							if !same(got, want) {
								t.Fatalf("asm=%v n=%d off=%d lim=%v: dst[%d] = %v, want %v (x = %v)", asm, n, off, lim, k, got, want, x)
							}
						}
						if tail := dst[:len(dst)+1]; tail[len(dst)] != 0 {
							t.Fatal("ExpDiff wrote past len(dst)")
						}
					}
				}
			}
		}
	}
	setAsm(bodies()[len(bodies())-1])
}

func TestExpSmallAccuracy(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 100000 {
		x := (rng.Float64()*2 - 1) * 700
		if e, w := ExpSmall(x), math.Exp(x); math.Abs(e-w) > 1e-15*w {
			t.Fatalf("ExpSmall(%v) = %v, want %v", x, e, w)
		}
	}
}

func BenchmarkExpDiff(b *testing.B) {
	for _, asm := range bodies() {
		b.Run(fmt.Sprintf("asm=%v", asm), func(b *testing.B) {
			setAsm(asm)
			defer setAsm(bodies()[len(bodies())-1])
			n := 1024
			a, c, dst := make([]float64, n), make([]float64, n), make([]float64, n)
			for k := range a {
				a[k], c[k] = float64(k)*1e-3, -float64(k)*2e-3
			}
			for b.Loop() {
				ExpDiff(dst, a, c, 20)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "elems/s")
		})
	}
}

func TestExp(t *testing.T) {
	worst := 0.0
	for i := -2_000_000; i <= 2_000_000; i++ {
		x := float64(i) * 3.5e-4
		got, want := Exp(x), math.Exp(x)
		if d := math.Abs(got-want) / want; d > worst {
			worst = d
		}
	}
	if worst > 1e-15 {
		t.Errorf("Exp: worst relative error %g, want ≤ 1e-15", worst)
	}
	for _, x := range []float64{0, 1e-300, -1e-300, 699.9, -699.9, 700, -700, 710, -746, math.Inf(1), math.Inf(-1)} {
		if got, want := Exp(x), math.Exp(x); got != want && math.Abs(got-want) > 1e-15*want {
			t.Errorf("Exp(%v) = %v, want %v", x, got, want)
		}
	}
	if !math.IsNaN(Exp(math.NaN())) {
		t.Error("Exp(NaN) is not NaN")
	}
}
