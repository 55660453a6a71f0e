package llama

import (
	"math"
	"sync"
)

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
	cos, sin          []float32 // [ropeLen][HeadSize/2], RoPE rotations
	ropeLen           int
}

func roundUp16(n int) int { return (n + 15) &^ 15 }

// inferencePool recycles inference weights (and per-worker buffers, see
// samplePool) between sampling calls, so that a training loop that samples
// every step does not allocate a model's worth of memory each time.
var inferencePool sync.Pool

// smpGrow returns s resliced to n elements, reallocated when too small.
// The contents are unspecified.
func smpGrow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// getInference prepares m for sampling sequences of up to maxPos
// positions, reusing a pooled inference when one is available.
func getInference(m *Model, maxPos int) *inference {
	e, _ := inferencePool.Get().(*inference)
	if e == nil {
		e = new(inference)
	}
	e.load(m, maxPos)
	return e
}

// load copies m's weights into e's layout.
func (e *inference) load(m *Model, maxPos int) {
	c := m.Config
	if e.c != c {
		*e = inference{c: c}
	}
	e.dim, e.kv, e.hs, e.hid = c.Dim, c.KVDim(), c.HeadSize(), c.Hidden
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
	L := c.Layers
	e.wqkv = smpGrow(e.wqkv, L)
	e.wo = smpGrow(e.wo, L)
	e.w13 = smpGrow(e.w13, L)
	e.w2 = smpGrow(e.w2, L)
	e.rmsAtt = smpGrow(e.rmsAtt, L)
	e.rmsFFN = smpGrow(e.rmsFFN, L)
	for l := 0; l < L; l++ {
		w := m.Layer(l)
		e.wqkv[l] = smpGrow(e.wqkv[l], e.dim*e.ldQKV)
		clear(e.wqkv[l]) // the padding columns stay 0
		tr(e.wqkv[l], e.ldQKV, 0, w.WQ, e.dim, e.dim)
		tr(e.wqkv[l], e.ldQKV, e.dim, w.WK, e.kv, e.dim)
		tr(e.wqkv[l], e.ldQKV, e.dim+e.kv, w.WV, e.kv, e.dim)
		e.wo[l] = smpGrow(e.wo[l], e.dim*e.dim)
		tr(e.wo[l], e.dim, 0, w.WO, e.dim, e.dim)
		e.w13[l] = smpGrow(e.w13[l], e.dim*e.ldH)
		clear(e.w13[l])
		tr(e.w13[l], e.ldH, 0, w.W1, e.hid, e.dim)
		tr(e.w13[l], e.ldH, e.hid, w.W3, e.hid, e.dim)
		e.w2[l] = smpGrow(e.w2[l], e.hid*e.dim)
		tr(e.w2[l], e.dim, 0, w.W2, e.dim, e.hid)
		e.rmsAtt[l] = w.RMSAtt
		e.rmsFFN[l] = w.RMSFFN
	}
	e.cls = smpGrow(e.cls, e.dim*e.ldV)
	clear(e.cls)
	tr(e.cls, e.ldV, 0, m.Classifier(), c.Vocab, e.dim)
	if maxPos <= e.ropeLen {
		return
	}
	e.ropeLen = maxPos
	// RoPE as run.c computes it: pair i of a head rotates by
	// pos·10000^(−2i/HeadSize).
	half := e.hs / 2
	e.cos = smpGrow(e.cos, maxPos*half)
	e.sin = smpGrow(e.sin, maxPos*half)
	for i := 0; i < half; i++ {
		freq := float32(1 / math.Pow(10000, float64(2*i)/float64(e.hs)))
		for pos := 0; pos < maxPos; pos++ {
			a := float64(float32(pos) * freq)
			e.cos[pos*half+i] = float32(math.Cos(a))
			e.sin[pos*half+i] = float32(math.Sin(a))
		}
	}
}

// kvCache holds the keys and values of up to slots sequences of up to
// capacity positions: per layer, keys [slots][KVHeads][HeadSize][capacity]
// (transposed) and values [slots][capacity][KVDim].
type kvCache struct {
	capacity, kv int
	k, v         [][]float32
}

// reset shapes cache for slots sequences of capacity positions, reusing
// its memory. Every position is written before it is read, so the old
// contents need no clearing.
func (cache *kvCache) reset(c Config, slots, capacity int) {
	kv := c.KVDim()
	cache.capacity, cache.kv = capacity, kv
	cache.k = smpGrow(cache.k, c.Layers)
	cache.v = smpGrow(cache.v, c.Layers)
	for l := range cache.k {
		cache.k[l] = smpGrow(cache.k[l], slots*capacity*kv)
		cache.v[l] = smpGrow(cache.v[l], slots*capacity*kv)
	}
}

// stepBuffers are the activations of one decoding step for up to rows rows.
type stepBuffers struct {
	x, xb, qkv, ao, h13, h, logits, att, qs []float32
}

// maxGroup is the largest number of query heads per key/value head whose
// softmax sums the attention keeps on the stack; larger groups recompute
// them.
const maxGroup = 16

func sumOf(v []float32) float32 {
	var s float32
	for _, x := range v {
		s += x
	}
	return s
}

// reset shapes b for up to rows rows of sequences of up to capacity
// positions, reusing its memory.
func (b *stepBuffers) reset(e *inference, rows, capacity int) {
	b.x = smpGrow(b.x, rows*e.dim)
	b.xb = smpGrow(b.xb, rows*e.dim)
	b.qkv = smpGrow(b.qkv, rows*e.ldQKV)
	b.ao = smpGrow(b.ao, rows*e.dim)
	b.h13 = smpGrow(b.h13, rows*e.ldH)
	b.h = smpGrow(b.h, rows*e.hid)
	b.logits = smpGrow(b.logits, rows*e.ldV)
	b.att = smpGrow(b.att, (e.c.Heads/e.c.KVHeads)*capacity)
	b.qs = smpGrow(b.qs, e.dim)
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
			// Queries scaled by 1/sqrt(HeadSize) up front; the softmax
			// normalisation is applied to the head outputs.
			qs := b.qs[:dim]
			for i, v := range row[:dim] {
				qs[i] = v * scale
			}
			var inv [maxGroup]float32
			for g := 0; g < e.c.KVHeads; g++ {
				// Scores of whole 16-column blocks (capa is a multiple of
				// 16): the columns past n read stale cache entries and are
				// ignored.
				n16 := min(roundUp16(n), capa)
				att := b.att[:group*capa]
				for i := 0; i < group*capa; i += capa {
					clear(att[i : i+n16])
				}
				smpMatmul(group, n16, hs, qs[g*group*hs:], hs, kc[base+g*hs*capa:], capa, att, capa)
				for j := 0; j < group; j++ {
					a := att[j*capa : j*capa+n]
					inv[j%maxGroup] = 1 / smpExpSum(a, smpMax(a))
				}
				o := out[g*group*hs : (g+1)*group*hs]
				smpMatmul(group, hs, n, att, capa, vc[base+g*hs:], kv, o, hs)
				for j := 0; j < group; j++ {
					w := inv[j%maxGroup]
					if group > maxGroup {
						w = 1 / sumOf(att[j*capa:j*capa+n])
					}
					for i := range o[j*hs : (j+1)*hs] {
						o[j*hs+i] *= w
					}
				}
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
