package llama

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// inference is the sampler's view of a model: its weights transposed to
// [in][out] and packed in column panels (see packed), so that the rows of a
// batch times a weight matrix is one product; the query, key and value
// projections side by side, and likewise the gate and up projections of
// the feed-forward layer. It is rebuilt from the model at every sampling
// call, so the model may be trained between calls.
type inference struct {
	c                 Config
	dim, kv, hs, hid  int
	ldQKV, ldH, ldV   int
	kOff, vOff, uOff  int      // columns of the keys and values in QKV, of W3's units in W13
	wqkv, wo, w13, w2 []packed // per layer: Dim×(Dim+2·KVDim), Dim×Dim, Dim×2·Hidden, Hidden×Dim
	rmsAtt, rmsFFN    [][]float32
	rmsFinal          []float32
	emb               []float32 // [Vocab][Dim]
	cls               packed    // Dim×Vocab, the classifier transposed
	cos, sin          []float32 // [ropeLen][HeadSize/2], RoPE rotations
	ropeLen           int
}

func roundUp16(n int) int { return (n + 15) &^ 15 }

// inferencePool recycles inference weights (and workerPool the per-worker
// buffers) between sampling calls, so that a training loop that samples
// every step does not allocate a model's worth of memory each time.
var inferencePool sync.Pool

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
	e.kOff = roundUp16(e.dim)
	e.vOff = e.kOff + roundUp16(e.kv)
	e.ldQKV = e.vOff + roundUp16(e.kv)
	e.uOff = roundUp16(e.hid)
	e.ldH = 2 * e.uOff
	e.ldV = roundUp16(c.Vocab)
	e.emb = m.TokenEmbedding
	e.rmsFinal = m.RMSFinal
	L := c.Layers
	e.wqkv = grow(e.wqkv, L)
	e.wo = grow(e.wo, L)
	e.w13 = grow(e.w13, L)
	e.w2 = grow(e.w2, L)
	e.rmsAtt = grow(e.rmsAtt, L)
	e.rmsFFN = grow(e.rmsFFN, L)
	for l := 0; l < L; l++ {
		w := m.Layer(l)
		e.wqkv[l].pack(e.dim, w.WQ, w.WK, w.WV)
		e.wo[l].pack(e.dim, w.WO)
		e.w13[l].pack(e.dim, w.W1, w.W3)
		e.w2[l].pack(e.hid, w.W2)
		e.rmsAtt[l] = w.RMSAtt
		e.rmsFFN[l] = w.RMSFFN
	}
	e.cls.pack(e.dim, m.Classifier())
	if maxPos <= e.ropeLen {
		return
	}
	e.ropeLen = maxPos
	// RoPE as run.c computes it: pair i of a head rotates by
	// pos·10000^(−2i/HeadSize).
	half := e.hs / 2
	e.cos = grow(e.cos, maxPos*half)
	e.sin = grow(e.sin, maxPos*half)
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
	cache.k = grow(cache.k, c.Layers)
	cache.v = grow(cache.v, c.Layers)
	for l := range cache.k {
		cache.k[l] = grow(cache.k[l], slots*capacity*kv)
		cache.v[l] = grow(cache.v[l], slots*capacity*kv)
	}
}

// stepBuffers are the activations of one decoding step for up to rows rows
// that cooperating workers share (each writes its own columns).
type stepBuffers struct {
	x, qkv, ao, h13, h, logits []float32
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

// reset shapes b for up to rows rows, reusing its memory.
func (b *stepBuffers) reset(e *inference, rows int) {
	b.x = grow(b.x, rows*e.dim)
	b.qkv = grow(b.qkv, rows*e.ldQKV)
	b.ao = grow(b.ao, rows*e.dim)
	b.h13 = grow(b.h13, rows*e.ldH)
	b.h = grow(b.h, rows*e.hid)
	b.logits = grow(b.logits, rows*e.ldV)
}

// share is the part of a decoding step that one of W cooperating workers
// computes: contiguous ranges of key/value heads (with their query heads),
// of residual-stream columns (the outputs of WO and W2), of hidden units
// and of vocabulary columns, all on boundaries that are multiples of 16
// columns. Every element is computed by exactly one worker, with the same
// kernels and in the same order as a lone worker computes it, so the
// results do not depend on W. Workers meet at bar between the phases; a
// lone worker has a nil bar.
type share struct {
	kv0, kv1   int
	dim0, dim1 int
	hid0, hid1 int
	voc0, voc1 int
	bar        *spinBarrier
	// private scratch: the normalised residual stream, scaled queries,
	// attention scores
	xb, qs, att []float32
}

// split16 returns part w of W of [0, n) on multiples of 16 (the last part
// ends at n).
func split16(n, w, W int) (int, int) {
	blocks := (n + 15) / 16
	lo, hi := w*blocks/W*16, (w+1)*blocks/W*16
	return min(lo, n), min(hi, n)
}

// reset makes sh worker w's share of W for up to rows rows and sequences
// of up to capacity positions, reusing its memory. It reports false when
// the model's heads cannot be split W ways on 16-column boundaries.
func (sh *share) reset(e *inference, w, W, rows, capacity int, bar *spinBarrier) bool {
	c := e.c
	group := c.Heads / c.KVHeads
	sh.bar = bar
	sh.kv0, sh.kv1 = w*c.KVHeads/W, (w+1)*c.KVHeads/W
	if W > 1 && ((sh.kv0*e.hs)%16 != 0 || (sh.kv0*group*e.hs)%16 != 0 || sh.kv0 == sh.kv1) {
		return false
	}
	sh.dim0, sh.dim1 = split16(e.dim, w, W)
	sh.hid0, sh.hid1 = split16(e.hid, w, W)
	sh.voc0, sh.voc1 = split16(c.Vocab, w, W)
	sh.xb = grow(sh.xb, rows*e.dim)
	sh.qs = grow(sh.qs, e.dim)
	sh.att = grow(sh.att, group*capacity)
	return true
}

// spinBarrier is a reusable barrier for n goroutines. A waiter spins — the
// phases of a cooperative step last microseconds, far less than parking
// and waking a goroutine costs (on a virtual machine, waking an idle CPU
// can take longer than a whole step) — for up to barrierSpinTime, and then
// sleeps on a condition variable, so that a machine with fewer free cores
// than workers does not spin away the time slices the other workers need
// (the mode picker then leaves the steps to worker 0 alone, and its
// helpers sleep).
type spinBarrier struct {
	n        int32
	arrived  atomic.Int32
	gen      atomic.Uint32
	sleepers atomic.Int32 // waiters on cond
	nudges   uint32       // guarded by mu
	mu       sync.Mutex
	cond     sync.Cond
}

const (
	// barrierSpinTime bounds the spinning of spinBarrier.wait. It is long
	// next to a phase so that a waiter whose partner was briefly
	// descheduled (a garbage collector's worker, another process) does
	// not fall asleep: every later wake-up would then cost far more than
	// the spin.
	barrierSpinTime = 200 * time.Microsecond
	// barrierSpinCheck is the number of spins between two readings of
	// the clock.
	barrierSpinCheck = 1024
)

func (b *spinBarrier) wait() {
	g := b.gen.Load()
	if b.arrived.Add(1) == b.n {
		b.arrived.Store(0)
		b.gen.Add(1)
		if b.sleepers.Load() > 0 {
			b.mu.Lock()
			b.cond.Broadcast()
			b.mu.Unlock()
		}
		return
	}
	for {
		var t0 time.Time
		for i := 1; ; i++ {
			if b.gen.Load() != g {
				return
			}
			if i%barrierSpinCheck == 0 {
				if i == barrierSpinCheck {
					t0 = time.Now()
				} else if time.Since(t0) > barrierSpinTime {
					break
				}
			}
		}
		b.mu.Lock()
		if b.cond.L == nil {
			b.cond.L = &b.mu
		}
		b.sleepers.Add(1)
		n := b.nudges
		for b.gen.Load() == g && b.nudges == n {
			b.cond.Wait()
		}
		b.sleepers.Add(-1)
		b.mu.Unlock()
	}
}

// spinning reports whether all but one of the goroutines wait at the
// barrier, spinning.
func (b *spinBarrier) spinning() bool {
	return b.arrived.Load() == b.n-1 && b.sleepers.Load() == 0
}

// nudge makes the goroutines asleep at the barrier spin again.
func (b *spinBarrier) nudge() {
	if b.sleepers.Load() > 0 {
		b.mu.Lock()
		b.nudges++
		b.cond.Broadcast()
		b.mu.Unlock()
	}
}

func (sh *share) sync() {
	if sh.bar != nil {
		sh.bar.wait()
	}
}

// step runs one token of each of len(tokens) rows through the model: row r
// feeds tokens[r] at position pos[r] of cache slot slot[r], storing its key
// and value there, and leaves the final hidden state (after the last
// RMSNorm) of row r in sh.xb[r*Dim:], ready for logits. Cooperating
// workers call it together with the same arguments and their own shares.
func (e *inference) step(sh *share, b *stepBuffers, cache *kvCache, tokens, pos, slot []int) {
	m := len(tokens)
	dim, kv, hs := e.dim, e.kv, e.hs
	x := b.x[:m*dim]
	// Each worker copies its columns of the embeddings into x (the only
	// ones it adds to before the next barrier); the first layer's RMSNorm
	// reads whole rows from the embeddings.
	for r, tok := range tokens {
		copy(x[r*dim+sh.dim0:r*dim+sh.dim1], e.emb[tok*dim+sh.dim0:tok*dim+sh.dim1])
	}
	group := e.c.Heads / e.c.KVHeads
	half := hs / 2
	scale := float32(1 / math.Sqrt(float64(hs)))
	capa := cache.capacity
	xb := sh.xb[:m*dim]
	// Column ranges of this share's heads in the packed QKV projection.
	q0, q1 := sh.kv0*group*hs, sh.kv1*group*hs
	k0, k1 := e.kOff+sh.kv0*hs, e.kOff+sh.kv1*hs
	v0, v1 := e.vOff+sh.kv0*hs, e.vOff+sh.kv1*hs
	for l := range e.wqkv {
		for r, tok := range tokens {
			src := x[r*dim : (r+1)*dim]
			if l == 0 {
				src = e.emb[tok*dim : (tok+1)*dim]
			}
			rmsNorm(xb[r*dim:(r+1)*dim], src, e.rmsAtt[l])
		}
		qkv := b.qkv[:m*e.ldQKV]
		for r := 0; r < m; r++ {
			row := qkv[r*e.ldQKV : (r+1)*e.ldQKV]
			clear(row[q0:q1])
			clear(row[k0:k1])
			clear(row[v0:v1])
		}
		smpMatmulRanges(m, xb, dim, &e.wqkv[l], qkv, e.ldQKV, q0, q1, k0, k1, v0, v1)
		kc, vc := cache.k[l], cache.v[l]
		for r := 0; r < m; r++ {
			p := pos[r]
			row := qkv[r*e.ldQKV : (r+1)*e.ldQKV]
			cs := e.cos[p*half : (p+1)*half]
			sn := e.sin[p*half : (p+1)*half]
			// RoPE on the queries and keys (one rotation per pair of
			// consecutive elements of a head).
			rope := func(v []float32) {
				for i := 0; i < len(v); i += 2 {
					j := (i % hs) / 2
					a, b := v[i], v[i+1]
					v[i] = a*cs[j] - b*sn[j]
					v[i+1] = a*sn[j] + b*cs[j]
				}
			}
			rope(row[q0:q1])
			rope(row[k0:k1])
			// Keys are cached transposed per head ([KVHeads][HeadSize][capa])
			// so that the scores of a head are one product q·Kᵀ; values are
			// cached as rows ([capa][KVDim]).
			base := slot[r] * capa * kv
			for i := sh.kv0 * hs; i < sh.kv1*hs; i++ {
				kc[base+i*capa+p] = row[e.kOff+i]
			}
			copy(vc[base+p*kv+sh.kv0*hs:base+p*kv+sh.kv1*hs], row[v0:v1])
			out := b.ao[r*dim : (r+1)*dim]
			clear(out[q0:q1])
			n := p + 1
			// Queries scaled by 1/sqrt(HeadSize) up front; the softmax
			// normalisation is applied to the head outputs.
			qs := sh.qs[:dim]
			for i := q0; i < q1; i++ {
				qs[i] = row[i] * scale
			}
			var inv [maxGroup]float32
			for g := sh.kv0; g < sh.kv1; g++ {
				// Scores of whole 16-column blocks (capa is a multiple of
				// 16): the columns past n read stale cache entries and are
				// ignored.
				n16 := min(roundUp16(n), capa)
				att := sh.att[:group*capa]
				for i := 0; i < group*capa; i += capa {
					clear(att[i : i+n16])
				}
				smpMatmul(group, n16, hs, qs[g*group*hs:], hs, kc[base+g*hs*capa:], capa, att, capa)
				for j := 0; j < group; j++ {
					a := att[j*capa : j*capa+n]
					mx := maxf(a)
					// Exponentials of whole 8-blocks: the scores past n
					// are set to −∞, whose exponential comes out 0 (Go) or
					// e^−87 ≈ 1e-38 (the vector kernel's clamp), nothing
					// next to the maximum's 1; the products below ignore
					// them.
					a8 := att[j*capa : j*capa+min((n+7)&^7, n16)]
					for t := n; t < len(a8); t++ {
						a8[t] = float32(math.Inf(-1))
					}
					inv[j%maxGroup] = 1 / expShift(a8, 1, mx)
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
		sh.sync() // every head's output is in b.ao
		smpMatmulPackedCols(m, b.ao, dim, &e.wo[l], x, dim, sh.dim0, sh.dim1)
		sh.sync() // x is complete
		for r := 0; r < m; r++ {
			rmsNorm(xb[r*dim:(r+1)*dim], x[r*dim:(r+1)*dim], e.rmsFFN[l])
		}
		h13 := b.h13[:m*e.ldH]
		for r := 0; r < m; r++ {
			row := h13[r*e.ldH : (r+1)*e.ldH]
			clear(row[sh.hid0:roundUp16(sh.hid1)])
			clear(row[e.uOff+sh.hid0 : e.uOff+roundUp16(sh.hid1)])
		}
		smpMatmulRanges(m, xb, dim, &e.w13[l], h13, e.ldH, sh.hid0, roundUp16(sh.hid1), e.uOff+sh.hid0, e.uOff+roundUp16(sh.hid1))
		for r := 0; r < m; r++ {
			g := h13[r*e.ldH+sh.hid0 : r*e.ldH+sh.hid1]
			u := h13[r*e.ldH+e.uOff+sh.hid0 : r*e.ldH+e.uOff+sh.hid1]
			h := b.h[r*e.hid+sh.hid0 : r*e.hid+sh.hid1]
			// silu(g)·u = g/(1+e^−g)·u, the products of the training
			// forward's swiglu (8 lanes at a time where available).
			copy(h, g)
			expShift(h, -1, 0)
			i0 := 0
			if useAsm {
				i0 = len(h) &^ 7
				if i0 > 0 {
					swigluAVX2(h[:i0], g, u, h)
				}
			}
			for i := i0; i < len(h); i++ {
				h[i] = g[i] / (1 + h[i]) * u[i]
			}
		}
		sh.sync() // every hidden unit is in b.h
		smpMatmulPackedCols(m, b.h, e.hid, &e.w2[l], x, dim, sh.dim0, sh.dim1)
		sh.sync() // x is complete
	}
	for r := 0; r < m; r++ {
		rmsNorm(xb[r*dim:(r+1)*dim], x[r*dim:(r+1)*dim], e.rmsFinal)
	}
}

// smpMatmulRanges is smpMatmulPackedCols over the column ranges
// [r[0], r[1]), [r[2], r[3]), … in one call per run of adjacent ranges, so
// that the kernels see the widest blocks.
func smpMatmulRanges(m int, a []float32, lda int, b *packed, c []float32, ldc int, r ...int) {
	for i := 0; i < len(r); {
		lo, hi := r[i], r[i+1]
		i += 2
		for i < len(r) && r[i] == hi {
			hi = r[i+1]
			i += 2
		}
		smpMatmulPackedCols(m, a, lda, b, c, ldc, lo, hi)
	}
}

// logits computes the logits of rows (indices into the step's rows) into
// b.logits, row i of the result at b.logits[i*ldV:] (this share's
// columns), and returns the row stride. It overwrites sh.xb.
func (e *inference) logits(sh *share, b *stepBuffers, rows []int) int {
	// Gather the rows that need logits next to each other.
	dim := e.dim
	for i, r := range rows {
		if i != r {
			copy(sh.xb[i*dim:(i+1)*dim], sh.xb[r*dim:(r+1)*dim])
		}
	}
	n := len(rows)
	lg := b.logits[:n*e.ldV]
	for i := 0; i < n; i++ {
		clear(lg[i*e.ldV+sh.voc0 : i*e.ldV+roundUp16(sh.voc1)])
	}
	smpMatmulPackedCols(n, sh.xb, dim, &e.cls, lg, e.ldV, sh.voc0, roundUp16(sh.voc1))
	return e.ldV
}
