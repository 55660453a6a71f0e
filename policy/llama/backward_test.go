package llama

import (
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// tinyModel returns a random model small enough for finite differences,
// with weights large enough that every path carries gradient.
func tinyModel(t testing.TB, shared bool, seed uint64) *Model {
	t.Helper()
	return randomModel(t, Config{Dim: 8, Hidden: 12, Layers: 2, Heads: 2, KVHeads: 1, Vocab: 16, SeqLen: 16, Shared: shared}, seed)
}

// wideConfig has the head size of stories260K (8), so that attention runs
// through the same kernels, and sequences longer than several tiles.
var wideConfig = Config{Dim: 16, Hidden: 20, Layers: 1, Heads: 2, KVHeads: 1, Vocab: 24, SeqLen: 48, Shared: true}

func randomModel(t testing.TB, c Config, seed uint64) *Model {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	m, err := New(c, rng)
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range tensors {
		p := *tn.field(&m.Weights)
		for i := range p {
			if tn.matrix {
				p[i] = float32(0.4 * rng.NormFloat64())
			} else {
				p[i] = float32(1 + 0.3*rng.NormFloat64())
			}
		}
	}
	return m
}

// tinyBatch is three ragged sequences with random per-token loss weights.
func tinyBatch(rng *rand.Rand) ([]Sequence, int, []float64) {
	seqs := []Sequence{
		{Prompt: []int{1, 5, 7}, Completion: []int{3, 9, 2, 14}},
		{Prompt: []int{1}, Completion: []int{4, 4, 11, 0, 15}},
		{Prompt: []int{2, 6, 8, 10, 12}, Completion: []int{13}},
	}
	T := 5
	w := make([]float64, len(seqs)*T)
	for i, s := range seqs {
		for j := range s.Completion {
			w[i*T+j] = rng.NormFloat64()
		}
	}
	return seqs, T, w
}

// wideBatch is two sequences of 29 and 37 positions.
func wideBatch(rng *rand.Rand) ([]Sequence, int, []float64) {
	mk := func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = rng.IntN(24)
		}
		return s
	}
	seqs := []Sequence{{Prompt: mk(5), Completion: mk(25)}, {Prompt: mk(1), Completion: mk(37)}}
	T := 37
	w := make([]float64, len(seqs)*T)
	for i, s := range seqs {
		for j := range s.Completion {
			w[i*T+j] = rng.NormFloat64() / 4
		}
	}
	return seqs, T, w
}

// TestBackwardFiniteDifferences compares the gradient of every entry of
// every weight tensor with central differences of the same loss,
// L = Σ w·logp, evaluated in float64 by ref64 (an independent forward pass
// that the test first checks against LogProbs), for a shared and a
// separate classifier and for the head size of stories260K.
//
// Tolerances. The differences use h = 1e-5 on a float64 loss of magnitude
// ≈ 10: their truncation error (h²/6 times the third derivative) and
// rounding error (2⁻⁵³·|L|/h) are both below 1e-8, so they stand for the
// exact gradient. The backward pass runs in float32 (unit roundoff
// u = 2⁻²⁴ ≈ 6e-8); each entry is a sum of a few hundred rounded products
// along the paths through the layers, whose rounding error is bounded by
// about k·u ≈ 1e-5 of the size of its terms, that is of the tensor's
// largest gradient. So an entry passes when it is within
// 1e-5·max|∂L/∂θ| of its tensor (plus 1e-7) of the difference; the
// measured worst case is about 1.2e-6·max. An error of 0.1% in a term
// that carries a tensor's largest gradients exceeds it.
func TestBackwardFiniteDifferences(t *testing.T) {
	const h, rel, abs = 1e-5, 1e-5, 1e-7
	defer func(v int) { fusedVocab = v }(fusedVocab)
	for _, cfg := range []string{"shared", "separate", "wide", "fused shared", "fused separate"} {
		shared := cfg != "separate" && cfg != "fused separate"
		fusedVocab = 1 << 30
		if strings.HasPrefix(cfg, "fused") {
			fusedVocab = 1
		}
		var m *Model
		rng := rand.New(rand.NewPCG(3, 4))
		seqs, T, w := tinyBatch(rng)
		if cfg == "wide" {
			m = randomModel(t, wideConfig, 7)
			seqs, T, w = wideBatch(rng)
		} else {
			m = tinyModel(t, shared, 7)
		}
		lp := make([]float64, len(w))
		tape, err := m.Forward(lp, seqs, T)
		if err != nil {
			t.Fatal(err)
		}
		g := m.NewGrads()
		if err := tape.Backward(w, g); err != nil {
			t.Fatal(err)
		}

		ref := newRef64(m)
		for i, v := range ref.logProbs(seqs, T) {
			if math.Abs(v-lp[i]) > 1e-5 {
				t.Fatalf("%s: logp[%d] = %v, float64 reference %v", cfg, i, lp[i], v)
			}
		}
		loss := func() float64 {
			s := 0.0
			for i, v := range ref.logProbs(seqs, T) {
				s += w[i] * v
			}
			return s
		}

		for _, tn := range tensors {
			p := ref.w[tn.name]
			gp := *tn.field(&g.Weights)
			if len(p) == 0 {
				if !shared || tn.name != "WCls" {
					t.Fatalf("%s: empty tensor %s", cfg, tn.name)
				}
				continue
			}
			fd := make([]float64, len(p))
			scale := 0.0
			for i := range p {
				old := p[i]
				p[i] = old + h
				lp1 := loss()
				p[i] = old - h
				lm1 := loss()
				p[i] = old
				fd[i] = (lp1 - lm1) / (2 * h)
				scale = max(scale, math.Abs(fd[i]))
			}
			if scale < 0.1 {
				t.Errorf("%s %s: largest gradient %g; the check is nearly vacuous", cfg, tn.name, scale)
			}
			bad := 0
			for i, want := range fd {
				if got := float64(gp[i]); math.Abs(got-want) > rel*scale+abs {
					if bad++; bad <= 3 {
						t.Errorf("%s %s[%d]: backward %.9g, finite difference %.9g (tolerance %.2g)", cfg, tn.name, i, got, want, rel*scale+abs)
					}
				}
			}
			if bad > 3 {
				t.Errorf("%s %s: %d of %d entries out of tolerance", cfg, tn.name, bad, len(p))
			}
		}
	}
}

// TestBackwardDeterministic checks that log-probs and gradients are the
// same bit for bit whatever the number of goroutines, and when a Tape is
// reused for batches of other shapes.
func TestBackwardDeterministic(t *testing.T) {
	m := randomModel(t, wideConfig, 11)
	rng := rand.New(rand.NewPCG(5, 6))
	seqs, T, w := wideBatch(rng)
	tape := new(Tape)
	run := func() ([]float64, []float32) {
		lp := make([]float64, len(w))
		if err := tape.Forward(m, lp, seqs, T); err != nil {
			t.Fatal(err)
		}
		g := m.NewGrads()
		if err := tape.Backward(w, g); err != nil {
			t.Fatal(err)
		}
		return lp, g.Flat()
	}
	lp1, g1 := run()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 3, 2} {
		runtime.GOMAXPROCS(procs)
		// Another shape in between, on the same tape.
		other, oT, ow := tinyBatch(rng)
		for i := range other {
			other[i].Prompt = append(other[i].Prompt, 17, 20)
		}
		if err := tape.Forward(m, make([]float64, len(ow)), other, oT); err != nil {
			t.Fatal(err)
		}
		lp2, g2 := run()
		for i := range lp1 {
			if lp1[i] != lp2[i] {
				t.Fatalf("GOMAXPROCS=%d: logp[%d] = %v, was %v", procs, i, lp2[i], lp1[i])
			}
		}
		for i := range g1 {
			if g1[i] != g2[i] {
				t.Fatalf("GOMAXPROCS=%d: grad[%d] = %v, was %v", procs, i, g2[i], g1[i])
			}
		}
	}
}

// TestEmptyCompletions: sequences with nothing to score give zero rows and
// zero gradients.
func TestEmptyCompletions(t *testing.T) {
	m := tinyModel(t, true, 4)
	seqs := []Sequence{{Prompt: []int{1}}, {Prompt: []int{1, 2, 3}}}
	lp := []float64{7, 7, 7, 7}
	tape, err := m.Forward(lp, seqs, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range lp {
		if v != 0 {
			t.Errorf("logp[%d] = %v, want 0", i, v)
		}
	}
	g := m.NewGrads()
	if err := tape.Backward([]float64{1, 1, 1, 1}, g); err != nil {
		t.Fatal(err)
	}
	if n := g.Norm(); n != 0 {
		t.Errorf("gradient norm %v, want 0", n)
	}
}

// TestPaddingAndPrompt checks that padding gets 0 and that a sequence's
// log-probs do not depend on the other sequences of the batch.
func TestLogProbsBatchIndependent(t *testing.T) {
	m := tinyModel(t, false, 2)
	seqs, T, _ := tinyBatch(rand.New(rand.NewPCG(1, 1)))
	all := make([]float64, len(seqs)*T)
	if _, err := m.Forward(all, seqs, T); err != nil {
		t.Fatal(err)
	}
	mask := Mask(seqs, T)
	for i, s := range seqs {
		one := make([]float64, T)
		if _, err := m.Forward(one, []Sequence{s}, T); err != nil {
			t.Fatal(err)
		}
		for j := 0; j < T; j++ {
			got := all[i*T+j]
			if want := float64(min(1, max(0, len(s.Completion)-j))); mask[i*T+j] != want {
				t.Errorf("Mask[%d*T+%d] = %v, want %v", i, j, mask[i*T+j], want)
			}
			if j >= len(s.Completion) {
				if got != 0 {
					t.Errorf("padding logp[%d*T+%d] = %v, want 0", i, j, got)
				}
				continue
			}
			// Rows past the last multiple of 4 of a product are rounded
			// without fused multiply-adds (by the built-in kernels; OpenBLAS
			// picks kernels by size too): within float32 rounding.
			if math.Abs(got-one[j]) > 1e-5 || got >= 0 {
				t.Errorf("logp[%d*T+%d] = %v in a batch, %v alone", i, j, got, one[j])
			}
		}
	}
}

func TestLogProbsErrors(t *testing.T) {
	m := tinyModel(t, true, 1)
	ok := []Sequence{{Prompt: []int{1}, Completion: []int{2, 3}}}
	for _, tc := range []struct {
		name string
		dst  []float64
		seqs []Sequence
		T    int
	}{
		{"no sequence", nil, nil, 2},
		{"T zero", nil, ok, 0},
		{"dst length", make([]float64, 3), ok, 2},
		{"empty prompt", make([]float64, 2), []Sequence{{Completion: []int{1}}}, 2},
		{"completion longer than T", make([]float64, 1), ok, 1},
		{"token out of range", make([]float64, 2), []Sequence{{Prompt: []int{1}, Completion: []int{16, 1}}}, 2},
		{"negative token", make([]float64, 2), []Sequence{{Prompt: []int{-1}, Completion: []int{1}}}, 2},
		{"longer than SeqLen", make([]float64, 20), []Sequence{{Prompt: []int{1, 1}, Completion: make([]int, 16)}}, 20},
	} {
		if _, err := m.Forward(tc.dst, tc.seqs, tc.T); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	lp := make([]float64, 2)
	tape, err := m.Forward(lp, ok, 2)
	if err != nil {
		t.Fatal(err)
	}
	g := m.NewGrads()
	other := tinyModel(t, false, 1).NewGrads()
	if err := tape.Backward([]float64{1}, g); err == nil {
		t.Error("Backward with a short grad: no error")
	}
	if err := tape.Backward([]float64{1, math.NaN()}, g); err == nil {
		t.Error("Backward with a NaN grad: no error")
	}
	if err := tape.Backward([]float64{1, 1}, other); err == nil {
		t.Error("Backward into another model's Grads: no error")
	}
	if err := tape.Backward([]float64{1, 1}, g); err != nil {
		t.Fatal(err)
	}
	if err := tape.Backward([]float64{1, 1}, g); err == nil {
		t.Error("second Backward on one tape: no error")
	}
	if err := new(Tape).Backward(nil, g); err == nil {
		t.Error("Backward on an empty tape: no error")
	}
}

// TestMaskLongCompletion: Mask does not validate, and marks the first T
// tokens of a completion longer than T, which LogProbs rejects.
func TestMaskLongCompletion(t *testing.T) {
	seqs := []Sequence{{Prompt: []int{1}, Completion: []int{2, 3, 4}}, {Prompt: []int{1}, Completion: []int{5}}}
	got := Mask(seqs, 2)
	want := []float64{1, 1, 1, 0}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Mask = %v, want %v", got, want)
		}
	}
	if _, err := tinyModel(t, true, 1).Forward(make([]float64, 4), seqs, 2); err == nil {
		t.Error("LogProbs with a completion longer than T: no error")
	}
	if m := Mask(seqs, 0); m != nil {
		t.Errorf("Mask(seqs, 0) = %v, want nil", m)
	}
}
