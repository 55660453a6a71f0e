package llama

import "math"

// inference is the sampler's view of a model: its weights transposed to
// [in][out] (so that a batch of rows times a weight matrix is one
// row-major product), the query, key and value projections side by side,
// and likewise the gate and up projections of the feed-forward layer. It is
// built once per sampling call, so the model may be trained between calls.
type inference struct {
	c                 Config
	dim, kv, hs, hid  int
	ldQKV, ldH, ldV   int
	wqkv, wo, w13, w2 [][]float32 // per layer: [Dim][ldQKV], [Dim][Dim], [Dim][ldH], [Hidden][Dim]
	rmsAtt, rmsFFN    [][]float32
	rmsFinal          []float32
	emb               []float32 // [Vocab][Dim]
	cls               []float32 // [Dim][ldV], the classifier transposed
	cos, sin          []float32 // [maxPos][HeadSize/2], RoPE rotations
}

func roundUp16(n int) int { return (n + 15) &^ 15 }

// newInference prepares m for sampling sequences of up to maxPos positions.
func newInference(m *Model, maxPos int) *inference {
	c := m.Config
	e := &inference{c: c, dim: c.Dim, kv: c.KVDim(), hs: c.HeadSize(), hid: c.Hidden}
	e.ldQKV = roundUp16(e.dim + 2*e.kv)
	e.ldH = roundUp16(2 * e.hid)
	e.ldV = roundUp16(c.Vocab)
	e.emb = m.TokenEmbedding
	e.rmsFinal = m.RMSFinal
	// tr writes the transpose of the rows×cols matrix src at column off of
	// dst, a row-major matrix with ld columns.
	tr := func(dst []float32, ld, off int, src []float32, rows, cols int) {
		for i := 0; i < rows; i++ {
			for j, v := range src[i*cols : (i+1)*cols] {
				dst[j*ld+off+i] = v
			}
		}
	}
	for l := 0; l < c.Layers; l++ {
		w := m.Layer(l)
		qkv := make([]float32, e.dim*e.ldQKV)
		tr(qkv, e.ldQKV, 0, w.WQ, e.dim, e.dim)
		tr(qkv, e.ldQKV, e.dim, w.WK, e.kv, e.dim)
		tr(qkv, e.ldQKV, e.dim+e.kv, w.WV, e.kv, e.dim)
		wo := make([]float32, e.dim*e.dim)
		tr(wo, e.dim, 0, w.WO, e.dim, e.dim)
		w13 := make([]float32, e.dim*e.ldH)
		tr(w13, e.ldH, 0, w.W1, e.hid, e.dim)
		tr(w13, e.ldH, e.hid, w.W3, e.hid, e.dim)
		w2 := make([]float32, e.hid*e.dim)
		tr(w2, e.dim, 0, w.W2, e.dim, e.hid)
		e.wqkv = append(e.wqkv, qkv)
		e.wo = append(e.wo, wo)
		e.w13 = append(e.w13, w13)
		e.w2 = append(e.w2, w2)
		e.rmsAtt = append(e.rmsAtt, w.RMSAtt)
		e.rmsFFN = append(e.rmsFFN, w.RMSFFN)
	}
	e.cls = make([]float32, e.dim*e.ldV)
	tr(e.cls, e.ldV, 0, m.Classifier(), c.Vocab, e.dim)
	// RoPE as run.c computes it: pair i of a head rotates by
	// pos·10000^(−2i/HeadSize).
	half := e.hs / 2
	e.cos = make([]float32, maxPos*half)
	e.sin = make([]float32, maxPos*half)
	for i := 0; i < half; i++ {
		freq := float32(1 / math.Pow(10000, float64(2*i)/float64(e.hs)))
		for pos := 0; pos < maxPos; pos++ {
			a := float64(float32(pos) * freq)
			e.cos[pos*half+i] = float32(math.Cos(a))
			e.sin[pos*half+i] = float32(math.Sin(a))
		}
	}
	return e
}

// kvCache holds the keys and values of up to slots sequences of up to
// capacity positions: per layer, keys [slots][KVHeads][HeadSize][capacity]
// (transposed) and values [slots][capacity][KVDim].
type kvCache struct {
	capacity, kv int
	k, v         [][]float32
}

func newKVCache(c Config, slots, capacity int) *kvCache {
	kv := c.KVDim()
	cache := &kvCache{capacity: capacity, kv: kv}
	for l := 0; l < c.Layers; l++ {
		cache.k = append(cache.k, make([]float32, slots*capacity*kv))
		cache.v = append(cache.v, make([]float32, slots*capacity*kv))
	}
	return cache
}

// stepBuffers are the activations of one decoding step for up to rows rows.
type stepBuffers struct {
	x, xb, qkv, ao, h13, h, logits, att []float32
}

func (e *inference) newStepBuffers(rows, capacity int) *stepBuffers {
	return &stepBuffers{
		x:      make([]float32, rows*e.dim),
		xb:     make([]float32, rows*e.dim),
		qkv:    make([]float32, rows*e.ldQKV),
		ao:     make([]float32, rows*e.dim),
		h13:    make([]float32, rows*e.ldH),
		h:      make([]float32, rows*e.hid),
		logits: make([]float32, rows*e.ldV),
		att:    make([]float32, (e.c.Heads/e.c.KVHeads)*capacity),
	}
}

// step runs one token of each of len(tokens) rows through the model: row r
// feeds tokens[r] at position pos[r] of cache slot slot[r], storing its key
// and value there. It leaves the final hidden state (after the last
// RMSNorm) of row r in b.xb[r*Dim:], ready for logits.
func (e *inference) step(b *stepBuffers, cache *kvCache, tokens, pos, slot []int) {
	m := len(tokens)
	dim, kv, hs := e.dim, e.kv, e.hs
	x := b.x[:m*dim]
	for r, tok := range tokens {
		copy(x[r*dim:(r+1)*dim], e.emb[tok*dim:(tok+1)*dim])
	}
	group := e.c.Heads / e.c.KVHeads
	half := hs / 2
	scale := float32(1 / math.Sqrt(float64(hs)))
	for l := range e.wqkv {
		for r := 0; r < m; r++ {
			smpRMSNorm(b.xb[r*dim:(r+1)*dim], x[r*dim:(r+1)*dim], e.rmsAtt[l])
		}
		qkv := b.qkv[:m*e.ldQKV]
		clear(qkv)
		smpMatmul(m, dim+2*kv, dim, b.xb, dim, e.wqkv[l], e.ldQKV, qkv, e.ldQKV)
		kc, vc := cache.k[l], cache.v[l]
		for r := 0; r < m; r++ {
			p := pos[r]
			row := qkv[r*e.ldQKV : r*e.ldQKV+dim+2*kv]
			cs := e.cos[p*half : (p+1)*half]
			sn := e.sin[p*half : (p+1)*half]
			// RoPE on the queries and keys (one rotation per pair of
			// consecutive elements of a head).
			for i := 0; i < dim+kv; i += 2 {
				j := (i % hs) / 2
				v0, v1 := row[i], row[i+1]
				row[i] = v0*cs[j] - v1*sn[j]
				row[i+1] = v0*sn[j] + v1*cs[j]
			}
			// Keys are cached transposed per head ([KVHeads][HeadSize][capacity])
			// so that the scores of a head are one product q·Kᵀ; values are
			// cached as rows ([capacity][KVDim]).
			capa := cache.capacity
			base := slot[r] * capa * kv
			for i, kvv := range row[dim : dim+kv] {
				kc[base+i*capa+p] = kvv
			}
			copy(vc[base+p*kv:base+(p+1)*kv], row[dim+kv:dim+2*kv])
			out := b.ao[r*dim : (r+1)*dim]
			clear(out)
			n := p + 1
			for g := 0; g < e.c.KVHeads; g++ {
				att := b.att[:group*capa]
				for i := 0; i < group*capa; i += capa {
					clear(att[i : i+n])
				}
				smpMatmul(group, n, hs, row[g*group*hs:], hs, kc[base+g*hs*capa:], capa, att, capa)
				for j := 0; j < group; j++ {
					a := att[j*capa : j*capa+n]
					mx := float32(math.Inf(-1))
					for t, s := range a {
						s *= scale
						a[t] = s
						mx = max(mx, s)
					}
					inv := 1 / smpExpSum(a, mx)
					for t := range a {
						a[t] *= inv
					}
				}
				smpMatmul(group, hs, n, att, capa, vc[base+g*hs:], kv, out[g*group*hs:], hs)
			}
		}
		smpMatmul(m, dim, dim, b.ao, dim, e.wo[l], dim, x, dim)
		for r := 0; r < m; r++ {
			smpRMSNorm(b.xb[r*dim:(r+1)*dim], x[r*dim:(r+1)*dim], e.rmsFFN[l])
		}
		h13 := b.h13[:m*e.ldH]
		clear(h13)
		smpMatmul(m, 2*e.hid, dim, b.xb, dim, e.w13[l], e.ldH, h13, e.ldH)
		for r := 0; r < m; r++ {
			g := h13[r*e.ldH : r*e.ldH+e.hid]
			u := h13[r*e.ldH+e.hid : r*e.ldH+2*e.hid]
			h := b.h[r*e.hid : (r+1)*e.hid]
			for i, gv := range g {
				h[i] = -gv
			}
			smpExpSum(h, 0)
			for i, gv := range g {
				h[i] = gv / (1 + h[i]) * u[i]
			}
		}
		smpMatmul(m, dim, e.hid, b.h, e.hid, e.w2[l], dim, x, dim)
	}
	for r := 0; r < m; r++ {
		smpRMSNorm(b.xb[r*dim:(r+1)*dim], x[r*dim:(r+1)*dim], e.rmsFinal)
	}
}

// logits computes the logits of rows (indices into the step's rows) into
// b.logits, row i of the result at b.logits[i*ldV:], and returns the
// row stride.
func (e *inference) logits(b *stepBuffers, rows []int) int {
	// Gather the rows that need logits next to each other.
	dim := e.dim
	for i, r := range rows {
		if i != r {
			copy(b.xb[i*dim:(i+1)*dim], b.xb[r*dim:(r+1)*dim])
		}
	}
	n := len(rows)
	lg := b.logits[:n*e.ldV]
	clear(lg)
	smpMatmul(n, e.c.Vocab, dim, b.xb, dim, e.cls, e.ldV, lg, e.ldV)
	return e.ldV
}
