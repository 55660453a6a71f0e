package llama

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/evolve-go/evolve/policy"
)

// rmsEps is the ε of RMSNorm, as in llama2.c's run.c.
const rmsEps = 1e-5

// Sequence is one teacher-forced sequence, policy.Sequence: a prompt (at
// least one token, usually starting with BOS = 1) followed by the
// completion whose tokens are scored. LogProbs gives
// log p(Completion[j] | Prompt, Completion[:j]) for every j.
type Sequence = policy.Sequence

// Mask returns the B×T mask of seqs in the layout of LogProbs' dst and of
// policy.Batch.Mask: 1 for each completion token, 0 for the padding after
// it; nil when T ≤ 0. For the seqs that LogProbs accepts (every completion
// at most T tokens) it marks every completion token. Mask itself does not
// validate seqs: of a completion longer than T, which LogProbs rejects with
// an error, it marks the first T tokens.
func Mask(seqs []Sequence, T int) []float64 {
	if T <= 0 {
		return nil
	}
	m := make([]float64, len(seqs)*T)
	for i, s := range seqs {
		for j := 0; j < min(len(s.Completion), T); j++ {
			m[i*T+j] = 1
		}
	}
	return m
}

// seqInfo locates a sequence's positions among the rows of a Tape.
type seqInfo struct {
	row, n int // first row, number of rows (= positions fed to the model)
}

// Tape holds what a forward pass saved for its backward pass: the inputs
// and the activations of every layer (attention probabilities are not kept;
// Backward recomputes them from the saved queries and keys and the
// log-sum-exp of each row, as FlashAttention does).
//
// A Tape belongs to the model that made it; the model's weights must not
// change between the forward pass and Backward. A Tape may be reused for
// another forward pass with Forward, which recycles its buffers (a training
// loop that keeps one Tape allocates nothing per step but its goroutines).
// A Tape is not safe for concurrent use; several Tapes may run forward
// passes of one Model at once.
//
// Memory: per position, 4·(3·Dim + Dim+2·KVDim + Heads + 3·Hidden + 2) bytes
// per layer and 4·(6·Dim + 2·KVDim + 3·Hidden) bytes of scratch and last
// residual; per scored token 4·(2·Dim + Vocab) + 24 bytes with the unfused
// classifier (Vocab < fusedVocab), or 8·Dim + 40 bytes with the fused head
// (Head, which adds about 3 MB of tiles): for stories260K about 23 KiB per
// position, 96 MB for 16 sequences of 256 tokens; for a model of
// stories15M's shape about 115 KiB per position, 241 MB for 8 sequences of
// 256 tokens, where the unfused logits alone would take 262 MB. Attention
// probabilities are not kept.
type Tape struct {
	m    *Model
	B, T int
	N    int // positions over all sequences (rows of the activations)
	seqs []seqInfo
	tok  []int32 // input token of each row
	pos  []int32 // position of each row in its sequence

	// Classifier rows: the rows whose next token is a completion token.
	head   []int32 // row of each classifier row
	target []int32 // token predicted by each classifier row
	out    []int32 // index i*T+j of each classifier row in the B×T layout

	cos, sin []float32 // RoPE table [maxPos][HeadSize/2]

	layers []layerTape
	xh     []float32 // [Nh][Dim] residual entering the final norm, classifier rows
	rFin   []float32 // [Nh] its 1/rms
	xf     []float32 // [Nh][Dim] normalised
	exps   []float32 // [Nh][Vocab] exp(z_v − max z); Backward overwrites it with ∂/∂z
	psum   []float64 // [Nh] 1 / Σ_v exp(z_v − max z)
	qkvT   []float32 // [Dim][Dim+2·KVDim] one layer's [WQ; WK; WV], transposed
	w13T   []float32 // [Dim][2·Hidden] one layer's [W1; W3], transposed
	fused  bool      // the classifier ran on the fused head (lm), not exps
	lm     Head      // the fused head and its work memory
	rows   HeadRows  // its rows: xf, target, log-probs and log-sum-exps
	hgrad  []float64 // [Nh] ∂loss/∂logp of each classifier row, for lm
	xOut   []float32 // [N][Dim] residual after the last layer
	xIn    []float32 // [N][Dim] the other residual buffer of a forward pass without keep

	// scratch shared by forward and backward
	xb, dx, dxb, datt, dqkv, dh, dh13 []float32
	work                              []scratch // per goroutine

	done bool      // Backward has consumed the tape
	keep bool      // the forward pass kept its activations (Forward, not LogProbs)
	ent  []float64 // where the forward pass in progress writes entropies; nil for none
}

// layerTape holds one layer's saved activations.
type layerTape struct {
	x   []float32 // [N][Dim] residual input
	r1  []float32 // [N] 1/rms of x
	qkv []float32 // [N][Dim+2·KVDim] queries, keys (after RoPE), values
	lse []float32 // [N][Heads] attention log-sum-exp
	att []float32 // [N][Dim] attention output, before WO
	x2  []float32 // [N][Dim] residual after attention
	r2  []float32 // [N] 1/rms of x2
	h13 []float32 // [N][2·Hidden] W1·x and W3·x
	h   []float32 // [N][Hidden] silu(W1·x) ⊙ W3·x
}

// grow returns a slice of length n, reusing buf's storage when it is large
// enough. The contents are not cleared.
func grow[T any](buf []T, n int) []T {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]T, n)
}

// LogProbs runs the teacher-forced forward pass over seqs and writes
// log p(Completion[j] | Prompt, Completion[:j]) of sequence i into dst[i*T+j]
// (dst has length len(seqs)*T, row-major as in policy.Batch; positions
// j ≥ len(Completion) are set to 0). It keeps no activations — the layers
// share one set of buffers and the classifier runs a few hundred rows at
// a time, from a pool of tapes — so it is the path for a frozen reference
// model (it implements policy.LogProber); Forward keeps what Backward
// needs.
//
// Every sequence needs a non-empty prompt, a completion of at most T tokens,
// tokens in [0, Vocab) and len(Prompt)+len(Completion)−1 ≤ SeqLen. The
// log-softmax is accumulated in float64:
//
//	log p(v | x) = z_v − (max z + log Σ_u exp(z_u − max z)),  z = Wcls·RMSNorm(h_L).
//
// All sequences' positions go through each weight matrix as one matrix
// product, split over GOMAXPROCS goroutines. The results are those of
// Forward, bit for bit with the built-in kernels (Kernels; another BLAS may
// round a chunk of rows differently from all of them).
func (m *Model) LogProbs(dst []float64, seqs []Sequence, T int) error {
	tp := scoringTapes.Get().(*Tape)
	defer scoringTapes.Put(tp)
	return tp.forward(m, dst, seqs, T, false)
}

// scoringTapes are the tapes of LogProbs.
var scoringTapes = sync.Pool{New: func() any { return new(Tape) }}

// LogProbsEntropy is LogProbs that also writes into ent[i*T+j] the
// entropy of the model's next-token distribution at the position that
// scores token j of seqs[i], in nats,
//
//	H = −Σ_v p_v log p_v = log Σ_v exp(z_v − max z) − Σ_v p_v (z_v − max z),
//
// accumulated in float64 from the exponentials of the log-softmax (one
// extra pass over each scored row's logits), and 0 for j ≥
// len(Completion). ent has the length of dst; nil computes none. dst is
// bit for bit that of LogProbs.
func (m *Model) LogProbsEntropy(dst, ent []float64, seqs []Sequence, T int) error {
	tp := scoringTapes.Get().(*Tape)
	defer scoringTapes.Put(tp)
	return tp.withEntropy(ent, len(dst), func() error { return tp.forward(m, dst, seqs, T, false) })
}

// ForwardEntropy is Forward that also writes the entropies of
// LogProbsEntropy into ent (nil: none).
func (tp *Tape) ForwardEntropy(m *Model, dst, ent []float64, seqs []Sequence, T int) error {
	return tp.withEntropy(ent, len(dst), func() error { return tp.forward(m, dst, seqs, T, true) })
}

// withEntropy runs pass with tp writing entropies into ent, which must
// have length n or be nil.
func (tp *Tape) withEntropy(ent []float64, n int, pass func() error) error {
	if ent != nil && len(ent) != n {
		return fmt.Errorf("llama: len(ent) = %d, want len(dst) = %d", len(ent), n)
	}
	tp.ent = ent
	defer func() { tp.ent = nil }()
	return pass()
}

// Forward is LogProbs keeping the activations on a new Tape for Backward
// (Tape.Forward reuses a Tape's buffers instead).
func (m *Model) Forward(dst []float64, seqs []Sequence, T int) (*Tape, error) {
	tp := new(Tape)
	if err := tp.Forward(m, dst, seqs, T); err != nil {
		return nil, err
	}
	return tp, nil
}

// SequenceLogProbs returns log p(tokens[t+1] | tokens[0..t]) for every
// t < len(tokens)−1: the log-probs of a whole sequence after its first token.
func (m *Model) SequenceLogProbs(tokens []int) ([]float64, error) {
	if len(tokens) < 2 {
		return nil, fmt.Errorf("llama: SequenceLogProbs: %d tokens, want at least 2", len(tokens))
	}
	dst := make([]float64, len(tokens)-1)
	err := m.LogProbs(dst, []Sequence{{Prompt: tokens[:1], Completion: tokens[1:]}}, len(dst))
	return dst, err
}

// validate checks the forward pass's arguments.
func (m *Model) validate(dst []float64, seqs []Sequence, T int) error {
	if m == nil {
		return errors.New("llama: nil Model")
	}
	if len(seqs) == 0 {
		return errors.New("llama: LogProbs: no sequence")
	}
	if T <= 0 {
		return fmt.Errorf("llama: LogProbs: T = %d, want > 0", T)
	}
	if len(dst) != len(seqs)*T {
		return fmt.Errorf("llama: LogProbs: len(dst) = %d, want B*T = %d*%d", len(dst), len(seqs), T)
	}
	c := m.Config
	if err := c.Validate(); err != nil {
		return err
	}
	if len(m.flat) != int(c.numParams()) || len(m.TokenEmbedding) != c.Vocab*c.Dim {
		return fmt.Errorf("llama: Model holds %d weights, its Config needs %d (build models with Load or New)", len(m.flat), c.numParams())
	}
	for i, s := range seqs {
		if len(s.Prompt) == 0 {
			return fmt.Errorf("llama: LogProbs: seqs[%d].Prompt is empty", i)
		}
		if len(s.Completion) > T {
			return fmt.Errorf("llama: LogProbs: len(seqs[%d].Completion) = %d > T = %d", i, len(s.Completion), T)
		}
		if n := len(s.Prompt) + len(s.Completion) - 1; n > c.SeqLen {
			return fmt.Errorf("llama: LogProbs: seqs[%d] has %d positions, more than SeqLen = %d", i, n, c.SeqLen)
		}
		for j, t := range s.Prompt {
			if t < 0 || t >= c.Vocab {
				return fmt.Errorf("llama: LogProbs: seqs[%d].Prompt[%d] = %d, want a token in [0, %d)", i, j, t, c.Vocab)
			}
		}
		for j, t := range s.Completion {
			if t < 0 || t >= c.Vocab {
				return fmt.Errorf("llama: LogProbs: seqs[%d].Completion[%d] = %d, want a token in [0, %d)", i, j, t, c.Vocab)
			}
		}
	}
	return nil
}

// Forward runs the teacher-forced forward pass of LogProbs on tp, reusing
// its buffers, and keeps the activations for Backward.
func (tp *Tape) Forward(m *Model, dst []float64, seqs []Sequence, T int) error {
	return tp.forward(m, dst, seqs, T, true)
}

// headChunk is how many classifier rows a forward pass without a backward
// pass computes at a time: its logits buffer is headChunk×Vocab instead of
// one row per scored token.
const headChunk = 256

// forward is Forward; without keep, the layers share one set of buffers
// and the classifier runs headChunk rows at a time, so that nothing but
// the output outlives its use, and the tape cannot go backward.
func (tp *Tape) forward(m *Model, dst []float64, seqs []Sequence, T int, keep bool) error {
	if err := m.validate(dst, seqs, T); err != nil {
		return err
	}
	tp.m, tp.B, tp.T, tp.done, tp.keep = m, len(seqs), T, false, keep
	maxPos := tp.layout(seqs, T)
	clear(dst)
	clear(tp.ent)
	tp.ropeTable(maxPos, m.Config.HeadSize())
	if len(tp.layers) != m.Config.Layers {
		tp.layers = make([]layerTape, m.Config.Layers)
	}
	// Where each layer's input lives: with keep, in its layerTape (the
	// last layer's output in xOut); without, alternately in xIn and xOut.
	L, n := m.Config.Layers, tp.N*m.Config.Dim
	slot := func(l int) *[]float32 {
		switch {
		case keep && l < L:
			return &tp.layers[l].x
		case keep || l%2 == 1:
			return &tp.xOut
		}
		return &tp.xIn
	}
	x := tp.embed(slot(0))
	for l := range L {
		lt := &tp.layers[0]
		if keep {
			lt = &tp.layers[l]
		}
		next := slot(l + 1)
		*next = grow(*next, n)
		tp.layer(lt, m.Layer(l), x, *next)
		x = *next
	}
	tp.classify(x, dst)
	return nil
}

// layout lays the positions of seqs out as rows (tokens, positions and the
// classifier rows) and returns the longest sequence's positions.
func (tp *Tape) layout(seqs []Sequence, T int) (maxPos int) {
	N, Nh := 0, 0
	tp.seqs = grow(tp.seqs, len(seqs))
	for i, s := range seqs {
		n := len(s.Prompt) + len(s.Completion) - 1
		tp.seqs[i] = seqInfo{row: N, n: n}
		N += n
		Nh += len(s.Completion)
		maxPos = max(maxPos, n)
	}
	tp.N = N
	tp.tok, tp.pos = grow(tp.tok, N), grow(tp.pos, N)
	tp.head, tp.target, tp.out = grow(tp.head, Nh), grow(tp.target, Nh), grow(tp.out, Nh)
	h := 0
	for i, s := range seqs {
		r0, np := tp.seqs[i].row, len(s.Prompt)
		for p := 0; p < tp.seqs[i].n; p++ {
			if p < np {
				tp.tok[r0+p] = int32(s.Prompt[p])
			} else {
				tp.tok[r0+p] = int32(s.Completion[p-np])
			}
			tp.pos[r0+p] = int32(p)
		}
		for j, t := range s.Completion {
			tp.head[h] = int32(r0 + np - 1 + j)
			tp.target[h] = int32(t)
			tp.out[h] = int32(i*T + j)
			h++
		}
	}
	return maxPos
}

// embed writes each row's token embedding into *dst, grown to fit, and
// returns it.
func (tp *Tape) embed(dst *[]float32) []float32 {
	m, dim := tp.m, tp.m.Config.Dim
	x := grow(*dst, tp.N*dim)
	*dst = x
	for r := range tp.N {
		t := int(tp.tok[r])
		copy(x[r*dim:(r+1)*dim], m.TokenEmbedding[t*dim:(t+1)*dim])
	}
	return x
}

// layer runs one transformer layer with weights w on the rows x into
// next (which must not alias x), saving its activations in lt:
//
//	x2 = x + WO·attention(RoPE(WQKV·RMSNorm(x)))
//	next = x2 + W2·(silu(W1·RMSNorm(x2)) ⊙ W3·RMSNorm(x2))
func (tp *Tape) layer(lt *layerTape, w LayerWeights, x, next []float32) {
	c := tp.m.Config
	dim, kv, hid, N := c.Dim, c.KVDim(), c.Hidden, tp.N
	qkvW := dim + 2*kv
	lt.x = x
	// The stacked projections [WQ; WK; WV] and [W1; W3] are transposed into
	// one [in][out] matrix each (shared by the layers: the backward pass
	// reads the weights as they are), so that each is one product; WO, W2
	// and the classifier go in as transposed operands.
	tp.qkvT = grow(tp.qkvT, dim*qkvW)
	transpose(tp.qkvT, qkvW, 0, w.WQ, dim, dim)
	transpose(tp.qkvT, qkvW, dim, w.WK, kv, dim)
	transpose(tp.qkvT, qkvW, dim+kv, w.WV, kv, dim)
	tp.w13T = grow(tp.w13T, dim*2*hid)
	transpose(tp.w13T, 2*hid, 0, w.W1, hid, dim)
	transpose(tp.w13T, 2*hid, hid, w.W3, hid, dim)

	// Attention block.
	tp.xb = grow(tp.xb, N*dim)
	lt.r1 = grow(lt.r1, N)
	rmsNormRows(tp.xb, x, w.RMSAtt, lt.r1, N, dim)
	lt.qkv = grow(lt.qkv, N*qkvW)
	sgemm(false, false, N, qkvW, dim, tp.xb, dim, tp.qkvT, qkvW, false, lt.qkv, qkvW)
	tp.rope(lt.qkv, qkvW, dim, kv, c.HeadSize(), false)
	lt.lse = grow(lt.lse, N*c.Heads)
	lt.att = grow(lt.att, N*dim)
	tp.attention(lt)
	lt.x2 = grow(lt.x2, N*dim)
	copy(lt.x2, x)
	sgemm(false, true, N, dim, dim, lt.att, dim, w.WO, dim, true, lt.x2, dim)

	// Feed-forward block.
	lt.r2 = grow(lt.r2, N)
	rmsNormRows(tp.xb, lt.x2, w.RMSFFN, lt.r2, N, dim)
	lt.h13 = grow(lt.h13, N*2*hid)
	sgemm(false, false, N, 2*hid, dim, tp.xb, dim, tp.w13T, 2*hid, false, lt.h13, 2*hid)
	lt.h = grow(lt.h, N*hid)
	swiglu(tp.scratchFor(), lt.h, lt.h13, N, hid)
	copy(next, lt.x2)
	sgemm(false, true, N, dim, hid, lt.h, hid, w.W2, hid, true, next, dim)
}

// classify runs the final norm, the classifier and the log-softmax on the
// classifier rows of x and writes each scored token's log-prob into dst:
//
//	log p(v | x) = z_v − (max z + log Σ_u exp(z_u − max z)),  z = Wcls·RMSNorm(h_L),
//
// accumulated in float64, and, when tp.ent is set, each scored token's
// entropy (see Model.LogProbsEntropy) into tp.ent. With a vocabulary of at
// least fusedVocab tokens the fused head (Head) computes them without
// materialising the logits, and with keep saves only each row's
// normalised input and log-sum-exp for Backward. With a smaller one the
// logits are materialised: with keep every row's exponentials are saved
// for Backward; without, buffers of headChunk rows are reused.
func (tp *Tape) classify(x []float32, dst []float64) {
	m := tp.m
	dim, V, Nh := m.Config.Dim, m.Config.Vocab, len(tp.head)
	tp.fused = V >= fusedVocab
	chunk := Nh
	if !tp.keep && !tp.fused {
		chunk = min(Nh, headChunk)
	}
	tp.xh, tp.xf = grow(tp.xh, chunk*dim), grow(tp.xf, chunk*dim)
	tp.rFin = grow(tp.rFin, chunk)
	if !tp.fused {
		tp.psum = grow(tp.psum, chunk)
		tp.exps = grow(tp.exps, chunk*V)
	}
	for k0 := 0; k0 < Nh; k0 += chunk {
		n := min(chunk, Nh-k0)
		for k, r := range tp.head[k0 : k0+n] {
			copy(tp.xh[k*dim:(k+1)*dim], x[int(r)*dim:(int(r)+1)*dim])
		}
		rmsNormRows(tp.xf, tp.xh, m.RMSFinal, tp.rFin, n, dim)
		if tp.fused {
			tp.fusedLogProbs(dst)
			continue
		}
		sgemm(false, true, n, V, dim, tp.xf, dim, m.Classifier(), dim, false, tp.exps, V)
		softmaxRows(tp.exps, V, tp.target[k0:k0+n], tp.out[k0:k0+n], tp.psum, dst, tp.ent, tp.scratchFor())
	}
}

// fusedVocab is the smallest vocabulary for which the model's classifier
// runs on the fused head (Head): from there the Nh×Vocab logits of the
// unfused path outweigh the activations of the layers (stories15M, Vocab
// 32000, Dim 288: 128 KB of logits per scored token against 90 KB of
// activations per position), while small vocabularies such as
// stories260K's 512 keep the unfused path and its results. (A variable so
// that tests can run either path on any model.)
var fusedVocab = 4096

// fusedLogProbs runs the fused head on every classifier row (normalised in
// tp.xf) and writes the log-probs into dst.
func (tp *Tape) fusedLogProbs(dst []float64) {
	Nh := len(tp.head)
	tp.lm.Weight, tp.lm.Dim = tp.m.Classifier(), tp.m.Config.Dim
	tp.rows = HeadRows{Hidden: tp.xf[:Nh*tp.lm.Dim], Targets: tp.target,
		LogProbs: grow(tp.rows.LogProbs, Nh), LSE: grow(tp.rows.LSE, Nh)}
	if tp.ent != nil {
		tp.rows.Entropy = grow(tp.rows.Entropy, Nh)
	}
	tp.lm.forward(&tp.rows)
	for k, o := range tp.out {
		dst[o] = tp.rows.LogProbs[k]
		if tp.ent != nil {
			tp.ent[o] = tp.rows.Entropy[k]
		}
	}
}

// softmaxRows turns each row k of the logits z (len(target) rows of width
// V) into exp(z − max z), writes 1/Σ_v exp(z_v − max z) into psum[k] and
// the target's log-prob z_t − (max z + log Σ) into dst[out[k]], summing
// in float64; when ent is not nil, it writes the row's entropy into
// ent[out[k]] too, keeping a copy of the logits in the goroutine's
// scratch.
func softmaxRows(z []float32, V int, target, out []int32, psum, dst, ent []float64, work []scratch) {
	parallelForW(len(target), 1, func(w, lo, hi int) {
		for k := lo; k < hi; k++ {
			zk := z[k*V : (k+1)*V]
			zt := zk[target[k]]
			mx := maxf(zk)
			if ent != nil {
				work[w].a = append(work[w].a[:0], zk...)
			}
			expShift(zk, 1, mx)
			s := 0.0
			for _, e := range zk {
				s += float64(e)
			}
			psum[k] = 1 / s
			dst[out[k]] = float64(zt) - (float64(mx) + math.Log(s))
			if ent != nil {
				ent[out[k]] = entropy(zk, work[w].a, mx, s)
			}
		}
	})
}

// entropy returns −Σ p_v log p_v of the softmax of the logits z, given
// e_v = exp(z_v − mx) and s = Σ e_v: log s − Σ e_v (z_v − mx) / s, in
// float64, and 0 where rounding would make it negative.
func entropy(e, z []float32, mx float32, s float64) float64 {
	m, ez := float64(mx), 0.0
	for v, x := range e {
		ez += float64(x) * (float64(z[v]) - m)
	}
	return max(0, math.Log(s)-ez/s)
}

// rmsNormRows writes y = g ⊙ x / rms(x) for each of n rows of x (width d)
// and 1/rms(x) into r.
func rmsNormRows(y, x, g, r []float32, n, d int) {
	parallelFor(n, 16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			r[i] = rmsNorm(y[i*d:(i+1)*d], x[i*d:(i+1)*d], g)
		}
	})
}

// rmsNorm writes g ⊙ x / rms(x) into y, over len(g) elements, and returns
// 1/rms(x), where rms(x) = sqrt(mean(x²) + ε) (llama2.c's rmsnorm, in
// float32).
func rmsNorm(y, x, g []float32) float32 {
	x = x[:len(g)]
	y = y[:len(g)]
	var ss float32
	for _, v := range x {
		ss += v * v
	}
	inv := float32(1 / math.Sqrt(float64(ss/float32(len(x))+rmsEps)))
	for j, v := range x {
		y[j] = g[j] * (v * inv)
	}
	return inv
}

// swiglu writes h = silu(a) ⊙ b for each of n rows of h13 = [a | b]
// (each of width hid), silu(a) = a·σ(a).
func swiglu(work []scratch, h, h13 []float32, n, hid int) {
	swigluRows(work, h13, n, hid, func(i int, a, b, e []float32) {
		hi := h[i*hid : (i+1)*hid]
		j0 := 0
		if useAsm && hid >= 8 {
			j0 = hid &^ 7
			swigluAVX2(hi[:j0], a, b, e)
		}
		for j := j0; j < hid; j++ {
			hi[j] = a[j] / (1 + e[j]) * b[j]
		}
	})
}

// swigluRows calls f(i, a, b, e) for each row i < n of h13 = [a | b]
// (each of width hid) with e = exp(−a), σ(a) = 1/(1+e), on every worker.
func swigluRows(work []scratch, h13 []float32, n, hid int, f func(i int, a, b, e []float32)) {
	parallelForW(n, 16, func(w, lo, hi int) {
		e := grow(work[w].a, hid)
		work[w].a = e
		for i := lo; i < hi; i++ {
			a := h13[i*2*hid : i*2*hid+hid]
			b := h13[i*2*hid+hid : (i+1)*2*hid]
			copy(e, a)
			expShift(e, -1, 0)
			f(i, a, b, e)
		}
	})
}

// ropeTable fills the cos and sin of pos·θ_k for pos < maxPos and each pair
// k < HeadSize/2, θ_k = 10000^(−2k/HeadSize).
func (tp *Tape) ropeTable(maxPos, hs int) {
	half := hs / 2
	tp.cos, tp.sin = grow(tp.cos, maxPos*half), grow(tp.sin, maxPos*half)
	for k := 0; k < half; k++ {
		theta := math.Pow(10000, -float64(2*k)/float64(hs))
		for p := 0; p < maxPos; p++ {
			s, c := math.Sincos(float64(p) * theta)
			tp.cos[p*half+k], tp.sin[p*half+k] = float32(c), float32(s)
		}
	}
}

// rope rotates each adjacent pair (2k, 2k+1) of every query head (columns
// [0, dim)) and key head (columns [dim, dim+kv)) of the rows of qkv (row
// width ld) by the row's position times θ_k; inverse rotates by −θ (the
// backward pass: the rotation is orthogonal, so its gradient is its inverse).
func (tp *Tape) rope(qkv []float32, ld, dim, kv, hs int, inverse bool) {
	half := hs / 2
	sign := float32(1)
	if inverse {
		sign = -1
	}
	parallelFor(tp.N, 16, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			p := int(tp.pos[r])
			cs := tp.cos[p*half : (p+1)*half]
			sn := tp.sin[p*half : (p+1)*half]
			row := qkv[r*ld : r*ld+dim+kv]
			for h0 := 0; h0 < dim+kv; h0 += hs {
				v := row[h0 : h0+2*len(cs)]
				for k, c := range cs {
					s := sign * sn[k]
					a, b := v[2*k], v[2*k+1]
					v[2*k] = a*c - b*s
					v[2*k+1] = a*s + b*c
				}
			}
		}
	})
}

// attention computes causal grouped-query attention for every sequence and
// head, out_i = Σ_{j≤i} softmax_j(q_i·k_j/√hs) v_j, saving the log-sum-exp
// of each row's scores. Per sequence and head the scores S = Q Kᵀ and the
// output P V are matrix products over blocks of gemmMR query rows, each
// computing only the key columns up to its last row (causal).
func (tp *Tape) attention(lt *layerTape) {
	c := tp.m.Config
	dim, kv, H, hs := c.Dim, c.KVDim(), c.Heads, c.HeadSize()
	ld := dim + 2*kv
	group := H / c.KVHeads
	scale := float32(1 / math.Sqrt(float64(hs)))
	units := len(tp.seqs) * H
	work := tp.scratchFor()
	parallelForW(units, 1, func(w, lo, hi int) {
		S, KT, inv := work[w].a, work[w].b, work[w].c
		defer func() { work[w].a, work[w].b, work[w].c = S, KT, inv }()
		for u := lo; u < hi; u++ {
			s, h := tp.seqs[u/H], u%H
			g := h / group
			n := s.n
			if n == 0 {
				continue
			}
			base := s.row * ld
			KT = grow(KT, hs*n)
			transposeStrided(KT, lt.qkv[base+dim+g*hs:], n, hs, ld)
			S = grow(S, n*n)
			inv = grow(inv, n)
			Q := lt.qkv[base+h*hs:]
			for i0 := 0; i0 < n; i0 += gemmMR {
				rows, cols := min(gemmMR, n-i0), min(n, (i0+gemmMR+7)&^7) // whole tiles of 8 keys
				gemmAt(rows, cols, hs, Q[i0*ld:], ld, 1, KT, n, S[i0*n:], n, false)
				for i := i0; i < i0+rows; i++ {
					mx := maxf(S[i*n:i*n+i+1]) * scale
					end := min(cols, (i+8)&^7) // i+1 keys, rounded up to whole vectors
					sum := expMasked(S[i*n:i*n+end], i+1, scale, mx)
					clear(S[i*n+end : i*n+cols])
					inv[i] = 1 / sum
					lt.lse[(s.row+i)*H+h] = mx + float32(math.Log(float64(sum)))
				}
			}
			O := lt.att[s.row*dim+h*hs:]
			V := lt.qkv[base+dim+kv+g*hs:]
			for i0 := 0; i0 < n; i0 += gemmMR {
				rows := min(gemmMR, n-i0)
				gemmAt(rows, hs, min(n, i0+gemmMR), S[i0*n:], n, 1, V, ld, O[i0*dim:], dim, false)
				for i := i0; i < i0+rows; i++ {
					o := O[i*dim : i*dim+hs]
					for d := range o {
						o[d] *= inv[i]
					}
				}
			}
		}
	})
}

// transposeStrided writes the transpose of an n×w block of rows with
// stride ld into dst (w×n): dst[d*n+j] = src[j*ld+d].
func transposeStrided(dst, src []float32, n, w, ld int) {
	for j := 0; j < n; j++ {
		row := src[j*ld : j*ld+w]
		for d, v := range row {
			dst[d*n+j] = v
		}
	}
}
