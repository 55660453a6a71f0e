package llama

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"testing"
)

// headRef64 is the unfused head in float64: every logit of every row, then
// the log-softmax and the entropy.
func headRef64(hid, w []float64, tg []int32, dim int) (logp, ent []float64) {
	V := len(w) / dim
	logp, ent = make([]float64, len(tg)), make([]float64, len(tg))
	z := make([]float64, V)
	for i, t := range tg {
		mx := math.Inf(-1)
		for v := range z {
			s := 0.0
			for d := range dim {
				s += hid[i*dim+d] * w[v*dim+d]
			}
			z[v] = s
			mx = max(mx, s)
		}
		sum, pz := 0.0, 0.0
		for _, zv := range z {
			sum += math.Exp(zv - mx)
			pz += math.Exp(zv-mx) * zv
		}
		lse := mx + math.Log(sum)
		logp[i], ent[i] = z[t]-lse, lse-pz/sum
	}
	return logp, ent
}

func to64(s []float32) []float64 {
	d := make([]float64, len(s))
	for i, v := range s {
		d[i] = float64(v)
	}
	return d
}

// headCase draws n rows of width dim, a classifier over V tokens (logits
// of a few units, so that the softmax is neither flat nor one-hot) and the
// targets.
func headCase(rng *rand.Rand, n, dim, V int) (*Head, *HeadRows) {
	h := &Head{Weight: randF32(rng, V*dim), Dim: dim}
	for i := range h.Weight {
		h.Weight[i] *= 0.7
	}
	r := &HeadRows{Hidden: randF32(rng, n*dim), Targets: make([]int32, n),
		LogProbs: make([]float64, n), LSE: make([]float64, n), Entropy: make([]float64, n)}
	for i := range r.Targets {
		r.Targets[i] = int32(rng.IntN(V))
	}
	return h, r
}

// TestHeadMatchesUnfused compares the fused head's log-probs and entropies
// with the unfused head in float64, for vocabularies within one tile,
// across several (with a partial last tile) and row counts across blocks.
// The float32 logits carry a relative error of about dim·2⁻²⁴, so the
// log-probs agree to 1e-5 here.
func TestHeadMatchesUnfused(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sh := range [][3]int{{1, 3, 2}, {7, 8, 40}, {13, 16, headTile}, {9, 12, 3*headTile + 17}, {headBlock + 5, 4, headTile + 3}} {
		n, dim, V := sh[0], sh[1], sh[2]
		h, r := headCase(rng, n, dim, V)
		if err := h.Forward(r); err != nil {
			t.Fatal(err)
		}
		wantLP, wantH := headRef64(to64(r.Hidden), to64(h.Weight), r.Targets, dim)
		for i := range n {
			if math.Abs(r.LogProbs[i]-wantLP[i]) > 1e-5 || math.Abs(r.Entropy[i]-wantH[i]) > 1e-5 {
				t.Fatalf("%v row %d: logp %v entropy %v, unfused %v %v", sh, i, r.LogProbs[i], r.Entropy[i], wantLP[i], wantH[i])
			}
			if math.Abs(r.LSE[i]-(float64(dotRow(r, h, i))-r.LogProbs[i])) > 1e-4 {
				t.Fatalf("%v row %d: lse %v inconsistent with logp", sh, i, r.LSE[i])
			}
		}
		// Without Entropy, the same log-probs bit for bit.
		lp := append([]float64(nil), r.LogProbs...)
		r.Entropy = nil
		if err := h.Forward(r); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if r.LogProbs[i] != lp[i] {
				t.Fatalf("%v row %d: logp %v without entropy, %v with", sh, i, r.LogProbs[i], lp[i])
			}
		}
	}
}

// dotRow is row i's target logit in float32 through the kernels' product.
func dotRow(r *HeadRows, h *Head, i int) float32 {
	t := int(r.Targets[i])
	return dot(r.Hidden[i*h.Dim:(i+1)*h.Dim], h.Weight[t*h.Dim:(t+1)*h.Dim])
}

// TestHeadBackwardFiniteDifferences compares Backward's ∂hidden and
// ∂weight for L = Σ_i g_i·logp_i + gH_i·H_i with central differences of
// the same loss computed in float64 by headRef64 (h = 1e-5: truncation and
// rounding errors below 1e-8). Backward runs in float32, each entry a sum
// over the vocabulary or the rows of rounded terms, so it passes within
// 1e-5 of the largest entry (plus 1e-7), as the model's own check.
func TestHeadBackwardFiniteDifferences(t *testing.T) {
	const step, rel, abs = 1e-5, 1e-5, 1e-7
	rng := rand.New(rand.NewPCG(7, 8))
	for _, withEnt := range []bool{false, true} {
		n, dim, V := 5, 6, headTile+90
		h, r := headCase(rng, n, dim, V)
		g, gH := make([]float64, n), []float64(nil)
		for i := range g {
			g[i] = rng.NormFloat64()
		}
		if withEnt {
			gH = make([]float64, n)
			for i := range gH {
				gH[i] = rng.NormFloat64()
			}
		}
		if err := h.Forward(r); err != nil {
			t.Fatal(err)
		}
		dh, dw := make([]float32, n*dim), make([]float32, V*dim)
		if err := h.Backward(dh, dw, g, gH, r); err != nil {
			t.Fatal(err)
		}
		hid, w := to64(r.Hidden), to64(h.Weight)
		loss := func() float64 {
			lp, ent := headRef64(hid, w, r.Targets, dim)
			s := 0.0
			for i := range lp {
				s += g[i] * lp[i]
				if gH != nil {
					s += gH[i] * ent[i]
				}
			}
			return s
		}
		for _, p := range []struct {
			name string
			x    []float64
			got  []float32
		}{{"hidden", hid, dh}, {"weight", w, dw}} {
			fd := make([]float64, len(p.x))
			scale := 0.0
			for i := range p.x {
				old := p.x[i]
				p.x[i] = old + step
				lp := loss()
				p.x[i] = old - step
				lm := loss()
				p.x[i] = old
				fd[i] = (lp - lm) / (2 * step)
				scale = max(scale, math.Abs(fd[i]))
			}
			for i, want := range fd {
				if got := float64(p.got[i]); math.Abs(got-want) > rel*scale+abs {
					t.Fatalf("entropy %v: ∂%s[%d] = %.9g, finite difference %.9g (largest %.3g)", withEnt, p.name, i, got, want, scale)
				}
			}
		}
	}
}

// TestHeadDeterministic checks that the fused head gives the same bits
// whatever the number of goroutines, and a row nearly the same log-prob
// alone as in a batch (the kernels round the rows past the last multiple of
// 4 differently: without fused multiply-adds).
func TestHeadDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	n, dim, V := 37, 16, 2*headTile+100
	h, r := headCase(rng, n, dim, V)
	g := make([]float64, n)
	for i := range g {
		g[i] = rng.NormFloat64()
	}
	run := func(procs int) ([]float64, []float32, []float32) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		if err := h.Forward(r); err != nil {
			t.Fatal(err)
		}
		dh, dw := make([]float32, n*dim), make([]float32, V*dim)
		if err := h.Backward(dh, dw, g, r.Entropy, r); err != nil {
			t.Fatal(err)
		}
		return append([]float64(nil), r.LogProbs...), dh, dw
	}
	lp1, dh1, dw1 := run(1)
	lp4, dh4, dw4 := run(4)
	for i := range lp1 {
		if lp1[i] != lp4[i] {
			t.Fatalf("logp[%d]: %v with 1 goroutine, %v with 4", i, lp1[i], lp4[i])
		}
	}
	for i := range dh1 {
		if dh1[i] != dh4[i] {
			t.Fatalf("∂hidden[%d]: %v with 1 goroutine, %v with 4", i, dh1[i], dh4[i])
		}
	}
	for i := range dw1 {
		if dw1[i] != dw4[i] {
			t.Fatalf("∂weight[%d]: %v with 1 goroutine, %v with 4", i, dw1[i], dw4[i])
		}
	}
	const k = 11
	one := &HeadRows{Hidden: r.Hidden[k*dim : (k+1)*dim], Targets: r.Targets[k : k+1],
		LogProbs: make([]float64, 1), LSE: make([]float64, 1)}
	if err := h.Forward(one); err != nil {
		t.Fatal(err)
	}
	if math.Abs(one.LogProbs[0]-lp1[k]) > 1e-6 {
		t.Fatalf("row %d alone: logp %v, in the batch %v", k, one.LogProbs[0], lp1[k])
	}
}

// TestHeadErrors checks the argument errors.
func TestHeadErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	h, r := headCase(rng, 3, 4, 10)
	bad := func(name string, err error) {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	r.Targets[1] = 10
	bad("target out of range", h.Forward(r))
	r.Targets[1] = 2
	bad("short hidden", h.Forward(&HeadRows{Hidden: r.Hidden[:5], Targets: r.Targets, LogProbs: r.LogProbs, LSE: r.LSE}))
	bad("bad Dim", (&Head{Weight: h.Weight, Dim: 3}).Forward(r))
	if err := h.Forward(r); err != nil {
		t.Fatal(err)
	}
	bad("short dWeight", h.Backward(make([]float32, 12), make([]float32, 39), make([]float64, 3), nil, r))
	r2 := *r
	r2.Entropy = nil
	bad("dEntropy without Entropy", h.Backward(make([]float32, 12), make([]float32, 40), make([]float64, 3), make([]float64, 3), &r2))
}

// TestModelFusedMatchesUnfused runs a model's forward and backward passes
// with the classifier on the fused head and on the unfused path: the
// log-probs agree to 1e-5 and every gradient to 1e-5 of its tensor's
// largest entry (both in float32, summed in other orders).
func TestModelFusedMatchesUnfused(t *testing.T) {
	defer func(v int) { fusedVocab = v }(fusedVocab)
	for _, shared := range []bool{true, false} {
		c := Config{Dim: 16, Hidden: 24, Layers: 2, Heads: 2, KVHeads: 1, Vocab: headTile + 77, SeqLen: 32, Shared: shared}
		m := randomModel(t, c, 13)
		_, seqs, T := smallModel(t, c.Vocab)
		fusedVocab = 1
		lpF, gF := forwardBackward(t, m, seqs, T)
		fusedVocab = 1 << 30
		lpU, gU := forwardBackward(t, m, seqs, T)
		for i := range lpF {
			if math.Abs(lpF[i]-lpU[i]) > 1e-5 {
				t.Fatalf("shared %v: logp[%d] fused %v, unfused %v", shared, i, lpF[i], lpU[i])
			}
		}
		for _, tn := range tensors {
			f, u := *tn.field(&gF.Weights), *tn.field(&gU.Weights)
			scale := 0.0
			for _, v := range u {
				scale = max(scale, math.Abs(float64(v)))
			}
			for i := range f {
				if math.Abs(float64(f[i]-u[i])) > 1e-5*scale+1e-7 {
					t.Fatalf("shared %v: ∂%s[%d] fused %v, unfused %v (largest %v)", shared, tn.name, i, f[i], u[i], scale)
				}
			}
		}
	}
}

// TestLargeVocabTrainsAndSamples runs a model whose vocabulary takes the
// fused head through a checkpoint round trip (the same log-probs bit for
// bit), ten AdamW steps that raise the log-probs of a sequence, and the
// sampler.
func TestLargeVocabTrainsAndSamples(t *testing.T) {
	c := Config{Dim: 32, Hidden: 48, Layers: 1, Heads: 4, KVHeads: 2, Vocab: fusedVocab + 900, SeqLen: 32, Shared: true}
	m0, err := New(c, rand.New(rand.NewPCG(4, 4)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m0.Save(&buf); err != nil {
		t.Fatal(err)
	}
	m, err := LoadBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	seqs := []Sequence{{Prompt: []int{1, 4000}, Completion: []int{4500, 17, 4995, 3}}}
	const T = 4
	lp0, lp := make([]float64, T), make([]float64, T)
	if err := m0.LogProbs(lp0, seqs, T); err != nil {
		t.Fatal(err)
	}
	opt, err := NewOptimizer(m, AdamW{LR: 1e-2})
	if err != nil {
		t.Fatal(err)
	}
	g, grad := m.NewGrads(), []float64{-1, -1, -1, -1}
	for step := range 10 {
		tape, err := m.Forward(lp, seqs, T)
		if err != nil {
			t.Fatal(err)
		}
		if step == 0 && !reflect.DeepEqual(lp, lp0) {
			t.Fatalf("log-probs after Save and Load %v, before %v", lp, lp0)
		}
		g.Zero()
		if err := tape.Backward(grad, g); err != nil {
			t.Fatal(err)
		}
		if _, err := opt.Step(g); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.LogProbs(lp, seqs, T); err != nil {
		t.Fatal(err)
	}
	if s, s0 := lp[0]+lp[1]+lp[2]+lp[3], lp0[0]+lp0[1]+lp0[2]+lp0[3]; !(s > s0+1) {
		t.Errorf("Σ logp went from %v to %v, want a clear rise", s0, s)
	}
	gens, err := NewSampler(m, nil).Sample(context.Background(), [][]int{{1}, {1, 4000}}, SampleOptions{MaxTokens: 8, NoStopAtEOS: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, gen := range gens {
		if len(gen.Tokens) != 8 {
			t.Errorf("sampled %d tokens, want 8", len(gen.Tokens))
		}
	}
}

// The model's entropies (LogProbsEntropy) agree between the fused head and
// the unfused log-softmax.
func TestModelFusedEntropy(t *testing.T) {
	defer func(v int) { fusedVocab = v }(fusedVocab)
	c := Config{Dim: 16, Hidden: 24, Layers: 2, Heads: 2, KVHeads: 1, Vocab: headTile + 77, SeqLen: 32, Shared: true}
	m := randomModel(t, c, 17)
	_, seqs, T := smallModel(t, c.Vocab)
	n := len(seqs) * T
	var ent [2][]float64
	for k, v := range []int{1, 1 << 30} {
		fusedVocab = v
		ent[k] = make([]float64, n)
		if err := m.LogProbsEntropy(make([]float64, n), ent[k], seqs, T); err != nil {
			t.Fatal(err)
		}
	}
	positive := 0
	for i := range ent[0] {
		if math.Abs(ent[0][i]-ent[1][i]) > 1e-5 {
			t.Fatalf("entropy[%d]: fused %v, unfused %v", i, ent[0][i], ent[1][i])
		}
		if ent[1][i] > 0 {
			positive++
		}
	}
	if positive == 0 {
		t.Fatal("no entropy computed")
	}
}
