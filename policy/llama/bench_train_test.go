package llama

import (
	"testing"

	"github.com/evolve-go/evolve/policy/llama/stories260k"
)

// BenchmarkTrainStep is the shape of the PyTorch baseline
// (bench/torch_llama.py, case=train): forward and backward of the
// summed log-probs of B=16 sequences of 256 scored tokens each on
// stories260K, the whole batch in one pass.
func BenchmarkTrainStep(b *testing.B) {
	const B, T = 16, 256
	m, err := LoadBytes(stories260k.Checkpoint)
	if err != nil {
		b.Fatal(err)
	}
	seqs := benchTokens(B, T, m.Config.Vocab)
	logp := make([]float64, B*T)
	grad := make([]float64, B*T)
	for i := range grad {
		grad[i] = -1
	}
	g := m.NewGrads()
	tape := new(Tape)
	// One step outside the timing, so that allocs/op shows the steady state
	// (a reused Tape allocates only its goroutines' closures).
	if err := tape.Forward(m, logp, seqs, T); err != nil {
		b.Fatal(err)
	}
	if err := tape.Backward(grad, g); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for b.Loop() {
		if err := tape.Forward(m, logp, seqs, T); err != nil {
			b.Fatal(err)
		}
		if err := tape.Backward(grad, g); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(B*T)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(B*T)*float64(b.N)/cpu, "tokens/cpu-s")
	}
}
