package preference

import (
	"errors"
	"fmt"

	"github.com/evolve-go/evolve/policy"
)

// Label marks a row of an unpaired (KTO) batch.
type Label int8

const (
	// Unused rows are ignored (gradient 0).
	Unused Label = iota
	// Desirable rows are completions labelled good.
	Desirable
	// Undesirable rows are completions labelled bad.
	Undesirable
	// Mismatched rows are a prompt paired with another prompt's completion
	// (TRL's "KL dataset"); they only estimate the reference point z₀ and
	// get gradient 0.
	Mismatched
)

// ErrNoSamples is returned by KTO given no Desirable or Undesirable row.
var ErrNoSamples = errors.New("preference: no labelled sample")

// KTO is the unpaired Kahneman–Tversky objective. With u = Σ_t M(lp − ref)
// per row and x = β(u − z₀), the loss of a desirable row is
// λ_D·(1 − σ(x)), of an undesirable row λ_U·(1 − σ(−x)), and the loss is
// their mean over every labelled row (TRL's nanmean over the concatenation).
//
// The reference point z₀ carries no gradient. It is, in order:
//   - RefPoint, when FixedRefPoint is set (a caller's estimate, e.g. a
//     running mean over micro-batches or across processes; 0 reproduces
//     TRL without a KL term);
//   - otherwise max(0, mean u over the Mismatched rows), TRL's estimate of
//     KL(π‖π_ref) from completions paired with the wrong prompt;
//   - otherwise, when the batch has no Mismatched row, max(0, mean u over
//     the Desirable and Undesirable rows): the batch mean of the implicit
//     reward, a cheaper estimate biased by the rows' own labels.
//
// Reads LogProbs, RefLogProbs and Mask.
//
// References: Ethayarajh et al. 2024, "KTO: Model Alignment as Prospect
// Theoretic Optimization"; TRL KTOTrainer.kto_loss; docs/ALGORITHMS.md §4.
type KTO struct {
	// Beta is β > 0. Zero means DefaultBeta, 0.1 (TRL KTOConfig.beta);
	// negative or non-finite is an error.
	Beta float64

	// DesirableWeight and UndesirableWeight are λ_D and λ_U ≥ 0. Zero
	// means 1 (the paper's and TRL's default); negative or non-finite is an
	// error. The paper suggests λ_D·n_D/(λ_U·n_U) ∈ [1, 4/3] for
	// imbalanced data.
	DesirableWeight, UndesirableWeight float64

	// FixedRefPoint makes z₀ = RefPoint instead of estimating it from the
	// batch. RefPoint must be finite.
	FixedRefPoint bool
	RefPoint      float64
}

// Eval returns the KTO loss and its diagnostics (ChosenReward and
// RejectedReward are the mean β·u of the desirable and undesirable rows,
// RefPoint is z₀), and writes ∂loss/∂LogProbs into grad (length B*T; nil
// skips it). labels has one Label per row.
//
// It returns an error for an empty batch, a slice of the wrong length, a
// NaN or Inf in LogProbs or RefLogProbs, a mask value other than 0 or 1,
// an unknown label, no labelled row (ErrNoSamples), and an invalid
// parameter.
func (k KTO) Eval(grad []float64, b *policy.Batch, labels []Label) (Stats, error) {
	var st Stats
	beta, err := resolveBeta("KTO", k.Beta)
	if err != nil {
		return st, err
	}
	wD, err := resolveWeight("DesirableWeight", k.DesirableWeight)
	if err != nil {
		return st, err
	}
	wU, err := resolveWeight("UndesirableWeight", k.UndesirableWeight)
	if err != nil {
		return st, err
	}
	if k.FixedRefPoint && !finite(k.RefPoint) {
		return st, fmt.Errorf("preference: KTO.RefPoint = %v is not finite", k.RefPoint)
	}
	if err := checkShape(grad, b, true, false); err != nil {
		return st, err
	}
	if len(labels) != b.B {
		return st, fmt.Errorf("preference: len(labels) = %d, want B = %d", len(labels), b.B)
	}
	var nD, nU, nM int
	for i, l := range labels {
		switch l {
		case Desirable:
			nD++
		case Undesirable:
			nU++
		case Mismatched:
			nM++
		case Unused:
		default:
			return st, fmt.Errorf("preference: labels[%d] = %d is not a known label", i, int(l))
		}
	}
	if nD+nU == 0 {
		return st, ErrNoSamples
	}
	B, T := b.B, b.T
	buf := getScratch(2 * B)
	defer scratch.Put(buf)
	u, coef := (*buf)[:B], (*buf)[B:2*B]
	var mask []float64
	for i := range B {
		if b.Mask != nil {
			mask = b.Mask[i*T : i*T+T]
		}
		s, n, ok := sumDiff(b.LogProbs[i*T:i*T+T], b.RefLogProbs[i*T:i*T+T], mask)
		if !ok || !finite(s) {
			return st, rowError(b, i, "LogProbs", "RefLogProbs")
		}
		u[i] = s
		st.Tokens += n
	}

	z0 := k.RefPoint
	if !k.FixedRefPoint {
		want := Mismatched
		if nM == 0 {
			want = Desirable // and Undesirable, below
		}
		sum, cnt := 0.0, 0
		for i, l := range labels {
			if l == want || (want == Desirable && l == Undesirable) {
				sum += u[i]
				cnt++
			}
		}
		z0 = max(0, sum/float64(cnt))
	}
	st.RefPoint = z0

	inv := 1 / float64(nD+nU)
	var loss, rD, rU float64
	for i, l := range labels {
		switch l {
		case Desirable:
			x := beta * (u[i] - z0)
			s := sigmoid(x)
			loss += wD * (1 - s)
			coef[i] = -wD * beta * s * (1 - s) * inv
			rD += beta * u[i]
		case Undesirable:
			y := beta * (z0 - u[i])
			s := sigmoid(y)
			loss += wU * (1 - s)
			coef[i] = wU * beta * s * (1 - s) * inv
			rU += beta * u[i]
		}
	}
	st.Loss = loss * inv
	st.Pairs = nD + nU
	if nD > 0 {
		st.ChosenReward = rD / float64(nD)
	}
	if nU > 0 {
		st.RejectedReward = rU / float64(nU)
	}
	st.Margin = st.ChosenReward - st.RejectedReward
	if grad == nil {
		return st, nil
	}
	for i := range B {
		if b.Mask != nil {
			mask = b.Mask[i*T : i*T+T]
		}
		scaleMask(grad[i*T:i*T+T], coef[i], mask)
	}
	return st, nil
}

// resolveWeight returns a KTO weight, 1 for zero.
func resolveWeight(name string, w float64) (float64, error) {
	if !finite(w) || w < 0 {
		return 0, fmt.Errorf("preference: KTO.%s = %v, want ≥ 0", name, w)
	}
	if w == 0 {
		return 1, nil
	}
	return w, nil
}
