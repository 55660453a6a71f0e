package llama_test

import (
	"fmt"
	"math"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/llama"
	"github.com/evolve-go/evolve/policy/llama/stories260k"
)

// ExampleModel_LogProbs scores two completions of different lengths in one
// batch and hands the log-probs to package policy in its B×T layout.
func ExampleModel_LogProbs() {
	m, err := llama.LoadBytes(stories260k.Checkpoint)
	if err != nil {
		panic(err)
	}
	seqs := []llama.Sequence{
		{Prompt: []int{1, 403}, Completion: []int{407, 261, 378}}, // "Once" → " upon a time"
		{Prompt: []int{1}, Completion: []int{403, 407}},
	}
	const T = 3
	logp := make([]float64, len(seqs)*T)
	tape, err := m.Forward(logp, seqs, T)
	if err != nil {
		panic(err)
	}
	b := &policy.Batch{B: len(seqs), T: T, LogProbs: logp, Mask: llama.Mask(seqs, T)}
	if err := b.Validate(); err != nil {
		panic(err)
	}
	for i := 0; i < b.B; i++ {
		fmt.Printf("%.2f\n", logp[i*T:(i+1)*T])
	}
	// ∂loss/∂logp for loss = −Σ logp over the counted tokens.
	grad := make([]float64, len(logp))
	for k, w := range b.Mask {
		grad[k] = -w
	}
	g := m.NewGrads()
	if err := tape.Backward(grad, g); err != nil {
		panic(err)
	}
	fmt.Println("gradient norm > 0:", g.Norm() > 0)
	// Output:
	// [-0.02 -0.01 -0.00]
	// [-0.24 -0.02 0.00]
	// gradient norm > 0: true
}

// ExampleNewOptimizer configures AdamW with a linear warm-up followed by a
// cosine decay (the schedule of llama2.c's train.py), gradient clipping at
// 1 and weight decay 0.1.
func ExampleNewOptimizer() {
	m, err := llama.LoadBytes(stories260k.Checkpoint)
	if err != nil {
		panic(err)
	}
	const peak, minLR, warmup, total = 5e-4, 5e-5, 2, 10
	schedule := func(step int) float64 {
		if step < warmup {
			return peak * float64(step+1) / warmup
		}
		frac := float64(step-warmup) / float64(total-warmup)
		return minLR + 0.5*(peak-minLR)*(1+math.Cos(math.Pi*min(frac, 1)))
	}
	opt, err := llama.NewOptimizer(m, llama.AdamW{WeightDecay: 0.1, ClipNorm: 1, Schedule: schedule})
	if err != nil {
		panic(err)
	}
	g := m.NewGrads() // filled by Tape.Backward in a real loop
	g.RMSFinal[0] = 3
	for step := 0; step < 4; step++ {
		st, err := opt.Step(g)
		if err != nil {
			panic(err)
		}
		fmt.Printf("step %d: lr %.2e, gradient norm %.1f, clipped %v\n", st.Step, st.LR, st.GradNorm, st.Clipped)
	}
	// Output:
	// step 1: lr 2.50e-04, gradient norm 3.0, clipped true
	// step 2: lr 5.00e-04, gradient norm 3.0, clipped true
	// step 3: lr 5.00e-04, gradient norm 3.0, clipped true
	// step 4: lr 4.83e-04, gradient norm 3.0, clipped true
}
