package policy_test

import (
	"fmt"
	"math"

	"github.com/evolve-go/evolve/policy"
)

// Four completions of one prompt, scored 1, 0, 0, 1, turned into GRPO
// advantages (TRL: unbiased std, eps 1e-4) and one on-policy GRPO step
// (DeepSeekMath: ε = 0.2, β = 0.04, seq-mean-token-mean).
func ExampleGRPO() {
	rewards := []float64{1, 0, 0, 1}
	adv := make([]float64, 4)
	if err := (policy.GroupNorm{Eps: 1e-4}).Advantages(adv, rewards, []int{0, 0, 0, 0}); err != nil {
		panic(err)
	}
	fmt.Printf("advantages %.4f\n", adv)

	logp := [][]float64{{-0.5, -1}, {-0.2}, {-1.5, -0.1}, {-0.3, -0.7}}
	b, err := policy.NewBatch(logp, logp, logp, adv) // on-policy, reference = policy
	if err != nil {
		panic(err)
	}
	grad := make([]float64, b.B*b.T)
	st, err := policy.GRPO().Eval(grad, b)
	if err != nil {
		panic(err)
	}
	fmt.Printf("loss %.4f, tokens %v\n", st.Loss, st.Tokens)
	fmt.Printf("grad %.4f\n", grad)
	// Output:
	// advantages [0.8659 -0.8659 -0.8659 0.8659]
	// loss 0.0000, tokens 7
	// grad [-0.1082 -0.1082 0.2165 0.0000 0.1082 0.1082 -0.1082 -0.1082]
}

// DAPO: clip-higher (ε_low 0.2, ε_high 0.28), token-mean, no KL. A token
// whose ratio went above 1.28 with a positive advantage is clipped.
func ExampleDAPO() {
	loss := policy.DAPO()
	fmt.Printf("%+v\n", loss)
	b := &policy.Batch{B: 1, T: 2,
		LogProbs:    []float64{math.Log(0.6), math.Log(0.5)},
		OldLogProbs: []float64{math.Log(0.4), math.Log(0.5)}, // ratios 1.5 and 1
		Advantages:  []float64{1}}
	grad := make([]float64, 2)
	st, err := loss.Eval(grad, b)
	if err != nil {
		panic(err)
	}
	fmt.Printf("loss %.2f, clipped high %.2f, grad %.2f\n", st.Loss, st.ClipFracHigh, grad)
	// Output:
	// {Surrogate:{EpsLow:0.2 EpsHigh:0.28 DualClip:0 Level:0} KL:{Estimator:K3 Coef:0} Agg:{GlobalTokens:0}}
	// loss -1.14, clipped high 0.50, grad [0.00 -0.50]
}

// Dr. GRPO: group-mean advantages (no std) and the token sum divided by
// B times the maximum completion length, so that neither long nor short
// answers are favoured.
func ExampleDrGRPO() {
	rewards := []float64{1, 0, 0, 0}
	adv := make([]float64, 4)
	if err := (policy.GroupMean{}).Advantages(adv, rewards, []int{3, 3, 3, 3}); err != nil {
		panic(err)
	}
	logp := [][]float64{{-0.1}, {-0.2, -0.3}, {-0.4, -0.5, -0.6}, {-0.7}}
	b, err := policy.NewBatch(logp, logp, nil, adv)
	if err != nil {
		panic(err)
	}
	grad := make([]float64, b.B*b.T)
	if _, err := policy.DrGRPO(4).Eval(grad, b); err != nil {
		panic(err)
	}
	fmt.Printf("advantages %.2f\n", adv)
	fmt.Printf("grad of sequence 2 %.4f\n", grad[2*b.T:3*b.T])
	// Output:
	// advantages [0.75 -0.25 -0.25 -0.25]
	// grad of sequence 2 [0.0156 0.0156 0.0156]
}

// GSPO: one length-normalised ratio per sequence, clipped to
// [1 − 3e-4, 1 + 4e-4] (GSPO paper, §5.1).
func ExampleGSPO() {
	b := &policy.Batch{B: 2, T: 2,
		LogProbs:    []float64{-1, -1, -1, -1},
		OldLogProbs: []float64{-1.0001, -1.0001, -1.1, -0.9}, // s = e^1e-4 and s = 1
		Advantages:  []float64{1, -1}}
	grad := make([]float64, 4)
	st, err := policy.GSPO().Eval(grad, b)
	if err != nil {
		panic(err)
	}
	fmt.Printf("mean ratio %.5f\n", st.MeanRatio)
	fmt.Printf("grad %.4f\n", grad)
	// Output:
	// mean ratio 1.00005
	// grad [-0.2500 -0.2500 0.2500 0.2500]
}

// NFT with the paper's defaults (ε = 1, ω = 1 − r̂, rates clamped to
// [0.02, 0.98]) on a group of four answers of which one is correct.
func ExampleNFT() {
	correct := []float64{1, 0, 0, 0}
	rate := make([]float64, 4)
	if err := policy.GroupRates(rate, correct, []int{0, 0, 0, 0}); err != nil {
		panic(err)
	}
	logp := [][]float64{{-0.5, -0.5}, {-0.6, -0.2}, {-0.3}, {-0.9, -0.1}}
	b, err := policy.NewBatch(logp, logp, nil, nil)
	if err != nil {
		panic(err)
	}
	grad := make([]float64, b.B*b.T)
	nft := policy.NFT{Correct: correct, Rate: rate, Agg: policy.SeqMeanTokenSumNorm{N: 1000}}
	if _, err := nft.Eval(grad, b); err != nil {
		panic(err)
	}
	fmt.Printf("rate %.2f\n", rate)
	fmt.Printf("grad %.6f\n", grad)
	// Output:
	// rate [0.25 0.25 0.25 0.25]
	// grad [-0.000188 -0.000188 0.000063 0.000063 0.000063 0.000000 0.000063 0.000063]
}

// A correctness reward and a format reward, combined by GDPO (normalise
// each reward within its group, then sum and whiten) so that the format
// reward, which varies little, still counts.
func ExampleMultiReward() {
	correct := []float64{1, 0, 1, 0}
	format := []float64{0.3, 0.1, 0.2, 0}
	adv := make([]float64, 4)
	m := policy.MultiReward{NormalizeFirst: true}
	if err := m.Advantages(adv, [][]float64{correct, format}, []int{0, 0, 0, 0}); err != nil {
		panic(err)
	}
	fmt.Printf("%.4f\n", adv)
	// Output:
	// [1.0418 -0.6439 0.6439 -1.0418]
}

// Value-based PPO on one sequence whose reward sits on the last token,
// with verl's defaults γ = λ = 1 (A_t = return − V_t) and with OpenRLHF's
// γ = 1, λ = 0.95. A zero Gamma or Lambda means 0, not a default.
func ExampleGAE() {
	rewards := []float64{0, 0, 1}
	values := []float64{0.5, 0.6, 0.8}
	adv, ret := make([]float64, 3), make([]float64, 3)
	if err := (policy.GAE{Gamma: 1, Lambda: 1}).Advantages(adv, ret, rewards, values, nil, 1, 3); err != nil {
		panic(err)
	}
	fmt.Printf("verl: advantages %.4f, returns %.4f\n", adv, ret)
	if err := (policy.GAE{Gamma: 1, Lambda: 0.95}).Advantages(adv, ret, rewards, values, nil, 1, 3); err != nil {
		panic(err)
	}
	fmt.Printf("OpenRLHF: advantages %.4f, returns %.4f\n", adv, ret)
	// Output:
	// verl: advantages [0.5000 0.4000 0.2000], returns [1.0000 1.0000 1.0000]
	// OpenRLHF: advantages [0.4705 0.3900 0.2000], returns [0.9705 0.9900 1.0000]
}

// Group ids need not be contiguous or sorted; a group whose rewards are all
// equal and a group of one get advantage 0, and a missing reward (NaN) is
// left out of its group's statistics and gets 0.
func ExampleGroupNorm() {
	rewards := []float64{1, 0.5, 1, 0, 1, math.NaN(), 0.3}
	groups := []int{42, 7, 42, 7, 42, 7, -1}
	adv := make([]float64, len(rewards))
	if err := (policy.GroupNorm{Eps: 1e-4}).Advantages(adv, rewards, groups); err != nil {
		panic(err)
	}
	fmt.Printf("%.4f\n", adv)
	// Output:
	// [0.0000 0.7069 0.0000 -0.7069 0.0000 0.0000 0.0000]
}
