package policy

import (
	"errors"
	"fmt"

	"github.com/evolve-go/evolve/internal/vec"
)

// Loss is an objective over a Batch. Eval returns the loss and its
// diagnostics and, when grad is not nil, writes ∂loss/∂LogProbs into grad,
// which must have length B*T (laid out like the batch). Masked tokens get
// exactly 0. On error the contents of grad are unspecified.
type Loss interface {
	Eval(grad []float64, b *Batch) (Stats, error)
}

// Stats are the diagnostics of one Eval. Means are over the counted tokens.
type Stats struct {
	// Loss is the value of the objective.
	Loss float64
	// ClipFracLow is the fraction of tokens whose ratio is below the lower
	// clip with A < 0 (their gradient is 0).
	ClipFracLow float64
	// ClipFracHigh is the fraction of tokens whose ratio is above the
	// upper clip with A > 0 (PPOClip), or above the cap (CISPO).
	ClipFracHigh float64
	// MeanRatio is the mean of r = exp(lp − old) (GSPO: of s_i).
	MeanRatio float64
	// ApproxKL is the mean of r − 1 − log r, an estimate of
	// KL(π_old‖πθ) (CleanRL's approx_kl).
	ApproxKL float64
	// KLTerm is the mean of the KL estimator k(ref − lp), before the
	// coefficient; 0 when the KL penalty is off.
	KLTerm float64
	// Tokens is the number of counted tokens.
	Tokens float64
}

// PG is the GRPO-family policy-gradient loss, built from three independent
// choices: the per-token surrogate ℓ_t, an optional KL penalty and the
// aggregation of the per-token losses:
//
//	L = Σ_i w_i Σ_t M_t (ℓ_t + β·k_t)
//
// where w_i is the aggregation weight of sequence i. Batch.Advantages must
// be set (one value per sequence or per token). Batch.OldLogProbs nil means
// the batch is on-policy (old = lp, every ratio is 1), as in TRL with one
// optimisation step per generation. Batch.RefLogProbs is needed only when
// KL.Coef > 0.
//
// Eval allocates nothing. A batch of at least 32768 tokens is split into
// chunks of whole rows shared with up to GOMAXPROCS−1 worker goroutines
// (token-level PPO clip); the chunks' sums are added in a fixed order, so
// the result is the same, bit for bit, for any GOMAXPROCS.
//
// The zero value is GRPO's surrogate (PPO clip 0.2/0.2) without KL, with
// seq-mean-token-mean aggregation. See the presets GRPO, DAPO, DrGRPO and
// GSPO.
//
// References: docs/ALGORITHMS.md §2; Shao et al.,
// DeepSeekMath (2024); Yu et al., DAPO (2025); Liu et al., Dr. GRPO (2025);
// Zheng et al., GSPO (2025).
type PG struct {
	// Surrogate is the per-token term. nil means PPOClip{}.
	Surrogate Surrogate
	// KL is the KL penalty. Zero value: off.
	KL KL
	// Agg is the aggregation. nil means SeqMeanTokenMean{} (GRPO).
	Agg Aggregation
}

// GRPO returns the loss of DeepSeekMath's GRPO: PPO clip ε = 0.2, k3 KL
// with β = 0.04, seq-mean-token-mean. Pair it with GroupNorm advantages.
func GRPO() PG {
	return PG{Surrogate: PPOClip{EpsLow: 0.2, EpsHigh: 0.2}, KL: KL{Estimator: K3, Coef: 0.04}, Agg: SeqMeanTokenMean{}}
}

// DAPO returns DAPO's loss: clip-higher (ε_low 0.2, ε_high 0.28), no KL,
// token-mean aggregation. (Dynamic sampling and overlong shaping are on
// the sampling and reward side.)
func DAPO() PG {
	return PG{Surrogate: PPOClip{EpsLow: 0.2, EpsHigh: 0.28}, Agg: TokenMean{}}
}

// DrGRPO returns Dr. GRPO's loss: PPO clip 0.2, no KL, and the sum over
// tokens divided by B·n, n the maximum completion length (0 means the
// batch's padded length). Pair it with GroupMean advantages (no std).
func DrGRPO(n float64) PG {
	return PG{Surrogate: PPOClip{EpsLow: 0.2, EpsHigh: 0.2}, Agg: SeqMeanTokenSumNorm{N: n}}
}

// GSPO returns GSPO's loss: the sequence-level ratio clipped to
// [1 − 3e-4, 1 + 4e-4], no KL, seq-mean-token-mean.
func GSPO() PG {
	return PG{Surrogate: PPOClip{EpsLow: 3e-4, EpsHigh: 4e-4, Level: SequenceLevel}, Agg: SeqMeanTokenMean{}}
}

// errNotFinite is wrapped when the inputs pass validation but the loss
// overflows.
var errNotFinite = errors.New("policy: the loss is not finite")

// checkBatch validates b for an objective that needs the named fields.
// With shapeOnly, only the shape and the lengths are checked (the kernel
// then checks the values it reads).
func checkBatch(b *Batch, needOld, needRef, needAdv bool, who string, shapeOnly bool) error {
	check := b.Validate
	if shapeOnly {
		check = func() error { return checkShape(b) }
	}
	if err := check(); err != nil {
		return err
	}
	if needOld && b.OldLogProbs == nil {
		return fmt.Errorf("policy: %s needs Batch.OldLogProbs", who)
	}
	if needRef && b.RefLogProbs == nil {
		return fmt.Errorf("policy: %s with KL.Coef > 0 needs Batch.RefLogProbs", who)
	}
	if needAdv && b.Advantages == nil {
		return fmt.Errorf("policy: %s needs Batch.Advantages", who)
	}
	return nil
}

// Eval implements Loss.
func (p PG) Eval(grad []float64, b *Batch) (Stats, error) {
	sur := p.Surrogate
	if sur == nil {
		sur = PPOClip{}
	}
	agg := p.Agg
	if agg == nil {
		agg = SeqMeanTokenMean{}
	}
	if err := sur.check(); err != nil {
		return Stats{}, err
	}
	if err := p.KL.check(); err != nil {
		return Stats{}, err
	}
	if err := agg.check(); err != nil {
		return Stats{}, err
	}
	fast := false
	if s, ok := sur.(PPOClip); ok && s.Level == TokenLevel {
		fast = true
	}
	if err := checkBatch(b, false, p.KL.Coef > 0, true, "PG", fast); err != nil {
		return Stats{}, err
	}
	if grad != nil && len(grad) != b.B*b.T {
		return Stats{}, fmt.Errorf("policy: PG: len(grad) = %d, want B*T = %d", len(grad), b.B*b.T)
	}
	k := pgKernel{b: b, grad: grad, agg: agg, kl: p.KL}
	if k.old = b.OldLogProbs; k.old == nil {
		k.old = b.LogProbs
	}
	switch s := sur.(type) {
	case PPOClip:
		k.lo, k.hi = s.bounds()
		k.dual = s.DualClip
		if s.Level == SequenceLevel {
			k.kind = surSeqClip
		}
	case CISPO:
		k.kind, k.hi = surCISPO, s.max()
	case Reinforce:
		k.kind = surReinforce
	default:
		return Stats{}, fmt.Errorf("policy: PG: unknown Surrogate %T", sur)
	}
	run := k.run
	if fast {
		run = k.tokenClip
	}
	st, err := run()
	if err != nil {
		return Stats{}, err
	}
	if !isFinite(st.Loss) {
		return Stats{}, fmt.Errorf("%w (ratio or advantage overflow)", errNotFinite)
	}
	return st, nil
}

type surKind int

const (
	surClip surKind = iota
	surSeqClip
	surCISPO
	surReinforce
)

// pgKernel evaluates a PG loss. run is the generic per-token loop (every
// surrogate); tokenClip is the fused loop for the token-level PPO clip that
// Eval uses instead, and tests check that the two agree.
type pgKernel struct {
	b            *Batch
	grad, old    []float64
	agg          Aggregation
	kl           KL
	kind         surKind
	lo, hi, dual float64
}

func (k *pgKernel) run() (Stats, error) {
	b := k.b
	B, T := b.B, b.T
	lp, old, ref, mask, adv, grad := b.LogProbs, k.old, b.RefLogProbs, b.Mask, b.Advantages, k.grad
	perToken := len(adv) != B
	beta := k.kl.Coef
	kle := k.kl.Estimator
	total := b.Tokens()
	var st Stats
	var loss, ratioSum, akl, klSum, nLow, nHigh float64
	for i := range B {
		row := i * T
		Li := seqTokens(mask, i, T)
		w, err := k.agg.weight(i, B, T, Li, total)
		if err != nil {
			return st, err
		}
		a := 0.0
		if !perToken {
			a = adv[i]
		}
		rowLoss := 0.0
		if k.kind == surSeqClip {
			rowLoss = k.seqRow(i, w, Li, &ratioSum, &akl, &klSum, &nLow, &nHigh)
			loss += rowLoss
			continue
		}
		for t := range T {
			j := row + t
			if mask != nil && mask[j] == 0 {
				if grad != nil {
					grad[j] = 0
				}
				continue
			}
			if perToken {
				a = adv[j]
			}
			rho, live := clampRho(lp[j] - old[j])
			r := vec.Exp(rho)
			ratioSum += r
			akl += r - 1 - rho
			var l, g float64
			switch k.kind {
			case surClip:
				var low, high bool
				l, g, low, high = clipTerm(r, a, k.lo, k.hi, k.dual)
				g *= live
				if low {
					nLow++
				}
				if high {
					nHigh++
				}
			case surCISPO:
				c := r
				if r > k.hi {
					c = k.hi
					nHigh++
				}
				l, g = -c*a*lp[j], -c*a
			case surReinforce:
				l, g = -a*lp[j], -a
			}
			if beta > 0 {
				kv, kg := klTerm(kle, ref[j]-lp[j])
				klSum += kv
				l += beta * kv
				g += beta * kg
			}
			rowLoss += l
			if grad != nil {
				grad[j] = w * g
			}
		}
		loss += w * rowLoss
	}
	st.Loss = loss
	st.Tokens = total
	if total > 0 {
		st.MeanRatio = ratioSum / total
		st.ApproxKL = akl / total
		st.KLTerm = klSum / total
		st.ClipFracLow = nLow / total
		st.ClipFracHigh = nHigh / total
	}
	return st, nil
}

// seqRow evaluates one sequence with GSPO's sequence-level ratio and
// returns its weighted loss.
func (k *pgKernel) seqRow(i int, w, Li float64, ratioSum, akl, klSum, nLow, nHigh *float64) float64 {
	b := k.b
	T := b.T
	row := i * T
	lp, old, ref, mask, adv, grad := b.LogProbs, k.old, b.RefLogProbs, b.Mask, b.Advantages, k.grad
	perToken := len(adv) != b.B
	if Li == 0 {
		if grad != nil {
			clear(grad[row : row+T])
		}
		return 0
	}
	sum := 0.0
	for t := range T {
		j := row + t
		if mask != nil && mask[j] == 0 {
			continue
		}
		sum += lp[j] - old[j]
	}
	logS, live := clampRho(sum / Li)
	s := vec.Exp(logS)
	beta := k.kl.Coef
	rowLoss, G := 0.0, 0.0
	for t := range T {
		j := row + t
		if mask != nil && mask[j] == 0 {
			if grad != nil {
				grad[j] = 0
			}
			continue
		}
		var a float64
		if perToken {
			a = adv[j]
		} else {
			a = adv[i]
		}
		rho, _ := clampRho(lp[j] - old[j])
		r := vec.Exp(rho)
		*akl += r - 1 - rho
		*ratioSum += s
		l, g, low, high := clipTerm(s, a, k.lo, k.hi, k.dual)
		if low {
			*nLow++
		}
		if high {
			*nHigh++
		}
		G += g
		gk := 0.0
		if beta > 0 {
			kv, kg := klTerm(k.kl.Estimator, ref[j]-lp[j])
			*klSum += kv
			l += beta * kv
			gk = beta * kg
		}
		rowLoss += l
		if grad != nil {
			grad[j] = w * gk
		}
	}
	if grad != nil {
		// ∂/∂lp_t of Σ_u ℓ(s, A_u) = (Σ_u ∂ℓ/∂log s)·M_t/L_i.
		gs := w * live * G / Li
		for t := range T {
			j := row + t
			if mask != nil && mask[j] == 0 {
				continue
			}
			grad[j] += gs
		}
	}
	return w * rowLoss
}
