//go:build cuda && cgo

package cuda

import (
	"errors"
	"fmt"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/llama"
)

// Step is the fused log-prob + loss step on the device: the head's forward
// pass on the rows r, laid out as batch b's tokens (len(r.Targets) =
// b.B·b.T; row i·T+t is token t of sequence i, padding rows included and
// masked by b.Mask), the loss on those log-probs, and the head's backward
// pass with the loss's gradient, which it adds to dHidden and dWeight. The
// log-probs and ∂loss/∂logp stay on the device; the log-probs are also
// copied into b.LogProbs (allocated when nil), r.LogProbs and r.LSE. It
// is Head.Forward, loss.Eval and Head.Backward in one call, with the same
// results.
func (h *Head) Step(loss Loss, b *policy.Batch, r *llama.HeadRows, dHidden, dWeight []float32) (policy.Stats, error) {
	if loss == nil || loss.device() != h.Device {
		return policy.Stats{}, errors.New("cuda: Head.Step: the loss must run on the head's Device")
	}
	if b == nil || b.B <= 0 || b.T <= 0 || len(r.Targets) != b.B*b.T {
		return policy.Stats{}, fmt.Errorf("cuda: Head.Step: %d rows for a batch of B*T tokens", len(r.Targets))
	}
	if err := h.check(r, false); err != nil {
		return policy.Stats{}, err
	}
	n := len(r.Targets)
	if len(dHidden) != n*h.Dim || len(dWeight) != len(h.Weight) {
		return policy.Stats{}, fmt.Errorf("cuda: Head.Step: len(dHidden) = %d, len(dWeight) = %d, want %d, %d", len(dHidden), len(dWeight), n*h.Dim, len(h.Weight))
	}
	if b.LogProbs == nil {
		b.LogProbs = make([]float64, n)
	}
	var st policy.Stats
	err := h.Device.do(func() error {
		if err := h.upload(r); err != nil {
			return err
		}
		if err := h.forward(n, false); err != nil {
			return err
		}
		if err := h.results(&llama.HeadRows{LogProbs: r.LogProbs, LSE: r.LSE}); err != nil {
			return err
		}
		copy(b.LogProbs, r.LogProbs)
		if err := h.g.ensure(8 * n); err != nil {
			return err
		}
		var err error
		if st, err = loss.eval(h.Device, &h.logp, &h.g, b); err != nil {
			return err
		}
		return h.backward(dHidden, dWeight, n, false)
	})
	return st, err
}
