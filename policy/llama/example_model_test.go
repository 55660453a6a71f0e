package llama_test

import (
	"fmt"

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
	tape, err := m.LogProbs(logp, seqs, T)
	if err != nil {
		panic(err)
	}
	b := &policy.Batch{B: len(seqs), T: T, LogProbs: logp, Mask: []float64{1, 1, 1, 1, 1, 0}}
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
