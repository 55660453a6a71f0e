package llama

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// ref64 is a float64 forward pass written directly from llama2.c's run.c,
// one position at a time, sharing no code with the model's own kernels.
// It is the reference for the finite-difference gradient check: central
// differences of a float64 loss are accurate to about 1e-9 here, so the
// check measures the float32 backward pass and not the differences.
type ref64 struct {
	c Config
	w map[string][]float64 // every tensor of tensors, by name, in float64
}

// newRef64 copies m's weights into float64.
func newRef64(m *Model) *ref64 {
	r := &ref64{c: m.Config, w: map[string][]float64{}}
	for _, tn := range tensors {
		p := *tn.field(&m.Weights)
		q := make([]float64, len(p))
		for i, v := range p {
			q[i] = float64(v)
		}
		r.w[tn.name] = q
	}
	return r
}

// rms64 returns g ⊙ x / sqrt(mean(x²) + ε).
func rms64(x, g []float64) []float64 {
	ss := 0.0
	for _, v := range x {
		ss += v * v
	}
	inv := 1 / math.Sqrt(ss/float64(len(x))+rmsEps)
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = g[i] * v * inv
	}
	return y
}

// matvec64 returns W x for W of shape [rows][len(x)], row-major, through
// gonum's float64 BLAS (blas64, the seam of the float64 paths).
func matvec64(w, x []float64, rows int) []float64 {
	y := make([]float64, rows)
	blas64.Gemv(blas.NoTrans, 1, blas64.General{Rows: rows, Cols: len(x), Stride: len(x), Data: w},
		blas64.Vector{N: len(x), Inc: 1, Data: x}, 0, blas64.Vector{N: rows, Inc: 1, Data: y})
	return y
}

// logProbs returns the B×T log-probabilities of seqs, like Model.LogProbs.
func (r *ref64) logProbs(seqs []Sequence, T int) []float64 {
	lp, _ := r.logProbsEntropy(seqs, T)
	return lp
}

// logProbsEntropy returns the B×T log-probabilities of seqs and the
// entropies −Σ p log p of the distributions that score them, like
// Model.LogProbsEntropy.
func (r *ref64) logProbsEntropy(seqs []Sequence, T int) (out, ent []float64) {
	c := r.c
	dim, kv, hid, hs, V := c.Dim, c.KVDim(), c.Hidden, c.HeadSize(), c.Vocab
	group := c.Heads / c.KVHeads
	emb := r.w["TokenEmbedding"]
	cls := r.w["WCls"]
	if c.Shared {
		cls = emb
	}
	out, ent = make([]float64, len(seqs)*T), make([]float64, len(seqs)*T)
	for i, s := range seqs {
		toks := append(append([]int(nil), s.Prompt...), s.Completion...)
		n := len(toks) - 1 // positions fed to the model
		if len(s.Completion) == 0 {
			continue
		}
		x := make([][]float64, n)
		for p := range x {
			x[p] = append([]float64(nil), emb[toks[p]*dim:(toks[p]+1)*dim]...)
		}
		for l := 0; l < c.Layers; l++ {
			sl := func(name string, size int) []float64 { return r.w[name][l*size : (l+1)*size] }
			wq, wk, wv, wo := sl("WQ", dim*dim), sl("WK", kv*dim), sl("WV", kv*dim), sl("WO", dim*dim)
			w1, w2, w3 := sl("W1", hid*dim), sl("W2", dim*hid), sl("W3", hid*dim)
			q := make([][]float64, n)
			k := make([][]float64, n)
			v := make([][]float64, n)
			for p := 0; p < n; p++ {
				xb := rms64(x[p], sl("RMSAtt", dim))
				q[p], k[p], v[p] = matvec64(wq, xb, dim), matvec64(wk, xb, kv), matvec64(wv, xb, kv)
				// RoPE: rotate pairs (j, j+1) by p·10000^(−(j mod hs)/hs).
				for j := 0; j < dim; j += 2 {
					theta := float64(p) * math.Pow(10000, -float64(j%hs)/float64(hs))
					sn, cs := math.Sincos(theta)
					rot := func(u []float64) {
						a, b := u[j], u[j+1]
						u[j], u[j+1] = a*cs-b*sn, a*sn+b*cs
					}
					rot(q[p])
					if j < kv {
						rot(k[p])
					}
				}
			}
			for p := 0; p < n; p++ {
				att := make([]float64, dim)
				for h := 0; h < c.Heads; h++ {
					g := h / group
					qh := q[p][h*hs : (h+1)*hs]
					score := make([]float64, p+1)
					mx := math.Inf(-1)
					for j := 0; j <= p; j++ {
						d := 0.0
						for e := 0; e < hs; e++ {
							d += qh[e] * k[j][g*hs+e]
						}
						score[j] = d / math.Sqrt(float64(hs))
						mx = max(mx, score[j])
					}
					sum := 0.0
					for j := range score {
						score[j] = math.Exp(score[j] - mx)
						sum += score[j]
					}
					for j := range score {
						for e := 0; e < hs; e++ {
							att[h*hs+e] += score[j] / sum * v[j][g*hs+e]
						}
					}
				}
				o := matvec64(wo, att, dim)
				for e := range o {
					x[p][e] += o[e]
				}
			}
			for p := 0; p < n; p++ {
				xb := rms64(x[p], sl("RMSFFN", dim))
				a, b := matvec64(w1, xb, hid), matvec64(w3, xb, hid)
				for e := range a {
					a[e] = a[e] / (1 + math.Exp(-a[e])) * b[e] // silu(a)·b
				}
				o := matvec64(w2, a, dim)
				for e := range o {
					x[p][e] += o[e]
				}
			}
		}
		for j, tgt := range s.Completion {
			xf := rms64(x[len(s.Prompt)-1+j], r.w["RMSFinal"])
			z := matvec64(cls, xf, V)
			mx := math.Inf(-1)
			for _, v := range z {
				mx = max(mx, v)
			}
			sum := 0.0
			for _, v := range z {
				sum += math.Exp(v - mx)
			}
			out[i*T+j] = z[tgt] - mx - math.Log(sum)
			for _, v := range z {
				lp := v - mx - math.Log(sum)
				ent[i*T+j] -= math.Exp(lp) * lp
			}
		}
	}
	return out, ent
}
