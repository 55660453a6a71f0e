package llama

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Special token ids of llama2.c's tokenizers.
const (
	// BOS is the beginning-of-sequence token. stories260K also emits it
	// between stories, so generation stops when it is sampled.
	BOS = 1
	// EOS is the end-of-sequence token.
	EOS = 2
)

// byteTokenOffset is the id of the byte-fallback token <0x00>: byte b is
// token b+3 in llama2.c's tokenizers (after <unk>, BOS and EOS).
const byteTokenOffset = 3

// maxTokenizerPiece bounds the length of one piece of a tokenizer file
// (and its max_token_length), so that a corrupt length is reported instead
// of allocated.
const maxTokenizerPiece = 1 << 16

// Tokenizer is a llama2.c tokenizer (the tokenizer.bin format of
// karpathy/llama2.c, exported from a SentencePiece BPE model): a vocabulary
// of byte-string pieces with merge scores.
//
// Encode and Decode follow run.c's encode and decode exactly (see their
// doc comments for the two documented extensions: NUL bytes and ids out of
// range). A Tokenizer is immutable after loading and safe for concurrent
// use.
//
// References: Karpathy, llama2.c, run.c (encode, decode) and tokenizer.py
// (the export format); Kudo & Richardson, SentencePiece (2018).
type Tokenizer struct {
	pieces   []string  // pieces[id], as stored in the file
	scores   []float32 // merge score of each piece
	maxLen   int       // max_token_length of the file header
	lookup   map[string]int32
	canon    []int32          // canon[id] = lookup[pieces[id]], the id a piece resolves to
	pairs    map[uint64]int32 // canon(a)<<32 | canon(b) → lookup[pieces[a]+pieces[b]]
	space    int32            // id of " ", the dummy prefix; -1 when absent
	decoded  []string         // what each id decodes to (byte tokens: the byte)
	stripped []string         // the same after BOS (one leading space removed)
}

// LoadTokenizer reads a whole tokenizer.bin stream; see LoadTokenizerBytes.
func LoadTokenizer(r io.Reader) (*Tokenizer, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("llama: tokenizer: %w", err)
	}
	return LoadTokenizerBytes(data)
}

// LoadTokenizerBytes decodes llama2.c's tokenizer.bin format: a little-endian
// int32 max_token_length, then for every token a float32 score, an int32
// byte length and that many bytes. The file holds no token count; the
// vocabulary is every record up to the end of data (llama2.c takes the
// count from the model header instead: check Len against Config.Vocab).
//
// It returns an error naming the token for a truncated record, a negative
// or too long length (longer than max_token_length, which run.c's buffers
// assume), or a vocabulary too small to hold <unk>, BOS and EOS.
func LoadTokenizerBytes(data []byte) (*Tokenizer, error) {
	if len(data) < 4 {
		return nil, fmt.Errorf("llama: tokenizer: %d bytes, too short for the max_token_length header", len(data))
	}
	maxLen := int32(binary.LittleEndian.Uint32(data))
	if maxLen < 1 || maxLen > maxTokenizerPiece {
		return nil, fmt.Errorf("llama: tokenizer: max_token_length = %d, want 1..%d", maxLen, maxTokenizerPiece)
	}
	t := &Tokenizer{maxLen: int(maxLen), space: -1}
	off := 4
	for off < len(data) {
		id := len(t.pieces)
		if len(data)-off < 8 {
			return nil, fmt.Errorf("llama: tokenizer: token %d: truncated header (%d of 8 bytes)", id, len(data)-off)
		}
		score := math.Float32frombits(binary.LittleEndian.Uint32(data[off:]))
		n := int32(binary.LittleEndian.Uint32(data[off+4:]))
		off += 8
		if n < 0 || n > maxLen {
			return nil, fmt.Errorf("llama: tokenizer: token %d: length %d, want 0..max_token_length (%d)", id, n, maxLen)
		}
		if int(n) > len(data)-off {
			return nil, fmt.Errorf("llama: tokenizer: token %d: truncated piece (%d of %d bytes)", id, len(data)-off, n)
		}
		t.pieces = append(t.pieces, string(data[off:off+int(n)]))
		t.scores = append(t.scores, score)
		off += int(n)
	}
	if len(t.pieces) <= EOS {
		return nil, fmt.Errorf("llama: tokenizer: %d tokens, want at least 3 (<unk>, BOS, EOS)", len(t.pieces))
	}
	t.index()
	return t, nil
}

// index builds the lookup map and the decoded pieces.
func (t *Tokenizer) index() {
	t.lookup = make(map[string]int32, len(t.pieces))
	t.decoded = make([]string, len(t.pieces))
	t.stripped = make([]string, len(t.pieces))
	for id, p := range t.pieces {
		if _, dup := t.lookup[p]; !dup {
			// A duplicated piece resolves to its lowest id.
			t.lookup[p] = int32(id)
		}
		d := p
		if b, ok := parseBytePiece(p); ok {
			d = string([]byte{b})
		}
		s := d
		if len(p) > 0 && p[0] == ' ' {
			s = d[1:]
		}
		if id == BOS || id == EOS {
			d, s = "", ""
		}
		t.decoded[id], t.stripped[id] = d, s
	}
	if id, ok := t.lookup[" "]; ok {
		t.space = id
	}
	// Every concatenation of two pieces that is itself a piece is a split of
	// that piece, so the merge table is found by splitting every piece.
	t.canon = make([]int32, len(t.pieces))
	for id, p := range t.pieces {
		t.canon[id] = t.lookup[p]
	}
	t.pairs = make(map[uint64]int32)
	for id, p := range t.pieces {
		if t.canon[id] != int32(id) {
			continue
		}
		for k := 0; k <= len(p); k++ {
			l, okl := t.lookup[p[:k]]
			r, okr := t.lookup[p[k:]]
			if okl && okr {
				t.pairs[uint64(l)<<32|uint64(r)] = int32(id)
			}
		}
	}
}

// parseBytePiece recognises a byte-fallback piece "<0xHH>" (two hex digits,
// either case) and returns its byte.
func parseBytePiece(p string) (byte, bool) {
	if len(p) != 6 || p[:3] != "<0x" || p[5] != '>' {
		return 0, false
	}
	hi, ok1 := hexDigit(p[3])
	lo, ok2 := hexDigit(p[4])
	return hi<<4 | lo, ok1 && ok2
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Len is the number of tokens of the vocabulary.
func (t *Tokenizer) Len() int { return len(t.pieces) }

// MaxTokenLength is the max_token_length of the file header.
func (t *Tokenizer) MaxTokenLength() int { return t.maxLen }

// Piece returns the piece of token id as stored in the file (a
// byte-fallback token reads "<0xHH>"), or "" and false for an id out of
// range.
func (t *Tokenizer) Piece(id int) (string, bool) {
	if id < 0 || id >= len(t.pieces) {
		return "", false
	}
	return t.pieces[id], true
}

// Score returns the merge score of token id (0 for an id out of range).
func (t *Tokenizer) Score(id int) float32 {
	if id < 0 || id >= len(t.pieces) {
		return 0
	}
	return t.scores[id]
}

// Encode tokenizes text as llama2.c's run.c encode does:
//
//  1. BOS (1) first when bos is set;
//  2. the dummy prefix: the token " " when text is non-empty (SentencePiece's
//     add_dummy_prefix);
//  3. each UTF-8 code point of text (a lead byte and up to three following
//     continuation bytes — invalid UTF-8 is split the same way run.c splits
//     it) becomes its piece's token, or, when the vocabulary has no such
//     piece, one byte-fallback token per byte (byte b → token b+3, "<0xHH>");
//  4. repeatedly, the adjacent pair whose concatenated pieces form the
//     vocabulary token of highest score (leftmost on ties, score above
//     −1e10) merges into that token, until no pair merges;
//  5. EOS (2) last when eos is set.
//
// Merges run in O(n log n) with a priority queue and give exactly run.c's
// O(n²) result. Any string encodes, including "" and invalid UTF-8. Unlike
// run.c, which reads a C string, a NUL byte does not end the text: it
// encodes as the byte token <0x00>. When the vocabulary has no " " piece
// the dummy prefix is the byte token of ' ' (run.c would write −1). The
// only error is a byte that needs a fallback token the vocabulary lacks
// (fewer than 259 tokens).
//
// Decode(Encode(s, true, false)) == s for every s whose pieces decode
// back to its bytes (every s with the stories260K tokenizer).
func (t *Tokenizer) Encode(text string, bos, eos bool) ([]int, error) {
	toks := make([]int32, 0, len(text)+3)
	if bos {
		toks = append(toks, BOS)
	}
	if len(text) > 0 {
		if t.space >= 0 {
			toks = append(toks, t.space)
		} else {
			id, err := t.byteToken(' ')
			if err != nil {
				return nil, err
			}
			toks = append(toks, id)
		}
	}
	for i := 0; i < len(text); {
		j := i + 1
		for j < len(text) && text[j]&0xC0 == 0x80 && j-i < 4 {
			j++
		}
		if id, ok := t.lookup[text[i:j]]; ok {
			toks = append(toks, id)
		} else {
			for k := i; k < j; k++ {
				id, err := t.byteToken(text[k])
				if err != nil {
					return nil, err
				}
				toks = append(toks, id)
			}
		}
		i = j
	}
	toks = t.merge(toks)
	out := make([]int, len(toks), len(toks)+1)
	for i, id := range toks {
		out[i] = int(id)
	}
	if eos {
		out = append(out, EOS)
	}
	return out, nil
}

func (t *Tokenizer) byteToken(b byte) (int32, error) {
	id := int(b) + byteTokenOffset
	if id >= len(t.pieces) {
		return 0, fmt.Errorf("llama: tokenizer: no piece for byte 0x%02X and no byte-fallback token %d (vocabulary of %d)", b, id, len(t.pieces))
	}
	return int32(id), nil
}

// mergeFloor is run.c's initial best score: a pair merges only when its
// token scores above it.
const mergeFloor = float32(-1e10)

// pair is a candidate merge of the nodes left and right into token id,
// valid while both nodes still have the versions it was made with.
type pair struct {
	score       float32
	left, right int32
	id          int32
	vl, vr      uint32
}

// before orders candidates as run.c's scan picks them: highest score
// first, then leftmost (node indices keep the text order).
func (p *pair) before(q *pair) bool {
	if p.score != q.score {
		return p.score > q.score
	}
	return p.left < q.left
}

// pairHeap is a binary max-heap of candidates under before.
type pairHeap []pair

func (h *pairHeap) push(p pair) {
	*h = append(*h, p)
	a := *h
	i := len(a) - 1
	for i > 0 {
		up := (i - 1) / 2
		if !a[i].before(&a[up]) {
			break
		}
		a[i], a[up] = a[up], a[i]
		i = up
	}
}

func (h *pairHeap) pop() pair {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	for i := 0; ; {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && a[c+1].before(&a[c]) {
			c++
		}
		if !a[c].before(&a[i]) {
			break
		}
		a[i], a[c] = a[c], a[i]
		i = c
	}
	*h = a
	return top
}

// merge applies run.c's greedy best-pair merges to toks over a doubly
// linked list of nodes, with a heap of candidate pairs invalidated lazily
// by per-node versions.
func (t *Tokenizer) merge(toks []int32) []int32 {
	n := len(toks)
	if n < 2 {
		return toks
	}
	next := make([]int32, n)
	prev := make([]int32, n)
	ver := make([]uint32, n)
	for i := range n {
		next[i] = int32(i + 1)
		prev[i] = int32(i - 1)
	}
	next[n-1] = -1
	h := make(pairHeap, 0, n)
	consider := func(l, r int32) {
		if l < 0 || r < 0 {
			return
		}
		id, ok := t.pairs[uint64(t.canon[toks[l]])<<32|uint64(t.canon[toks[r]])]
		if !ok {
			return
		}
		s := t.scores[id]
		if !(s > mergeFloor) {
			return
		}
		h.push(pair{score: s, left: l, right: r, id: id, vl: ver[l], vr: ver[r]})
	}
	for i := 0; i+1 < n; i++ {
		consider(int32(i), int32(i+1))
	}
	for len(h) > 0 {
		p := h.pop()
		if ver[p.left] != p.vl || ver[p.right] != p.vr || next[p.left] != p.right {
			continue
		}
		l, r := p.left, p.right
		toks[l] = p.id
		ver[l]++
		ver[r]++ // r is gone; no live pair may name it
		nr := next[r]
		next[l] = nr
		if nr >= 0 {
			prev[nr] = l
		}
		next[r], prev[r] = -1, -1
		consider(prev[l], l)
		consider(l, nr)
	}
	out := toks[:0]
	for i := int32(0); i >= 0; i = next[i] {
		out = append(out, toks[i])
	}
	return out
}

// Decode returns the text of tokens as run.c's decode prints it: each
// token's piece, with the leading space of the piece that follows BOS
// removed (SentencePiece's dummy prefix) and byte-fallback tokens "<0xHH>"
// turned into their raw byte. BOS and EOS decode to nothing (run.c stops at
// BOS and would print EOS's piece "\n</s>\n"). An id out of range is an
// error.
func (t *Tokenizer) Decode(tokens []int) (string, error) {
	return t.DecodeAfter(-1, tokens)
}

// DecodeAfter decodes tokens that continue a sequence whose last token is
// prev (−1 for none): when prev is BOS the first piece loses its leading
// space. It decodes a sampled continuation on its own.
func (t *Tokenizer) DecodeAfter(prev int, tokens []int) (string, error) {
	b, err := t.AppendDecoded(nil, prev, tokens)
	return string(b), err
}

// AppendDecoded appends the decoded text of tokens (continuing after prev,
// as in DecodeAfter) to dst.
func (t *Tokenizer) AppendDecoded(dst []byte, prev int, tokens []int) ([]byte, error) {
	for i, id := range tokens {
		if id < 0 || id >= len(t.pieces) {
			return dst, fmt.Errorf("llama: tokenizer: token[%d] = %d out of range [0, %d)", i, id, len(t.pieces))
		}
		if prev == BOS {
			dst = append(dst, t.stripped[id]...)
		} else {
			dst = append(dst, t.decoded[id]...)
		}
		prev = id
	}
	return dst, nil
}
