// Package policy holds the math core of policy optimisation: the padded
// token batch that every objective reads, advantage estimators, the
// policy-gradient family (GRPO, DAPO, Dr. GRPO, GSPO, CISPO, REINFORCE)
// built from three independent parts — surrogate, KL estimator and
// aggregation — and NFT, plus the Generator interface that models and
// inference servers implement.
//
// Every objective writes ∂loss/∂logp into a caller buffer laid out like the
// batch (B×T, row-major); that flat buffer is the seam between the math and
// any model that can take it (the built-in llama model, a remote trainer).
//
// The formulas are those of docs/ALGORITHMS.md §1–3;
// each type's doc comment repeats the one it implements.
package policy
