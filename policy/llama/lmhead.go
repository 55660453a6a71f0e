package llama

import (
	"errors"
	"fmt"
	"math"
)

// Head is a fused, chunked language-model head: a linear classifier
// z = W·h over a vocabulary followed by a log-softmax, evaluated for N rows
// of hidden states without materialising the N×Vocab logits. Forward
// computes, for each row i with hidden state h_i and target token t_i,
//
//	logp_i = z_{i,t_i} − lse_i,   lse_i = log Σ_v exp z_{i,v},   z_i = W h_i,
//	H_i    = lse_i − Σ_v p_{i,v} z_{i,v}   (entropy, optional; p = softmax z),
//
// one tile of headTile vocabulary entries at a time, with a running
// log-sum-exp per row (Milakov & Gimelshein's online softmax): the maximum
// m, s = Σ exp(z − m) and u = Σ exp(z − m)·(z − m), rescaled by exp(m − m′)
// when a tile raises the maximum, so H = log s − u/s. It keeps lse (and H)
// per row. Backward recomputes each tile of logits and turns any
// objective's ∂loss/∂logp (g) and ∂loss/∂H (gH) into
//
//	∂z_{i,v} = g_i·(1[v = t_i] − p_{i,v}) − gH_i·p_{i,v}·(z_{i,v} − E_p z_i),
//
// then accumulates ∂h_i += Σ_v ∂z_{i,v} W_v and ∂W_v += Σ_i ∂z_{i,v} h_i
// tile by tile. The work memory is a few tiles (a block of at most
// headBlock rows × headTile logits and one transposed tile of W), against
// N×Vocab floats for the unfused head; Backward costs one more product than
// the unfused backward (the recomputed logits). All products go through
// BLAS(); sums over the vocabulary are in float64.
//
// Results do not depend on the number of goroutines. A Head is not safe for concurrent use (it
// keeps its work memory between calls).
//
// References: Milakov & Gimelshein, "Online normalizer calculation for
// softmax" (2018); Hsu et al., "Liger Kernel: Efficient Triton Kernels for
// LLM Training" (2024), its fused linear cross-entropy.
type Head struct {
	// Weight is the [Vocab][Dim] classifier, row-major.
	Weight []float32
	// Dim is the width of a hidden state.
	Dim int

	w headWork
}

// HeadRows are the rows a Head scores and what Forward leaves for Backward.
type HeadRows struct {
	Hidden  []float32 // [N][Dim] hidden states (input)
	Targets []int32   // [N] target tokens in [0, Vocab) (input)

	LogProbs []float64 // [N] log p(target) (output of Forward)
	LSE      []float64 // [N] log Σ_v exp z_v (output of Forward, input of Backward)
	// Entropy, when not nil, receives each row's entropy in Forward
	// (nil: not computed); Backward reads it when given ∂loss/∂H.
	Entropy []float64
}

// Tiling of the fused head: logits are computed headTile vocabulary
// entries by at most headBlock rows at a time.
const (
	headTile  = 512
	headBlock = 1024
)

// headWork is a Head's work memory, kept between calls.
type headWork struct {
	z       []float32 // [headBlock][headTile] logits, then exponentials or ∂z
	mx, zt  []float32 // [headBlock] running maximum, target logit
	s, u    []float64 // [headBlock] running Σ e and Σ e·(z − m)
	scratch []scratch // per goroutine
}

// vocab returns the number of rows of h.Weight.
func (h *Head) vocab() int { return len(h.Weight) / h.Dim }

// check validates a Head and its rows for Forward (backward false) or
// Backward.
func (h *Head) check(r *HeadRows, backward bool) error {
	if h.Dim <= 0 || len(h.Weight) == 0 || len(h.Weight)%h.Dim != 0 {
		return fmt.Errorf("llama: Head: len(Weight) = %d is not a positive multiple of Dim = %d", len(h.Weight), h.Dim)
	}
	n, V := len(r.Targets), h.vocab()
	if len(r.Hidden) != n*h.Dim {
		return fmt.Errorf("llama: Head: len(Hidden) = %d, want len(Targets)·Dim = %d·%d", len(r.Hidden), n, h.Dim)
	}
	if len(r.LSE) != n || (!backward && len(r.LogProbs) != n) {
		return fmt.Errorf("llama: Head: len(LSE) = %d, len(LogProbs) = %d, want %d", len(r.LSE), len(r.LogProbs), n)
	}
	if r.Entropy != nil && len(r.Entropy) != n {
		return fmt.Errorf("llama: Head: len(Entropy) = %d, want %d", len(r.Entropy), n)
	}
	for i, t := range r.Targets {
		if t < 0 || int(t) >= V {
			return fmt.Errorf("llama: Head: Targets[%d] = %d, want a token in [0, %d)", i, t, V)
		}
	}
	return nil
}

// Forward writes each row's log-prob, log-sum-exp and, when r.Entropy is
// not nil, entropy.
func (h *Head) Forward(r *HeadRows) error {
	if err := h.check(r, false); err != nil {
		return err
	}
	h.forward(r)
	return nil
}

// forward is Forward without the checks.
func (h *Head) forward(r *HeadRows) {
	n := len(r.Targets)
	for r0 := 0; r0 < n; r0 += headBlock {
		h.forwardBlock(r, r0, min(headBlock, n-r0))
	}
}

// grow sizes the work memory for blocks of n rows.
func (w *headWork) grow(n int) {
	w.z = grow(w.z, n*headTile)
	w.mx, w.zt = grow(w.mx, n), grow(w.zt, n)
	w.s, w.u = grow(w.s, n), grow(w.u, n)
	if len(w.scratch) < workers() {
		w.scratch = make([]scratch, workers())
	}
}

// forwardBlock runs Forward on the n rows starting at r0.
func (h *Head) forwardBlock(r *HeadRows, r0, n int) {
	dim, V, w := h.Dim, h.vocab(), &h.w
	w.grow(n)
	for i := range n {
		w.mx[i], w.s[i], w.u[i] = float32(math.Inf(-1)), 0, 0
	}
	ent := r.Entropy != nil
	hid, tgt := r.Hidden[r0*dim:(r0+n)*dim], r.Targets[r0:r0+n]
	for v0 := 0; v0 < V; v0 += headTile {
		vt := min(headTile, V-v0)
		sgemm(false, true, n, vt, dim, hid, dim, h.Weight[v0*dim:(v0+vt)*dim], dim, false, w.z, vt)
		parallelForW(n, 8, func(wk, lo, hi int) {
			for i := lo; i < hi; i++ {
				w.accumulate(i, w.z[i*vt:(i+1)*vt], int(tgt[i])-v0, ent, &w.scratch[wk])
			}
		})
	}
	for i := range n {
		lse := float64(w.mx[i]) + math.Log(w.s[i])
		r.LSE[r0+i] = lse
		r.LogProbs[r0+i] = float64(w.zt[i]) - lse
		if ent {
			r.Entropy[r0+i] = math.Log(w.s[i]) - w.u[i]/w.s[i]
		}
	}
}

// accumulate folds row i's tile of logits z into its running maximum m,
// s = Σ exp(z − m) and, with ent, u = Σ exp(z − m)·(z − m), and records
// the target's logit when the target t (relative to the tile) falls in it.
// Without ent it overwrites z.
func (w *headWork) accumulate(i int, z []float32, t int, ent bool, sc *scratch) {
	if t >= 0 && t < len(z) {
		w.zt[i] = z[t]
	}
	m := w.mx[i]
	if tm := maxf(z); tm > m {
		if w.s[i] != 0 { // rescale to the new maximum: e′ = e·c, z − m′ = (z − m) + (m − m′)
			c := math.Exp(float64(m - tm))
			w.u[i] = c * (w.u[i] + w.s[i]*float64(m-tm))
			w.s[i] *= c
		}
		m = tm
		w.mx[i] = m
	}
	e := z
	if ent {
		sc.a = grow(sc.a, len(z))
		e = sc.a
		copy(e, z)
	}
	expShift(e, 1, m)
	s, u := 0.0, 0.0
	for j, v := range e {
		s += float64(v)
		if ent {
			u += float64(v * (z[j] - m))
		}
	}
	w.s[i] += s
	w.u[i] += u
}

// Backward adds to dHidden ([N][Dim]) and dWeight ([Vocab][Dim]) the
// gradient of a loss given dLogProbs = ∂loss/∂logp and, optionally (nil: 0),
// dEntropy = ∂loss/∂H, for the rows of a Forward pass of the same Head
// (with Entropy computed when dEntropy is given). The weights must not have
// changed since.
func (h *Head) Backward(dHidden, dWeight []float32, dLogProbs, dEntropy []float64, r *HeadRows) error {
	if err := h.check(r, true); err != nil {
		return err
	}
	n := len(r.Targets)
	if len(dHidden) != n*h.Dim || len(dWeight) != len(h.Weight) || len(dLogProbs) != n {
		return fmt.Errorf("llama: Head.Backward: len(dHidden) = %d, len(dWeight) = %d, len(dLogProbs) = %d, want %d, %d, %d",
			len(dHidden), len(dWeight), len(dLogProbs), n*h.Dim, len(h.Weight), n)
	}
	if dEntropy != nil && (len(dEntropy) != n || r.Entropy == nil) {
		return errors.New("llama: Head.Backward: dEntropy needs len(dEntropy) = N and the Entropy of Forward")
	}
	h.backward(dHidden, dWeight, dLogProbs, dEntropy, r)
	return nil
}

// backward is Backward without the checks.
func (h *Head) backward(dHidden, dWeight []float32, g, gH []float64, r *HeadRows) {
	dim, V, w := h.Dim, h.vocab(), &h.w
	n := len(r.Targets)
	for r0 := 0; r0 < n; r0 += headBlock {
		nb := min(headBlock, n-r0)
		w.grow(nb)
		hid, dh := r.Hidden[r0*dim:(r0+nb)*dim], dHidden[r0*dim:(r0+nb)*dim]
		for v0 := 0; v0 < V; v0 += headTile {
			vt := min(headTile, V-v0)
			wv := h.Weight[v0*dim : (v0+vt)*dim]
			sgemm(false, true, nb, vt, dim, hid, dim, wv, dim, false, w.z, vt)
			parallelForW(nb, 8, func(wk, lo, hi int) {
				for i := lo; i < hi; i++ {
					k := r0 + i
					var gh, ez float64
					if gH != nil {
						gh, ez = gH[k], r.LSE[k]-r.Entropy[k]
					}
					logitGrad(w.z[i*vt:(i+1)*vt], int(r.Targets[k])-v0, g[k], gh, r.LSE[k], ez, &w.scratch[wk])
				}
			})
			sgemm(false, false, nb, dim, vt, w.z, vt, wv, dim, true, dh, dim)
			sgemm(true, false, vt, dim, nb, w.z, vt, hid, dim, true, dWeight[v0*dim:(v0+vt)*dim], dim)
		}
	}
}

// logitGrad turns a row's tile of logits z into ∂loss/∂z,
// ∂z_v = g·(1[v = t] − p_v) − gH·p_v·(z_v − ez) with p_v = exp(z_v − lse)
// and ez = E_p z (t relative to the tile; gH = 0 skips the entropy term).
func logitGrad(z []float32, t int, g, gH, lse, ez float64, sc *scratch) {
	if gH == 0 {
		expShift(z, 1, float32(lse))
		coef := float32(-g)
		for v := range z {
			z[v] *= coef
		}
	} else {
		sc.a = grow(sc.a, len(z))
		p := sc.a
		copy(p, z)
		expShift(p, 1, float32(lse))
		gf, gHf, ezf := float32(g), float32(gH), float32(ez)
		for v, pv := range p {
			z[v] = -pv * (gf + gHf*(z[v]-ezf))
		}
	}
	if t >= 0 && t < len(z) {
		z[t] += float32(g)
	}
}
