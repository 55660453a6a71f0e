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
// Reads LogProbs, RefLogProbs, Mask and, without KTO.Labels, Advantages.
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

	// Labels overrides the label of each row of the batch, one per row.
	// nil (the default) labels from Batch.Advantages, one per sequence:
	// Desirable where the advantage is positive, Undesirable where it is
	// negative and Unused where it is 0 (a group whose rewards all tie).
	Labels []Label
}

// Eval implements policy.Loss: it returns the KTO loss and its
// diagnostics (ChosenReward and RejectedReward are the mean β·u of the
// desirable and undesirable rows, RefPoint is z₀), and writes
// ∂loss/∂LogProbs into grad (length B*T; nil skips it).
//
// It returns an error for an empty batch, a slice of the wrong length, a
// NaN or Inf in LogProbs, RefLogProbs or the advantages read, a mask value
// other than 0 or 1, an unknown label, no labelled row (ErrNoSamples),
// and an invalid parameter.
func (k KTO) Eval(grad []float64, b *policy.Batch) (policy.Stats, error) {
	var st policy.Stats
	beta, wD, wU, err := k.check()
	if err != nil {
		return st, err
	}
	if err := checkShape(grad, b, true, false); err != nil {
		return st, err
	}
	labels, err := k.labels(b)
	if err != nil {
		return st, err
	}
	buf := getScratch(2 * b.B)
	defer scratch.Put(buf)
	u, coef := (*buf)[:b.B], (*buf)[b.B:2*b.B]
	for i := range b.B {
		s, n, ok := sumDiff(b.LogProbs[i*b.T:(i+1)*b.T], b.RefLogProbs[i*b.T:(i+1)*b.T], rowMask(b, i))
		if !ok || !finite(s) {
			return st, rowError(b, i, "LogProbs", "RefLogProbs")
		}
		u[i] = s
		st.Tokens += n
	}
	st.RefPoint = k.refPoint(labels, u)
	inv := 1 / float64(labels.nD+labels.nU)
	var loss, rD, rU float64
	for i := range u {
		switch labels.at(i) {
		case Desirable:
			s := sigmoid(beta * (u[i] - st.RefPoint))
			loss += wD * (1 - s)
			coef[i] = -wD * beta * s * (1 - s) * inv
			rD += beta * u[i]
		case Undesirable:
			s := sigmoid(beta * (st.RefPoint - u[i]))
			loss += wU * (1 - s)
			coef[i] = wU * beta * s * (1 - s) * inv
			rU += beta * u[i]
		}
	}
	st.Loss = loss * inv
	st.Pairs = labels.nD + labels.nU
	if labels.nD > 0 {
		st.ChosenReward = rD / float64(labels.nD)
	}
	if labels.nU > 0 {
		st.RejectedReward = rU / float64(labels.nU)
	}
	st.Margin = st.ChosenReward - st.RejectedReward
	if grad != nil {
		scaleRows(grad, b, coef)
	}
	return st, nil
}

// check validates k and returns β, λ_D and λ_U resolved.
func (k KTO) check() (beta, wD, wU float64, err error) {
	if beta, err = resolveBeta("KTO", k.Beta); err != nil {
		return
	}
	if wD, err = resolveWeight("DesirableWeight", k.DesirableWeight); err != nil {
		return
	}
	if wU, err = resolveWeight("UndesirableWeight", k.UndesirableWeight); err != nil {
		return
	}
	if k.FixedRefPoint && !finite(k.RefPoint) {
		err = fmt.Errorf("preference: KTO.RefPoint = %v is not finite", k.RefPoint)
	}
	return
}

// ktoLabels are the labels of a batch's rows, KTO.Labels or the signs of
// Batch.Advantages, and their counts.
type ktoLabels struct {
	of         []Label   // KTO.Labels; nil when the labels come from adv
	adv        []float64 // Batch.Advantages, one per row, when of is nil
	nD, nU, nM int
}

// at returns the label of row i: of[i], or Desirable, Undesirable or
// Unused as adv[i] is positive, negative or 0.
func (l *ktoLabels) at(i int) Label {
	switch {
	case l.of != nil:
		return l.of[i]
	case l.adv[i] > 0:
		return Desirable
	case l.adv[i] < 0:
		return Undesirable
	}
	return Unused
}

// labels returns the rows' labels, KTO.Labels or those derived from the
// advantages, and checks them.
func (k KTO) labels(b *policy.Batch) (ktoLabels, error) {
	l := ktoLabels{of: k.Labels}
	switch {
	case l.of != nil && len(l.of) != b.B:
		return l, fmt.Errorf("preference: len(KTO.Labels) = %d, want B = %d", len(l.of), b.B)
	case l.of == nil && len(b.Advantages) != b.B:
		return l, fmt.Errorf("preference: KTO needs KTO.Labels or one Batch.Advantages per sequence (have %d for B = %d)", len(b.Advantages), b.B)
	case l.of == nil:
		for i, a := range b.Advantages {
			if err := checkFinite("Batch.Advantages", i, a); err != nil {
				return l, err
			}
		}
		l.adv = b.Advantages
	}
	for i := range b.B {
		switch x := l.at(i); x {
		case Desirable:
			l.nD++
		case Undesirable:
			l.nU++
		case Mismatched:
			l.nM++
		case Unused:
		default:
			return l, fmt.Errorf("preference: KTO.Labels[%d] = %d is not a known label", i, int(x))
		}
	}
	if l.nD+l.nU == 0 {
		return l, ErrNoSamples
	}
	return l, nil
}

// refPoint returns z₀ (see KTO) from the rows' summed log-ratios u.
func (k KTO) refPoint(l ktoLabels, u []float64) float64 {
	if k.FixedRefPoint {
		return k.RefPoint
	}
	sum, cnt := 0.0, 0
	for i := range u {
		if x := l.at(i); x == Mismatched || l.nM == 0 && (x == Desirable || x == Undesirable) {
			sum += u[i]
			cnt++
		}
	}
	return max(0, sum/float64(cnt))
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
