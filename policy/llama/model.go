package llama

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Config is the shape of a Llama model, as stored in the 7-int32 header of a
// llama2.c checkpoint.
//
// Every field must be positive; Dim must be a multiple of Heads, Heads a
// multiple of KVHeads, and the head size Dim/Heads even (RoPE rotates
// pairs). The zero Config is not usable: a model has no default shape.
type Config struct {
	// Dim is the width of the residual stream (stories260K: 64).
	Dim int
	// Hidden is the width of the SwiGLU feed-forward layer (stories260K: 172).
	Hidden int
	// Layers is the number of transformer blocks (stories260K: 5).
	Layers int
	// Heads is the number of query heads (stories260K: 8).
	Heads int
	// KVHeads is the number of key/value heads; Heads/KVHeads query heads
	// share each one (grouped-query attention; stories260K: 4).
	KVHeads int
	// Vocab is the number of tokens (stories260K: 512).
	Vocab int
	// SeqLen is the longest sequence the model was trained for and the
	// longest one LogProbs accepts (stories260K: 512).
	SeqLen int
	// Shared reports whether the classifier reuses the token embedding
	// (true for stories260K); when false the model holds a separate WCls.
	Shared bool
}

// HeadSize is Dim/Heads, the width of one attention head.
func (c Config) HeadSize() int { return c.Dim / c.Heads }

// KVDim is KVHeads*HeadSize, the width of the key and value projections.
func (c Config) KVDim() int { return c.KVHeads * c.HeadSize() }

// maxDim bounds every field of a Config so that sizes computed from it
// cannot overflow and an absurd header is rejected before any allocation.
const maxDim = 1 << 24

// maxParams bounds the number of float32 weights of a model (16 GiB, less
// where int is 32 bits wide), so that every size fits an int.
const maxParams = min(1<<32, math.MaxInt/8)

// Validate reports the first field of c that cannot describe a model.
func (c Config) Validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{{"Dim", c.Dim}, {"Hidden", c.Hidden}, {"Layers", c.Layers}, {"Heads", c.Heads},
		{"KVHeads", c.KVHeads}, {"Vocab", c.Vocab}, {"SeqLen", c.SeqLen}} {
		if f.v <= 0 {
			return fmt.Errorf("llama: Config.%s = %d, want > 0", f.name, f.v)
		}
		if f.v > maxDim {
			return fmt.Errorf("llama: Config.%s = %d, want ≤ %d", f.name, f.v, maxDim)
		}
	}
	if c.Dim%c.Heads != 0 {
		return fmt.Errorf("llama: Config.Dim = %d is not a multiple of Heads = %d", c.Dim, c.Heads)
	}
	if c.Heads%c.KVHeads != 0 {
		return fmt.Errorf("llama: Config.Heads = %d is not a multiple of KVHeads = %d", c.Heads, c.KVHeads)
	}
	if c.HeadSize()%2 != 0 {
		return fmt.Errorf("llama: head size Dim/Heads = %d is odd; RoPE needs it even", c.HeadSize())
	}
	// Estimate in float64 first: the exact int64 count could overflow.
	if n := c.numParamsFloat(); n > maxParams {
		return fmt.Errorf("llama: Config describes %.4g parameters, more than %d", n, int64(maxParams))
	}
	return nil
}

// numParamsFloat is numParams computed in float64, which cannot overflow.
func (c Config) numParamsFloat() float64 {
	dim, hid, L := float64(c.Dim), float64(c.Hidden), float64(c.Layers)
	kv := float64(c.KVHeads) * float64(c.Dim/max(c.Heads, 1))
	n := float64(c.Vocab)*dim + L*(2*dim+2*dim*dim+2*kv*dim+3*hid*dim) + dim
	if !c.Shared {
		n += float64(c.Vocab) * dim
	}
	return n
}

// numParams counts the float32 weights of a model of shape c (the freq
// table excluded), in int64; Validate has checked that it cannot overflow.
func (c Config) numParams() int64 {
	dim, hid, L := int64(c.Dim), int64(c.Hidden), int64(c.Layers)
	kv := int64(c.KVHeads) * (dim / int64(max(c.Heads, 1)))
	n := int64(c.Vocab)*dim + L*(2*dim+2*dim*dim+2*kv*dim+3*hid*dim) + dim
	if !c.Shared {
		n += int64(c.Vocab) * dim
	}
	return n
}

// Weights holds every trainable tensor of a model as float32, row-major, in
// llama2.c's layout: one slice per tensor kind holding all layers one after
// the other ([Layers][rows][cols]), matrices stored [out][in] so that
// y = W x reads W[o*in+i]. All slices are views of one contiguous buffer in
// checkpoint order (see Flat).
//
// Grads has the same layout, so the gradient of a weight sits at the same
// index of the same field.
type Weights struct {
	TokenEmbedding []float32 // [Vocab][Dim]
	RMSAtt         []float32 // [Layers][Dim], attention RMSNorm gains
	WQ             []float32 // [Layers][Dim][Dim]
	WK             []float32 // [Layers][KVDim][Dim]
	WV             []float32 // [Layers][KVDim][Dim]
	WO             []float32 // [Layers][Dim][Dim]
	RMSFFN         []float32 // [Layers][Dim], feed-forward RMSNorm gains
	W1             []float32 // [Layers][Hidden][Dim], gate projection
	W2             []float32 // [Layers][Dim][Hidden], down projection
	W3             []float32 // [Layers][Hidden][Dim], up projection
	RMSFinal       []float32 // [Dim]
	WCls           []float32 // [Vocab][Dim]; nil when Config.Shared

	flat []float32
}

// Flat returns every weight as one slice in checkpoint order: the buffer the
// named fields are views of. An optimizer can update it element-wise.
func (w *Weights) Flat() []float32 { return w.flat }

// Classifier returns the [Vocab][Dim] output matrix: WCls, or the token
// embedding when the classifier is shared.
func (w *Weights) Classifier() []float32 {
	if w.WCls != nil {
		return w.WCls
	}
	return w.TokenEmbedding
}

// tensor names one weight tensor: its field and whether it is a matrix
// (weight decay applies to matrices only).
type tensor struct {
	name   string
	field  func(*Weights) *[]float32
	size   func(Config) int
	matrix bool
}

// tensors lists the weight tensors in checkpoint order (the freq table, which
// sits between RMSFinal and WCls in the file, is not a weight).
var tensors = []tensor{
	{"TokenEmbedding", func(w *Weights) *[]float32 { return &w.TokenEmbedding }, func(c Config) int { return c.Vocab * c.Dim }, true},
	{"RMSAtt", func(w *Weights) *[]float32 { return &w.RMSAtt }, func(c Config) int { return c.Layers * c.Dim }, false},
	{"WQ", func(w *Weights) *[]float32 { return &w.WQ }, func(c Config) int { return c.Layers * c.Dim * c.Dim }, true},
	{"WK", func(w *Weights) *[]float32 { return &w.WK }, func(c Config) int { return c.Layers * c.KVDim() * c.Dim }, true},
	{"WV", func(w *Weights) *[]float32 { return &w.WV }, func(c Config) int { return c.Layers * c.KVDim() * c.Dim }, true},
	{"WO", func(w *Weights) *[]float32 { return &w.WO }, func(c Config) int { return c.Layers * c.Dim * c.Dim }, true},
	{"RMSFFN", func(w *Weights) *[]float32 { return &w.RMSFFN }, func(c Config) int { return c.Layers * c.Dim }, false},
	{"W1", func(w *Weights) *[]float32 { return &w.W1 }, func(c Config) int { return c.Layers * c.Hidden * c.Dim }, true},
	{"W2", func(w *Weights) *[]float32 { return &w.W2 }, func(c Config) int { return c.Layers * c.Dim * c.Hidden }, true},
	{"W3", func(w *Weights) *[]float32 { return &w.W3 }, func(c Config) int { return c.Layers * c.Hidden * c.Dim }, true},
	{"RMSFinal", func(w *Weights) *[]float32 { return &w.RMSFinal }, func(c Config) int { return c.Dim }, false},
	{"WCls", func(w *Weights) *[]float32 { return &w.WCls }, func(c Config) int {
		if c.Shared {
			return 0
		}
		return c.Vocab * c.Dim
	}, true},
}

// newWeights allocates zeroed weights of shape c (c must be valid).
func newWeights(c Config) Weights {
	var w Weights
	w.flat = make([]float32, c.numParams())
	w.view(c)
	return w
}

// view points the named fields at their ranges of w.flat.
func (w *Weights) view(c Config) {
	off := 0
	for _, t := range tensors {
		n := t.size(c)
		p := t.field(w)
		if n == 0 {
			*p = nil
			continue
		}
		*p = w.flat[off : off+n : off+n]
		off += n
	}
}

// clone returns a deep copy of w with shape c.
func (w *Weights) clone(c Config) Weights {
	var d Weights
	d.flat = append([]float32(nil), w.flat...)
	d.view(c)
	return d
}

// Model is a Llama-architecture language model in llama2.c's format:
// token embedding, Layers blocks of (RMSNorm, grouped-query attention with
// RoPE, residual; RMSNorm, SwiGLU feed-forward, residual), a final RMSNorm
// and a linear classifier (the embedding itself when Config.Shared).
//
// A Model is safe for concurrent reads (LogProbs from several goroutines);
// updating its weights (Optimizer.Step) must not overlap them.
//
// References: Touvron et al., LLaMA (2023); Karpathy, llama2.c (run.c).
type Model struct {
	Config Config
	Weights
	// freq is the legacy RoPE table (freq_cis_real, freq_cis_imag:
	// 2×SeqLen×HeadSize/2 float32) that older llama2.c exports write after
	// RMSFinal, kept verbatim so that Save reproduces the file; nil when
	// the checkpoint had none. The forward pass computes RoPE itself.
	freq []byte
}

// New returns a model of shape c with weights drawn from rng: matrices
// normal with standard deviation 0.02 (GPT-2/llama2.c's init), RMSNorm gains
// 1. It writes the legacy RoPE table so that Save gives a file every
// llama2.c version reads.
func New(c Config, rng *rand.Rand) (*Model, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if rng == nil {
		return nil, errors.New("llama: New: nil rand source")
	}
	m := &Model{Config: c, Weights: newWeights(c)}
	for _, t := range tensors {
		p := *t.field(&m.Weights)
		for i := range p {
			if t.matrix {
				p[i] = float32(0.02 * rng.NormFloat64())
			} else {
				p[i] = 1
			}
		}
	}
	m.freq = freqTable(c)
	return m, nil
}

// freqTable computes llama2.c's legacy freq_cis_real and freq_cis_imag
// tables: cos and sin of pos·10000^(−2i/HeadSize) for pos < SeqLen,
// i < HeadSize/2, as little-endian float32.
func freqTable(c Config) []byte {
	hs := c.HeadSize()
	half := hs / 2
	n := c.SeqLen * half
	b := make([]byte, 8*n)
	for pos := 0; pos < c.SeqLen; pos++ {
		for i := 0; i < half; i++ {
			f := 1 / math.Pow(10000, float64(2*i)/float64(hs))
			a := float64(pos) * f
			k := pos*half + i
			putFloat32(b[4*k:], float32(math.Cos(a)))
			putFloat32(b[4*(n+k):], float32(math.Sin(a)))
		}
	}
	return b
}

// Clone returns a deep copy of m, for instance a frozen reference policy
// that later updates of m leave unchanged.
func (m *Model) Clone() *Model {
	d := &Model{Config: m.Config, Weights: m.Weights.clone(m.Config)}
	if m.freq != nil {
		d.freq = append([]byte(nil), m.freq...)
	}
	return d
}

// NumParams is the number of trainable float32 weights.
func (m *Model) NumParams() int { return len(m.flat) }

// Layer returns views of layer l's weights (0 ≤ l < Layers).
func (m *Model) Layer(l int) LayerWeights { return m.Weights.layer(m.Config, l) }

// LayerWeights holds views of one transformer block's weights, with the
// shapes of Weights less the leading [Layers] dimension.
type LayerWeights struct {
	RMSAtt, WQ, WK, WV, WO, RMSFFN, W1, W2, W3 []float32
}

func (w *Weights) layer(c Config, l int) LayerWeights {
	dim, kv, hid := c.Dim, c.KVDim(), c.Hidden
	sl := func(s []float32, n int) []float32 { return s[l*n : (l+1)*n : (l+1)*n] }
	return LayerWeights{
		RMSAtt: sl(w.RMSAtt, dim),
		WQ:     sl(w.WQ, dim*dim),
		WK:     sl(w.WK, kv*dim),
		WV:     sl(w.WV, kv*dim),
		WO:     sl(w.WO, dim*dim),
		RMSFFN: sl(w.RMSFFN, dim),
		W1:     sl(w.W1, hid*dim),
		W2:     sl(w.W2, dim*hid),
		W3:     sl(w.W3, hid*dim),
	}
}
