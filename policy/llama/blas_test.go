package llama

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// TestKernelsSgemm compares Kernels.Sgemm with gonum's Sgemm for every
// combination of transposes, α and β (the kernels' fast path and the
// cases it hands to gonum), on shapes that cross every edge of the tiling,
// with leading dimensions wider than the matrices.
func TestKernelsSgemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	shapes := [][3]int{{1, 1, 1}, {4, 16, 3}, {5, 17, 7}, {9, 40, 257}, {64, 172, 300}, {3, 5, 2}, {33, 70, 520}}
	for _, sh := range shapes {
		m, n, k := sh[0], sh[1], sh[2]
		for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				for _, ab := range [][2]float32{{1, 0}, {1, 1}, {0.5, 0}, {1, -2}, {2, 0.5}} {
					name := fmt.Sprintf("%v tA=%c tB=%c α=%v β=%v", sh, tA, tB, ab[0], ab[1])
					compareSgemm(t, name, rng, tA, tB, m, n, k, ab[0], ab[1])
				}
			}
		}
	}
}

// compareSgemm runs one Sgemm on Kernels and on gonum with the same random
// operands (leading dimensions 3 wider than needed) and compares C, with
// NaN in C where β = 0 says it must be ignored.
func compareSgemm(t *testing.T, name string, rng *rand.Rand, tA, tB blas.Transpose, m, n, k int, alpha, beta float32) {
	t.Helper()
	ar, ac := m, k
	if tA != blas.NoTrans {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB != blas.NoTrans {
		br, bc = n, k
	}
	lda, ldb, ldc := ac+3, bc+3, n+3
	a, b := randF32(rng, (ar-1)*lda+ac), randF32(rng, (br-1)*ldb+bc)
	c := randF32(rng, (m-1)*ldc+n)
	if beta == 0 {
		for i := range c {
			c[i] = float32(math.NaN())
		}
	}
	want := append([]float32(nil), c...)
	Kernels{}.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	gonum.Implementation{}.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, want, ldc)
	tol := 1e-4 * (1 + math.Sqrt(float64(k)))
	for i := range m {
		for j := range n {
			if g, w := c[i*ldc+j], want[i*ldc+j]; !(math.Abs(float64(g-w)) <= tol) {
				t.Fatalf("%s: C[%d][%d] = %v, gonum %v", name, i, j, g, w)
			}
		}
	}
}

func randF32(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

// TestKernelsSgemmPanics checks that bad arguments panic as gonum's do
// (Kernels hands them to gonum's Sgemm).
func TestKernelsSgemmPanics(t *testing.T) {
	a := make([]float32, 6)
	for _, f := range []func(){
		func() { Kernels{}.Sgemm(blas.NoTrans, blas.NoTrans, 2, 3, 3, 1, a, 2, a, 3, 0, a, 3) },     // lda < k
		func() { Kernels{}.Sgemm(blas.NoTrans, blas.NoTrans, 2, 3, 3, 1, a[:5], 3, a, 3, 0, a, 3) }, // short A
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}

// sgemmRecorder is a blas.Float32 that records the Sgemm calls it forwards
// to Kernels.
type sgemmRecorder struct {
	Kernels
	mu    *sync.Mutex
	calls *[]string
	slow  *int
}

func (r sgemmRecorder) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	r.mu.Lock()
	*r.calls = append(*r.calls, fmt.Sprintf("%c %dx%dx%d", tA, m, n, k))
	if !onKernels(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
		*r.slow++
	}
	r.mu.Unlock()
	r.Kernels.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// TestProductsGoThroughBLAS checks that a forward and backward pass make
// their weight products through BLAS(), every one of them on the kernels'
// fast path, and that the results are those of Kernels bit for bit.
func TestProductsGoThroughBLAS(t *testing.T) {
	defer UseBLAS(nil)
	for _, vocab := range []int{40, fusedVocab + 8} {
		m, seqs, T := smallModel(t, vocab)
		UseBLAS(Kernels{})
		logp0, g0 := forwardBackward(t, m, seqs, T)
		var calls []string
		slow := 0
		UseBLAS(sgemmRecorder{mu: new(sync.Mutex), calls: &calls, slow: &slow})
		logp1, g1 := forwardBackward(t, m, seqs, T)
		// 4 forward and 13 backward products per layer, the classifier's.
		if want := m.Config.Layers*17 + 3; len(calls) < want {
			t.Errorf("vocab %d: %d products through BLAS, want at least %d: %v", vocab, len(calls), want, calls)
		}
		if slow != 0 {
			t.Errorf("vocab %d: %d products off the kernels' fast path", vocab, slow)
		}
		for i := range logp0 {
			if logp0[i] != logp1[i] {
				t.Fatalf("vocab %d: logp[%d] = %v through the recorder, %v on Kernels", vocab, i, logp1[i], logp0[i])
			}
		}
		for i, v := range g0.flat {
			if g1.flat[i] != v {
				t.Fatalf("vocab %d: grad[%d] = %v through the recorder, %v on Kernels", vocab, i, g1.flat[i], v)
			}
		}
	}
}

// smallModel is a random model with the given vocabulary and a batch of
// two sequences.
func smallModel(t *testing.T, vocab int) (*Model, []Sequence, int) {
	m := randomModel(t, Config{Dim: 16, Hidden: 24, Layers: 2, Heads: 2, KVHeads: 1, Vocab: vocab, SeqLen: 32, Shared: true}, 5)
	rng := rand.New(rand.NewPCG(2, 3))
	mk := func(n int) []int {
		s := make([]int, n)
		for i := range s {
			s[i] = rng.IntN(vocab)
		}
		return s
	}
	return m, []Sequence{{Prompt: mk(3), Completion: mk(13)}, {Prompt: mk(1), Completion: mk(20)}}, 20
}

// forwardBackward runs a forward and a backward pass of Σ logp.
func forwardBackward(t *testing.T, m *Model, seqs []Sequence, T int) ([]float64, *Grads) {
	t.Helper()
	lp := make([]float64, len(seqs)*T)
	tape, err := m.Forward(lp, seqs, T)
	if err != nil {
		t.Fatal(err)
	}
	g := m.NewGrads()
	grad := make([]float64, len(lp))
	for i := range grad {
		grad[i] = 1
	}
	if err := tape.Backward(grad, g); err != nil {
		t.Fatal(err)
	}
	return lp, g
}
