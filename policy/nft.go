package policy

import (
	"fmt"
	"math"

	"github.com/evolve-go/evolve/internal/vec"
)

// NFTWeight selects NFT's per-question weight ω.
type NFTWeight int

const (
	// OmegaOneMinusRate is ω = 1 − r̂, the paper's default (normalize=1).
	// On-policy it makes NFT's gradient equal Dr. GRPO's with A = c − r̂.
	OmegaOneMinusRate NFTWeight = iota
	// OmegaSqrt is ω = sqrt((1 − r̂)/r̂) (normalize=2). On-policy it makes
	// NFT's gradient equal GRPO's with population-std advantages.
	OmegaSqrt
	// OmegaOne is ω = 1.
	OmegaOne
)

// NFT is Negative-aware Fine-Tuning: supervised learning on correct
// answers plus an implicit negative policy on incorrect ones. With the
// ratio R = exp(lp − old), the correctness c_i ∈ {0, 1} of sequence i and
// r̂_i the correctness rate of its group clamped to [RateMin, RateMax], the
// per-token loss is
//
//	correct:    ℓ = −ω·log R
//	incorrect:  ℓ = −ω·NegWeight·log max_v((1 − r̂R)/(1 − r̂), ε)
//
// where max_v(x, ε) has the value max(x, ε) and the gradient of x
// (straight-through), so that the incorrect term's gradient is
//
//	∂ℓ/∂lp = ω·NegWeight·r̂R / max(1 − r̂R, ε(1 − r̂)).
//
// The per-token losses are aggregated by Agg (any Aggregation). In the
// negative term, ρ = lp − old is clamped to ±20 before exponentiation, as
// PG does; the gradient through the clamp is 0.
//
// Side inputs: Correct and Rate hold one value per sequence of the batch
// passed to Eval (GroupRates computes Rate from Correct and group ids).
// Batch.OldLogProbs nil means on-policy (R = 1); Batch.RefLogProbs is not
// used.
//
// Eval allocates nothing and, like PG, shares a large batch with worker
// goroutines with results independent of GOMAXPROCS.
//
// References: Chen et al., Bridging Supervised Learning and Reinforcement
// Learning in Math Reasoning (NFT, 2025), code NVlabs/NFT.
type NFT struct {
	// Eps is ε of the straight-through clip of the negative ratio. Zero
	// means the default 1 (the paper's clamp_negative). Must be positive
	// and finite.
	Eps float64
	// Omega is the per-question weight ω. Default (zero value)
	// OmegaOneMinusRate.
	Omega NFTWeight
	// RateMin and RateMax clamp the group rate r̂. Zero means the defaults
	// 0.02 and 0.98 (NVlabs/NFT); they must satisfy
	// 0 < RateMin ≤ RateMax < 1.
	RateMin, RateMax float64
	// DisableNegatives drops the incorrect answers' term: NFT becomes
	// rejection-sampling fine-tuning (RFT, the paper's neg_weight = 0).
	// Default false.
	DisableNegatives bool
	// NegWeight scales the incorrect answers' term. Zero means the default
	// 1 (the paper); turning the term off is DisableNegatives. Negative or
	// non-finite is an error.
	NegWeight float64
	// Agg is the aggregation. nil means SeqMeanTokenSumNorm{} (the sum over
	// tokens divided by B·T; NVlabs/NFT divides by a constant, 1000).
	Agg Aggregation
	// Correct holds c_i, 1 for a correct and 0 for an incorrect sequence,
	// one per sequence. nil means c_i = 1 where Batch.Advantages[i] > 0
	// (Advantages must then hold one value per sequence).
	Correct []float64
	// Rate holds the correctness rate of each sequence's group (the
	// fraction of correct answers among the samples of its prompt), one
	// per sequence, each in [0, 1]. Required.
	Rate []float64
}

// GroupRates writes into dst the correctness rate of each sample's group:
// the mean of correct over the samples sharing its group id (ids are
// arbitrary integers). correct holds 0 or 1 per sample.
func GroupRates(dst, correct []float64, groups []int) error {
	if len(dst) != len(correct) || len(groups) != len(correct) {
		return fmt.Errorf("policy: GroupRates: len(dst) = %d, len(correct) = %d, len(groups) = %d, want equal", len(dst), len(correct), len(groups))
	}
	type acc struct{ n, s float64 }
	m := make(map[int]acc)
	for i, c := range correct {
		if c != 0 && c != 1 {
			return fmt.Errorf("policy: GroupRates: correct[%d] = %v, want 0 or 1", i, c)
		}
		a := m[groups[i]]
		a.n++
		a.s += c
		m[groups[i]] = a
	}
	for i := range dst {
		a := m[groups[i]]
		dst[i] = a.s / a.n
	}
	return nil
}

func (n NFT) config() (eps, rmin, rmax, negW float64, err error) {
	eps, rmin, rmax, negW = n.Eps, n.RateMin, n.RateMax, n.NegWeight
	for _, f := range []struct {
		name string
		v    float64
	}{{"Eps", eps}, {"RateMin", rmin}, {"RateMax", rmax}, {"NegWeight", negW}} {
		if err = checkNonNeg("NFT", f.name, f.v); err != nil {
			return
		}
	}
	if eps == 0 {
		eps = 1
	}
	if rmin == 0 {
		rmin = 0.02
	}
	if rmax == 0 {
		rmax = 0.98
	}
	if negW == 0 {
		negW = 1
	}
	if n.DisableNegatives {
		negW = 0
	}
	if rmin >= 1 || rmax >= 1 || rmin > rmax {
		err = fmt.Errorf("policy: NFT.RateMin = %v, NFT.RateMax = %v, want 0 < RateMin ≤ RateMax < 1", rmin, rmax)
		return
	}
	if n.Omega != OmegaOneMinusRate && n.Omega != OmegaSqrt && n.Omega != OmegaOne {
		err = fmt.Errorf("policy: NFT.Omega = %d is not an NFTWeight", int(n.Omega))
	}
	return
}

// Eval implements Loss. Stats.ClipFracHigh is the fraction of tokens of
// incorrect answers whose negative ratio (1 − r̂R)/(1 − r̂) is clipped at ε;
// ClipFracLow is 0; KLTerm is 0.
func (n NFT) Eval(grad []float64, b *Batch) (Stats, error) {
	eps, rmin, rmax, negW, err := n.config()
	if err != nil {
		return Stats{}, err
	}
	agg := n.Agg
	if agg == nil {
		agg = SeqMeanTokenSumNorm{}
	}
	if err := agg.check(); err != nil {
		return Stats{}, err
	}
	if err := checkBatch(b, false, false, n.Correct == nil, "NFT with nil Correct", true); err != nil {
		return Stats{}, err
	}
	B, T := b.B, b.T
	if grad != nil && len(grad) != B*T {
		return Stats{}, fmt.Errorf("policy: NFT: len(grad) = %d, want B*T = %d", len(grad), B*T)
	}
	if n.Correct == nil && len(b.Advantages) != B {
		return Stats{}, fmt.Errorf("policy: NFT with nil Correct needs one Batch.Advantages per sequence, have %d for B = %d", len(b.Advantages), B)
	}
	if n.Correct != nil {
		if len(n.Correct) != B {
			return Stats{}, fmt.Errorf("policy: len(NFT.Correct) = %d, want B = %d", len(n.Correct), B)
		}
		for i, c := range n.Correct {
			if c != 0 && c != 1 {
				return Stats{}, fmt.Errorf("policy: NFT.Correct[%d] = %v, want 0 or 1", i, c)
			}
		}
	}
	if len(n.Rate) != B {
		return Stats{}, fmt.Errorf("policy: len(NFT.Rate) = %d, want B = %d", len(n.Rate), B)
	}
	for i, r := range n.Rate {
		if !(r >= 0 && r <= 1) {
			return Stats{}, fmt.Errorf("policy: NFT.Rate[%d] = %v, want a value in [0, 1]", i, r)
		}
	}
	k := nftKernel{b: b, grad: grad, old: b.OldLogProbs, agg: agg, eps: eps, rmin: rmin, rmax: rmax, negW: negW,
		omega: n.Omega, correct: n.Correct, rate: n.Rate}
	if k.old == nil {
		k.old = b.LogProbs
	}
	t := getTask(b, agg)
	t.nft = k
	p, err := t.finish(b)
	if err != nil {
		return Stats{}, err
	}
	st := p.stats()
	if !isFinite(st.Loss) {
		return Stats{}, fmt.Errorf("%w (ratio overflow)", errNotFinite)
	}
	return st, nil
}

// nftKernel is NFT's validated configuration for one Eval.
type nftKernel struct {
	b                     *Batch
	grad, old             []float64
	agg                   Aggregation
	eps, rmin, rmax, negW float64
	omega                 NFTWeight
	correct, rate         []float64
}

// rows runs NFT's loop over rows [i0, i1) into p: per token one inlined
// exponential and, for incorrect answers, one inlined logarithm.
func (k *nftKernel) rows(i0, i1 int, total float64, p *partial) {
	b := k.b
	B, T := b.B, b.T
	lp, old, mask, grad := b.LogProbs, k.old, b.Mask, k.grad
	eps, rmin, rmax, negW := k.eps, k.rmin, k.rmax, k.negW
	// chk sums every value read: it is finite exactly when they all are
	// (short of an overflow of finite values, which Validate then clears).
	var loss, ratioSum, akl, nClip, chk float64
	var rbuf [expChunk]float64 // exponentials from vec.ExpDiff, a chunk at a time
	logTable, logInv := vec.LogTables()
	fast := vec.Asm() // vec.NFTRow runs the rows on this CPU
	for i := i0; i < i1; i++ {
		lpr, oldr := lp[i*T:(i+1)*T], old[i*T:(i+1)*T]
		var gr []float64
		maskr, w, err := p.row(k.agg, mask, i, B, T, total)
		if err != nil {
			p.err = err
			break
		}
		if grad != nil {
			gr = grad[i*T : (i+1)*T]
		}
		var correct bool
		if k.correct != nil {
			correct = k.correct[i] == 1
		} else {
			chk += b.Advantages[i]
			correct = b.Advantages[i] > 0
		}
		rh := min(max(k.rate[i], rmin), rmax)
		var omega float64
		switch k.omega {
		case OmegaOneMinusRate:
			omega = 1 - rh
		case OmegaSqrt:
			omega = math.Sqrt((1 - rh) / rh)
		case OmegaOne:
			omega = 1
		}
		// Correct: ℓ = −ω·ρ, ∂ℓ/∂lp = −ω. Incorrect: x = (1 − r̂R)/(1 − r̂)
		// = inv − a·R, ℓ = −ω·NegWeight·log max(x, ε) and ∂ℓ/∂lp =
		// ω·NegWeight·a·R/max(x, ε).
		scale := omega
		if !correct {
			scale = omega * negW
		}
		inv := 1 / (1 - rh)
		a := rh * inv
		gCorrect := -w * omega
		gNeg := w * scale * a
		rowLoss := 0.0
		clipped := 0
		t0 := 0
		if fast {
			// The vector loop: the same per-token arithmetic, gradients
			// bit for bit, the row's sums in four lanes (see package
			// internal/vec: rounding only). The tokens past the last
			// multiple of four go on below.
			prm := vec.NFTParams{Correct: correct, Inv: inv, A: a, Eps: eps, GCorrect: gCorrect, GNeg: gNeg, Lim: maxLogRatio}
			var s vec.NFTSums
			t0 = vec.NFTRow(gr, lpr, oldr, maskr, &prm, &s)
			rowLoss = lanes(s.Loss)
			ratioSum += lanes(s.Ratio)
			akl += lanes(s.AKL)
			chk += lanes(s.Chk)
			clipped = int(s.Clipped)
		}
		for ; t0 < T; t0 += expChunk {
			t1 := min(t0+expChunk, T)
			rb := rbuf[:t1-t0]
			vec.ExpDiff(rb, lpr[t0:t1], oldr[t0:t1], maxLogRatio)
			if correct {
				for t := t0; t < t1; t++ {
					if maskr != nil && maskr[t] == 0 {
						if gr != nil {
							gr[t] = 0
						}
						chk += lpr[t] + oldr[t]
						continue
					}
					rho := lpr[t] - oldr[t]
					chk += rho
					rowLoss -= rho
					rc := max(-maxLogRatio, min(maxLogRatio, rho))
					R := rb[t-t0] // vec.ExpSmall(rc)
					ratioSum += R
					akl += R - 1 - rc
					if gr != nil {
						gr[t] = gCorrect
					}
				}
				continue
			}
			for t := t0; t < t1; t++ {
				if maskr != nil && maskr[t] == 0 {
					if gr != nil {
						gr[t] = 0
					}
					chk += lpr[t] + oldr[t]
					continue
				}
				rho := lpr[t] - oldr[t]
				chk += rho
				rc, live := clampRho(rho)
				R := rb[t-t0] // vec.ExpSmall(rc)
				ratioSum += R
				akl += R - 1 - rc
				// Branch-free: x falls on either side of ε at random.
				x := inv - a*R
				xm := max(x, eps)
				c := 0
				if x <= eps {
					c = 1
				}
				clipped += c
				// log xm, inlined (xm ≥ ε > 0 is finite and normal): the
				// logarithm of vec.NFTRow.
				bits := math.Float64bits(xm)
				e := float64(int64(bits>>52) - 1023)
				j := (bits >> (52 - 7)) & (vec.LogN - 1)
				v := (math.Float64frombits(bits&(1<<52-1)|1023<<52) - (1 + (float64(j)+0.5)*(1.0/vec.LogN))) * logInv[j]
				v2 := v * v
				q := v + v2*((-0.5+v*(1.0/3))+v2*((-0.25+v*0.2)+v2*(-1.0/6)))
				rowLoss -= e*vec.Ln2Hi + (logTable[j] + (q + e*vec.Ln2Lo))
				if gr != nil {
					gr[t] = live * gNeg * R / xm
				}
			}
		}
		nClip += float64(clipped)
		loss += w * scale * rowLoss
	}
	p.loss, p.ratioSum, p.akl, p.nHigh, p.chk = loss, ratioSum, akl, nClip, chk
}
