package policy

import (
	"errors"
	"fmt"
	"math"
)

// Batch is B sequences of per-token values padded to a common length T and
// stored flat and row-major: the value of token t of sequence i is at i*T+t.
//
// LogProbs holds log πθ of each token (the values a loss differentiates).
// OldLogProbs (log π_old, the sampling policy) and RefLogProbs (log π_ref)
// are optional: nil when an objective does not need them. Mask is optional:
// nil means every token counts; otherwise 1 marks a token that counts and 0
// one that does not (padding, prompt). Advantages holds either one value per
// sequence (length B, broadcast to its tokens) or one per token (length B*T).
type Batch struct {
	B, T        int
	LogProbs    []float64
	OldLogProbs []float64
	RefLogProbs []float64
	Mask        []float64
	Advantages  []float64
}

// ErrEmptyBatch is returned for a batch with no sequence or no token.
var ErrEmptyBatch = errors.New("policy: empty batch")

// NewBatch builds a Batch from ragged per-sequence slices, padding every
// sequence to the longest one. logp must be non-empty; old and ref may be
// nil (left out) or hold one slice per sequence with the same lengths as
// logp. The mask marks the real tokens (1) and the padding (0); it is left
// nil when no sequence needed padding. adv may be nil, one value per
// sequence, or filled in later.
func NewBatch(logp, old, ref [][]float64, adv []float64) (*Batch, error) {
	B := len(logp)
	if B == 0 {
		return nil, ErrEmptyBatch
	}
	T := 0
	ragged := false
	for i, s := range logp {
		if len(s) == 0 {
			return nil, fmt.Errorf("policy: NewBatch: logp[%d] is empty", i)
		}
		if T != 0 && len(s) != T {
			ragged = true
		}
		T = max(T, len(s))
	}
	b := &Batch{B: B, T: T, LogProbs: pad(logp, T)}
	for _, f := range []struct {
		name string
		src  [][]float64
		dst  *[]float64
	}{{"old", old, &b.OldLogProbs}, {"ref", ref, &b.RefLogProbs}} {
		if f.src == nil {
			continue
		}
		if len(f.src) != B {
			return nil, fmt.Errorf("policy: NewBatch: len(%s) = %d, want %d", f.name, len(f.src), B)
		}
		for i := range f.src {
			if len(f.src[i]) != len(logp[i]) {
				return nil, fmt.Errorf("policy: NewBatch: len(%s[%d]) = %d, want %d", f.name, i, len(f.src[i]), len(logp[i]))
			}
		}
		*f.dst = pad(f.src, T)
	}
	if ragged {
		b.Mask = make([]float64, B*T)
		for i, s := range logp {
			for t := range s {
				b.Mask[i*T+t] = 1
			}
		}
	}
	if adv != nil {
		if len(adv) != B {
			return nil, fmt.Errorf("policy: NewBatch: len(adv) = %d, want %d", len(adv), B)
		}
		b.Advantages = append([]float64(nil), adv...)
	}
	return b, b.Validate()
}

func pad(src [][]float64, T int) []float64 {
	dst := make([]float64, len(src)*T)
	for i, s := range src {
		copy(dst[i*T:], s)
	}
	return dst
}

// Validate reports the first problem with the batch: a non-positive shape,
// a slice of the wrong length, a NaN or Inf value, or a mask entry other
// than 0 or 1. Values under a zero mask are checked too, since they are
// multiplied by zero and an Inf there would still poison a sum.
// Objectives call it; callers may call it early for a clearer error.
func (b *Batch) Validate() error {
	if b == nil || b.B <= 0 || b.T <= 0 {
		return ErrEmptyBatch
	}
	n := b.B * b.T
	if err := checkSlice("LogProbs", b.LogProbs, n, b.T, true); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    []float64
	}{{"OldLogProbs", b.OldLogProbs}, {"RefLogProbs", b.RefLogProbs}, {"Mask", b.Mask}} {
		if f.v == nil {
			continue
		}
		if err := checkSlice(f.name, f.v, n, b.T, true); err != nil {
			return err
		}
	}
	for k, m := range b.Mask {
		if m != 0 && m != 1 {
			return fmt.Errorf("policy: Batch.Mask[%d*T+%d] = %v, want 0 or 1", k/b.T, k%b.T, m)
		}
	}
	if b.Advantages != nil {
		switch len(b.Advantages) {
		case b.B:
			return checkSlice("Advantages", b.Advantages, b.B, 0, false)
		case n:
			return checkSlice("Advantages", b.Advantages, n, b.T, true)
		default:
			return fmt.Errorf("policy: len(Batch.Advantages) = %d, want B = %d or B*T = %d", len(b.Advantages), b.B, n)
		}
	}
	return nil
}

// checkSlice checks length and finiteness, naming the element as i*T+t
// when perToken is set and as i otherwise.
func checkSlice(name string, v []float64, n, T int, perToken bool) error {
	if len(v) != n {
		return fmt.Errorf("policy: len(Batch.%s) = %d, want %d", name, len(v), n)
	}
	for k, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			what := "NaN"
			if math.IsInf(x, 0) {
				what = "Inf"
			}
			if perToken {
				return fmt.Errorf("policy: Batch.%s[%d*T+%d] is %s", name, k/T, k%T, what)
			}
			return fmt.Errorf("policy: Batch.%s[%d] is %s", name, k, what)
		}
	}
	return nil
}

// Tokens returns the number of tokens that count: the sum of the mask, or
// B*T when the mask is nil.
func (b *Batch) Tokens() float64 {
	if b.Mask == nil {
		return float64(b.B * b.T)
	}
	s := 0.0
	for _, m := range b.Mask {
		s += m
	}
	return s
}
