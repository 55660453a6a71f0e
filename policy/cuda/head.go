//go:build cuda && cgo

package cuda

/*
#include <cublas_v2.h>
#include "kernels.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"math"

	"github.com/evolve-go/evolve/policy/llama"
)

// Head is llama.Head on a GPU: the same rows (llama.HeadRows) in, the same
// log-probs, log-sum-exps, entropies and gradients out, to float32
// rounding (the products run on cuBLAS in float32 without TF32; sums over
// the vocabulary in float64). The logits are computed a tile of the
// vocabulary at a time (the whole vocabulary when N×Vocab float32 fit
// tileBytes), with the running log-sum-exp of llama.Head, and recomputed in
// Backward. Weights, hidden states and gradients cross between host and
// device on every call; Step keeps the log-probs and their gradient on the
// device between the head and a loss.
type Head struct {
	Device *Device
	Weight []float32 // [Vocab][Dim] classifier, row-major
	Dim    int

	w, h, tgt, z, mx, zt, s, u, lse, logp, ent, g, gH, dh, dw mem
}

// tileBytes bounds the device memory of one tile of logits.
var tileBytes = 256 << 20 // a variable so that tests can force several tiles

// check validates h and r as llama.Head does.
func (h *Head) check(r *llama.HeadRows, backward bool) error {
	if h.Device == nil {
		return errors.New("cuda: Head.Device is nil")
	}
	if h.Dim <= 0 || len(h.Weight) == 0 || len(h.Weight)%h.Dim != 0 {
		return fmt.Errorf("cuda: Head: len(Weight) = %d is not a positive multiple of Dim = %d", len(h.Weight), h.Dim)
	}
	n, V := len(r.Targets), len(h.Weight)/h.Dim
	if len(r.Hidden) != n*h.Dim || len(r.LSE) != n || (!backward && len(r.LogProbs) != n) {
		return fmt.Errorf("cuda: Head: len(Hidden) = %d, len(LSE) = %d, len(LogProbs) = %d for %d rows of Dim %d",
			len(r.Hidden), len(r.LSE), len(r.LogProbs), n, h.Dim)
	}
	if r.Entropy != nil && len(r.Entropy) != n {
		return fmt.Errorf("cuda: Head: len(Entropy) = %d, want %d", len(r.Entropy), n)
	}
	if n == 0 || int64(n)*int64(h.Dim) > math.MaxInt32 || int64(V)*int64(h.Dim) > math.MaxInt32 {
		return fmt.Errorf("cuda: Head: %d rows of Dim %d, Vocab %d: sizes out of range", n, h.Dim, V)
	}
	for i, t := range r.Targets {
		if t < 0 || int(t) >= V {
			return fmt.Errorf("cuda: Head: Targets[%d] = %d, want a token in [0, %d)", i, t, V)
		}
	}
	return nil
}

// tile returns the vocabulary tile for n rows.
func (h *Head) tile(n int) int {
	V := len(h.Weight) / h.Dim
	return max(1, min(V, tileBytes/(4*n)))
}

// Forward is llama.Head.Forward on the device.
func (h *Head) Forward(r *llama.HeadRows) error {
	if err := h.check(r, false); err != nil {
		return err
	}
	return h.Device.do(func() error {
		if err := h.upload(r); err != nil {
			return err
		}
		n := len(r.Targets)
		if err := h.forward(n, r.Entropy != nil); err != nil {
			return err
		}
		return h.results(r)
	})
}

// upload copies the weights, hidden states and targets to the device.
func (h *Head) upload(r *llama.HeadRows) error {
	if err := upload(&h.w, h.Weight); err != nil {
		return err
	}
	if err := upload(&h.h, r.Hidden); err != nil {
		return err
	}
	return upload(&h.tgt, r.Targets)
}

// results copies the log-probs, log-sum-exps and entropies to r.
func (h *Head) results(r *llama.HeadRows) error {
	if err := download(r.LogProbs, &h.logp); err != nil {
		return err
	}
	if err := download(r.LSE, &h.lse); err != nil {
		return err
	}
	return download(r.Entropy, &h.ent)
}

// forward computes the n rows' log-probs, log-sum-exps and (with ent)
// entropies into h.logp, h.lse and h.ent, the inputs being on the device.
func (h *Head) forward(n int, ent bool) error {
	V, vt := len(h.Weight)/h.Dim, h.tile(n)
	for _, b := range []struct {
		m     *mem
		bytes int
	}{{&h.z, 4 * n * vt}, {&h.mx, 4 * n}, {&h.zt, 4 * n}, {&h.s, 8 * n}, {&h.u, 8 * n}, {&h.lse, 8 * n}, {&h.logp, 8 * n}, {&h.ent, 8 * n}} {
		if err := b.m.ensure(b.bytes); err != nil {
			return err
		}
	}
	if err := launch("headInit", C.evHeadInit(nil, C.int(n), h.mx.f32(), h.s.f64(), h.u.f64())); err != nil {
		return err
	}
	for v0 := 0; v0 < V; v0 += vt {
		cur := min(vt, V-v0)
		if err := h.logits(n, v0, cur); err != nil {
			return err
		}
		if err := launch("headAccumulate", C.evHeadAccumulate(nil, C.int(n), C.int(cur), C.int(v0), h.z.f32(), h.tgt.i32(),
			h.mx.f32(), h.zt.f32(), h.s.f64(), h.u.f64())); err != nil {
			return err
		}
	}
	entp := (*C.double)(nil)
	if ent {
		entp = h.ent.f64()
	}
	return launch("headFinish", C.evHeadFinish(nil, C.int(n), h.mx.f32(), h.s.f64(), h.u.f64(), h.zt.f32(), h.lse.f64(), h.logp.f64(), entp))
}

// logits computes the row-major n×cur tile of logits z = H·W[v0:v0+cur]ᵀ:
// in cuBLAS's column-major terms zᵀ (cur×n) = op_T(W tile, D×cur)·H (D×n).
func (h *Head) logits(n, v0, cur int) error {
	D := h.Dim
	one, zero := C.float(1), C.float(0)
	return checkBLAS("cublasSgemm", C.cublasSgemm(h.Device.handle, C.CUBLAS_OP_T, C.CUBLAS_OP_N, C.int(cur), C.int(n), C.int(D),
		&one, (*C.float)(h.w.at(4*v0*D)), C.int(D), h.h.f32(), C.int(D), &zero, h.z.f32(), C.int(cur)))
}

// Backward is llama.Head.Backward on the device: it adds to dHidden and
// dWeight.
func (h *Head) Backward(dHidden, dWeight []float32, dLogProbs, dEntropy []float64, r *llama.HeadRows) error {
	if err := h.check(r, true); err != nil {
		return err
	}
	n := len(r.Targets)
	if len(dHidden) != n*h.Dim || len(dWeight) != len(h.Weight) || len(dLogProbs) != n {
		return fmt.Errorf("cuda: Head.Backward: len(dHidden) = %d, len(dWeight) = %d, len(dLogProbs) = %d, want %d, %d, %d",
			len(dHidden), len(dWeight), len(dLogProbs), n*h.Dim, len(h.Weight), n)
	}
	if dEntropy != nil && (len(dEntropy) != n || r.Entropy == nil) {
		return errors.New("cuda: Head.Backward: dEntropy needs len(dEntropy) = N and the Entropy of Forward")
	}
	return h.Device.do(func() error {
		if err := h.upload(r); err != nil {
			return err
		}
		for _, c := range []struct {
			m *mem
			s []float64
		}{{&h.lse, r.LSE}, {&h.g, dLogProbs}, {&h.gH, dEntropy}, {&h.ent, r.Entropy}} {
			if err := upload(c.m, c.s); err != nil {
				return err
			}
		}
		return h.backward(dHidden, dWeight, n, dEntropy != nil)
	})
}

// backward runs the head's backward pass with h.g (and, with ent, h.gH)
// on the device and adds the gradients to dHidden and dWeight.
func (h *Head) backward(dHidden, dWeight []float32, n int, ent bool) error {
	if err := upload(&h.dh, dHidden); err != nil {
		return err
	}
	if err := upload(&h.dw, dWeight); err != nil {
		return err
	}
	V, D, vt := len(h.Weight)/h.Dim, h.Dim, h.tile(n)
	if err := h.z.ensure(4 * n * vt); err != nil {
		return err
	}
	gH, entp := (*C.double)(nil), (*C.double)(nil)
	if ent {
		gH, entp = h.gH.f64(), h.ent.f64()
	}
	one := C.float(1)
	for v0 := 0; v0 < V; v0 += vt {
		cur := min(vt, V-v0)
		if err := h.logits(n, v0, cur); err != nil {
			return err
		}
		if err := launch("headGrad", C.evHeadGrad(nil, C.int(n), C.int(cur), C.int(v0), h.z.f32(), h.tgt.i32(), h.g.f64(), gH, h.lse.f64(), entp)); err != nil {
			return err
		}
		// dHᵀ (D×n) += W tile (D×cur) · ∂zᵀ (cur×n); dW tileᵀ (D×cur) += Hᵀ... as Hᵀ (D×n) · ∂z (n×cur).
		if err := checkBLAS("cublasSgemm", C.cublasSgemm(h.Device.handle, C.CUBLAS_OP_N, C.CUBLAS_OP_N, C.int(D), C.int(n), C.int(cur),
			&one, (*C.float)(h.w.at(4*v0*D)), C.int(D), h.z.f32(), C.int(cur), &one, h.dh.f32(), C.int(D))); err != nil {
			return err
		}
		if err := checkBLAS("cublasSgemm", C.cublasSgemm(h.Device.handle, C.CUBLAS_OP_N, C.CUBLAS_OP_T, C.int(D), C.int(cur), C.int(n),
			&one, h.h.f32(), C.int(D), h.z.f32(), C.int(cur), &one, (*C.float)(h.dw.at(4*v0*D)), C.int(D))); err != nil {
			return err
		}
	}
	if err := download(dHidden, &h.dh); err != nil {
		return err
	}
	return download(dWeight, &h.dw)
}

// Free releases the head's device memory (a later call allocates it
// again).
func (h *Head) Free() error {
	return h.Device.do(func() error {
		for _, m := range []*mem{&h.w, &h.h, &h.tgt, &h.z, &h.mx, &h.zt, &h.s, &h.u, &h.lse, &h.logp, &h.ent, &h.g, &h.gH, &h.dh, &h.dw} {
			m.free()
		}
		return nil
	})
}
