package policy

import (
	"fmt"
	"testing"

	"github.com/evolve-go/evolve/internal/benchdata"
)

var benchSizes = [][2]int{{64, 1024}, {256, 2048}}

func benchBatch(B, T int) *Batch {
	in := benchdata.Losses(B, T)
	return &Batch{B: B, T: T, LogProbs: in.LogProbs, OldLogProbs: in.Old, RefLogProbs: in.Ref, Mask: in.Mask, Advantages: in.Advantages}
}

func benchLoss(b *testing.B, mk func(*Batch) Loss) {
	for _, sz := range benchSizes {
		B, T := sz[0], sz[1]
		b.Run(fmt.Sprintf("%dx%d", B, T), func(b *testing.B) {
			batch := benchBatch(B, T)
			loss := mk(batch)
			grad := make([]float64, B*T)
			if _, err := loss.Eval(grad, batch); err != nil { // warm the task pool
				b.Fatal(err)
			}
			b.ReportAllocs()
			var st Stats
			for b.Loop() {
				var err error
				if st, err = loss.Eval(grad, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(B*T)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
			b.ReportMetric(st.Loss, "loss") // for bench/compare_losses.sh to check against PyTorch
		})
	}
}

// BenchmarkGRPO matches the grpo case of bench/torch_losses.py: token-level
// PPO clip 0.2/0.28, k3 KL with β = 0.04, seq-mean-token-mean.
func BenchmarkGRPO(b *testing.B) {
	benchLoss(b, func(*Batch) Loss {
		return PG{Surrogate: PPOClip{EpsLow: 0.2, EpsHigh: 0.28}, KL: KL{Estimator: K3, Coef: 0.04}, Agg: SeqMeanTokenMean{}}
	})
}

// BenchmarkNFT matches torch_losses.py's nft: ε 1, ω = 1 − r̂ with r̂ = 0.4
// for every sequence, correct = (advantage > 0), seq-mean-token-sum-norm
// with N = T.
func BenchmarkNFT(b *testing.B) {
	benchLoss(b, func(batch *Batch) Loss {
		rate := make([]float64, batch.B)
		for i := range rate {
			rate[i] = 0.4
		}
		return NFT{Eps: 1, Omega: OmegaOneMinusRate, Agg: SeqMeanTokenSumNorm{N: float64(batch.T)}, Rate: rate}
	})
}
