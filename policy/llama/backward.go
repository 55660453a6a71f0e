package llama

import (
	"errors"
	"fmt"
	"math"
)

// Grads holds a gradient for every weight of a model, with the layout of
// Weights: the gradient of Model.WQ[i] is Grads.WQ[i], and Flat lines up
// with the model's Flat. Backward adds to it, so gradients of several
// batches accumulate until Zero.
type Grads struct {
	Config Config
	Weights
}

// NewGrads returns zeroed gradients shaped like m's weights.
func (m *Model) NewGrads() *Grads {
	return &Grads{Config: m.Config, Weights: newWeights(m.Config)}
}

// Zero sets every gradient to 0.
func (g *Grads) Zero() { clear(g.flat) }

// Norm returns the global L2 norm sqrt(Σ g²) over every gradient, summed in
// float64.
func (g *Grads) Norm() float64 {
	s := 0.0
	for _, v := range g.flat {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s)
}

// Backward adds to g the gradient of a loss with respect to every weight,
// given grad = ∂loss/∂logp in the B×T layout of the forward pass's dst
// (grad[i*T+j] for completion token j of sequence i; padding entries are
// ignored). It back-propagates through the log-softmax
// (∂logp/∂z_v = 1[v = target] − p_v), the classifier, the final RMSNorm,
// every layer's feed-forward and attention blocks, and the embedding; the
// shared embedding gets both its classifier and its input gradient.
//
// Backward consumes the tape: it may be called once per forward pass.
func (tp *Tape) Backward(grad []float64, g *Grads) error {
	if err := tp.checkBackward(grad, g); err != nil {
		return err
	}
	m := tp.m
	c := m.Config
	tp.done = true
	dim, kv, hid := c.Dim, c.KVDim(), c.Hidden
	hs := c.HeadSize()
	N, Nh := tp.N, len(tp.head)
	qkvW := dim + 2*kv

	dxf := tp.classifierBackward(grad, g)
	// Final RMSNorm, then scatter to the rows.
	dxh := grow(tp.datt, max(Nh, N)*dim)[:Nh*dim]
	clear(dxh)
	rmsNormBackward(dxh, g.RMSFinal, dxf, tp.xh, m.RMSFinal, tp.rFin, Nh, dim)
	tp.dx = grow(tp.dx, N*dim)
	dx := tp.dx
	clear(dx)
	for k, r := range tp.head {
		axpy(1, dxh[k*dim:(k+1)*dim], dx[int(r)*dim:])
	}

	tp.dxb = grow(dxf, N*dim)
	tp.datt = grow(dxh, N*dim)
	tp.dh = grow(tp.dh, N*hid)
	tp.dh13 = grow(tp.dh13, N*2*hid)
	tp.dqkv = grow(tp.dqkv, N*qkvW)
	dxb, datt, dh, dh13, dqkv, xb := tp.dxb, tp.datt, tp.dh, tp.dh13, tp.dqkv, tp.xb
	for l := c.Layers - 1; l >= 0; l-- {
		lt := &tp.layers[l]
		w := m.Layer(l)
		gw := g.Weights.layer(c, l)

		// Feed-forward: x3 = x2 + W2·h, h = silu(a) ⊙ b, [a|b] = [W1;W3]·xb.
		sgemm(false, false, N, hid, dim, dx, dim, w.W2, hid, false, dh, hid)
		sgemm(true, false, dim, hid, N, dx, dim, lt.h, hid, true, gw.W2, hid)
		swigluBackward(tp.scratchFor(), dh13, dh, lt.h13, N, hid)
		rmsNormRows(xb, lt.x2, w.RMSFFN, lt.r2, N, dim)
		sgemm(false, false, N, dim, hid, dh13, 2*hid, w.W1, dim, false, dxb, dim)
		sgemm(false, false, N, dim, hid, dh13[hid:], 2*hid, w.W3, dim, true, dxb, dim)
		sgemm(true, false, hid, dim, N, dh13, 2*hid, xb, dim, true, gw.W1, dim)
		sgemm(true, false, hid, dim, N, dh13[hid:], 2*hid, xb, dim, true, gw.W3, dim)
		rmsNormBackward(dx, gw.RMSFFN, dxb, lt.x2, w.RMSFFN, lt.r2, N, dim)

		// Attention: x2 = x + WO·att.
		sgemm(false, false, N, dim, dim, dx, dim, w.WO, dim, false, datt, dim)
		sgemm(true, false, dim, dim, N, dx, dim, lt.att, dim, true, gw.WO, dim)
		clear(dqkv)
		tp.attentionBackward(lt, datt, dqkv)
		tp.rope(dqkv, qkvW, dim, kv, hs, true)
		rmsNormRows(xb, lt.x, w.RMSAtt, lt.r1, N, dim)
		sgemm(false, false, N, dim, dim, dqkv, qkvW, w.WQ, dim, false, dxb, dim)
		sgemm(false, false, N, dim, kv, dqkv[dim:], qkvW, w.WK, dim, true, dxb, dim)
		sgemm(false, false, N, dim, kv, dqkv[dim+kv:], qkvW, w.WV, dim, true, dxb, dim)
		sgemm(true, false, dim, dim, N, dqkv, qkvW, xb, dim, true, gw.WQ, dim)
		sgemm(true, false, kv, dim, N, dqkv[dim:], qkvW, xb, dim, true, gw.WK, dim)
		sgemm(true, false, kv, dim, N, dqkv[dim+kv:], qkvW, xb, dim, true, gw.WV, dim)
		rmsNormBackward(dx, gw.RMSAtt, dxb, lt.x, w.RMSAtt, lt.r1, N, dim)
	}

	// Embedding: rows in order, so the sum does not depend on goroutines.
	for r := 0; r < N; r++ {
		t := int(tp.tok[r])
		axpy(1, dx[r*dim:(r+1)*dim], g.TokenEmbedding[t*dim:(t+1)*dim])
	}
	return nil
}

// checkBackward validates Backward's tape and arguments.
func (tp *Tape) checkBackward(grad []float64, g *Grads) error {
	if tp == nil || tp.m == nil {
		return errors.New("llama: Backward on a Tape with no forward pass")
	}
	if tp.done {
		return errors.New("llama: Backward called twice on one forward pass")
	}
	if !tp.keep {
		return errors.New("llama: Backward after a forward pass that kept no activations (Model.LogProbs; use Forward)")
	}
	if g == nil || g.Config != tp.m.Config || len(g.flat) != len(tp.m.flat) {
		return errors.New("llama: Backward: Grads shaped for another model (use Model.NewGrads)")
	}
	if len(grad) != tp.B*tp.T {
		return fmt.Errorf("llama: Backward: len(grad) = %d, want B*T = %d*%d", len(grad), tp.B, tp.T)
	}
	for _, o := range tp.out {
		if v := grad[o]; math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("llama: Backward: grad[%d*T+%d] = %v", int(o)/tp.T, int(o)%tp.T, v)
		}
	}
	return nil
}

// classifierBackward back-propagates grad through the log-softmax and the
// classifier of the classifier rows — the fused head's backward pass, or
// the unfused one on the saved exponentials — adding the classifier's
// gradient to g, and returns ∂loss/∂xf (Nh×Dim, in tp.dxb's storage).
func (tp *Tape) classifierBackward(grad []float64, g *Grads) []float32 {
	m := tp.m
	dim, V, N, Nh := m.Config.Dim, m.Config.Vocab, tp.N, len(tp.head)
	dxf := grow(tp.dxb, max(Nh, N)*dim)[:Nh*dim]
	if tp.fused {
		tp.hgrad = grow(tp.hgrad, Nh)
		for k, o := range tp.out {
			tp.hgrad[k] = grad[o]
		}
		clear(dxf)
		tp.lm.backward(dxf, g.Classifier(), tp.hgrad, nil, &tp.rows)
		return dxf
	}
	logitGradRows(tp.exps, V, tp.target, tp.out, tp.psum, grad)
	sgemm(false, false, Nh, dim, V, tp.exps, V, m.Classifier(), dim, false, dxf, dim)
	sgemm(true, false, V, dim, Nh, tp.exps, V, tp.xf, dim, true, g.Classifier(), dim)
	return dxf
}

// logitGradRows turns the exponentials z of softmaxRows (len(target) rows
// of width V) into ∂loss/∂logits, g·(1[v = target] − p_v) with
// p_v = z_v·psum and g = grad[out[k]] = ∂loss/∂logp of row k.
func logitGradRows(z []float32, V int, target, out []int32, psum, grad []float64) {
	parallelFor(len(target), 1, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			zk := z[k*V : (k+1)*V]
			gk := grad[out[k]]
			coef := float32(-gk * psum[k])
			for v := range zk {
				zk[v] *= coef
			}
			zk[target[k]] += float32(gk)
		}
	})
}

// rmsNormBackward back-propagates dy through y = g ⊙ x·r, r = 1/rms(x), for
// n rows of width d: it adds
//
//	∂x = r·(g⊙dy) − r³/d · x · Σ_j (g⊙dy⊙x)_j
//
// to dx and Σ_rows dy⊙x·r to dg.
func rmsNormBackward(dx, dg, dy, x, g, r []float32, n, d int) {
	parallelFor(n, 16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xi, dyi, dxi := x[i*d:(i+1)*d], dy[i*d:(i+1)*d], dx[i*d:(i+1)*d]
			ri := r[i]
			s := float32(0)
			for j, v := range xi {
				s += g[j] * dyi[j] * v
			}
			k := ri * ri * ri * s / float32(d)
			for j, v := range xi {
				dxi[j] += ri*g[j]*dyi[j] - k*v
			}
		}
	})
	// Gain gradient: each column is summed over rows in order by one
	// goroutine, so the result does not depend on their number.
	parallelFor(d, 8, func(lo, hi int) {
		var buf [64]float32
		for j0 := lo; j0 < hi; j0 += len(buf) {
			j1 := min(hi, j0+len(buf))
			acc := buf[:j1-j0]
			clear(acc)
			for i := 0; i < n; i++ {
				ri := r[i]
				xi, dyi := x[i*d+j0:i*d+j1], dy[i*d+j0:i*d+j1]
				for j := range acc {
					acc[j] += dyi[j] * xi[j] * ri
				}
			}
			for j, v := range acc {
				dg[j0+j] += v
			}
		}
	})
}

// swigluBackward writes ∂[a|b] for h = silu(a) ⊙ b given dh:
// ∂b = dh·silu(a), ∂a = dh·b·σ(a)(1 + a(1 − σ(a))).
func swigluBackward(work []scratch, dh13, dh, h13 []float32, n, hid int) {
	swigluRows(work, h13, n, hid, func(i int, a, b, e []float32) {
		da := dh13[i*2*hid : i*2*hid+hid]
		db := dh13[i*2*hid+hid : (i+1)*2*hid]
		d := dh[i*hid : (i+1)*hid]
		j0 := 0
		if useAsm && hid >= 8 {
			j0 = hid &^ 7
			swigluGradAVX2(da[:j0], db, d, a, b, e)
		}
		for j := j0; j < hid; j++ {
			v := a[j]
			s := 1 / (1 + e[j])
			db[j] = d[j] * v * s
			da[j] = d[j] * b[j] * s * (1 + v*(1-s))
		}
	})
}

// attentionBackward adds to dqkv the gradients of the queries, keys and
// values given datt = ∂loss/∂att, recomputing each probability from the
// saved log-sum-exp (as FlashAttention does):
//
//	p_ij = exp(q_i·k_j/√hs − lse_i),  ∂s_ij = p_ij (dO_i·v_j − dO_i·O_i)/√hs,
//	∂q_i = Σ_j ∂s_ij k_j,  ∂k_j = Σ_i ∂s_ij q_i,  ∂v_j = Σ_i p_ij dO_i,
//
// each sum a matrix product over the causal blocks. One goroutine handles
// one sequence and key/value head (with all its query heads), so no two
// write the same gradient.
func (tp *Tape) attentionBackward(lt *layerTape, datt, dqkv []float32) {
	c := tp.m.Config
	dim, kv, H, hs := c.Dim, c.KVDim(), c.Heads, c.HeadSize()
	ld := dim + 2*kv
	group := H / c.KVHeads
	scale := float32(1 / math.Sqrt(float64(hs)))
	units := len(tp.seqs) * c.KVHeads
	work := tp.scratchFor()
	parallelForW(units, 1, func(w, lo, hi int) {
		P, DS, KT, VT, dKVT := work[w].a, work[w].b, work[w].c, work[w].d, work[w].e
		defer func() { work[w].a, work[w].b, work[w].c, work[w].d, work[w].e = P, DS, KT, VT, dKVT }()
		for u := lo; u < hi; u++ {
			s, g := tp.seqs[u/c.KVHeads], u%c.KVHeads
			n := s.n
			if n == 0 {
				continue
			}
			base := s.row * ld
			K := lt.qkv[base+dim+g*hs:]
			V := lt.qkv[base+dim+kv+g*hs:]
			dK := dqkv[base+dim+g*hs:]
			dV := dqkv[base+dim+kv+g*hs:]
			KT, VT = grow(KT, hs*n), grow(VT, hs*n)
			transposeStrided(KT, K, n, hs, ld)
			transposeStrided(VT, V, n, hs, ld)
			P, DS = grow(P, n*n), grow(DS, n*n)
			// ∂Kᵀ and ∂Vᵀ (hs×n each) accumulate over the group's heads as
			// products with n columns, which suit the kernels better than
			// hs = 8 columns would.
			dKVT = grow(dKVT, 2*hs*n)
			clear(dKVT)
			dKT, dVT := dKVT[:hs*n], dKVT[hs*n:]
			for h := g * group; h < (g+1)*group; h++ {
				Q := lt.qkv[base+h*hs:]
				dQ := dqkv[base+h*hs:]
				dO := datt[s.row*dim+h*hs:]
				O := lt.att[s.row*dim+h*hs:]
				for i0 := 0; i0 < n; i0 += gemmMR {
					rows, cols := min(gemmMR, n-i0), min(n, (i0+gemmMR+7)&^7) // whole tiles of 8 keys
					gemmAt(rows, cols, hs, Q[i0*ld:], ld, 1, KT, n, P[i0*n:], n, false)
					gemmAt(rows, cols, hs, dO[i0*dim:], dim, 1, VT, n, DS[i0*n:], n, false)
					for i := i0; i < i0+rows; i++ {
						end := min(cols, (i+8)&^7)
						expMasked(P[i*n:i*n+end], i+1, scale, lt.lse[(s.row+i)*H+h])
						// P is 0 on [i+1, end), so whole vectors are right there.
						D := dot(dO[i*dim:i*dim+hs], O[i*dim:i*dim+hs])
						softmaxGrad(P[i*n:i*n+end], DS[i*n:i*n+end], D, scale)
						// Zeros above the diagonal up to the end of its tile of
						// 16 columns, which the products below read.
						tile := max(cols, min(n, (i&^15)+16))
						clear(P[i*n+end : i*n+tile])
						clear(DS[i*n+i+1 : i*n+tile])
					}
					gemmAt(rows, hs, min(n, i0+gemmMR), DS[i0*n:], n, 1, K, ld, dQ[i0*ld:], ld, true)
				}
				// ∂Kᵀ += Qᵀ ∂S and ∂Vᵀ += dOᵀ P, per tile of 16 keys over the
				// queries that can see them (i ≥ j0).
				for j0 := 0; j0 < n; j0 += 16 {
					cw := min(16, n-j0)
					gemmAt(hs, cw, n-j0, Q[j0*ld:], 1, ld, DS[j0*n+j0:], n, dKT[j0:], n, true)
					gemmAt(hs, cw, n-j0, dO[j0*dim:], 1, dim, P[j0*n+j0:], n, dVT[j0:], n, true)
				}
			}
			for j := 0; j < n; j++ {
				dk := dK[j*ld : j*ld+hs]
				dv := dV[j*ld : j*ld+hs]
				for d := range dk {
					dk[d] += dKT[d*n+j]
					dv[d] += dVT[d*n+j]
				}
			}
		}
	})
}
