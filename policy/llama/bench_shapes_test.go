package llama

import (
	"context"
	"math/rand/v2"
	"runtime"
	"testing"
)

// storiesShapes are the shapes of llama2.c's tinyllamas checkpoints
// (karpathy/tinyllamas; only stories260K ships with the module), for
// benchmarks on randomly initialised weights.
var storiesShapes = []struct {
	name string
	c    Config
}{
	{"15M", Config{Dim: 288, Hidden: 768, Layers: 6, Heads: 6, KVHeads: 6, Vocab: 32000, SeqLen: 256, Shared: true}},
	{"42M", Config{Dim: 512, Hidden: 1376, Layers: 8, Heads: 8, KVHeads: 8, Vocab: 32000, SeqLen: 1024, Shared: true}},
	{"110M", Config{Dim: 768, Hidden: 2048, Layers: 12, Heads: 12, KVHeads: 12, Vocab: 32000, SeqLen: 1024, Shared: true}},
}

// benchTokens returns B sequences of T+1 tokens 3 + IntN(vocab−3) drawn
// from PCG(0, 0), a one-token prompt and T scored tokens each: the inputs
// bench/compare_llama.sh feeds bench/torch_llama.py too.
func benchTokens(B, T, vocab int) []Sequence {
	rng := rand.New(rand.NewPCG(0, 0))
	seqs := make([]Sequence, B)
	for i := range seqs {
		toks := make([]int, T+1)
		for j := range toks {
			toks[j] = 3 + rng.IntN(vocab-3)
		}
		seqs[i] = Sequence{Prompt: toks[:1], Completion: toks[1:]}
	}
	return seqs
}

// trainFLOPs counts the floating-point operations of a training step over
// B sequences of T positions, as model FLOPs (recomputation not counted):
// three times the forward pass's 2 per multiply-add of the weight products
// (Layers·(Dim·(Dim+2·KVDim) + Dim² + 3·Dim·Hidden) + Vocab·Dim per
// position) and of causal attention (2·Dim·(p+1) per layer for QKᵀ and PV
// at position p).
func trainFLOPs(c Config, B, T int) float64 {
	dim, kv, hid := float64(c.Dim), float64(c.KVDim()), float64(c.Hidden)
	perPos := 2 * (float64(c.Layers)*(dim*(dim+2*kv)+dim*dim+3*dim*hid) + float64(c.Vocab)*dim)
	att := 0.0
	for p := range T {
		att += 4 * dim * float64(p+1) * float64(c.Layers)
	}
	return 3 * float64(B) * (float64(T)*perPos + att)
}

// BenchmarkTrainShape is BenchmarkTrainStep on randomly initialised models
// of the tinyllamas shapes: forward and backward of the summed log-probs of
// B=8 sequences of 256 scored tokens (bench/torch_llama.py --config, the
// same tokens). It reports tokens/s, GFLOP/s (trainFLOPs), GFLOP per second
// of the process's CPU time (the work done per core-second, which other
// load on a shared machine does not dilute) and the process's peak resident
// memory so far (run one shape per process to read it as that shape's
// peak).
func BenchmarkTrainShape(b *testing.B) {
	const B, T = 8, 256
	for _, sh := range storiesShapes {
		b.Run(sh.name, func(b *testing.B) {
			m, err := New(sh.c, rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				b.Fatal(err)
			}
			seqs := benchTokens(B, T, sh.c.Vocab)
			logp, grad := make([]float64, B*T), make([]float64, B*T)
			for i := range grad {
				grad[i] = -1
			}
			g, tape := m.NewGrads(), new(Tape)
			step := func() {
				if err := tape.Forward(m, logp, seqs, T); err != nil {
					b.Fatal(err)
				}
				if err := tape.Backward(grad, g); err != nil {
					b.Fatal(err)
				}
			}
			step()
			b.ResetTimer()
			cpu0 := cpuSeconds()
			for b.Loop() {
				step()
			}
			s, cpu := b.Elapsed().Seconds(), cpuSeconds()-cpu0
			b.ReportMetric(float64(B*T*b.N)/s, "tokens/s")
			b.ReportMetric(trainFLOPs(sh.c, B, T)*float64(b.N)/s/1e9, "GFLOP/s")
			if cpu > 0 {
				b.ReportMetric(float64(B*T*b.N)/cpu, "tokens/cpu-s")
				b.ReportMetric(trainFLOPs(sh.c, B, T)*float64(b.N)/cpu/1e9, "GFLOP/cpu-s")
			}
			b.ReportMetric(float64(peakRSS())/(1<<20), "maxrss-MB")
			runtime.KeepAlive(tape)
		})
	}
}

// BenchmarkSampleShape decodes B=8 sequences of 64 new tokens greedily from
// BOS on the randomly initialised tinyllamas shapes (a KV cache of the
// model's SeqLen).
func BenchmarkSampleShape(b *testing.B) {
	const B, newTokens = 8, 64
	for _, sh := range storiesShapes {
		b.Run(sh.name, func(b *testing.B) {
			m, err := New(sh.c, rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				b.Fatal(err)
			}
			s := NewSampler(m, nil)
			opt := SampleOptions{MaxTokens: newTokens, Greedy: true, NoStopAtEOS: true}
			for b.Loop() {
				if _, err := s.Sample(context.Background(), benchPrompts(B), opt); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*B*newTokens)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}
