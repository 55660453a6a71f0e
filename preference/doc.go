// Package preference holds the pairwise and unpaired preference objectives:
// the DPO family (sigmoid/cDPO, IPO, SLiC hinge, robust, EXO, NCA, BCO,
// SPPO-hard, APO-zero, APO-down), SimPO, KTO, RDP (PRDP, with its proximal
// clip) and CoPG, plus the helpers that build pairs from group ids and
// CREAM's consistency-based label smoothing.
//
// Every objective reads one padded *policy.Batch holding all sequences of a
// step (chosen and rejected completions are simply rows of it) and writes
// ∂loss/∂LogProbs into one caller buffer of length B*T laid out like the
// batch; a nil buffer skips the gradient. Pairs name rows of the batch
// (Pair{Chosen, Rejected}); GroupPairs builds every pair i<j of rows that
// share a group id. With a caller buffer the objectives allocate nothing.
// Each objective's Bind fixes its per-step arguments (pairs, rewards,
// labels) and returns a *Bound, a policy.Loss whose Last method keeps the
// full preference Stats of its latest Eval.
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
