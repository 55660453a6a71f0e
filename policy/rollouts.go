package policy

import (
	"fmt"
	"math"
)

// Sequence is one prompt and one completion as token ids: the unit a
// trainable model scores. Its log-probs are those of the completion's
// tokens, each given the prompt and the completion before it.
type Sequence struct {
	Prompt     []int
	Completion []int
}

// Rollouts are sampled completions laid out for training: the Batch —
// one row per completion, padded to T, with OldLogProbs the sampler's
// log-probs, Mask the completion tokens and Groups the index of each
// row's prompt — and the token sequences a Trainable scores. LogProbs is
// left for Trainer.Step to fill; Rewards, Advantages and RefLogProbs for
// the caller or the Trainer.
type Rollouts struct {
	Batch
	// Seqs holds each row's prompt and completion tokens.
	Seqs []Sequence
}

// NewRollouts lays out the completions of groups, as a Generator returns
// them (groups[i] holds the completions of prompt i), one row per
// completion, prompt by prompt: row ids follow the flattened order, and
// Groups[row] = i. T is the padded length; 0 means the longest completion.
//
// Each completion needs PromptTokens and at least one token, at most T;
// its LogProbs, one per token and finite, become OldLogProbs. Either every
// completion has LogProbs or none does (then OldLogProbs is nil and the
// policy-gradient objectives treat the batch as on-policy). Mask marks the
// completion tokens; it is left nil when no row needed padding.
//
// Errors name the completion (groups[i][j]) and the field: an empty group,
// a completion whose Prompt index is not i, missing prompt tokens, no
// token, more than T tokens, a LogProbs of another length than Tokens, a
// NaN or Inf log-prob, LogProbs on some completions and not others.
func NewRollouts(groups [][]Completion, T int) (*Rollouts, error) {
	B, maxLen, withLP, err := scanGroups(groups)
	if err != nil {
		return nil, err
	}
	if T < 0 {
		return nil, fmt.Errorf("policy: NewRollouts: T = %d, want ≥ 0", T)
	}
	if T == 0 {
		T = maxLen
	}
	if maxLen > T {
		for i, g := range groups {
			for j, c := range g {
				if len(c.Tokens) > T {
					return nil, fmt.Errorf("policy: NewRollouts: groups[%d][%d] has %d tokens, more than T = %d", i, j, len(c.Tokens), T)
				}
			}
		}
	}
	r := &Rollouts{Batch: Batch{B: B, T: T, Groups: make([]int, 0, B)}, Seqs: make([]Sequence, 0, B)}
	if withLP {
		r.OldLogProbs = make([]float64, B*T)
	}
	ragged := false
	for i, g := range groups {
		for _, c := range g {
			row := len(r.Seqs)
			r.Seqs = append(r.Seqs, Sequence{Prompt: c.PromptTokens, Completion: c.Tokens})
			r.Groups = append(r.Groups, i)
			if withLP {
				copy(r.OldLogProbs[row*T:], c.LogProbs)
			}
			ragged = ragged || len(c.Tokens) != T
		}
	}
	if ragged {
		r.Mask = make([]float64, B*T)
		for row, s := range r.Seqs {
			for t := range s.Completion {
				r.Mask[row*T+t] = 1
			}
		}
	}
	return r, nil
}

// scanGroups checks groups (see NewRollouts) and returns the number of
// completions, the longest one's length and whether they carry log-probs.
func scanGroups(groups [][]Completion) (B, maxLen int, withLP bool, err error) {
	if len(groups) == 0 {
		return 0, 0, false, fmt.Errorf("policy: NewRollouts: no group: %w", ErrEmptyBatch)
	}
	for i, g := range groups {
		if len(g) == 0 {
			return 0, 0, false, fmt.Errorf("policy: NewRollouts: groups[%d] is empty", i)
		}
		for j, c := range g {
			if err := checkCompletion(c, i, j, B == 0, withLP); err != nil {
				return 0, 0, false, err
			}
			if B == 0 {
				withLP = c.LogProbs != nil
			}
			B++
			maxLen = max(maxLen, len(c.Tokens))
		}
	}
	if B > math.MaxInt/max(1, maxLen) {
		return 0, 0, false, fmt.Errorf("policy: NewRollouts: %d completions of up to %d tokens overflow int", B, maxLen)
	}
	return B, maxLen, withLP, nil
}

// checkCompletion checks completion j of group i; first says it is the
// first completion, whose log-probs set withLP for the others.
func checkCompletion(c Completion, i, j int, first, withLP bool) error {
	at := fmt.Sprintf("policy: NewRollouts: groups[%d][%d]", i, j)
	switch {
	case c.Prompt != i:
		return fmt.Errorf("%s.Prompt = %d, want %d (its group)", at, c.Prompt, i)
	case len(c.PromptTokens) == 0:
		return fmt.Errorf("%s.PromptTokens is empty (the generator does not report them; at least BOS is needed)", at)
	case len(c.Tokens) == 0:
		return fmt.Errorf("%s.Tokens is empty", at)
	case c.LogProbs != nil && len(c.LogProbs) != len(c.Tokens):
		return fmt.Errorf("%s: len(LogProbs) = %d, want len(Tokens) = %d", at, len(c.LogProbs), len(c.Tokens))
	case !first && (c.LogProbs != nil) != withLP:
		return fmt.Errorf("%s: LogProbs set on some completions and not on others", at)
	}
	for t, x := range c.LogProbs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s.LogProbs[%d] is %v", at, t, x)
		}
	}
	return nil
}
