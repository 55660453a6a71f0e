package policy

import "github.com/evolve-go/evolve/internal/vec"

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

// clipRow is one row of tokenClip's loop: its slices (refr, advr and gr
// nil when unused), its advantage (one per row) and weight.
type clipRow struct {
	lpr, oldr, refr, advr, maskr, gr []float64
	a, w                             float64
}

// clipRows runs tokenClip's loop over rows [i0, i1) into p.
func (k *pgKernel) clipRows(i0, i1 int, total float64, p *partial) {
	b := k.b
	T := b.T
	kle := k.kl.Estimator
	if k.kl.Coef == 0 {
		kle = -1
	}
	// fast: vec.TokenClip runs the rows it can (one advantage per row, k3
	// or no KL) on this CPU. Its check sum covers lp − old and,
	// with k3, ref − lp at every token, so it must not run without KL when
	// RefLogProbs is set: the loop below checks those at masked tokens.
	fast := vec.Asm() && (kle == K3 || kle < 0 && b.RefLogProbs == nil)
	var s sums
	var exps [2][expChunk]float64 // the tails' exponentials, a chunk at a time
	for i := i0; i < i1; i++ {
		var r clipRow
		var err error
		if r.maskr, r.w, err = p.row(k.agg, b.Mask, i, b.B, T, total); err != nil {
			p.err = err
			break
		}
		r.lpr, r.oldr = b.LogProbs[i*T:(i+1)*T], k.old[i*T:(i+1)*T]
		if b.RefLogProbs != nil {
			r.refr = b.RefLogProbs[i*T : (i+1)*T]
		}
		if len(b.Advantages) != b.B {
			r.advr = b.Advantages[i*T : (i+1)*T]
		} else {
			r.a = b.Advantages[i]
			s.chk += r.a
		}
		if k.grad != nil {
			r.gr = k.grad[i*T : (i+1)*T]
		}
		rowLoss, t0 := 0.0, 0
		if fast && r.advr == nil {
			rowLoss, t0 = k.clipVector(&r, kle, &s)
		}
		rowLoss += k.clipTail(&r, kle, t0, &s, &exps)
		s.loss += r.w * rowLoss
	}
	p.sums = s
}

// clipVector runs the vector loop of row r: the same per-token arithmetic,
// gradients bit for bit, but the row's sums in four lanes (see package
// internal/vec), which changes them by rounding only. It returns the sum
// of the per-token losses and the tokens done; those past the last
// multiple of four are left to clipTail.
func (k *pgKernel) clipVector(r *clipRow, kle KLEstimator, s *sums) (rowLoss float64, done int) {
	prm := vec.TokenClipParams{A: r.a, Lo: k.lo, Hi: k.hi, Dual: k.dual, KL: kle == K3, Beta: k.kl.Coef, W: r.w, Lim: maxLogRatio}
	var v vec.TokenClipSums
	done = vec.TokenClip(r.gr, r.lpr, r.oldr, r.refr, r.maskr, &prm, &v)
	s.ratio += lanes(v.Ratio)
	s.akl += lanes(v.AKL)
	s.kl += lanes(v.KL)
	s.chk += lanes(v.Chk)
	if r.a > 0 {
		s.nHigh += v.Clipped
	} else if r.a < 0 {
		s.nLow += v.Clipped
	}
	return lanes(v.Loss), done
}

// clipTail runs tokens [t0, T) of row r token by token, adding to s, and
// returns the sum of their per-token losses. With the assembly kernels,
// the exponentials come a chunk at a time from vec.ExpDiff (the same
// function, four at a time) into exps; the portable build computes them
// inline.
func (k *pgKernel) clipTail(r *clipRow, kle KLEstimator, t0 int, s *sums, exps *[2][expChunk]float64) float64 {
	rbuf, ebuf := &exps[0], &exps[1]
	beta, lo, hi, dual := k.kl.Coef, k.lo, k.hi, k.dual
	a, w, T := r.a, r.w, len(r.lpr)
	lpr, oldr, refr, advr, maskr, gr := r.lpr, r.oldr, r.refr, r.advr, r.maskr, r.gr
	var ratioSum, akl, klSum, nLow, nHigh, chk float64
	rowLoss := 0.0
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
			var ratio float64 // vec.ExpSmall(rho), |rho| ≤ 20
			if rb != nil {
				ratio = rb[t-t0]
			} else {
				ratio = vec.ExpSmall(rho)
			}
			ratioSum += ratio
			akl += ratio - 1 - rho
			l, g, side := vec.ClipTerm(ratio, a, lo, hi, dual, live)
			if side > 0 {
				nHigh++
			} else if side < 0 {
				nLow++
			}
			if kle >= 0 {
				x := refr[t] - lpr[t]
				chk += x
				var kl, gk float64
				switch {
				case kle != K3 || x > maxLogRatio || x < -maxLogRatio:
					kl, gk = kle.term(x)
				case eb != nil:
					kl, gk = vec.K3(x, eb[t-t0])
				default:
					kl, gk = vec.K3(x, vec.ExpSmall(x))
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
	s.ratio += ratioSum
	s.akl += akl
	s.kl += klSum
	s.nLow += nLow
	s.nHigh += nHigh
	s.chk += chk
	return rowLoss
}

// lanes combines four lane sums as package internal/vec does.
func lanes(l [4]float64) float64 { return (l[0] + l[1]) + (l[2] + l[3]) }
