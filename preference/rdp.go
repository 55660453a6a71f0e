package preference

import (
	"fmt"

	"github.com/evolve-go/evolve/internal/vec"
	"github.com/evolve-go/evolve/policy"
)

// Reduction says how a row's token log-ratios lp − ref become one value h.
type Reduction int

const (
	// Sum is h = Σ_t M(lp − ref), the sequence log-ratio (PRDP, CoPG).
	Sum Reduction = iota
	// Mean is h = Σ_t M(lp − ref) / Σ_t M, the token mean.
	Mean
)

// RDP is the Reward Difference Prediction objective of PRDP with its
// proximal clip. For a pair (a, b) of completions of the same prompt with
// rewards R_a, R_b, with h the row's log-ratio (see Reduction),
//
//	l = (h_a − h_b − (R_a − R_b)/β)²
//
// With Epsilon > 0 every token's lp − ref is also clipped into
// [old − ref − ε, old − ref + ε] to give h^clip and l^clip, and the pair's
// loss is max(l, l^clip) (at a tie each side gets half the gradient, as
// PyTorch's maximum does). The loss is the mean over Batch.Pairs — with
// MarginPairs, every pair of a group whose rewards differ, pooled across
// groups.
// Every l is 0 exactly when π ∝ π_ref·exp(R/β).
//
// Reads LogProbs, RefLogProbs, Mask, Rewards, Pairs and, with the clip,
// OldLogProbs.
//
// References: Deng et al. 2024, "PRDP: Proximal Reward Difference
// Prediction for Large-Scale Reward Finetuning of Diffusion Models";
// docs/ALGORITHMS.md §4.
type RDP struct {
	// Beta is the KL strength β > 0 that scales rewards to log-ratios.
	// Zero means DefaultBeta, 0.1 (docs/ALGORITHMS.md: for text start from
	// 0.1–1; the paper's diffusion runs use 3e-6…3e-5); negative or
	// non-finite is an error.
	Beta float64

	// Epsilon is the proximal clip ε ≥ 0 on each token's log-ratio around
	// the sampling policy's. Zero means off (plain RDP; OldLogProbs is not
	// read); negative or non-finite is an error. The paper uses 1e-6…1e-4
	// for diffusion; for text, 0.1 is a common start.
	Epsilon float64

	// Reduce is how tokens make h; zero is Sum (the paper's).
	Reduce Reduction
}

// CoPG is the Contrastive Policy Gradient objective. For a pair (a, b)
// with rewards R_a, R_b and summed log-ratios h = Σ_t M(lp − ref), it
// maximises (R_a − R_b)(h_a − h_b) − (β/2)(h_a − h_b)²; the loss is the
// negated mean over Batch.Pairs (MarginPairs: every pair of a group whose
// rewards differ, pooled across groups). Its gradient is exactly β/2 times RDP's
// (unclipped, summed), and its optimum is π ∝ π_ref·exp(R/β) for any
// sampling distribution.
//
// Reads LogProbs, RefLogProbs, Mask, Rewards and Pairs.
//
// References: Flet-Berliac et al. 2024, "Contrastive Policy Gradient:
// Aligning LLMs on sequence-level scores in a supervised-friendly fashion";
// docs/ALGORITHMS.md §4.
type CoPG struct {
	// Beta is the KL strength β > 0. Zero means DefaultBeta, 0.1;
	// negative or non-finite is an error.
	Beta float64
}

func resolveBeta(name string, beta float64) (float64, error) {
	if !finite(beta) || beta < 0 {
		return 0, fmt.Errorf("preference: %s.Beta = %v, want > 0", name, beta)
	}
	if beta == 0 {
		return DefaultBeta, nil
	}
	return beta, nil
}

// logRatioRows fills h (and hc, with the clip) with each row's summed
// log-ratio and cnt with its counted tokens; it returns the total counted
// tokens and the counted tokens outside the clip range.
func logRatioRows(b *policy.Batch, eps float64, h, hc, cnt []float64) (tokens, clipped float64, err error) {
	T := b.T
	for i := range b.B {
		lp, ref, mask := b.LogProbs[i*T:(i+1)*T], b.RefLogProbs[i*T:(i+1)*T], rowMask(b, i)
		if eps == 0 {
			s, n, ok := sumDiff(lp, ref, mask)
			if !ok || !finite(s) {
				return 0, 0, rowError(b, i, "LogProbs", "RefLogProbs")
			}
			h[i], cnt[i] = s, n
			tokens += n
			continue
		}
		s, sc, n, c, chk, ok := sumClip(lp, ref, b.OldLogProbs[i*T:(i+1)*T], mask, eps)
		if !ok || !finite(s) || !finite(sc) || !finite(chk) {
			return 0, 0, rowError(b, i, "LogProbs", "RefLogProbs", "OldLogProbs")
		}
		h[i], hc[i], cnt[i] = s, sc, n
		tokens += n
		clipped += c
	}
	return tokens, clipped, nil
}

// sumClip returns, over one row, Σ M·d and Σ M·clip(d, o−ε, o+ε) with
// d = lp − ref and o = old − ref, the counted tokens, the counted tokens
// outside the clip range, a sum of every o (non-finite when any old or
// ref is), and whether the mask was valid. The three sums run in four
// lanes (see package internal/vec), not one after the other as they did
// before: the results differ from a sequential sum by rounding only.
func sumClip(lp, ref, old, m []float64, eps float64) (s, sc, n, clipped, chk float64, ok bool) {
	r, ok := vec.ClipSums(lp, ref, old, m, eps)
	return r.S, r.SC, r.N, r.Clipped, r.Chk, ok
}

// checkRewardPairs checks the batch, Batch.Pairs and Batch.Rewards that
// RDP and CoPG read: RefLogProbs always, OldLogProbs when needOld.
func checkRewardPairs(grad []float64, b *policy.Batch, needOld bool) error {
	if err := checkShape(grad, b, true, needOld); err != nil {
		return err
	}
	if err := checkPairs(b.Pairs, b.B); err != nil {
		return err
	}
	return checkRewards(b.Rewards, b.B, b.Pairs)
}

// checkRewards checks the length of rewards and the finiteness of those
// of the rows in pairs.
func checkRewards(rewards []float64, B int, pairs []Pair) error {
	if len(rewards) != B {
		return fmt.Errorf("preference: len(Batch.Rewards) = %d, want B = %d", len(rewards), B)
	}
	for _, p := range pairs {
		if err := checkFinite("Batch.Rewards", p.Chosen, rewards[p.Chosen]); err != nil {
			return err
		}
		if err := checkFinite("Batch.Rewards", p.Rejected, rewards[p.Rejected]); err != nil {
			return err
		}
	}
	return nil
}

// pairStats accumulates the implicit-reward diagnostics of RDP and CoPG
// over pairs (a, c): the chosen row is the one with the higher reward.
type pairStats struct {
	beta                float64
	chosen, rejected    float64 // sums of β·h
	correct, comparable float64 // pairs with R_a ≠ R_b, and those ranked as the rewards rank them
}

func (p *pairStats) add(rewards, h []float64, a, c int) {
	dR, dh := rewards[a]-rewards[c], h[a]-h[c]
	if dR < 0 {
		a, c = c, a
	}
	p.chosen += p.beta * h[a]
	p.rejected += p.beta * h[c]
	if dR != 0 {
		p.comparable++
		if (dh > 0) == (dR > 0) && dh != 0 {
			p.correct++
		}
	}
}

// fill writes the diagnostics of n pairs into st.
func (p *pairStats) fill(st *policy.Stats, n int) {
	inv := 1 / float64(n)
	st.Pairs = n
	st.ChosenReward, st.RejectedReward = p.chosen*inv, p.rejected*inv
	st.Margin = st.ChosenReward - st.RejectedReward
	if p.comparable > 0 {
		st.RewardAccuracy = p.correct / p.comparable
	}
}

// Eval implements policy.Loss: it returns the mean RDP loss over
// Batch.Pairs and its diagnostics, and writes ∂loss/∂LogProbs into grad
// (length B*T; nil skips it). Batch.Rewards has one value per row; only
// those of rows in pairs are read.
//
// It returns an error for an empty batch, a slice of the wrong length
// (RefLogProbs and Rewards are required, and OldLogProbs when Epsilon > 0),
// a NaN or Inf among the inputs read, a mask value other than 0 or 1, no
// pair (ErrNoPairs), a pair index out of range, a row with no counted
// token under Mean, and an invalid parameter.
func (r RDP) Eval(grad []float64, b *policy.Batch) (policy.Stats, error) {
	var st policy.Stats
	beta, err := r.check()
	if err != nil {
		return st, err
	}
	eps := r.Epsilon
	if err := checkRewardPairs(grad, b, eps > 0); err != nil {
		return st, err
	}
	B := b.B
	buf := getScratch(5 * B)
	defer scratch.Put(buf)
	s := *buf
	h, hc, cnt, coef, coefc := s[:B], s[B:2*B], s[2*B:3*B], s[3*B:4*B], s[4*B:5*B]
	tokens, clipped, err := logRatioRows(b, eps, h, hc, cnt)
	if err != nil {
		return st, err
	}
	if r.Reduce == Mean {
		if err := meanRows(b.Pairs, h, hc, cnt); err != nil {
			return st, err
		}
	}
	st = r.pairs(b, beta, h, hc, coef, coefc)
	st.Tokens = tokens
	if tokens > 0 {
		st.ClipFrac = clipped / tokens
	}
	if !finite(st.Loss) {
		return st, fmt.Errorf("preference: RDP loss is not finite (%v)", st.Loss)
	}
	if grad != nil {
		r.grad(grad, b, cnt, coef, coefc)
	}
	return st, nil
}

// check validates r and returns β resolved.
func (r RDP) check() (float64, error) {
	beta, err := resolveBeta("RDP", r.Beta)
	if err != nil {
		return 0, err
	}
	if !finite(r.Epsilon) || r.Epsilon < 0 {
		return 0, fmt.Errorf("preference: RDP.Epsilon = %v, want ≥ 0", r.Epsilon)
	}
	if r.Reduce != Sum && r.Reduce != Mean {
		return 0, fmt.Errorf("preference: RDP.Reduce = %d is not a known reduction", int(r.Reduce))
	}
	return beta, nil
}

// meanRows divides each row's log-ratios by its counted tokens, which the
// rows in pairs must have.
func meanRows(pairs []Pair, h, hc, cnt []float64) error {
	for _, p := range pairs {
		for _, i := range [2]int{p.Chosen, p.Rejected} {
			if cnt[i] == 0 {
				return fmt.Errorf("preference: row %d has no counted token (RDP with Mean divides by it)", i)
			}
		}
	}
	for i := range h {
		if cnt[i] > 0 {
			h[i] /= cnt[i]
			hc[i] /= cnt[i]
		}
	}
	return nil
}

// pairs returns the mean RDP loss over b.Pairs from the rows' log-ratios
// h (and, with the clip, hc), with the pair diagnostics, and accumulates
// ∂loss/∂h into coef and ∂loss/∂hc into coefc.
func (r RDP) pairs(b *policy.Batch, beta float64, h, hc, coef, coefc []float64) policy.Stats {
	rewards := b.Rewards
	inv := 1 / float64(len(b.Pairs))
	ps := pairStats{beta: beta}
	var loss, usedClip float64
	for _, p := range b.Pairs {
		a, c := p.Chosen, p.Rejected
		ps.add(rewards, h, a, c)
		tgt := (rewards[a] - rewards[c]) / beta
		z := h[a] - h[c] - tgt
		l, g, gc := z*z, 2*z*inv, 0.0
		if r.Epsilon > 0 {
			// max(l, l^clip): the larger side takes the gradient, a tie
			// splits it.
			zc := hc[a] - hc[c] - tgt
			switch lc := zc * zc; {
			case lc > l:
				l, g, gc = lc, 0, 2*zc*inv
				usedClip++
			case lc == l:
				g, gc = z*inv, zc*inv
			}
		}
		loss += l
		coef[a] += g
		coef[c] -= g
		coefc[a] += gc
		coefc[c] -= gc
	}
	st := policy.Stats{Loss: loss * inv, ClippedPairs: usedClip * inv}
	ps.fill(&st, len(b.Pairs))
	return st
}

// grad writes ∂loss/∂LogProbs from the per-row coefficients.
func (r RDP) grad(grad []float64, b *policy.Batch, cnt, coef, coefc []float64) {
	T := b.T
	for i := range b.B {
		c, cc := coef[i], coefc[i]
		if r.Reduce == Mean && cnt[i] > 0 {
			c /= cnt[i]
			cc /= cnt[i]
		}
		g, mask := grad[i*T:(i+1)*T], rowMask(b, i)
		if cc == 0 {
			scaleMask(g, c, mask)
			continue
		}
		clipGrad(g, b.LogProbs[i*T:(i+1)*T], b.RefLogProbs[i*T:(i+1)*T], b.OldLogProbs[i*T:(i+1)*T], mask, r.Epsilon, c, cc)
	}
}

// clipGrad writes g_t = M_t·(c + cc·[token t inside the clip range]).
func clipGrad(g, lp, ref, old, m []float64, eps, c, cc float64) {
	vec.ClipGrad(g, lp, ref, old, m, eps, c, cc)
}

// Eval implements policy.Loss: it returns the CoPG loss (the negated mean
// objective over Batch.Pairs) and its diagnostics, and writes
// ∂loss/∂LogProbs into grad (length B*T; nil skips it). Batch.Rewards has
// one value per row; only those of rows in pairs are read.
//
// It returns an error for an empty batch, a slice of the wrong length
// (RefLogProbs and Rewards are required), a NaN or Inf among the inputs
// read, a mask value other than 0 or 1, no pair (ErrNoPairs), a pair index
// out of range, and an invalid parameter.
func (o CoPG) Eval(grad []float64, b *policy.Batch) (policy.Stats, error) {
	var st policy.Stats
	beta, err := resolveBeta("CoPG", o.Beta)
	if err != nil {
		return st, err
	}
	if err := checkRewardPairs(grad, b, false); err != nil {
		return st, err
	}
	B := b.B
	buf := getScratch(3 * B)
	defer scratch.Put(buf)
	s := *buf
	h, cnt, coef := s[:B], s[B:2*B], s[2*B:3*B]
	tokens, _, err := logRatioRows(b, 0, h, nil, cnt)
	if err != nil {
		return st, err
	}
	rewards := b.Rewards
	inv := 1 / float64(len(b.Pairs))
	ps := pairStats{beta: beta}
	var loss float64
	for _, p := range b.Pairs {
		a, c := p.Chosen, p.Rejected
		dR, dh := rewards[a]-rewards[c], h[a]-h[c]
		loss -= dR*dh - 0.5*beta*dh*dh
		g := (beta*dh - dR) * inv
		coef[a] += g
		coef[c] -= g
		ps.add(rewards, h, a, c)
	}
	st.Loss = loss * inv
	st.Tokens = tokens
	ps.fill(&st, len(b.Pairs))
	if !finite(st.Loss) {
		return st, fmt.Errorf("preference: CoPG loss is not finite (%v)", st.Loss)
	}
	if grad != nil {
		scaleRows(grad, b, coef)
	}
	return st, nil
}
