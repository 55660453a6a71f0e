package policy

import (
	"fmt"
	"math"
	"sync"

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
	// Correct overrides the correctness c_i of each sequence: 1 for a
	// correct and 0 for an incorrect one, NaN for one to leave out (no
	// loss, no gradient). nil (the default) takes c_i from the batch:
	// Batch.Rewards when set (each 0, 1 or NaN), otherwise 1 where
	// Batch.Advantages[i] > 0 and 0 elsewhere.
	Correct []float64
	// Rate overrides the correctness rate r̂ of each sequence's group, one
	// value in [0, 1] per sequence. nil (the default) computes it from the
	// correctness and Batch.Groups (GroupRates), which must then be set.
	Rate []float64
}

// GroupRates writes into dst the correctness rate of each sample's group:
// the mean of correct over the samples sharing its group id (ids are
// arbitrary integers). correct holds 0 or 1 per sample, or NaN for a
// sample left out of the means; a group whose samples are all left out has
// rate 0.
func GroupRates(dst, correct []float64, groups []int) error {
	return groupRates(dst, correct, groups, make(map[int]groupAcc))
}

// groupAcc is a group's count of samples and sum of correctness.
type groupAcc struct{ n, s float64 }

// groupMaps holds the maps NFT.Eval counts its groups in, so that it
// allocates nothing once warm; a map goes back cleared.
var groupMaps = sync.Pool{New: func() any { return make(map[int]groupAcc) }}

// groupRates is GroupRates counting in m, which must be empty.
func groupRates(dst, correct []float64, groups []int, m map[int]groupAcc) error {
	if len(dst) != len(correct) || len(groups) != len(correct) {
		return fmt.Errorf("policy: GroupRates: len(dst) = %d, len(correct) = %d, len(groups) = %d, want equal", len(dst), len(correct), len(groups))
	}
	for i, c := range correct {
		if math.IsNaN(c) {
			continue
		}
		if c != 0 && c != 1 {
			return fmt.Errorf("policy: GroupRates: correct[%d] = %v, want 0, 1 or NaN", i, c)
		}
		a := m[groups[i]]
		a.n++
		a.s += c
		m[groups[i]] = a
	}
	for i := range dst {
		dst[i] = 0
		if a := m[groups[i]]; a.n > 0 {
			dst[i] = a.s / a.n
		}
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

// Eval implements Loss. Stats.ClipFrac is the fraction of tokens of
// incorrect answers whose negative ratio (1 − r̂R)/(1 − r̂) is clipped at
// ε; KLTerm and the PG clip fractions are 0.
func (n NFT) Eval(grad []float64, b *Batch) (Stats, error) {
	sig := scratchPool.Get().(*[]float64)
	defer scratchPool.Put(sig)
	r, err := n.Resolve(b, sig)
	if err != nil {
		return Stats{}, err
	}
	if err := checkGrad("NFT", grad, b); err != nil {
		return Stats{}, err
	}
	k := nftKernel{b: b, grad: grad, old: b.OldLogProbs, NFTRows: r}
	if k.old == nil {
		k.old = b.LogProbs
	}
	t := getTask(b, r.Agg)
	t.nft = k
	p, err := t.finish(b)
	if err != nil {
		return Stats{}, err
	}
	st := p.stats()
	st.ClipFrac, st.ClipFracHigh = st.ClipFracHigh, 0
	if !isFinite(st.Loss) {
		return Stats{}, fmt.Errorf("%w (ratio overflow)", errNotFinite)
	}
	return st, nil
}

// NFTRows is an NFT resolved for one batch (see NFT.Resolve): its
// hyperparameters with their defaults applied, and each sequence's
// correctness c_i and group rate r̂_i, all checked. Row gives the
// constants of row i of the loss.
type NFTRows struct {
	// Eps is ε of the straight-through clip (NFT.Eps, default 1).
	Eps float64
	// Agg is the aggregation (NFT.Agg, default SeqMeanTokenSumNorm{}).
	Agg Aggregation

	rmin, rmax, negW float64
	omega            NFTWeight
	correct, rate    []float64
}

// Resolve checks n and the shape of b and resolves n for b, as NFT.Eval
// does before its token loop: the defaults ε = 1, RateMin = 0.02,
// RateMax = 0.98, NegWeight = 1 (0 with DisableNegatives) and Agg
// SeqMeanTokenSumNorm{}, and per sequence the correctness c_i (NFT.Correct,
// else Batch.Rewards, else 1 where Batch.Advantages[i] > 0, which must be
// finite) and the group rate r̂_i (NFT.Rate, each in [0, 1], else the
// GroupRates of Batch.Groups). It does not check the log-probs and mask
// (Batch.Validate does).
//
// What Resolve derives from the batch it writes into *buf, grown as
// needed (buf nil: a new slice). The result reads NFT.Correct, NFT.Rate,
// Batch.Rewards and *buf: it holds while they are unchanged.
func (n NFT) Resolve(b *Batch, buf *[]float64) (NFTRows, error) {
	eps, rmin, rmax, negW, err := n.config()
	if err != nil {
		return NFTRows{}, err
	}
	agg := n.Agg
	if agg == nil {
		agg = SeqMeanTokenSumNorm{}
	}
	if err := agg.Check(); err != nil {
		return NFTRows{}, err
	}
	if err := checkBatch(b, needs{who: "NFT", shapeOnly: true}); err != nil {
		return NFTRows{}, err
	}
	if buf == nil {
		buf = new([]float64)
	}
	correct, rate, err := n.signals(b, buf)
	if err != nil {
		return NFTRows{}, err
	}
	return NFTRows{Eps: eps, Agg: agg, rmin: rmin, rmax: rmax, negW: negW, omega: n.Omega, correct: correct, rate: rate}, nil
}

// scratchPool holds per-sequence buffers for the objectives that derive
// per-sequence signals from a batch.
var scratchPool = sync.Pool{New: func() any { return new([]float64) }}

// signals returns each sequence's correctness (1, 0 or NaN for left out)
// and group rate, from NFT.Correct and NFT.Rate or from the batch (see
// their doc), checked. What it derives it writes into buf.
func (n NFT) signals(b *Batch, buf *[]float64) (correct, rate []float64, err error) {
	B := b.B
	*buf = grow(*buf, 2*B)
	correct, name := n.Correct, "NFT.Correct"
	if correct == nil && b.Rewards != nil {
		correct, name = b.Rewards, "Batch.Rewards"
	}
	if correct == nil {
		if len(b.Advantages) != B {
			return nil, nil, fmt.Errorf("policy: NFT needs NFT.Correct, Batch.Rewards or one Batch.Advantages per sequence (have %d for B = %d)", len(b.Advantages), B)
		}
		correct = (*buf)[:B]
		for i, a := range b.Advantages {
			if !isFinite(a) {
				return nil, nil, fmt.Errorf("policy: Batch.Advantages[%d] is %v", i, a)
			}
			correct[i] = 0
			if a > 0 {
				correct[i] = 1
			}
		}
	}
	if len(correct) != B {
		return nil, nil, fmt.Errorf("policy: len(%s) = %d, want B = %d", name, len(correct), B)
	}
	for i, c := range correct {
		if c != 0 && c != 1 && !math.IsNaN(c) {
			return nil, nil, fmt.Errorf("policy: %s[%d] = %v, want 0 or 1 (NaN: left out) for NFT", name, i, c)
		}
	}
	if rate = n.Rate; rate == nil {
		if len(b.Groups) != B {
			return nil, nil, fmt.Errorf("policy: NFT needs NFT.Rate or one Batch.Groups per sequence (have %d for B = %d)", len(b.Groups), B)
		}
		rate = (*buf)[B : 2*B]
		m := groupMaps.Get().(map[int]groupAcc)
		err = groupRates(rate, correct, b.Groups, m)
		clear(m)
		groupMaps.Put(m)
		return correct, rate, err
	}
	if len(rate) != B {
		return nil, nil, fmt.Errorf("policy: len(NFT.Rate) = %d, want B = %d", len(rate), B)
	}
	for i, r := range rate {
		if !(r >= 0 && r <= 1) {
			return nil, nil, fmt.Errorf("policy: NFT.Rate[%d] = %v, want a value in [0, 1]", i, r)
		}
	}
	return correct, rate, nil
}

// nftKernel is NFT's validated configuration for one Eval.
type nftKernel struct {
	b         *Batch
	grad, old []float64
	NFTRows
}

// NFTRow holds the constants of one row of NFT's loss, with the clamped
// rate r̂ = min(max(r̂_i, RateMin), RateMax), the weight ω of NFT.Omega
// (ω = 0 for a row left out) and the row's aggregation weight w.
type NFTRow struct {
	// Correct is c_i ≠ 0 (a row left out, c_i NaN, runs as a correct one
	// with ω = 0: no loss, gradient 0).
	Correct bool
	// Scale is ω (correct) or ω·NegWeight (incorrect); the row's loss is
	// w·Scale times the sum of its per-token terms: −ρ (correct) or
	// −log max(x, ε) (incorrect), ρ = lp − old.
	Scale float64
	// Inv and A give an incorrect token's x = (1 − r̂R)/(1 − r̂) = Inv − A·R:
	// Inv = 1/(1 − r̂), A = r̂/(1 − r̂).
	Inv, A float64
	// GCorrect = −w·ω is ∂ℓ/∂lp at a correct token; an incorrect one's
	// is GNeg·R/max(x, ε) (0 where ρ was clamped), GNeg = w·Scale·A.
	GCorrect, GNeg float64
}

// Row returns the constants of row i with aggregation weight w.
func (r *NFTRows) Row(i int, w float64) NFTRow {
	rh := min(max(r.rate[i], r.rmin), r.rmax)
	var omega float64
	switch c := r.correct[i]; {
	case math.IsNaN(c):
	case r.omega == OmegaOneMinusRate:
		omega = 1 - rh
	case r.omega == OmegaSqrt:
		omega = math.Sqrt((1 - rh) / rh)
	case r.omega == OmegaOne:
		omega = 1
	}
	row := NFTRow{Correct: r.correct[i] != 0, Scale: omega, Inv: 1 / (1 - rh)}
	if !row.Correct {
		row.Scale = omega * r.negW
	}
	row.A = rh * row.Inv
	row.GCorrect = -w * omega
	row.GNeg = w * row.Scale * row.A
	return row
}

// rows runs NFT's loop over rows [i0, i1) into p: per token one inlined
// exponential and, for incorrect answers, one inlined logarithm.
func (k *nftKernel) rows(i0, i1 int, total float64, p *partial) {
	b := k.b
	T := b.T
	var s sums
	var rbuf [expChunk]float64 // the tails' exponentials, a chunk at a time
	for i := i0; i < i1; i++ {
		lpr, oldr := b.LogProbs[i*T:(i+1)*T], k.old[i*T:(i+1)*T]
		var gr []float64
		maskr, w, err := p.row(k.Agg, b.Mask, i, b.B, T, total)
		if err != nil {
			p.err = err
			break
		}
		if k.grad != nil {
			gr = k.grad[i*T : (i+1)*T]
		}
		r := k.Row(i, w)
		rowLoss, t0 := 0.0, 0
		if vec.Asm() {
			// The vector loop: the same per-token arithmetic, gradients
			// bit for bit, the row's sums in four lanes (see package
			// internal/vec: rounding only). The tokens past the last
			// multiple of four go on below.
			prm := vec.NFTParams{Correct: r.Correct, Inv: r.Inv, A: r.A, Eps: k.Eps, GCorrect: r.GCorrect, GNeg: r.GNeg, Lim: maxLogRatio}
			var v vec.NFTSums
			t0 = vec.NFTRow(gr, lpr, oldr, maskr, &prm, &v)
			rowLoss = lanes(v.Loss)
			s.ratio += lanes(v.Ratio)
			s.akl += lanes(v.AKL)
			s.chk += lanes(v.Chk)
			s.nHigh += v.Clipped
		}
		rowLoss += k.tail(&r, gr, lpr, oldr, maskr, t0, &s, &rbuf)
		s.loss += w * r.Scale * rowLoss
	}
	p.sums = s
}

// tail runs tokens [t0, T) of a row with constants r, token by token with
// exponentials from vec.ExpDiff a chunk at a time into rbuf, adding to s,
// and returns the sum of their per-token terms.
func (k *nftKernel) tail(r *NFTRow, gr, lpr, oldr, maskr []float64, t0 int, s *sums, rbuf *[expChunk]float64) float64 {
	logTable, logInv := vec.LogTables()
	rowLoss, clipped := 0.0, 0
	for ; t0 < len(lpr); t0 += expChunk {
		t1 := min(t0+expChunk, len(lpr))
		rb := rbuf[:t1-t0]
		vec.ExpDiff(rb, lpr[t0:t1], oldr[t0:t1], maxLogRatio)
		for t := t0; t < t1; t++ {
			if maskr != nil && maskr[t] == 0 {
				if gr != nil {
					gr[t] = 0
				}
				s.chk += lpr[t] + oldr[t]
				continue
			}
			rho := lpr[t] - oldr[t]
			s.chk += rho
			rc, live := clampRho(rho)
			R := rb[t-t0] // vec.ExpSmall(rc)
			s.ratio += R
			s.akl += R - 1 - rc
			if r.Correct {
				rowLoss -= rho
				if gr != nil {
					gr[t] = r.GCorrect
				}
				continue
			}
			// Branch-free: x falls on either side of ε at random.
			x := r.Inv - r.A*R
			xm := max(x, k.Eps)
			c := 0
			if x <= k.Eps {
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
				gr[t] = live * r.GNeg * R / xm
			}
		}
	}
	s.nHigh += float64(clipped)
	return rowLoss
}
