// Package preference holds the pairwise and unpaired preference objectives:
// the DPO family (sigmoid/cDPO, IPO, SLiC hinge, robust, EXO, NCA, BCO,
// SPPO-hard, APO-zero, APO-down), SimPO, KTO, RDP (PRDP, with its proximal
// clip) and CoPG, plus the builders of pairs from rewards and group ids
// and CREAM's consistency-based label smoothing.
//
// Every objective is a policy.Loss: it reads one padded *policy.Batch
// holding all sequences of a step (chosen and rejected completions are
// simply rows of it), with its per-step signals in the batch —
// Batch.Pairs for the pairwise objectives, Batch.Rewards for RDP and
// CoPG, Batch.Advantages (or KTO.Labels) for KTO — and writes
// ∂loss/∂LogProbs into one caller buffer of length B*T laid out like the
// batch; a nil buffer skips the gradient. A policy.Trainer steps any of
// them like GRPO. Pairs name rows of the batch (Pair{Chosen, Rejected});
// BestWorstPairs and MarginPairs build them from rewards and group ids,
// oriented by reward, and never pair two rewards that tie. With a caller
// buffer the objectives allocate nothing. Their diagnostics are
// policy.Stats, the one statistics type of every objective.
//
// Notation (docs/ALGORITHMS.md §4): per token t of
// row i, lp = log πθ, ref = log π_ref, old = log π_old, M the mask; the
// implicit reward of a completion is u = Σ_t M (lp − ref); for a pair
// Δ = u_w − u_l (chosen minus rejected). Losses are means over pairs.
//
// Objectives are plain values; Eval may be called from several goroutines
// at once (each with its own gradient buffer). On error the contents of the
// gradient buffer are unspecified.
package preference
