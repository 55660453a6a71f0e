//go:build cuda && cgo

package cuda

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/llama"
	"github.com/evolve-go/evolve/preference"
)

// device opens the first GPU, or skips the test saying why.
func device(t testing.TB) *Device {
	t.Helper()
	d, err := Open(0)
	if errors.Is(err, ErrNoDevice) {
		t.Skipf("skipping: the cuda tag's tests need a GPU: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	})
	return d
}

func randF32(rng *rand.Rand, n int, scale float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(scale * rng.NormFloat64())
	}
	return s
}

// headRows draws n rows of width dim for a vocabulary of V.
func headRows(rng *rand.Rand, n, dim, V int) *llama.HeadRows {
	r := &llama.HeadRows{Hidden: randF32(rng, n*dim, 1), Targets: make([]int32, n),
		LogProbs: make([]float64, n), LSE: make([]float64, n), Entropy: make([]float64, n)}
	for i := range r.Targets {
		r.Targets[i] = int32(rng.IntN(V))
	}
	return r
}

// near reports whether a and b agree to tol, relative to scale.
func near(a, b, tol, scale float64) bool { return math.Abs(a-b) <= tol*(1+scale) }

// maxAbs returns the largest |x|.
func maxAbs[T float32 | float64](s []T) float64 {
	m := 0.0
	for _, v := range s {
		m = max(m, math.Abs(float64(v)))
	}
	return m
}

// closeGrads fails the test unless the GPU's gradient agrees with the
// CPU's to 1e-4 of its largest entry.
func closeGrads(t *testing.T, name string, cpu, gpu []float32) {
	t.Helper()
	s := maxAbs(cpu)
	for i := range cpu {
		if math.Abs(float64(cpu[i]-gpu[i])) > 1e-4*s {
			t.Fatalf("%s[%d]: GPU %v, CPU %v (largest %v)", name, i, gpu[i], cpu[i], s)
		}
	}
}

// TestHeadMatchesCPU runs llama.Head and Head on the same rows, with one
// tile and with several, entropy and its gradient included: log-probs,
// log-sum-exps and entropies agree to 1e-4, gradients to 1e-4 of their
// largest entry (float32 products summed in other orders).
func TestHeadMatchesCPU(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(1, 2))
	defer func(v int) { tileBytes = v }(tileBytes)
	for _, tb := range []int{tileBytes, 4 * 37 * 700} {
		tileBytes = tb
		n, dim, V := 37, 24, 3000
		w := randF32(rng, V*dim, 0.5)
		cpu, gpu := &llama.Head{Weight: w, Dim: dim}, &Head{Device: d, Weight: w, Dim: dim}
		rc := headRows(rng, n, dim, V)
		rg := &llama.HeadRows{Hidden: rc.Hidden, Targets: rc.Targets, LogProbs: make([]float64, n), LSE: make([]float64, n), Entropy: make([]float64, n)}
		if err := cpu.Forward(rc); err != nil {
			t.Fatal(err)
		}
		if err := gpu.Forward(rg); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if !near(rc.LogProbs[i], rg.LogProbs[i], 1e-4, 0) || !near(rc.LSE[i], rg.LSE[i], 1e-4, 0) || !near(rc.Entropy[i], rg.Entropy[i], 1e-4, 0) {
				t.Fatalf("tile %d, row %d: GPU logp %v lse %v H %v, CPU %v %v %v", tb, i, rg.LogProbs[i], rg.LSE[i], rg.Entropy[i], rc.LogProbs[i], rc.LSE[i], rc.Entropy[i])
			}
		}
		g, gH := make([]float64, n), make([]float64, n)
		for i := range g {
			g[i], gH[i] = rng.NormFloat64(), rng.NormFloat64()
		}
		dhC, dwC := make([]float32, n*dim), make([]float32, V*dim)
		dhG, dwG := make([]float32, n*dim), make([]float32, V*dim)
		if err := cpu.Backward(dhC, dwC, g, gH, rc); err != nil {
			t.Fatal(err)
		}
		if err := gpu.Backward(dhG, dwG, g, gH, rg); err != nil {
			t.Fatal(err)
		}
		closeGrads(t, fmt.Sprintf("tile %d: ∂hidden", tb), dhC, dhG)
		closeGrads(t, fmt.Sprintf("tile %d: ∂weight", tb), dwC, dwG)
		if err := gpu.Free(); err != nil {
			t.Fatal(err)
		}
	}
}

// lossBatch draws a B×T batch with ragged masks, old and reference
// log-probs, one advantage per sequence, 0/1 rewards in groups of four and
// best-vs-worst pairs.
func lossBatch(rng *rand.Rand, B, T int) *policy.Batch {
	b := &policy.Batch{B: B, T: T, LogProbs: make([]float64, B*T), OldLogProbs: make([]float64, B*T),
		RefLogProbs: make([]float64, B*T), Mask: make([]float64, B*T), Advantages: make([]float64, B),
		Rewards: make([]float64, B), Groups: make([]int, B)}
	for i := range B {
		n := 1 + rng.IntN(T)
		for t := range n {
			j := i*T + t
			b.LogProbs[j] = math.Log(0.02 + 0.96*rng.Float64())
			b.OldLogProbs[j] = b.LogProbs[j] + 0.1*rng.NormFloat64()
			b.RefLogProbs[j] = b.LogProbs[j] + 0.2*rng.NormFloat64()
			b.Mask[j] = 1
		}
		b.Advantages[i] = rng.NormFloat64()
		b.Rewards[i] = float64(rng.IntN(2))
		b.Groups[i] = i / 4
	}
	for i := 0; i+1 < B; i += 2 {
		b.Pairs = append(b.Pairs, policy.Pair{Chosen: i, Rejected: i + 1})
	}
	return b
}

// TestLossesMatchCPU evaluates each loss on the CPU and on the device on
// the same batch: losses, statistics and gradients agree to 1e-10
// (float64, other summation orders).
func TestLossesMatchCPU(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(3, 4))
	b := lossBatch(rng, 32, 300)
	cases := []struct {
		name     string
		cpu, gpu policy.Loss
	}{
		{"GRPO", policy.GRPO(), GRPO{Device: d, PG: policy.GRPO()}},
		{"DAPO", policy.DAPO(), GRPO{Device: d, PG: policy.DAPO()}},
		{"dual clip", policy.PG{Surrogate: policy.PPOClip{DualClip: 3}}, GRPO{Device: d, PG: policy.PG{Surrogate: policy.PPOClip{DualClip: 3}}}},
		{"NFT", policy.NFT{}, NFT{Device: d}},
		{"NFT sqrt", policy.NFT{Omega: policy.OmegaSqrt, NegWeight: 0.5}, NFT{Device: d, NFT: policy.NFT{Omega: policy.OmegaSqrt, NegWeight: 0.5}}},
		{"DPO", preference.DPO{Beta: 0.1}, DPO{Device: d, DPO: preference.DPO{Beta: 0.1}}},
		{"cDPO", preference.DPO{Beta: 0.2, LabelSmoothing: 0.1}, DPO{Device: d, DPO: preference.DPO{Beta: 0.2, LabelSmoothing: 0.1}}},
	}
	for _, c := range cases {
		gc, gg := make([]float64, b.B*b.T), make([]float64, b.B*b.T)
		sc, err := c.cpu.Eval(gc, b)
		if err != nil {
			t.Fatalf("%s CPU: %v", c.name, err)
		}
		sg, err := c.gpu.Eval(gg, b)
		if err != nil {
			t.Fatalf("%s GPU: %v", c.name, err)
		}
		for _, f := range [][3]float64{{sc.Loss, sg.Loss}, {sc.Tokens, sg.Tokens}, {sc.MeanRatio, sg.MeanRatio}, {sc.ApproxKL, sg.ApproxKL},
			{sc.KLTerm, sg.KLTerm}, {sc.ClipFrac, sg.ClipFrac}, {sc.ClipFracLow, sg.ClipFracLow}, {sc.Margin, sg.Margin}, {sc.RewardAccuracy, sg.RewardAccuracy}} {
			if !near(f[0], f[1], 1e-10, math.Abs(f[0])) {
				t.Errorf("%s: statistics CPU %+v, GPU %+v", c.name, sc, sg)
				break
			}
		}
		s := maxAbs(gc)
		for i := range gc {
			if !near(gc[i], gg[i], 1e-10, s) {
				t.Fatalf("%s: grad[%d] GPU %v, CPU %v", c.name, i, gg[i], gc[i])
			}
		}
	}
}

// TestStepMatchesCPU chains the CPU head, GRPO and the head's backward pass
// and compares them with Head.Step.
func TestStepMatchesCPU(t *testing.T) {
	d := device(t)
	rng := rand.New(rand.NewPCG(5, 6))
	B, T, dim, V := 8, 40, 32, 5000
	w := randF32(rng, V*dim, 0.5)
	b := lossBatch(rng, B, T)
	r := headRows(rng, B*T, dim, V)
	r.Entropy = nil
	cpu := &llama.Head{Weight: w, Dim: dim}
	if err := cpu.Forward(r); err != nil {
		t.Fatal(err)
	}
	copy(b.LogProbs, r.LogProbs)
	grad := make([]float64, B*T)
	want, err := policy.GRPO().Eval(grad, b)
	if err != nil {
		t.Fatal(err)
	}
	dhC, dwC := make([]float32, B*T*dim), make([]float32, V*dim)
	if err := cpu.Backward(dhC, dwC, grad, nil, r); err != nil {
		t.Fatal(err)
	}
	gpu := &Head{Device: d, Weight: w, Dim: dim}
	rg := &llama.HeadRows{Hidden: r.Hidden, Targets: r.Targets, LogProbs: make([]float64, B*T), LSE: make([]float64, B*T)}
	dhG, dwG := make([]float32, B*T*dim), make([]float32, V*dim)
	got, err := gpu.Step(GRPO{Device: d, PG: policy.GRPO()}, b, rg, dhG, dwG)
	if err != nil {
		t.Fatal(err)
	}
	if !near(got.Loss, want.Loss, 1e-5, math.Abs(want.Loss)) {
		t.Errorf("loss GPU %v, CPU %v", got.Loss, want.Loss)
	}
	closeGrads(t, "∂hidden", dhC, dhG)
	closeGrads(t, "∂weight", dwC, dwG)
}

// TestErrors checks the argument errors that need no kernel.
func TestErrors(t *testing.T) {
	d := device(t)
	b := lossBatch(rand.New(rand.NewPCG(1, 1)), 4, 5)
	if _, err := (GRPO{Device: d, PG: policy.PG{Surrogate: policy.CISPO{}}}).Eval(nil, b); err == nil {
		t.Error("GRPO with CISPO: no error")
	}
	if _, err := (DPO{Device: d, DPO: preference.DPO{Variant: preference.IPO}}).Eval(nil, b); err == nil {
		t.Error("DPO IPO: no error")
	}
	if err := (&Head{Device: d, Weight: make([]float32, 10), Dim: 3}).Forward(&llama.HeadRows{}); err == nil {
		t.Error("Head with len(Weight) not a multiple of Dim: no error")
	}
}

// TestNFTRowsRejectsAsCPU checks, without a device, that the checks NFT
// runs before its kernel (nftRows) reject each bad configuration or batch
// that policy.NFT rejects, and accept a good one.
func TestNFTRowsRejectsAsCPU(t *testing.T) {
	good := func() *policy.Batch { return lossBatch(rand.New(rand.NewPCG(1, 1)), 4, 5) }
	c, r := []float64{1, 0, 1, 0}, []float64{0.5, 0.5, 0.2, 1}
	fromAdv := func(v float64) func(b *policy.Batch) {
		return func(b *policy.Batch) { b.Rewards, b.Advantages[2] = nil, v }
	}
	cases := []struct {
		name string
		n    policy.NFT
		edit func(b *policy.Batch)
	}{
		{"rate > 1", policy.NFT{Correct: c, Rate: []float64{0.5, 1.5, 0, 1}}, nil},
		{"negative rate", policy.NFT{Correct: c, Rate: []float64{0.5, -0.1, 0, 1}}, nil},
		{"NaN rate", policy.NFT{Correct: c, Rate: []float64{0.5, math.NaN(), 0, 1}}, nil},
		{"rate length", policy.NFT{Correct: c, Rate: r[:3]}, nil},
		{"NaN advantage", policy.NFT{Rate: r}, fromAdv(math.NaN())},
		{"Inf advantage", policy.NFT{Rate: r}, fromAdv(math.Inf(1))},
		{"correct 2", policy.NFT{Correct: []float64{1, 2, 0, 1}, Rate: r}, nil},
		{"reward 0.5", policy.NFT{Rate: r}, func(b *policy.Batch) { b.Rewards[1] = 0.5 }},
		{"no groups", policy.NFT{Correct: c}, func(b *policy.Batch) { b.Groups = nil }},
		{"negative eps", policy.NFT{Eps: -1, Correct: c, Rate: r}, nil},
		{"Inf neg weight", policy.NFT{NegWeight: math.Inf(1), Correct: c, Rate: r}, nil},
		{"rate bounds", policy.NFT{RateMin: 0.5, RateMax: 0.4, Correct: c, Rate: r}, nil},
		{"bad omega", policy.NFT{Omega: 5, Correct: c, Rate: r}, nil},
		{"bad aggregation", policy.NFT{Correct: c, Rate: r, Agg: policy.TokenMean{GlobalTokens: -1}}, nil},
		{"NaN lp", policy.NFT{Correct: c, Rate: r}, func(b *policy.Batch) { b.LogProbs[6] = math.NaN() }},
	}
	for _, tc := range cases {
		b := good()
		if tc.edit != nil {
			tc.edit(b)
		}
		if _, err := tc.n.Eval(nil, b); err == nil {
			t.Errorf("%s: policy.NFT accepts it", tc.name)
		}
		if _, _, _, err := nftRows(tc.n, b); err == nil {
			t.Errorf("%s: nftRows accepts it", tc.name)
		}
	}
	for _, n := range []policy.NFT{{}, {Correct: c, Rate: r, Omega: policy.OmegaSqrt}} {
		if _, err := n.Eval(nil, good()); err != nil {
			t.Errorf("%+v: policy.NFT: %v", n, err)
		}
		if _, _, _, err := nftRows(n, good()); err != nil {
			t.Errorf("%+v: nftRows: %v", n, err)
		}
	}
}

// BenchmarkStep is Head.Step with GRPO at the shape of bench/torch_gpu.py:
// B sequences of T tokens, hidden width dim, vocabulary V; it reports
// tokens/s.
func BenchmarkStep(b *testing.B) {
	d := device(b)
	for _, sh := range [][4]int{{8, 1024, 288, 32000}, {8, 1024, 768, 32000}, {4, 1024, 4096, 128256}} {
		B, T, dim, V := sh[0], sh[1], sh[2], sh[3]
		rng := rand.New(rand.NewPCG(1, 1))
		w := randF32(rng, V*dim, 0.02)
		batch := lossBatch(rng, B, T)
		r := headRows(rng, B*T, dim, V)
		r.Entropy = nil
		h := &Head{Device: d, Weight: w, Dim: dim}
		dh, dw := make([]float32, B*T*dim), make([]float32, V*dim)
		loss := GRPO{Device: d, PG: policy.GRPO()}
		b.Run(fmtShape(sh), func(b *testing.B) {
			for b.Loop() {
				if _, err := h.Step(loss, batch, r, dh, dw); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(B*T*b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
		if err := h.Free(); err != nil {
			b.Fatal(err)
		}
	}
}

func fmtShape(s [4]int) string { return fmt.Sprintf("B%d_T%d_H%d_V%d", s[0], s[1], s[2], s[3]) }
