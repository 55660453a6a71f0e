package preference_test

import (
	"fmt"
	"log"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/preference"
)

// Sigmoid DPO on one batch holding two prompts' chosen and rejected
// completions: rows 0 and 2 are chosen, 1 and 3 rejected. The gradient
// buffer is laid out like the batch and goes to the model's backward pass.
func ExampleDPO() {
	logp := [][]float64{{-0.5, -0.7}, {-1.2, -0.9, -1.5}, {-0.3}, {-0.8, -0.6}}
	ref := [][]float64{{-0.9, -0.8}, {-1.0, -0.9, -1.1}, {-0.4}, {-0.7, -0.6}}
	b, err := policy.NewBatch(logp, nil, ref, nil)
	if err != nil {
		log.Fatal(err)
	}
	b.Pairs = []preference.Pair{{Chosen: 0, Rejected: 1}, {Chosen: 2, Rejected: 3}}
	grad := make([]float64, b.B*b.T)
	st, err := preference.DPO{Beta: 0.1}.Eval(grad, b)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("loss %.4f accuracy %.2f margin %.3f\n", st.Loss, st.RewardAccuracy, st.Margin)
	fmt.Printf("∂loss/∂logp of row 0: %.4f\n", grad[0:2])
	// Output:
	// loss 0.6614 accuracy 1.00 margin 0.065
	// ∂loss/∂logp of row 0: [-0.0236 -0.0236]
}

// Conservative DPO (cDPO) assumes 10% of the labels are flipped; IPO uses
// TRL's length-normalised form unless IPOSummed; SimPO needs no reference.
func ExampleDPO_variants() {
	b, err := policy.NewBatch(
		[][]float64{{-0.5, -0.7}, {-1.2, -0.9, -1.5}},
		nil,
		[][]float64{{-0.9, -0.8}, {-1.0, -0.9, -1.1}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	b.Pairs = []preference.Pair{{Chosen: 0, Rejected: 1}}
	for _, obj := range []preference.DPO{
		{LabelSmoothing: 0.1},
		{Variant: preference.IPO, Beta: 0.5},
		{Variant: preference.IPO, Beta: 0.5, IPOSummed: true},
		{Variant: preference.SimPO, Beta: 2, Gamma: 0.5},
	} {
		st, err := obj.Eval(nil, b)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-8s %.4f\n", obj.Variant, st.Loss)
	}
	// Output:
	// sigmoid  0.6507
	// ipo      0.3025
	// ipo      0.0100
	// simpo    0.4032
}

// PRDP on text: each prompt's sampled completions share a group id, and
// every pair within a group whose rewards differ predicts its reward
// difference. Rewards are per completion; the proximal clip keeps each
// token's log-ratio within ε of the sampling policy's.
func ExampleRDP() {
	b, err := policy.NewBatch(
		[][]float64{{-0.5, -0.7}, {-1.2, -0.9}, {-0.3, -0.2}, {-0.8, -0.6}, {-2.0, -0.1}},
		[][]float64{{-0.5, -0.65}, {-1.15, -0.9}, {-0.3, -0.4}, {-0.8, -0.6}, {-1.95, -0.1}},
		[][]float64{{-0.9, -0.8}, {-1.0, -0.9}, {-0.4, -0.2}, {-0.7, -0.6}, {-1.5, -0.3}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	b.Groups = []int{7, 7, 7, 3, 3} // prompt 7: rows 0–2; prompt 3: rows 3–4
	b.Rewards = []float64{1, 0, 0.5, 0, 1}
	if b.Pairs, err = preference.MarginPairs(nil, b.Rewards, b.Groups, 0); err != nil {
		log.Fatal(err)
	}
	grad := make([]float64, b.B*b.T)
	st, err := preference.RDP{Beta: 1, Epsilon: 0.1}.Eval(grad, b)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("pairs:", b.Pairs)
	fmt.Printf("loss %.4f clipped tokens %.2f clipped pairs %.2f\n", st.Loss, st.ClipFrac, st.ClippedPairs)
	// Output:
	// pairs: [{0 1} {0 2} {2 1} {4 3}]
	// loss 0.4075 clipped tokens 0.10 clipped pairs 0.25
}

// CoPG's loss over the same pairs; its gradient is β/2 times RDP's.
func ExampleCoPG() {
	b, err := policy.NewBatch(
		[][]float64{{-0.5, -0.7}, {-1.2, -0.9}, {-0.3, -0.2}},
		nil,
		[][]float64{{-0.9, -0.8}, {-1.0, -0.9}, {-0.4, -0.2}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	b.Rewards = []float64{1, 0, 0.5}
	if b.Pairs, err = preference.MarginPairs(nil, b.Rewards, []int{0, 0, 0}, 0); err != nil {
		log.Fatal(err)
	}
	st, err := preference.CoPG{Beta: 0.1}.Eval(nil, b)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("loss %.5f accuracy %.2f\n", st.Loss, st.RewardAccuracy)
	// Output:
	// loss -0.33767 accuracy 1.00
}

// KTO on unpaired labels; rows 3 and 4 are completions paired with the
// wrong prompt, used only to estimate the reference point z₀ (as TRL does).
func ExampleKTO() {
	b, err := policy.NewBatch(
		[][]float64{{-0.5, -0.7}, {-1.2, -0.9}, {-0.3, -0.2}, {-2.1, -1.7}, {-1.4, -2.2}},
		nil,
		[][]float64{{-0.9, -0.8}, {-1.0, -0.9}, {-0.4, -0.2}, {-2.2, -1.9}, {-1.5, -2.2}}, nil)
	if err != nil {
		log.Fatal(err)
	}
	labels := []preference.Label{preference.Desirable, preference.Undesirable, preference.Desirable,
		preference.Mismatched, preference.Mismatched}
	st, err := preference.KTO{Beta: 0.1, Labels: labels}.Eval(nil, b)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("loss %.4f z0 %.2f desirable reward %.3f\n", st.Loss, st.RefPoint, st.ChosenReward)
	// Output:
	// loss 0.4950 z0 0.20 desirable reward 0.030
}

// CREAM: the previous and current iterations' rewards of one prompt's four
// responses agree on 5 of 6 pairs (τ = 2/3), so the self-rewarded pair's
// label gets smoothing ε = 1 − (τ+1)/2 = 1/6.
func ExampleCREAMSmoothing() {
	prev := []float64{0.1, 0.4, 0.3, 0.9}
	cur := []float64{0.2, 0.3, 0.5, 0.8}
	eps, err := preference.CREAMSmoothing(prev, cur)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("ε = %.4f\n", eps)
	obj := preference.DPO{LabelSmoothing: eps}
	fmt.Println(obj.Variant, obj.LabelSmoothing > 0)
	// Output:
	// ε = 0.1667
	// sigmoid true
}

// Pairs from the model's own samples: rewards of two prompts' groups of
// four. Best against worst gives one pair per group that has a winner;
// pairs above a margin give every clear preference; ties never pair.
func ExampleBestWorstPairs() {
	rewards := []float64{0, 1, 0.5, 1, 0.2, 0.2, 0.2, 0.2}
	groups := []int{0, 0, 0, 0, 1, 1, 1, 1}
	best, err := preference.BestWorstPairs(nil, rewards, groups)
	if err != nil {
		log.Fatal(err)
	}
	clear, err := preference.MarginPairs(nil, rewards, groups, 0.25)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("best vs worst:", best)
	fmt.Println("margin 0.25:  ", clear)
	// Output:
	// best vs worst: [{1 0}]
	// margin 0.25:   [{1 0} {2 0} {3 0} {1 2} {3 2}]
}
