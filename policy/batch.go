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
//
// Rewards, Groups and Pairs are per-sequence signals for the objectives
// that read them, nil when unused: Rewards holds one scalar reward per
// sequence (NaN: missing), Groups one group id per sequence (the samples
// of one prompt share an id), Pairs (chosen, rejected) pairs of rows for
// the pairwise objectives of package preference. NewRollouts sets Groups;
// the caller sets Rewards; the pair builders of package preference make
// Pairs from Rewards and Groups.
type Batch struct {
	B, T        int
	LogProbs    []float64
	OldLogProbs []float64
	RefLogProbs []float64
	Mask        []float64
	Advantages  []float64

	Rewards []float64
	Groups  []int
	Pairs   []Pair
}

// Pair names two rows of a batch: Chosen, the preferred completion (y_w),
// and Rejected, the dispreferred one (y_l). For the symmetric objectives
// (RDP, CoPG) the order carries no preference.
type Pair struct {
	Chosen, Rejected int
}

// ErrEmptyBatch is returned for a batch with no sequence or no token.
var ErrEmptyBatch = errors.New("policy: empty batch")

// NewBatch builds a Batch from ragged per-sequence slices, padding every
// sequence to the longest one. logp must be non-empty; old and ref may be
// nil (left out) or hold one slice per sequence with the same lengths as
// logp. The mask marks the real tokens (1) and the padding (0); it is left
// nil when no sequence needed padding. adv may be nil (the caller fills in
// Advantages later) or hold one value per sequence. For per-token
// advantages or a mask of the caller's own (prompt or tool tokens), use
// NewTokenBatch.
func NewBatch(logp, old, ref [][]float64, adv []float64) (*Batch, error) {
	b, err := newBatch("NewBatch", logp, old, ref, nil)
	if err != nil {
		return nil, err
	}
	if adv != nil {
		if len(adv) != b.B {
			return nil, fmt.Errorf("policy: NewBatch: len(adv) = %d, want %d", len(adv), b.B)
		}
		b.Advantages = append([]float64(nil), adv...)
	}
	return b, b.Validate()
}

// NewTokenBatch is NewBatch for per-token values: mask and adv are nil or
// hold one slice per sequence with the same lengths as logp. A nil mask
// counts every real token, as NewBatch does; otherwise Mask holds the
// caller's 0s and 1s, padded with 0, and is set even when no sequence
// needed padding. A nil adv leaves Advantages nil; otherwise Advantages
// holds one value per token (length B*T), padded with 0.
func NewTokenBatch(logp, old, ref, mask, adv [][]float64) (*Batch, error) {
	b, err := newBatch("NewTokenBatch", logp, old, ref, mask)
	if err != nil {
		return nil, err
	}
	if adv != nil {
		if err := sameShape("NewTokenBatch", "adv", adv, logp); err != nil {
			return nil, err
		}
		b.Advantages = pad(adv, b.T)
	}
	return b, b.Validate()
}

// newBatch pads logp, old, ref and mask (see NewTokenBatch); who names the
// caller in errors.
func newBatch(who string, logp, old, ref, mask [][]float64) (*Batch, error) {
	B := len(logp)
	if B == 0 {
		return nil, ErrEmptyBatch
	}
	T := 0
	ragged := false
	for i, s := range logp {
		if len(s) == 0 {
			return nil, fmt.Errorf("policy: %s: logp[%d] is empty", who, i)
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
	}{{"old", old, &b.OldLogProbs}, {"ref", ref, &b.RefLogProbs}, {"mask", mask, &b.Mask}} {
		if f.src == nil {
			continue
		}
		if err := sameShape(who, f.name, f.src, logp); err != nil {
			return nil, err
		}
		*f.dst = pad(f.src, T)
	}
	if ragged && mask == nil {
		b.Mask = make([]float64, B*T)
		for i, s := range logp {
			for t := range s {
				b.Mask[i*T+t] = 1
			}
		}
	}
	return b, nil
}

// sameShape checks that src has one slice per sequence of logp, each of
// the same length.
func sameShape(who, name string, src, logp [][]float64) error {
	if len(src) != len(logp) {
		return fmt.Errorf("policy: %s: len(%s) = %d, want %d", who, name, len(src), len(logp))
	}
	for i := range src {
		if len(src[i]) != len(logp[i]) {
			return fmt.Errorf("policy: %s: len(%s[%d]) = %d, want %d", who, name, i, len(src[i]), len(logp[i]))
		}
	}
	return nil
}

func pad(src [][]float64, T int) []float64 {
	dst := make([]float64, len(src)*T)
	for i, s := range src {
		copy(dst[i*T:], s)
	}
	return dst
}

// Validate reports the first problem with the batch: a non-positive shape,
// a B*T that overflows int, a slice of the wrong length, a NaN or Inf value, or a mask entry other
// than 0 or 1. Values under a zero mask are checked too, since they are
// multiplied by zero and an Inf there would still poison a sum.
// Objectives call it; callers may call it early for a clearer error, and
// should after setting fields of a batch themselves (say Mask or
// Advantages of a batch from NewBatch).
func (b *Batch) Validate() error {
	if b == nil {
		return ErrEmptyBatch
	}
	n, err := shape("Batch.B*Batch.T", b.B, b.T)
	if err != nil {
		return err
	}
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
		var err error
		switch len(b.Advantages) {
		case b.B:
			err = checkSlice("Advantages", b.Advantages, b.B, 0, false)
		case n:
			err = checkSlice("Advantages", b.Advantages, n, b.T, true)
		default:
			err = fmt.Errorf("policy: len(Batch.Advantages) = %d, want B = %d or B*T = %d", len(b.Advantages), b.B, n)
		}
		if err != nil {
			return err
		}
	}
	return b.validateSignals()
}

// validateSignals checks Rewards, Groups and Pairs: lengths B, no ±Inf
// reward (NaN is a missing one), and pairs of two different rows in [0, B).
func (b *Batch) validateSignals() error {
	if b.Rewards != nil {
		if len(b.Rewards) != b.B {
			return fmt.Errorf("policy: len(Batch.Rewards) = %d, want B = %d", len(b.Rewards), b.B)
		}
		for i, r := range b.Rewards {
			if math.IsInf(r, 0) {
				return fmt.Errorf("policy: Batch.Rewards[%d] is Inf", i)
			}
		}
	}
	if b.Groups != nil && len(b.Groups) != b.B {
		return fmt.Errorf("policy: len(Batch.Groups) = %d, want B = %d", len(b.Groups), b.B)
	}
	for k, p := range b.Pairs {
		if p.Chosen < 0 || p.Chosen >= b.B || p.Rejected < 0 || p.Rejected >= b.B || p.Chosen == p.Rejected {
			return fmt.Errorf("policy: Batch.Pairs[%d] = {%d, %d}, want two different rows in [0, B=%d)", k, p.Chosen, p.Rejected, b.B)
		}
	}
	return nil
}

// shape returns B*T, or ErrEmptyBatch when either is not positive, or an
// error naming what when the product overflows int (no slice could have
// that length, and B*T computed with wrap-around could match a short one).
func shape(what string, B, T int) (int, error) {
	if B <= 0 || T <= 0 {
		return 0, ErrEmptyBatch
	}
	if T > math.MaxInt/B {
		return 0, fmt.Errorf("policy: %s = %d*%d overflows int", what, B, T)
	}
	return B * T, nil
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

// grow returns a slice of length n, reusing buf's storage when it is large
// enough. The contents are not cleared.
func grow[T any](buf []T, n int) []T {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]T, n)
}
