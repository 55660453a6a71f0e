package policy

import (
	"fmt"
	"math"
)

// Aggregation turns the per-token losses ℓ_t of a batch into one number,
// L = Σ_i w_i Σ_t M_t ℓ_t, by choosing the weight w_i that every counted
// token of sequence i gets. The package's aggregations are TokenMean,
// SeqMeanTokenMean, SeqMeanTokenSum and SeqMeanTokenSumNorm; nil in a
// loss's Agg field means that loss's documented default. A user's
// aggregation is any type with these two methods; the fused loops call
// Weight once per row.
type Aggregation interface {
	// Weight returns w_i for sequence i of a batch of B sequences padded
	// to T, where seqTokens = L_i = Σ_t M_t and batchTokens = Σ_i L_i, or
	// an error when the weight does not exist (a sequence with no counted
	// token under a per-sequence mean).
	Weight(i, B, T int, seqTokens, batchTokens float64) (float64, error)
	// Check reports the first invalid field of the aggregation.
	Check() error
}

// TokenMean divides by the number of counted tokens of the whole batch:
//
//	L = Σ_i Σ_t M ℓ / Σ_i Σ_t M
//
// References: DAPO (Yu et al., 2025) token-level loss; TRL loss_type "dapo"
// / "bnpo"; verl loss_agg_mode "token-mean" (its default); OpenRLHF.
type TokenMean struct {
	// GlobalTokens is the denominator when the batch is one micro-batch of
	// a larger step: the counted tokens of all micro-batches, so that the
	// accumulated gradients equal those of the whole step. Zero (default)
	// means this batch's own count. Negative or non-finite is an error.
	GlobalTokens float64
}

// SeqMeanTokenMean averages over the tokens of each sequence, then over
// the sequences:
//
//	L = (1/B) Σ_i (1/L_i) Σ_t M ℓ
//
// Every sequence needs at least one counted token.
//
// References: Shao et al., DeepSeekMath (GRPO, 2024); TRL loss_type "grpo";
// verl "seq-mean-token-mean".
type SeqMeanTokenMean struct{}

// SeqMeanTokenSum sums over the tokens of each sequence and averages over
// the sequences:
//
//	L = (1/B) Σ_i Σ_t M ℓ
//
// References: verl loss_agg_mode "seq-mean-token-sum".
type SeqMeanTokenSum struct{}

// SeqMeanTokenSumNorm divides the sum over all tokens by B times a constant
// N (for example the maximum completion length), so that neither the
// length of a sequence nor the number of tokens in the batch changes a
// token's weight:
//
//	L = Σ_i Σ_t M ℓ / (B·N)
//
// References: Liu et al., Dr. GRPO (2025); TRL loss_type "dr_grpo" (verl's
// "seq-mean-token-sum-norm" leaves out the B); NVlabs/NFT (N = 1000).
type SeqMeanTokenSumNorm struct {
	// N is the constant length. Zero (default) means the batch's padded
	// length T (TRL uses max_completion_length). Negative or non-finite
	// is an error.
	N float64
}

// Check implements Aggregation.
func (a TokenMean) Check() error { return checkNonNeg("TokenMean", "GlobalTokens", a.GlobalTokens) }

// Check implements Aggregation.
func (SeqMeanTokenMean) Check() error { return nil }

// Check implements Aggregation.
func (SeqMeanTokenSum) Check() error { return nil }

// Check implements Aggregation.
func (a SeqMeanTokenSumNorm) Check() error {
	return checkNonNeg("SeqMeanTokenSumNorm", "N", a.N)
}

// Weight implements Aggregation.
func (a TokenMean) Weight(_, _, _ int, _, batchTokens float64) (float64, error) {
	if a.GlobalTokens > 0 {
		return 1 / a.GlobalTokens, nil
	}
	if batchTokens == 0 {
		return 0, fmt.Errorf("policy: TokenMean: the batch has no counted token")
	}
	return 1 / batchTokens, nil
}

// Weight implements Aggregation.
func (SeqMeanTokenMean) Weight(i, B, _ int, seqTokens, _ float64) (float64, error) {
	if seqTokens == 0 {
		return 0, fmt.Errorf("policy: SeqMeanTokenMean: sequence %d has no counted token (Batch.Mask[%d*T+...] all 0)", i, i)
	}
	return 1 / (float64(B) * seqTokens), nil
}

// Weight implements Aggregation.
func (SeqMeanTokenSum) Weight(_, B, _ int, _, _ float64) (float64, error) {
	return 1 / float64(B), nil
}

// Weight implements Aggregation.
func (a SeqMeanTokenSumNorm) Weight(_, B, T int, _, _ float64) (float64, error) {
	n := a.N
	if n == 0 {
		n = float64(T)
	}
	return 1 / (float64(B) * n), nil
}

// needsBatchTokens reports whether agg may read the batch's token count:
// TokenMean without GlobalTokens, and any aggregation of a user's.
func needsBatchTokens(agg Aggregation) bool {
	switch a := agg.(type) {
	case TokenMean:
		return a.GlobalTokens == 0
	case SeqMeanTokenMean, SeqMeanTokenSum, SeqMeanTokenSumNorm:
		return false
	}
	return true
}

// seqTokens returns L_i, the counted tokens of row i.
func seqTokens(mask []float64, i, T int) float64 {
	if mask == nil {
		return float64(T)
	}
	s := 0.0
	for _, m := range mask[i*T : (i+1)*T] {
		s += m
	}
	return s
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
