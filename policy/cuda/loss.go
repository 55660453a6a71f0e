//go:build cuda && cgo

package cuda

/*
#include "kernels.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"math"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/preference"
)

// Loss is an objective whose per-token work runs on a device: GRPO, NFT
// and DPO. Eval is policy.Loss's (same batch in, same loss, statistics and
// gradient out, to float64 rounding in other summation orders); Head.Step
// runs it on log-probs that stay on the device.
type Loss interface {
	policy.Loss
	// eval evaluates the loss of b with its log-probs already in lp on
	// the device, writing ∂loss/∂logp into grad on the device; it runs
	// inside Device.do.
	eval(d *Device, lp, grad *mem, b *policy.Batch) (policy.Stats, error)
	device() *Device
}

// lossMem is a device's memory for the losses' inputs and outputs.
type lossMem struct {
	lp, grad, old, ref, mask, adv, w, prm, rows, x, coef mem
}

// evalLoss is Eval for every Loss: it uploads the log-probs, evaluates and
// downloads the gradient (grad nil: computed on the device, not copied).
func evalLoss(l Loss, grad []float64, b *policy.Batch) (policy.Stats, error) {
	d := l.device()
	if d == nil {
		return policy.Stats{}, errors.New("cuda: the loss's Device is nil")
	}
	if b == nil || b.B <= 0 || b.T <= 0 || len(b.LogProbs) != b.B*b.T {
		return policy.Stats{}, policy.ErrEmptyBatch
	}
	if grad != nil && len(grad) != b.B*b.T {
		return policy.Stats{}, fmt.Errorf("cuda: len(grad) = %d, want B*T = %d", len(grad), b.B*b.T)
	}
	var st policy.Stats
	err := d.do(func() error {
		m := &d.loss
		if err := upload(&m.lp, b.LogProbs); err != nil {
			return err
		}
		if err := m.grad.ensure(8 * b.B * b.T); err != nil {
			return err
		}
		var err error
		if st, err = l.eval(d, &m.lp, &m.grad, b); err != nil {
			return err
		}
		return download(grad, &m.grad)
	})
	return st, err
}

// orNil returns m's device pointer, or nil for an absent input.
func orNil(m *mem, s []float64) *C.double {
	if s == nil {
		return nil
	}
	return m.f64()
}

// uploadAll copies the optional inputs of a batch (nil ones are skipped).
func uploadAll(pairs ...any) error {
	for i := 0; i < len(pairs); i += 2 {
		if err := upload(pairs[i].(*mem), pairs[i+1].([]float64)); err != nil {
			return err
		}
	}
	return nil
}

// rowWeights returns the aggregation weights w_i = agg.Weight(i, B, T,
// L_i, total) of the rows, L_i being row i's counted tokens, and the
// batch's, total = Σ_i L_i.
func rowWeights(b *policy.Batch, agg policy.Aggregation) (w []float64, total float64, err error) {
	L := make([]float64, b.B)
	for i := range b.B {
		L[i] = float64(b.T)
		if b.Mask != nil {
			L[i] = 0
			for _, m := range b.Mask[i*b.T : (i+1)*b.T] {
				L[i] += m
			}
		}
		total += L[i]
	}
	w = make([]float64, b.B)
	for i := range b.B {
		if w[i], err = agg.Weight(i, b.B, b.T, L[i], total); err != nil {
			return nil, 0, err
		}
	}
	return w, total, nil
}

// rowSums downloads the q per-row sums of B rows that a token kernel
// wrote and adds them over the rows in order, the first weighted by w_i.
func rowSums(m *mem, B, q int, w []float64) ([]float64, error) {
	rows := make([]float64, q*B)
	if err := download(rows, m); err != nil {
		return nil, err
	}
	s := make([]float64, q)
	for i := range B {
		s[0] += w[i] * rows[q*i]
		for k := 1; k < q; k++ {
			s[k] += rows[q*i+k]
		}
	}
	return s, nil
}

// GRPO is policy.PG on a device, for its token-level PPO clip (GRPO, DAPO,
// Dr. GRPO: any PPOClip with Level TokenLevel, dual clip included) with no
// KL penalty or the k3 one, and any aggregation. Other surrogates and
// estimators return an error.
type GRPO struct {
	Device *Device
	PG     policy.PG
}

// Eval implements policy.Loss.
func (l GRPO) Eval(grad []float64, b *policy.Batch) (policy.Stats, error) {
	return evalLoss(l, grad, b)
}

func (l GRPO) device() *Device { return l.Device }

// config validates the PG and returns its clip bounds, dual clip, KL
// coefficient and aggregation.
func (l GRPO) config() (lo, hi, dual, beta float64, agg policy.Aggregation, err error) {
	clip := policy.PPOClip{}
	if l.PG.Surrogate != nil {
		c, ok := l.PG.Surrogate.(policy.PPOClip)
		if !ok || c.Level != policy.TokenLevel {
			return 0, 0, 0, 0, nil, fmt.Errorf("cuda: GRPO runs the token-level policy.PPOClip, not %T", l.PG.Surrogate)
		}
		clip = c
	}
	if l.PG.KL.Coef != 0 && l.PG.KL.Estimator != policy.K3 {
		return 0, 0, 0, 0, nil, fmt.Errorf("cuda: GRPO's KL penalty is k3 only, not %v", l.PG.KL.Estimator)
	}
	if agg = l.PG.Agg; agg == nil {
		agg = policy.SeqMeanTokenMean{}
	}
	for _, c := range []interface{ Check() error }{clip, l.PG.KL, agg} {
		if err = c.Check(); err != nil {
			return 0, 0, 0, 0, nil, err
		}
	}
	lo, hi = clip.Bounds()
	return lo, hi, clip.DualClip, l.PG.KL.Coef, agg, nil
}

func (l GRPO) eval(d *Device, lp, grad *mem, b *policy.Batch) (policy.Stats, error) {
	lo, hi, dual, beta, agg, err := l.config()
	if err != nil {
		return policy.Stats{}, err
	}
	if err := b.Validate(); err != nil {
		return policy.Stats{}, err
	}
	if b.Advantages == nil || (beta > 0 && b.RefLogProbs == nil) {
		return policy.Stats{}, errors.New("cuda: GRPO needs Batch.Advantages (and Batch.RefLogProbs with a KL penalty)")
	}
	w, total, err := rowWeights(b, agg)
	if err != nil {
		return policy.Stats{}, err
	}
	m := &d.loss
	if err := uploadAll(&m.old, b.OldLogProbs, &m.ref, b.RefLogProbs, &m.mask, b.Mask, &m.adv, b.Advantages, &m.w, w); err != nil {
		return policy.Stats{}, err
	}
	old := lp.f64()
	if b.OldLogProbs != nil {
		old = m.old.f64()
	}
	if err := m.rows.ensure(8 * 6 * b.B); err != nil {
		return policy.Stats{}, err
	}
	perToken := C.int(0)
	if len(b.Advantages) != b.B {
		perToken = 1
	}
	if err := launch("grpoTokens", C.evGRPOTokens(nil, C.int(b.B), C.int(b.T), lp.f64(), old, orNil(&m.ref, b.RefLogProbs),
		orNil(&m.mask, b.Mask), m.adv.f64(), perToken, m.w.f64(), C.double(lo), C.double(hi), C.double(dual), C.double(beta),
		grad.f64(), m.rows.f64())); err != nil {
		return policy.Stats{}, err
	}
	s, err := rowSums(&m.rows, b.B, 6, w) // loss (weighted), ratio, approx-KL, KL, low, high
	if err != nil {
		return policy.Stats{}, err
	}
	st := policy.Stats{Loss: s[0], Tokens: total}
	if total > 0 {
		st.MeanRatio, st.ApproxKL, st.KLTerm = s[1]/total, s[2]/total, s[3]/total
		st.ClipFracLow, st.ClipFracHigh = s[4]/total, s[5]/total
		st.ClipFrac = st.ClipFracLow + st.ClipFracHigh
	}
	if math.IsNaN(st.Loss) || math.IsInf(st.Loss, 0) {
		return policy.Stats{}, errors.New("cuda: GRPO: the loss is not finite (ratio or advantage overflow)")
	}
	return st, nil
}

// NFT is policy.NFT on a device, with every option of policy.NFT.
type NFT struct {
	Device *Device
	NFT    policy.NFT
}

// Eval implements policy.Loss. Stats.ClipFrac is the fraction of tokens of
// incorrect answers whose negative ratio is clipped at ε, as policy.NFT's.
func (l NFT) Eval(grad []float64, b *policy.Batch) (policy.Stats, error) { return evalLoss(l, grad, b) }

func (l NFT) device() *Device { return l.Device }

func (l NFT) eval(d *Device, lp, grad *mem, b *policy.Batch) (policy.Stats, error) {
	prm, scale, total, err := nftRows(l.NFT, b)
	if err != nil {
		return policy.Stats{}, err
	}
	m := &d.loss
	if err := uploadAll(&m.old, b.OldLogProbs, &m.mask, b.Mask, &m.prm, prm); err != nil {
		return policy.Stats{}, err
	}
	old := lp.f64()
	if b.OldLogProbs != nil {
		old = m.old.f64()
	}
	if err := m.rows.ensure(8 * 4 * b.B); err != nil {
		return policy.Stats{}, err
	}
	if err := launch("nftTokens", C.evNFTTokens(nil, C.int(b.B), C.int(b.T), lp.f64(), old, orNil(&m.mask, b.Mask),
		m.prm.f64(), grad.f64(), m.rows.f64())); err != nil {
		return policy.Stats{}, err
	}
	s, err := rowSums(&m.rows, b.B, 4, scale) // loss (weighted), ratio, approx-KL, clipped
	if err != nil {
		return policy.Stats{}, err
	}
	st := policy.Stats{Loss: s[0], Tokens: total}
	if total > 0 {
		st.MeanRatio, st.ApproxKL, st.ClipFrac = s[1]/total, s[2]/total, s[3]/total
	}
	if math.IsNaN(st.Loss) || math.IsInf(st.Loss, 0) {
		return policy.Stats{}, errors.New("cuda: NFT: the loss is not finite (ratio overflow)")
	}
	return st, nil
}

// nftRows checks b and resolves policy.NFT's options for it with
// policy.NFT.Resolve: each row's constants [correct, 1/(1−r̂), r̂/(1−r̂), ε,
// gCorrect, gNeg] (prm, 6 per row, from policy.NFTRows.Row), the factor
// w_i·scale_i of its summed token terms, and the counted tokens.
func nftRows(n policy.NFT, b *policy.Batch) (prm, scale []float64, total float64, err error) {
	if err := b.Validate(); err != nil {
		return nil, nil, 0, err
	}
	r, err := n.Resolve(b, nil)
	if err != nil {
		return nil, nil, 0, err
	}
	w, total, err := rowWeights(b, r.Agg)
	if err != nil {
		return nil, nil, 0, err
	}
	prm, scale = make([]float64, 6*b.B), make([]float64, b.B)
	for i := range b.B {
		row := r.Row(i, w[i])
		c := 0.0
		if row.Correct {
			c = 1
		}
		copy(prm[6*i:], []float64{c, row.Inv, row.A, r.Eps, row.GCorrect, row.GNeg})
		scale[i] = w[i] * row.Scale
	}
	return prm, scale, total, nil
}

// DPO is preference.DPO on a device, for its sigmoid variant (label
// smoothing and per-pair smoothing included): the rows' summed log-ratios
// Σ_t m_t(lp_t − ref_t) and the gradient's write run on the device; the
// pairs' loss, statistics and per-row coefficients are preference.DPO's
// own, evaluated on the rows' sums.
type DPO struct {
	Device *Device
	DPO    preference.DPO
}

// Eval implements policy.Loss.
func (l DPO) Eval(grad []float64, b *policy.Batch) (policy.Stats, error) { return evalLoss(l, grad, b) }

func (l DPO) device() *Device { return l.Device }

func (l DPO) eval(d *Device, lp, grad *mem, b *policy.Batch) (policy.Stats, error) {
	if l.DPO.Variant != preference.Sigmoid {
		return policy.Stats{}, fmt.Errorf("cuda: DPO runs the sigmoid variant only, not %v", l.DPO.Variant)
	}
	if err := b.Validate(); err != nil {
		return policy.Stats{}, err
	}
	if b.RefLogProbs == nil {
		return policy.Stats{}, errors.New("cuda: DPO needs Batch.RefLogProbs")
	}
	m := &d.loss
	if err := uploadAll(&m.ref, b.RefLogProbs, &m.mask, b.Mask); err != nil {
		return policy.Stats{}, err
	}
	if err := m.x.ensure(8 * b.B); err != nil {
		return policy.Stats{}, err
	}
	if err := launch("rowDiff", C.evRowDiff(nil, C.int(b.B), C.int(b.T), lp.f64(), m.ref.f64(), orNil(&m.mask, b.Mask), m.x.f64())); err != nil {
		return policy.Stats{}, err
	}
	x := make([]float64, b.B)
	if err := download(x, &m.x); err != nil {
		return policy.Stats{}, err
	}
	// The pairs on the rows' sums: a batch of one token per row whose
	// log-ratio is the row's sum gives preference.DPO's loss, statistics and
	// ∂loss/∂x_i, each row's coefficient.
	coef := make([]float64, b.B)
	st, err := l.DPO.Eval(coef, &policy.Batch{B: b.B, T: 1, LogProbs: x, RefLogProbs: make([]float64, b.B), Pairs: b.Pairs})
	if err != nil {
		return policy.Stats{}, err
	}
	st.Tokens = b.Tokens()
	if err := upload(&m.coef, coef); err != nil {
		return policy.Stats{}, err
	}
	return st, launch("scaleMask", C.evScaleMask(nil, C.int(b.B), C.int(b.T), m.coef.f64(), orNil(&m.mask, b.Mask), grad.f64()))
}
