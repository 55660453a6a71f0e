package policy

import (
	"github.com/evolve-go/evolve/internal/vec"
)

// expChunk is how many tokens' exponentials the fused loops compute ahead.
const expChunk = 256

// checkShape checks what the kernels index by — the shape and the lengths
// of the slices that are set — and leaves the element checks to the
// kernels, which fall back to Validate when they meet a bad value.
func checkShape(b *Batch) error {
	if b == nil {
		return ErrEmptyBatch
	}
	n, err := shape("Batch.B*Batch.T", b.B, b.T)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    []float64
	}{{"LogProbs", b.LogProbs}, {"OldLogProbs", b.OldLogProbs}, {"RefLogProbs", b.RefLogProbs}, {"Mask", b.Mask}} {
		if f.v != nil && len(f.v) != n || f.v == nil && f.name == "LogProbs" {
			return checkSlice(f.name, f.v, n, b.T, true)
		}
	}
	if b.Advantages != nil && len(b.Advantages) != b.B && len(b.Advantages) != n {
		return b.Validate()
	}
	return nil
}

// tokenClip is the fused single pass of PG for the token-level PPO clip
// surrogate with any KL estimator: per token one exponential for the ratio
// and, with k3, one for the KL term, both inlined. Bad values (NaN, ±Inf,
// a mask entry other than 0 or 1) are caught by a running check sum and
// then reported by Validate, so the common path reads every input once.
func (k *pgKernel) tokenClip() (Stats, error) {
	t := getTask(k.b, k.agg)
	t.pg = *k
	p, err := t.finish(k.b)
	if err != nil {
		return Stats{}, err
	}
	return p.stats(), nil
}

// clipRows runs tokenClip's loop over rows [i0, i1) into p.
func (k *pgKernel) clipRows(i0, i1 int, total float64, p *partial) {
	b := k.b
	B, T := b.B, b.T
	lp, old, ref, mask, adv, grad := b.LogProbs, k.old, b.RefLogProbs, b.Mask, b.Advantages, k.grad
	perToken := len(adv) != B
	beta := k.kl.Coef
	kle := k.kl.Estimator
	if beta == 0 {
		kle = -1
	}
	lo, hi, dual := k.lo, k.hi, k.dual
	var loss, ratioSum, akl, klSum, nLow, nHigh, chk float64
	var rbuf, ebuf [expChunk]float64
	// fast: vec.TokenClip runs the rows it can (one advantage per row, k3
	// or no KL) on this CPU. Its check sum covers lp − old and,
	// with k3, ref − lp at every token, so it must not run without KL when
	// RefLogProbs is set: the loop below checks those at masked tokens.
	fast := vec.Asm() && (kle == K3 || kle < 0 && ref == nil)
	for i := i0; i < i1; i++ {
		lpr := lp[i*T : (i+1)*T]
		oldr := old[i*T : (i+1)*T]
		var refr, advr, gr []float64
		if ref != nil {
			refr = ref[i*T : (i+1)*T]
		}
		maskr, w, err := p.row(k.agg, mask, i, B, T, total)
		if err != nil {
			p.err = err
			break
		}
		a := 0.0
		if perToken {
			advr = adv[i*T : (i+1)*T]
		} else {
			a = adv[i]
			chk += a
		}
		if grad != nil {
			gr = grad[i*T : (i+1)*T]
		}
		rowLoss := 0.0
		t0 := 0
		if fast && advr == nil {
			// The vector loop: the same per-token arithmetic, gradients
			// bit for bit, but the row's sums in four lanes (see package
			// internal/vec), which changes them by rounding only. The
			// tokens past the last multiple of four go on below.
			prm := vec.TokenClipParams{A: a, Lo: lo, Hi: hi, Dual: dual, KL: kle == K3, Beta: beta, W: w, Lim: maxLogRatio}
			var s vec.TokenClipSums
			t0 = vec.TokenClip(gr, lpr, oldr, refr, maskr, &prm, &s)
			rowLoss = lanes(s.Loss)
			ratioSum += lanes(s.Ratio)
			akl += lanes(s.AKL)
			klSum += lanes(s.KL)
			chk += lanes(s.Chk)
			if a > 0 {
				nHigh += s.Clipped
			} else if a < 0 {
				nLow += s.Clipped
			}
		}
		// With the assembly kernels, the exponentials come a chunk at a
		// time from vec.ExpDiff (the same function, four at a time), then
		// the token loop reads them; the portable build keeps them inline.
		for ; t0 < T; t0 += expChunk {
			t1 := min(t0+expChunk, T)
			var rb, eb []float64
			if vec.Asm() {
				rb = rbuf[:t1-t0]
				vec.ExpDiff(rb, lpr[t0:t1], oldr[t0:t1], maxLogRatio)
				if kle == K3 {
					eb = ebuf[:t1-t0]
					vec.ExpDiff(eb, refr[t0:t1], lpr[t0:t1], maxLogRatio)
				}
			}
			for t := t0; t < t1; t++ {
				if maskr != nil && maskr[t] == 0 {
					if gr != nil {
						gr[t] = 0
					}
					chk += lpr[t] + oldr[t]
					if refr != nil {
						chk += refr[t]
					}
					if advr != nil {
						chk += advr[t]
					}
					continue
				}
				if advr != nil {
					a = advr[t]
					chk += a
				}
				rho := lpr[t] - oldr[t]
				chk += rho
				rho, live := clampRho(rho)
				var r float64 // vec.ExpSmall(rho), |rho| ≤ 20
				if rb != nil {
					r = rb[t-t0]
				} else {
					r = vec.ExpSmall(rho)
				}
				ratioSum += r
				akl += r - 1 - rho
				l, g, side := vec.ClipTerm(r, a, lo, hi, dual)
				g *= live
				if side > 0 {
					nHigh++
				} else if side < 0 {
					nLow++
				}
				if kle >= 0 {
					x := refr[t] - lpr[t]
					chk += x
					var kl, gk float64
					if kle == K3 {
						var ex float64 // vec.ExpSmall(x clamped to ±maxLogRatio)
						if eb != nil {
							ex = eb[t-t0]
						} else {
							ex = vec.ExpSmall(max(-maxLogRatio, min(maxLogRatio, x)))
						}
						kl, gk = vec.K3(x, ex, maxLogRatio)
					} else {
						kl, gk = kle.term(x)
					}
					klSum += kl
					l += beta * kl
					g += beta * gk
				}
				rowLoss += l
				if gr != nil {
					gr[t] = w * g
				}
			}
		}
		loss += w * rowLoss
	}
	p.loss, p.ratioSum, p.akl, p.klSum, p.nLow, p.nHigh, p.chk = loss, ratioSum, akl, klSum, nLow, nHigh, chk
}

// lanes combines four lane sums as package internal/vec does.
func lanes(l [4]float64) float64 { return (l[0] + l[1]) + (l[2] + l[3]) }
