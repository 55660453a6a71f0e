package preference_test

import (
	"fmt"
	"testing"

	"github.com/evolve-go/evolve/internal/benchdata"
	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/preference"
)

var benchSizes = [][2]int{{64, 1024}, {256, 2048}}

func benchBatch(B, T int) (*policy.Batch, []float64) {
	in := benchdata.Losses(B, T)
	b := &policy.Batch{B: B, T: T, LogProbs: in.LogProbs, OldLogProbs: in.Old,
		RefLogProbs: in.Ref, Mask: in.Mask, Advantages: in.Advantages}
	return b, in.Advantages
}

// reportTokens reports throughput; the benchmarks also report the loss, so
// that bench/compare_losses.sh can check it against PyTorch's.
func reportTokens(b *testing.B, B, T int) {
	b.ReportMetric(float64(B*T)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkRDP: pairs (2i, 2i+1), β 0.5, proximal ε 0.1, summed
// log-ratios, rewards = the per-sequence advantages of the inputs (the
// semantics of the PyTorch baseline in bench/torch_losses.py).
func BenchmarkRDP(b *testing.B) {
	for _, s := range benchSizes {
		B, T := s[0], s[1]
		b.Run(fmt.Sprintf("%dx%d", B, T), func(b *testing.B) {
			batch, rewards := benchBatch(B, T)
			groups := make([]int, B)
			for i := range groups {
				groups[i] = i / 2
			}
			batch.Rewards, batch.Pairs = rewards, allPairs(groups)
			grad := make([]float64, B*T)
			obj := preference.RDP{Beta: 0.5, Epsilon: 0.1, Reduce: preference.Sum}
			b.ReportAllocs()
			var st policy.Stats
			for b.Loop() {
				var err error
				if st, err = obj.Eval(grad, batch); err != nil {
					b.Fatal(err)
				}
			}
			reportTokens(b, B, T)
			b.ReportMetric(st.Loss, "loss")
		})
	}
}

// BenchmarkDPO: sigmoid DPO, β 0.1, chosen = even rows, rejected = odd rows.
func BenchmarkDPO(b *testing.B) {
	for _, s := range benchSizes {
		B, T := s[0], s[1]
		b.Run(fmt.Sprintf("%dx%d", B, T), func(b *testing.B) {
			batch, _ := benchBatch(B, T)
			batch.Pairs = make([]preference.Pair, B/2)
			for i := range batch.Pairs {
				batch.Pairs[i] = preference.Pair{Chosen: 2 * i, Rejected: 2*i + 1}
			}
			grad := make([]float64, B*T)
			obj := preference.DPO{Variant: preference.Sigmoid, Beta: 0.1}
			b.ReportAllocs()
			var st policy.Stats
			for b.Loop() {
				var err error
				if st, err = obj.Eval(grad, batch); err != nil {
					b.Fatal(err)
				}
			}
			reportTokens(b, B, T)
			b.ReportMetric(st.Loss, "loss")
		})
	}
}
