package llama

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// headerSize is the size of a llama2.c checkpoint header: 7 int32.
const headerSize = 7 * 4

// ErrVersion2 is returned for a checkpoint written by llama2.c's versioned
// exporter (magic "ak42"), which this package does not read; export with
// the legacy format (export.py --version 0) instead.
var ErrVersion2 = errors.New("llama: checkpoint is a versioned llama2.c export (magic \"ak42\"); only the legacy format is supported")

// Load reads a llama2.c checkpoint (the legacy format that run.c reads) from
// r; see LoadBytes for the format.
func Load(r io.Reader) (*Model, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("llama: reading checkpoint: %w", err)
	}
	return LoadBytes(data)
}

// LoadBytes reads a llama2.c checkpoint held in memory. The data is copied;
// the model keeps no reference to it.
//
// Format (little-endian): a header of 7 int32 — dim, hidden_dim, n_layers,
// n_heads, n_kv_heads, vocab_size, seq_len; a negative vocab_size means the
// classifier is stored separately — then float32 tensors in the order of
// Weights' fields: token embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2,
// w3, rms_final; then optionally the legacy RoPE table (2×seq_len×head_size/2
// float32, ignored but kept for Save); then, when the classifier is not
// shared, wcls (the RoPE table is then required, as run.c skips it).
//
// The header is validated before anything is allocated; a truncated file,
// trailing data that is not exactly the RoPE table, and non-finite weights
// are errors.
func LoadBytes(data []byte) (*Model, error) {
	if len(data) < headerSize {
		return nil, fmt.Errorf("llama: checkpoint of %d bytes is shorter than its %d-byte header", len(data), headerSize)
	}
	if string(data[:4]) == "ak42" {
		return nil, ErrVersion2
	}
	var h [7]int32
	for i := range h {
		h[i] = int32(binary.LittleEndian.Uint32(data[4*i:]))
	}
	vocab := int(h[5])
	c := Config{
		Dim: int(h[0]), Hidden: int(h[1]), Layers: int(h[2]), Heads: int(h[3]),
		KVHeads: int(h[4]), Vocab: abs(vocab), SeqLen: int(h[6]), Shared: vocab > 0,
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%w (checkpoint header)", err)
	}
	body := int64(len(data) - headerSize)
	nw := c.numParams() * 4
	cls := int64(0)
	if !c.Shared {
		cls = int64(c.Vocab) * int64(c.Dim) * 4
	}
	freq := int64(c.SeqLen) * int64(c.HeadSize()) * 4
	var hasFreq bool
	switch {
	case body < nw:
		return nil, fmt.Errorf("llama: checkpoint truncated: %d bytes of weights, header %+v needs %d", body, c, nw)
	case body == nw && c.Shared:
		hasFreq = false
	case body == nw+freq:
		hasFreq = true
	case !c.Shared && body < nw+freq:
		return nil, fmt.Errorf("llama: checkpoint truncated: %d bytes after the header, a separate classifier needs %d (weights, RoPE table, classifier)", body, nw+freq)
	default:
		return nil, fmt.Errorf("llama: checkpoint has %d bytes after the header: want %d (weights) or %d (weights and RoPE table)", body, nw, nw+freq)
	}

	m := &Model{Config: c, Weights: newWeights(c)}
	p := data[headerSize:]
	mainN := len(m.flat) - int(cls/4)
	decode(m.flat[:mainN], p)
	p = p[4*mainN:]
	if hasFreq {
		m.freq = append([]byte(nil), p[:freq]...)
		p = p[freq:]
	}
	decode(m.flat[mainN:], p)
	if err := m.Weights.checkFinite(c); err != nil {
		return nil, fmt.Errorf("llama: checkpoint: %w", err)
	}
	return m, nil
}

// Save writes m in llama2.c's legacy checkpoint format (see LoadBytes):
// byte for byte what LoadBytes read when m was loaded and not changed since.
// A NaN or infinite weight (a diverged run) is an error and nothing is
// written.
func (m *Model) Save(w io.Writer) error {
	c := m.Config
	if err := c.Validate(); err != nil {
		return err
	}
	if len(m.flat) != int(c.numParams()) {
		return fmt.Errorf("llama: Save: model holds %d weights, Config needs %d", len(m.flat), c.numParams())
	}
	if err := m.Weights.checkFinite(c); err != nil {
		return fmt.Errorf("llama: Save: %w", err) // LoadBytes would refuse the file
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	vocab := int32(c.Vocab)
	if !c.Shared {
		vocab = -vocab
	}
	var hb [headerSize]byte
	for i, v := range []int32{int32(c.Dim), int32(c.Hidden), int32(c.Layers), int32(c.Heads), int32(c.KVHeads), vocab, int32(c.SeqLen)} {
		binary.LittleEndian.PutUint32(hb[4*i:], uint32(v))
	}
	bw.Write(hb[:])
	mainN := len(m.flat) - len(m.WCls)
	encode(bw, m.flat[:mainN])
	freq := m.freq
	if freq == nil && !c.Shared {
		freq = freqTable(c)
	}
	bw.Write(freq)
	encode(bw, m.WCls)
	return bw.Flush()
}

// checkFinite reports the first NaN or infinite weight, naming its tensor
// and index.
func (w *Weights) checkFinite(c Config) error {
	for _, t := range tensors {
		for i, v := range *t.field(w) {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("%s[%d] = %v", t.name, i, v)
			}
		}
	}
	return nil
}

func decode(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

func encode(w *bufio.Writer, src []float32) {
	var b [4096]byte
	for len(src) > 0 {
		n := min(len(src), len(b)/4)
		for i, v := range src[:n] {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		w.Write(b[:4*n])
		src = src[n:]
	}
}

func putFloat32(b []byte, v float32) { binary.LittleEndian.PutUint32(b, math.Float32bits(v)) }

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
