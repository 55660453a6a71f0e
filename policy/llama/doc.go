// Package llama is a Llama-architecture language model in llama2.c's
// checkpoint format, written for post-training: it loads and saves
// checkpoints (Load, LoadBytes, Model.Save), computes teacher-forced
// per-token log-probabilities of a batch of sequences — without keeping
// activations (Model.LogProbs, a frozen reference's path) or keeping them
// on a Tape (Model.Forward, Tape.Forward) — and back-propagates
// ∂loss/∂logp into gradients for every weight (Tape.Backward), which an
// AdamW optimizer (Optimizer) applies. Trainable bundles a model with its
// optimizer as a policy.Trainable, which policy.Trainer steps with any
// objective. Its tokenizer (Tokenizer) and batched sampler with a KV cache
// (Sampler, a policy.Generator) turn prompts into completions to train on.
//
// The architecture is that of llama2.c's run.c: RMSNorm (ε = 1e-5), rotary
// position embeddings rotating adjacent pairs (i, i+1) of each head by
// pos·10000^(−(i mod head_size)/head_size), grouped-query causal attention,
// a SwiGLU feed-forward layer w2(silu(w1 x) ⊙ w3 x), a final RMSNorm and a
// linear classifier (the token embedding itself when shared). Weights and
// activations are float32; the log-softmax accumulates in float64.
//
// The per-token values cross into package policy's flat B×T layout: row i
// of LogProbs' output and of Backward's input is sequence i, padded to T
// (Mask gives the matching policy.Batch.Mask).
//
// A training step, in outline (policy.Trainer does this for a Trainable):
//
//	tape, err := m.Forward(logp, seqs, T)    // teacher-forced log-probs, activations kept
//	loss := objective(grad, logp)            // ∂loss/∂logp into grad (B×T), e.g. package policy
//	g.Zero(); err = tape.Backward(grad, g)   // gradients of every weight
//	_, err = opt.Step(g)                     // AdamW (NewOptimizer)
//
// Speed: all positions of a batch go through each weight matrix as one
// matrix product, through gonum's blas.Float32 interface (UseBLAS, BLAS):
// by default Kernels, register-tiled AVX2/FMA kernels on amd64 (portable Go
// elsewhere or with the purego build tag), OpenBLAS with the openblas build
// tag. Attention runs as causal blocked products that recompute
// probabilities in the backward pass; from a vocabulary of 4096 tokens the
// classifier runs on the fused head (Head), which never holds the
// positions × vocabulary logits; and the work is split over GOMAXPROCS
// goroutines with results independent of their number.
// bench/compare_llama.sh runs the training step (BenchmarkTrainStep on
// stories260K, BenchmarkTrainShape on random models of the tinyllamas
// shapes) next to PyTorch 1.13's eager training step on OpenBLAS on the
// same tokens (bench/torch_llama.py), with the same number of threads: on
// one core of the development machine, 21k tokens/s against PyTorch's 4.1k
// on stories260K, and 760 against 670 at the stories15M shape, 61% of the
// core's float32 FMA peak.
//
// References: Touvron et al., "LLaMA: Open and Efficient Foundation
// Language Models" (2023); Karpathy, llama2.c (run.c, export.py);
// Su et al., "RoFormer" (2021); Shazeer, "GLU Variants Improve
// Transformer" (2020); Loshchilov & Hutter, "Decoupled Weight Decay
// Regularization" (2019).
package llama
