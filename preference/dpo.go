package preference

import (
	"fmt"
	"math"

	"github.com/evolve-go/evolve/policy"
)

// Variant selects the pairwise loss of a DPO objective. The names follow
// TRL's loss_type values.
type Variant int

// The DPO-family losses, with x = βΔ, Δ = u_w − u_l and u = Σ_t M(lp − ref):
const (
	// Sigmoid is DPO: −(1−ε)·logσ(x) − ε·logσ(−x); ε > 0 is conservative
	// DPO (cDPO) and CREAM. References: Rafailov et al. 2023; Mitchell 2023.
	Sigmoid Variant = iota
	// IPO is (u_w/|y_w| − u_l/|y_l| − 1/(2β))² with |y| the counted tokens
	// (TRL's default), or (Δ − 1/(2β))² with DPO.IPOSummed (OpenRLHF).
	// References: Azar et al. 2023.
	IPO
	// Hinge is SLiC's max(0, 1 − x). References: Zhao et al. 2023.
	Hinge
	// Robust is (−(1−ε)·logσ(x) + ε·logσ(−x))/(1−2ε), ε ∈ [0, 0.5).
	// References: Chowdhury et al. 2024.
	Robust
	// ExoPair is σ(x)(logσ(x) − log(1−ε)) + σ(−x)(logσ(−x) − log ε),
	// ε ∈ (0, 1). References: Ji et al. 2024.
	ExoPair
	// NCAPair is −logσ(βu_w) − ½logσ(−βu_w) − ½logσ(−βu_l).
	// References: Chen et al. 2024.
	NCAPair
	// BCOPair is −logσ(βu_w) − logσ(−βu_l); TRL's running-mean shift δ is
	// not applied (δ = 0). References: Jung et al. 2024.
	BCOPair
	// SPPOHard is (u_w − 1/(2β))² + (u_l + 1/(2β))². References: Wu et al. 2024.
	SPPOHard
	// APOZero is (1 − σ(βu_w)) + σ(βu_l). References: D'Oosterlinck et al. 2024.
	APOZero
	// APODown is σ(βu_w) + (1 − σ(βΔ)). References: D'Oosterlinck et al. 2024.
	APODown
	// SimPO is reference-free: −(1−ε)·logσ(z) − ε·logσ(−z) with
	// z = β(m_w − m_l) − γ and m the mean log-prob over counted tokens.
	// RefLogProbs is not read. References: Meng et al. 2024.
	SimPO
)

var variantNames = [...]string{"sigmoid", "ipo", "hinge", "robust", "exo_pair", "nca_pair",
	"bco_pair", "sppo_hard", "apo_zero", "apo_down", "simpo"}

// String returns TRL's name of the loss (for example "exo_pair").
func (v Variant) String() string {
	if v >= 0 && int(v) < len(variantNames) {
		return variantNames[v]
	}
	return fmt.Sprintf("Variant(%d)", int(v))
}

// Defaults of the DPO family.
const (
	DefaultBeta       = 0.1  // β of DPO (Rafailov et al. 2023; TRL DPOConfig.beta)
	DefaultSimPOGamma = 0.5  // SimPO margin γ (TRL CPOConfig.simpo_gamma)
	DefaultExoEpsilon = 1e-3 // EXO's ε (TRL uses 1e-3 when label_smoothing is 0)
)

// DPO is a pairwise preference objective of the DPO family:
//
//	L = (1/P) Σ_{(w,l) ∈ pairs} ℓ(u_w, u_l),  u = Σ_t M(lp − ref),
//
// with ℓ the Variant's loss (see the Variant constants). Its zero value is
// sigmoid DPO with β = 0.1.
//
// Rows of the batch are completions; each of Batch.Pairs names a chosen
// and a rejected row (a row may appear in several pairs; BestWorstPairs
// and MarginPairs build them from rewards). Every variant but SimPO needs
// Batch.RefLogProbs; OldLogProbs and Advantages are not read.
//
// References: Rafailov et al. 2023, "Direct Preference Optimization: Your
// Language Model is Secretly a Reward Model"; TRL DPOTrainer.dpo_loss;
// docs/ALGORITHMS.md §4.
type DPO struct {
	// Variant is the loss; zero is Sigmoid (DPO).
	Variant Variant

	// Beta is the inverse temperature β > 0. Zero means DefaultBeta, 0.1
	// (DPO paper, TRL); negative or non-finite is an error. SimPO's paper
	// uses 2–2.5.
	Beta float64

	// LabelSmoothing is ε, the assumed probability that a pair's label is
	// flipped. Sigmoid and SimPO: ε ∈ [0, 1], zero = off (plain DPO);
	// cDPO uses ε ≤ 0.5, CREAM sets ε = 1 − C (see CREAMSmoothing).
	// Robust: ε ∈ [0, 0.5), zero = off. ExoPair: ε ∈ (0, 1), zero means
	// DefaultExoEpsilon (1e-3, TRL). Other variants do not use it and
	// reject a non-zero value.
	LabelSmoothing float64

	// Gamma is SimPO's target margin γ ≥ 0. Zero means DefaultSimPOGamma,
	// 0.5 (TRL CPOConfig.simpo_gamma); negative or non-finite is an error.
	// Only SimPO reads it; others reject a non-zero value.
	Gamma float64

	// IPOSummed makes IPO use summed log-ratios, (Δ − 1/(2β))², as
	// OpenRLHF does. false (the default, TRL's) divides each side by its
	// counted tokens. Only IPO reads it.
	IPOSummed bool

	// PairSmoothing, when set, gives each of Batch.Pairs its own label
	// smoothing in [0, 1] (PairSmoothing[k] for Batch.Pairs[k]),
	// replacing LabelSmoothing: CREAM's per-prompt consistency (see
	// CREAMSmoothing). Sigmoid and SimPO only. nil (the default): every
	// pair gets LabelSmoothing.
	PairSmoothing []float64
}

// dpoParams are a DPO's resolved parameters.
type dpoParams struct {
	v               Variant
	beta, eps, gam  float64
	normalize       bool // per-row quantity is the mean over counted tokens
	ref             bool // reads RefLogProbs
	logExo1, logExo float64
}

func (d DPO) params() (dpoParams, error) {
	p := dpoParams{v: d.Variant, beta: d.Beta, eps: d.LabelSmoothing, gam: d.Gamma, ref: true}
	if d.Variant < Sigmoid || d.Variant > SimPO {
		return p, fmt.Errorf("preference: DPO.Variant = %d is not a known variant", int(d.Variant))
	}
	if !finite(p.beta) || p.beta < 0 {
		return p, fmt.Errorf("preference: DPO.Beta = %v, want > 0", p.beta)
	}
	if p.beta == 0 {
		p.beta = DefaultBeta
	}
	if !finite(p.eps) {
		return p, fmt.Errorf("preference: DPO.LabelSmoothing = %v is not finite", p.eps)
	}
	switch d.Variant {
	case Sigmoid, SimPO:
		if p.eps < 0 || p.eps > 1 {
			return p, fmt.Errorf("preference: DPO.LabelSmoothing = %v, want in [0, 1] for %v", p.eps, d.Variant)
		}
	case Robust:
		if p.eps < 0 || p.eps >= 0.5 {
			return p, fmt.Errorf("preference: DPO.LabelSmoothing = %v, want in [0, 0.5) for robust", p.eps)
		}
	case ExoPair:
		if p.eps == 0 {
			p.eps = DefaultExoEpsilon
		}
		if p.eps <= 0 || p.eps >= 1 {
			return p, fmt.Errorf("preference: DPO.LabelSmoothing = %v, want in (0, 1) for exo_pair", p.eps)
		}
		p.logExo1, p.logExo = math.Log1p(-p.eps), math.Log(p.eps)
	default:
		if p.eps != 0 {
			return p, fmt.Errorf("preference: DPO.LabelSmoothing = %v, but %v does not use it", p.eps, d.Variant)
		}
	}
	if d.Variant == SimPO {
		if !finite(p.gam) || p.gam < 0 {
			return p, fmt.Errorf("preference: DPO.Gamma = %v, want ≥ 0", p.gam)
		}
		if p.gam == 0 {
			p.gam = DefaultSimPOGamma
		}
		p.normalize, p.ref = true, false
	} else if p.gam != 0 {
		return p, fmt.Errorf("preference: DPO.Gamma = %v, but %v does not use it", p.gam, d.Variant)
	}
	if d.Variant == IPO {
		p.normalize = !d.IPOSummed
	} else if d.IPOSummed {
		return p, fmt.Errorf("preference: DPO.IPOSummed is set, but %v does not use it", d.Variant)
	}
	return p, nil
}

// pair returns the loss of one pair and its derivatives with respect to
// the per-row quantities x_w and x_l (u, u/|y| or the mean log-prob).
func (p *dpoParams) pair(xw, xl float64) (loss, dw, dl float64) {
	beta := p.beta
	switch p.v {
	case Sigmoid:
		x := beta * (xw - xl)
		loss = -(1-p.eps)*logSigmoid(x) - p.eps*logSigmoid(-x)
		g := beta * (-(1-p.eps)*sigmoid(-x) + p.eps*sigmoid(x))
		return loss, g, -g
	case SimPO:
		x := beta*(xw-xl) - p.gam
		loss = -(1-p.eps)*logSigmoid(x) - p.eps*logSigmoid(-x)
		g := beta * (-(1-p.eps)*sigmoid(-x) + p.eps*sigmoid(x))
		return loss, g, -g
	case IPO:
		z := xw - xl - 1/(2*beta)
		return z * z, 2 * z, -2 * z
	case Hinge:
		x := beta * (xw - xl)
		if 1-x > 0 {
			return 1 - x, -beta, beta
		}
		return 0, 0, 0
	case Robust:
		x := beta * (xw - xl)
		k := 1 / (1 - 2*p.eps)
		loss = (-(1-p.eps)*logSigmoid(x) + p.eps*logSigmoid(-x)) * k
		g := beta * k * (-(1-p.eps)*sigmoid(-x) - p.eps*sigmoid(x))
		return loss, g, -g
	case ExoPair:
		x := beta * (xw - xl)
		sp, sm := sigmoid(x), sigmoid(-x)
		loss = sp*(logSigmoid(x)-p.logExo1) + sm*(logSigmoid(-x)-p.logExo)
		// d/dx = σ(x)σ(−x)·(x − log((1−ε)/ε)).
		g := beta * sp * sm * (x - p.logExo1 + p.logExo)
		return loss, g, -g
	case NCAPair:
		a, c := beta*xw, beta*xl
		loss = -logSigmoid(a) - 0.5*logSigmoid(-a) - 0.5*logSigmoid(-c)
		return loss, beta * (-sigmoid(-a) + 0.5*sigmoid(a)), beta * 0.5 * sigmoid(c)
	case BCOPair:
		a, c := beta*xw, beta*xl
		loss = -logSigmoid(a) - logSigmoid(-c)
		return loss, -beta * sigmoid(-a), beta * sigmoid(c)
	case SPPOHard:
		h := 1 / (2 * beta)
		zw, zl := xw-h, xl+h
		return zw*zw + zl*zl, 2 * zw, 2 * zl
	case APOZero:
		a, c := beta*xw, beta*xl
		sa, sc := sigmoid(a), sigmoid(c)
		return (1 - sa) + sc, -beta * sa * (1 - sa), beta * sc * (1 - sc)
	case APODown:
		a, x := beta*xw, beta*(xw-xl)
		sa, sx := sigmoid(a), sigmoid(x)
		dx := beta * sx * (1 - sx)
		return sa + (1 - sx), beta*sa*(1-sa) - dx, dx
	}
	return math.NaN(), 0, 0
}

// Eval implements policy.Loss: it returns the mean over Batch.Pairs of the
// loss and its diagnostics, and writes ∂loss/∂LogProbs into grad (length
// B*T, laid out like the batch; nil skips it). Rows in no pair get
// gradient 0, as do masked tokens.
//
// It returns an error for an empty batch, a slice of the wrong length, a
// NaN or Inf in LogProbs or RefLogProbs (SimPO: LogProbs), a mask value
// other than 0 or 1, no pair (ErrNoPairs), a pair index out of range or a
// pair of a row with itself, a length-normalised row (IPO, SimPO) with no
// counted token, and an invalid parameter (PairSmoothing included).
func (d DPO) Eval(grad []float64, b *policy.Batch) (policy.Stats, error) {
	if d.PairSmoothing == nil {
		return d.eval(grad, b)
	}
	if d.Variant != Sigmoid && d.Variant != SimPO {
		return policy.Stats{}, fmt.Errorf("preference: DPO.PairSmoothing is set, but %v takes no per-pair label smoothing", d.Variant)
	}
	if b != nil && len(d.PairSmoothing) != len(b.Pairs) {
		return policy.Stats{}, fmt.Errorf("preference: len(DPO.PairSmoothing) = %d, want len(Batch.Pairs) = %d", len(d.PairSmoothing), len(b.Pairs))
	}
	for k, e := range d.PairSmoothing {
		if !(e >= 0 && e <= 1) {
			return policy.Stats{}, fmt.Errorf("preference: DPO.PairSmoothing[%d] = %v, want in [0, 1]", k, e)
		}
	}
	return d.eval(grad, b)
}

// EvalSmoothed is Eval with DPO.PairSmoothing = smoothing: one label
// smoothing per pair, smoothing[k] for Batch.Pairs[k]. It serves CREAM per
// prompt, where each prompt's pairs get ε = CREAMSmoothing of that
// prompt's rankings. Only Sigmoid and SimPO take it; each value must lie
// in [0, 1].
func (d DPO) EvalSmoothed(grad []float64, b *policy.Batch, smoothing []float64) (policy.Stats, error) {
	if smoothing == nil {
		smoothing = []float64{}
	}
	d.PairSmoothing = smoothing
	return d.Eval(grad, b)
}

// eval is Eval once PairSmoothing is checked.
func (d DPO) eval(grad []float64, b *policy.Batch) (policy.Stats, error) {
	var st policy.Stats
	p, err := d.params()
	if err != nil {
		return st, err
	}
	if err := checkShape(grad, b, p.ref, false); err != nil {
		return st, err
	}
	if err := checkPairs(b.Pairs, b.B); err != nil {
		return st, err
	}
	buf := getScratch(3 * b.B)
	defer scratch.Put(buf)
	x, cnt, coef := (*buf)[:b.B], (*buf)[b.B:2*b.B], (*buf)[2*b.B:3*b.B]
	if st.Tokens, err = p.rows(b, x, cnt); err != nil {
		return st, err
	}
	if err := p.pairs(&st, b.Pairs, x, cnt, coef, d.PairSmoothing); err != nil {
		return st, err
	}
	if grad == nil {
		return st, nil
	}
	if p.normalize {
		for i, n := range cnt {
			if n > 0 {
				coef[i] /= n
			}
		}
	}
	scaleRows(grad, b, coef)
	return st, nil
}

// rows writes each row's quantity x (u, u/|y| or the mean log-prob) and
// its counted tokens cnt, and returns the batch's counted tokens.
func (p *dpoParams) rows(b *policy.Batch, x, cnt []float64) (tokens float64, err error) {
	T := b.T
	for i := range b.B {
		lp, mask := b.LogProbs[i*T:(i+1)*T], rowMask(b, i)
		var s, n float64
		var ok bool
		if p.ref {
			s, n, ok = sumDiff(lp, b.RefLogProbs[i*T:(i+1)*T], mask)
		} else {
			s, n, ok = sumMasked(lp, mask)
		}
		if !ok || !finite(s) {
			if p.ref {
				return 0, rowError(b, i, "LogProbs", "RefLogProbs")
			}
			return 0, rowError(b, i, "LogProbs")
		}
		tokens += n
		cnt[i] = n
		if p.normalize && n > 0 {
			s /= n
		}
		x[i] = s
	}
	return tokens, nil
}

// pairs fills st with the mean loss over pairs and its diagnostics, and
// accumulates ∂loss/∂x_i into coef; smoothing, when set, holds each
// pair's label smoothing.
func (p *dpoParams) pairs(st *policy.Stats, pairs []Pair, x, cnt, coef, smoothing []float64) error {
	inv := 1 / float64(len(pairs))
	var loss, cw, cl, acc float64
	for k, pr := range pairs {
		if p.normalize {
			for _, r := range [2]int{pr.Chosen, pr.Rejected} {
				if cnt[r] == 0 {
					return fmt.Errorf("preference: Batch.Pairs[%d]: row %d has no counted token (%v divides by it)", k, r, p.v)
				}
			}
		}
		xw, xl := x[pr.Chosen], x[pr.Rejected]
		if smoothing != nil {
			p.eps = smoothing[k]
		}
		l, dw, dl := p.pair(xw, xl)
		loss += l
		coef[pr.Chosen] += dw * inv
		coef[pr.Rejected] += dl * inv
		rw, rl := p.beta*xw, p.beta*xl
		cw += rw
		cl += rl
		if rw > rl {
			acc++
		}
	}
	st.Loss = loss * inv
	st.Pairs = len(pairs)
	st.ChosenReward, st.RejectedReward = cw*inv, cl*inv
	st.Margin, st.RewardAccuracy = st.ChosenReward-st.RejectedReward, acc*inv
	if !finite(st.Loss) {
		return fmt.Errorf("preference: %v loss is not finite (%v)", p.v, st.Loss)
	}
	return nil
}
