// Package evolve is a library for reward and preference optimisation: the
// part of language-model post-training that decides what a model should
// learn from its own samples and turns that into a gradient.
//
// It is a set of small packages that compose in a custom training loop:
//
//   - policy: the padded token batch, advantage estimators (GRPO z-score,
//     Dr. GRPO, RLOO, REINFORCE++, GAE, multi-reward), the policy-gradient
//     family (surrogate × KL estimator × aggregation: GRPO, DAPO, Dr. GRPO,
//     GSPO, CISPO) and NFT, plus the Generator interface.
//   - policy/llama: a llama2.c-format model in pure Go that loads, samples
//     and trains; policy/llama/stories260k embeds a real 260K checkpoint.
//   - policy/openai: a client for OpenAI-compatible inference servers.
//   - preference: the DPO family, KTO, RDP and CoPG.
//   - reward: rewards, verifiers, votes, LLM judges, a reward server and
//     rewardtest, conformance checks for reward designs.
//   - curriculum: bandit curricula (SEC, UCB, EXP3, Thompson), task pools,
//     learning-progress signals and dynamic sampling.
//
// Every objective writes ∂loss/∂logp into a caller-provided B×T buffer; any
// model that can take that buffer trains with every objective.
package evolve
