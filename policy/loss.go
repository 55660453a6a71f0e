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

// needs names the optional fields of a Batch that an objective reads.
type needs struct {
	who                  string // the objective, for errors
	old, ref, adv        bool   // OldLogProbs, RefLogProbs, Advantages
	refWhy               string // why RefLogProbs is needed, for its error
	shapeOnly            bool   // check shapes and lengths only: the kernel checks the values it reads
	perSequenceAdvantage bool   // Advantages must hold one value per sequence
}

// checkBatch validates b for an objective with the given needs.
func checkBatch(b *Batch, n needs) error {
	check := b.Validate
	if n.shapeOnly {
		check = func() error { return checkShape(b) }
	}
	if err := check(); err != nil {
		return err
	}
	if n.old && b.OldLogProbs == nil {
		return fmt.Errorf("policy: %s needs Batch.OldLogProbs", n.who)
	}
	if n.ref && b.RefLogProbs == nil {
		return fmt.Errorf("policy: %s%s needs Batch.RefLogProbs", n.who, n.refWhy)
	}
	if n.adv && b.Advantages == nil {
		return fmt.Errorf("policy: %s needs Batch.Advantages", n.who)
	}
	if n.perSequenceAdvantage && len(b.Advantages) != b.B {
		return fmt.Errorf("policy: %s needs one Batch.Advantages per sequence, have %d for B = %d", n.who, len(b.Advantages), b.B)
	}
	return nil
}

// checkGrad checks the length of a gradient buffer (nil: not wanted).
func checkGrad(who string, grad []float64, b *Batch) error {
	if grad != nil && len(grad) != b.B*b.T {
		return fmt.Errorf("policy: %s: len(grad) = %d, want B*T = %d", who, len(grad), b.B*b.T)
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
	if err := sur.Check(); err != nil {
		return Stats{}, err
	}
	if err := p.KL.Check(); err != nil {
		return Stats{}, err
	}
	if err := agg.Check(); err != nil {
		return Stats{}, err
	}
	clip, isClip := sur.(PPOClip)
	fast := isClip && clip.Level == TokenLevel
	if err := checkBatch(b, needs{who: "PG", ref: p.KL.Coef > 0, refWhy: " with KL.Coef > 0", adv: true, shapeOnly: fast}); err != nil {
		return Stats{}, err
	}
	if err := checkGrad("PG", grad, b); err != nil {
		return Stats{}, err
	}
	k := pgKernel{b: b, grad: grad, agg: agg, kl: p.KL, sur: sur}
	if k.old = b.OldLogProbs; k.old == nil {
		k.old = b.LogProbs
	}
	if isClip {
		k.lo, k.hi = clip.Bounds()
		k.dual = clip.DualClip
		k.seq = clip.Level == SequenceLevel
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

// pgKernel evaluates a PG loss. run is the generic loop (every surrogate,
// token by token or, with seq, sequence by sequence); tokenClip is the
// fused loop for the token-level PPO clip that Eval uses instead, and
// tests check that the two agree.
type pgKernel struct {
	b            *Batch
	grad, old    []float64
	agg          Aggregation
	kl           KL
	sur          Surrogate
	seq          bool    // GSPO's sequence-level ratio
	lo, hi, dual float64 // the PPO clip's bounds, for tokenClip
}

func (k *pgKernel) run() (Stats, error) {
	b := k.b
	total := b.Tokens()
	var s sums
	for i := range b.B {
		Li := seqTokens(b.Mask, i, b.T)
		w, err := k.agg.Weight(i, b.B, b.T, Li, total)
		if err != nil {
			return Stats{}, err
		}
		if k.seq {
			s.loss += k.seqRow(i, w, Li, &s)
		} else {
			s.loss += k.tokenRow(i, w, &s)
		}
	}
	return s.stats(total), nil
}

// advantage returns the advantage of token j of sequence i.
func (k *pgKernel) advantage(i, j int) float64 {
	if adv := k.b.Advantages; len(adv) != k.b.B {
		return adv[j]
	}
	return k.b.Advantages[i]
}

// klToken returns β·k and β·∂k/∂lp of token j, adding k to s.kl.
func (k *pgKernel) klToken(j int, s *sums) (l, g float64) {
	if k.kl.Coef == 0 {
		return 0, 0
	}
	b := k.b
	kv, kg := k.kl.Estimator.term(b.RefLogProbs[j] - b.LogProbs[j])
	s.kl += kv
	return k.kl.Coef * kv, k.kl.Coef * kg
}

// tokenRow evaluates sequence i token by token and returns its weighted
// loss.
func (k *pgKernel) tokenRow(i int, w float64, s *sums) float64 {
	b := k.b
	lp, old, mask, grad := b.LogProbs, k.old, b.Mask, k.grad
	rowLoss := 0.0
	for j := i * b.T; j < (i+1)*b.T; j++ {
		if mask != nil && mask[j] == 0 {
			if grad != nil {
				grad[j] = 0
			}
			continue
		}
		rho, live := clampRho(lp[j] - old[j])
		r := vec.Exp(rho)
		s.ratio += r
		s.akl += r - 1 - rho
		l, dr, dlp, clip := k.sur.Term(r, k.advantage(i, j), lp[j])
		s.count(clip)
		lk, gk := k.klToken(j, s)
		rowLoss += l + lk
		if grad != nil {
			grad[j] = w * (live*dr + dlp + gk)
		}
	}
	return w * rowLoss
}

// seqRow evaluates sequence i with GSPO's sequence-level ratio
//
//	s_i = exp((1/L_i) Σ_t M_t (lp_t − old_t))
//
// in place of every token's own ratio, and returns its weighted loss.
func (k *pgKernel) seqRow(i int, w, Li float64, s *sums) float64 {
	b := k.b
	lp, old, mask, grad := b.LogProbs, k.old, b.Mask, k.grad
	row := b.T * i
	if Li == 0 {
		if grad != nil {
			clear(grad[row : row+b.T])
		}
		return 0
	}
	sum := 0.0
	for j := row; j < row+b.T; j++ {
		if mask == nil || mask[j] != 0 {
			sum += lp[j] - old[j]
		}
	}
	logS, live := clampRho(sum / Li)
	si := vec.Exp(logS)
	rowLoss, G := 0.0, 0.0
	for j := row; j < row+b.T; j++ {
		if mask != nil && mask[j] == 0 {
			if grad != nil {
				grad[j] = 0
			}
			continue
		}
		rho, _ := clampRho(lp[j] - old[j])
		s.akl += vec.Exp(rho) - 1 - rho
		s.ratio += si
		l, dr, dlp, clip := k.sur.Term(si, k.advantage(i, j), lp[j])
		s.count(clip)
		G += dr
		lk, gk := k.klToken(j, s)
		rowLoss += l + lk
		if grad != nil {
			grad[j] = w * (dlp + gk)
		}
	}
	if grad != nil {
		// ∂/∂lp_t of Σ_u ℓ(s, A_u) through s = (Σ_u ∂ℓ/∂log s)·M_t/L_i.
		gs := w * live * G / Li
		for j := row; j < row+b.T; j++ {
			if mask == nil || mask[j] != 0 {
				grad[j] += gs
			}
		}
	}
	return w * rowLoss
}
