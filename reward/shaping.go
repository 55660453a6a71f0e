package reward

import (
	"context"
	"fmt"
	"math"
	"strings"
)

// MetaCompletionTokens is the Sample.Meta key the length-based rewards read
// when no LengthFunc is given: the completion's length in tokens, as an
// int, int32, int64 or an integral float64 ≥ 0 (a decoded JSON number).
const MetaCompletionTokens = "completion_tokens"

// LengthFunc measures a completion, in tokens.
type LengthFunc func(s Sample) (int, error)

// CompletionLength is the default LengthFunc: Meta[MetaCompletionTokens]
// when present, otherwise the number of whitespace-separated words of the
// completion (strings.Fields), a tokenizer-free stand-in for tokens.
func CompletionLength(s Sample) (int, error) {
	if v, ok := s.Meta[MetaCompletionTokens]; ok {
		n, ok := metaInt(v)
		if !ok {
			return 0, fmt.Errorf("reward: Meta[%q] = %v (%T), want a non-negative integer", MetaCompletionTokens, v, v)
		}
		return n, nil
	}
	return len(strings.Fields(s.Completion)), nil
}

func metaInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, x >= 0
	case int32:
		return int(x), x >= 0
	case int64:
		return int(x), x >= 0
	case float64:
		if x < 0 || x != math.Trunc(x) || x > 1<<53 {
			return 0, false
		}
		return int(x), true
	}
	return 0, false
}

func measure(f LengthFunc, s Sample) (int, error) {
	if f == nil {
		f = CompletionLength
	}
	n, err := f(s)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, fmt.Errorf("reward: Length returned %d, want ≥ 0", n)
	}
	return n, nil
}

// LengthPenalty is a linear penalty on completion length beyond a free
// allowance:
//
//	R = −PerToken · max(0, L − Free)
type LengthPenalty struct {
	// PerToken is the penalty per token beyond Free. Default (0): 0.001,
	// one point per thousand tokens. Zero selects this default rather than
	// "off" because a LengthPenalty with no coefficient is the constant 0
	// and has no other use; switch the penalty off where it is combined
	// instead (leave it out of the Weighted, or give its Term Weight 0).
	// Negative or non-finite is an error.
	PerToken float64
	// Free is the number of tokens that cost nothing. Default 0. Negative
	// is an error.
	Free int
	// Length measures L. Default CompletionLength.
	Length LengthFunc
}

// Score returns the penalty (≤ 0).
func (p LengthPenalty) Score(_ context.Context, s Sample) (float64, error) {
	c := p.PerToken
	if math.IsNaN(c) || math.IsInf(c, 0) || c < 0 {
		return math.NaN(), fmt.Errorf("reward: LengthPenalty.PerToken is %v, want finite and ≥ 0", c)
	}
	if c == 0 {
		c = 0.001
	}
	if p.Free < 0 {
		return math.NaN(), fmt.Errorf("reward: LengthPenalty.Free is %d, want ≥ 0", p.Free)
	}
	n, err := measure(p.Length, s)
	if err != nil {
		return math.NaN(), err
	}
	over := max(0, n-p.Free)
	if over == 0 {
		return 0, nil // not −0
	}
	return -c * float64(over), nil
}

// Overlong is DAPO's soft overlong punishment. With L the completion
// length, L_max = MaxLength and L_cache = Cache:
//
//	R = 0                          if L ≤ L_max − L_cache
//	R = (L_max − L_cache − L)/L_cache  if L_max − L_cache < L ≤ L_max
//	R = −1                         if L > L_max
//
// so the penalty ramps linearly from 0 to −1 across the last L_cache tokens
// of the budget. It is meant to be added to the task reward (for example in
// a Weighted with weight 1).
//
// References: Yu et al., "DAPO: An Open-Source LLM Reinforcement Learning
// System at Scale", 2025 (overlong reward shaping); verl's DAPO recipe
// (overlong_buffer).
type Overlong struct {
	// MaxLength is L_max. Default (0): 20480, DAPO's maximum response
	// length. Negative is an error.
	MaxLength int
	// Cache is L_cache, the width of the soft-penalty band. Default (0):
	// a fifth of MaxLength (integer division, at least 1) — DAPO's ratio,
	// L_cache = 4096 for L_max = 20480 — so that the default band fits
	// any budget (MaxLength 1024 gives 204). Negative, or larger than
	// MaxLength, is an error.
	Cache int
	// Length measures L. Default CompletionLength.
	Length LengthFunc
}

// Score returns the soft overlong penalty in [−1, 0].
func (o Overlong) Score(_ context.Context, s Sample) (float64, error) {
	lmax, lc := o.MaxLength, o.Cache
	if lmax < 0 {
		return math.NaN(), fmt.Errorf("reward: Overlong.MaxLength is %d, want ≥ 0", lmax)
	}
	if lc < 0 {
		return math.NaN(), fmt.Errorf("reward: Overlong.Cache is %d, want ≥ 0", lc)
	}
	if lmax == 0 {
		lmax = 20480
	}
	if lc == 0 {
		lc = max(1, lmax/5)
	}
	if lc > lmax {
		return math.NaN(), fmt.Errorf("reward: Overlong.Cache (%d) exceeds Overlong.MaxLength (%d)", lc, lmax)
	}
	n, err := measure(o.Length, s)
	if err != nil {
		return math.NaN(), err
	}
	return OverlongPenalty(n, lmax, lc), nil
}

// OverlongPenalty is the formula of Overlong for one length n with
// 0 < cache ≤ maxLength (not checked).
func OverlongPenalty(n, maxLength, cache int) float64 {
	switch {
	case n <= maxLength-cache:
		return 0
	case n <= maxLength:
		return float64(maxLength-cache-n) / float64(cache)
	default:
		return -1
	}
}

// Repetition penalises repeated word n-grams in a completion:
//
//	R = MaxPenalty · (1 − |unique n-grams| / |n-grams|)
//
// Words are the lower-cased whitespace-separated fields of the completion.
// A completion with fewer than N words scores 0. The result lies in
// [MaxPenalty, 0].
//
// References: open-r1 get_repetition_penalty_reward (defaults n = 3,
// max_penalty = −1); Yeo et al., "Demystifying Long Chain-of-Thought
// Reasoning in LLMs", 2025.
type Repetition struct {
	// N is the n-gram size. Default (0): 3. Negative is an error.
	N int
	// MaxPenalty is the score of a completion made of one repeated n-gram.
	// Default (0): −1. Positive or non-finite is an error.
	MaxPenalty float64
}

// Score returns the repetition penalty (≤ 0).
func (r Repetition) Score(_ context.Context, s Sample) (float64, error) {
	n, mp := r.N, r.MaxPenalty
	if n < 0 {
		return math.NaN(), fmt.Errorf("reward: Repetition.N is %d, want ≥ 0", n)
	}
	if math.IsNaN(mp) || math.IsInf(mp, 0) || mp > 0 {
		return math.NaN(), fmt.Errorf("reward: Repetition.MaxPenalty is %v, want finite and ≤ 0", mp)
	}
	if n == 0 {
		n = 3
	}
	if mp == 0 {
		mp = -1
	}
	f := RepeatedNGramFraction(s.Completion, n)
	if f == 0 {
		return 0, nil // not −0
	}
	return mp * f, nil
}

// RepeatedNGramFraction is 1 − |unique n-grams|/|n-grams| over the
// lower-cased whitespace-separated words of text; 0 when text has fewer
// than n words or n < 1.
func RepeatedNGramFraction(text string, n int) float64 {
	words := strings.Fields(strings.ToLower(text))
	if n < 1 || len(words) < n {
		return 0
	}
	total := len(words) - n + 1
	seen := make(map[string]struct{}, total)
	for i := 0; i < total; i++ {
		seen[strings.Join(words[i:i+n], "\x00")] = struct{}{}
	}
	return 1 - float64(len(seen))/float64(total)
}
