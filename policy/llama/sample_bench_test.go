package llama

import (
	"context"
	"math/rand/v2"
	"testing"
)

// benchPrompts are the sampling benchmark's inputs: B prompts of one BOS
// token each, like the batched greedy decode of bench/torch_llama.py (at
// the module root).
func benchPrompts(b int) [][]int {
	p := make([][]int, b)
	for i := range p {
		p[i] = []int{BOS}
	}
	return p
}

func benchSample(b *testing.B, batch, newTokens int) {
	m, tok := loadStories(b)
	s := NewSampler(m, tok)
	prompts := benchPrompts(batch)
	opt := SampleOptions{MaxTokens: newTokens, Greedy: true, NoStopAtEOS: true}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Sample(ctx, prompts, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch*newTokens)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkSample decodes B=16 sequences of 128 new tokens greedily from
// BOS, with a KV cache (the shape of torch_llama.py's "sample" case).
func BenchmarkSample(b *testing.B) { benchSample(b, 16, 128) }

// BenchmarkDecodeSingle decodes one sequence of 256 new tokens greedily
// from BOS (llama2.c's run.c single stream: -n 256).
func BenchmarkDecodeSingle(b *testing.B) { benchSample(b, 1, 256) }

// BenchmarkSampleTemperature is BenchmarkSample at temperature 1 with
// top-p 0.9.
func BenchmarkSampleTemperature(b *testing.B) {
	m, tok := loadStories(b)
	s := NewSampler(m, tok)
	prompts := benchPrompts(16)
	opt := SampleOptions{MaxTokens: 128, NoStopAtEOS: true, Temperature: 1, TopP: 0.9}
	for b.Loop() {
		if _, err := s.Sample(context.Background(), prompts, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*16*128)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkMatmulKernel(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	const m, n, k = 16, 512, 64
	a := randSlice(rng, m*k)
	w := randSlice(rng, k*n)
	c := make([]float32, m*n)
	for b.Loop() {
		smpMatmul(m, n, k, a, k, w, n, c, n)
	}
	b.ReportMetric(2*m*n*k*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}
