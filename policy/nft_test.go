package policy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// nftBatch draws a batch with correctness and rates for NFT.
func nftBatch(rng *rand.Rand, B, T int, sigma float64) (*Batch, []float64, []float64) {
	b := randBatch(rng, B, T, sigma)
	b.RefLogProbs = nil
	correct, rate := make([]float64, B), make([]float64, B)
	rates := []float64{0.01, 0.25, 0.5, 0.75, 0.99, 1, 0}
	for i := range B {
		if rng.Float64() < 0.5 {
			correct[i] = 1
		}
		rate[i] = rates[rng.IntN(len(rates))]
	}
	return b, correct, rate
}

// nftNearKink reports whether an incorrect token's (1 − r̂R)/(1 − r̂) is
// within d of ε.
func nftNearKink(n NFT, b *Batch, correct, rate []float64, d float64) bool {
	eps, rmin, rmax, _, _ := n.config()
	for i := range b.B {
		if correct[i] == 1 {
			continue
		}
		rh := min(max(rate[i], rmin), rmax)
		for t := range b.T {
			k := i*b.T + t
			x := (1 - rh*math.Exp(b.LogProbs[k]-b.OldLogProbs[k])) / (1 - rh)
			if math.Abs(x-eps) < d {
				return true
			}
		}
	}
	return false
}

func TestNFTGradientFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	variants := []NFT{
		{},
		{Eps: 0.5},
		{Eps: 2, Omega: OmegaSqrt},
		{Eps: 0.05, Omega: OmegaOne, RateMin: 0.1, RateMax: 0.8},
		{DisableNegatives: true},
		{NegWeight: 0.3, Omega: OmegaSqrt},
	}
	clipped, unclipped := 0, 0
	for vi, v := range variants {
		for _, agg := range aggs {
			for _, nilCorrect := range []bool{false, true} {
				var b *Batch
				var correct, rate []float64
				for {
					b, correct, rate = nftBatch(rng, 5, 8, 0.4)
					if !nftNearKink(v, b, correct, rate, 1e-3) {
						break
					}
				}
				n := v
				n.Agg, n.Rate, n.Correct = agg, rate, correct
				if nilCorrect {
					n.Correct = nil
					for i, c := range correct {
						b.Advantages[i] = math.Abs(b.Advantages[i]) * (2*c - 1)
					}
				}
				eps, rmin, rmax, negW, _ := n.config()
				straight := func(k int) (float64, bool) {
					i := k / b.T
					if correct[i] == 1 {
						return 0, false
					}
					rh := min(max(rate[i], rmin), rmax)
					R := math.Exp(b.LogProbs[k] - b.OldLogProbs[k])
					if (1-rh*R)/(1-rh) > eps {
						return 0, false
					}
					omega := map[NFTWeight]float64{OmegaOneMinusRate: 1 - rh, OmegaSqrt: math.Sqrt((1 - rh) / rh), OmegaOne: 1}[n.Omega]
					return aggWeight(agg, b, i) * omega * negW * rh * R / (eps * (1 - rh)), true
				}
				checkFDExcept(t, fmt.Sprintf("variant %d %T%+v nilCorrect=%v", vi, agg, agg, nilCorrect), n, b, straight)
				st, err := n.Eval(nil, b)
				if err != nil {
					t.Fatal(err)
				}
				if st.ClipFrac > 0 {
					clipped++
				}
				if st.ClipFrac < 1 {
					unclipped++
				}
			}
		}
	}
	if clipped == 0 || unclipped == 0 {
		t.Errorf("the ε clip was active in %d cases and inactive in %d, want both", clipped, unclipped)
	}
}

// A hand-computed incorrect token: r̂ = 0.5, R = 0.5 gives x = 1.5 > ε = 1,
// ℓ = −(1 − r̂)·log 1.5, ∂ℓ/∂lp = (1 − r̂)·r̂R/(1 − r̂R) = 0.5·0.25/0.75;
// R = 1.5 gives x = 0.5 < ε: ℓ = 0, ∂ℓ/∂lp = 0.5·0.75/(1·0.5).
func TestNFTHandComputed(t *testing.T) {
	b := &Batch{B: 1, T: 2, LogProbs: []float64{math.Log(0.5), math.Log(1.5)}, OldLogProbs: []float64{0, 0}}
	grad := make([]float64, 2)
	st, err := NFT{Correct: []float64{0}, Rate: []float64{0.5}, Agg: SeqMeanTokenSum{}}.Eval(grad, b)
	if err != nil {
		t.Fatal(err)
	}
	if want := -0.5 * math.Log(1.5); math.Abs(st.Loss-want) > 1e-15 {
		t.Errorf("loss = %v, want %v", st.Loss, want)
	}
	for i, want := range []float64{0.5 * 0.25 / 0.75, 0.5 * 0.75 / 0.5} {
		if math.Abs(grad[i]-want) > 1e-15 {
			t.Errorf("grad[%d] = %v, want %v", i, grad[i], want)
		}
	}
	if st.ClipFrac != 0.5 || st.MeanRatio != 1 {
		t.Errorf("stats %+v", st)
	}
}

// On-policy, NFT with ω = 1 − r̂ has Dr. GRPO's gradient with A = c − r̂,
// and with ω = sqrt((1 − r̂)/r̂) GRPO's gradient with population-std
// advantages, under the same aggregation.
func TestNFTEqualsGRPOOnPolicy(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	groups := []int{7, 7, 7, 7, -2, -2, -2, -2, 40, 40, 40, 40}
	correct := []float64{1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1}
	B, T := len(groups), 6
	rate := make([]float64, B)
	if err := GroupRates(rate, correct, groups); err != nil {
		t.Fatal(err)
	}
	for _, agg := range aggs {
		b := randBatch(rng, B, T, 0)
		b.RefLogProbs = nil
		nftGrad, pgGrad := make([]float64, B*T), make([]float64, B*T)
		// ω = 1 − r̂ vs Dr. GRPO with A = c − r̂.
		if _, err := (NFT{Agg: agg, Correct: correct, Rate: rate}).Eval(nftGrad, b); err != nil {
			t.Fatal(err)
		}
		for i := range B {
			b.Advantages[i] = correct[i] - rate[i]
		}
		if _, err := (PG{Agg: agg}).Eval(pgGrad, b); err != nil {
			t.Fatal(err)
		}
		compare(t, fmt.Sprintf("ω=1−r̂ %T", agg), nftGrad, pgGrad)
		// ω = sqrt vs GRPO with population std.
		if _, err := (NFT{Omega: OmegaSqrt, Agg: agg, Correct: correct, Rate: rate}).Eval(nftGrad, b); err != nil {
			t.Fatal(err)
		}
		if err := (GroupNorm{Std: Population}).Advantages(b.Advantages, correct, groups); err != nil {
			t.Fatal(err)
		}
		if _, err := (PG{Agg: agg}).Eval(pgGrad, b); err != nil {
			t.Fatal(err)
		}
		compare(t, fmt.Sprintf("ω=sqrt %T", agg), nftGrad, pgGrad)
	}
}

func compare(t *testing.T, name string, got, want []float64) {
	t.Helper()
	for k := range got {
		if math.Abs(got[k]-want[k]) > 1e-14*max(1, math.Abs(want[k])) {
			t.Errorf("%s: [%d] = %v, want %v", name, k, got[k], want[k])
		}
	}
}

// With DisableNegatives, NFT is rejection-sampling fine-tuning: incorrect
// sequences get no gradient and contribute nothing.
func TestNFTPositivesOnly(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	b, correct, rate := nftBatch(rng, 6, 5, 0.3)
	grad := make([]float64, b.B*b.T)
	st, err := NFT{DisableNegatives: true, Correct: correct, Rate: rate}.Eval(grad, b)
	if err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for k := range grad {
		i := k / b.T
		if correct[i] == 0 && grad[k] != 0 {
			t.Errorf("grad[%d] = %v for an incorrect sequence, want 0", k, grad[k])
		}
		if correct[i] == 1 {
			rh := min(max(rate[i], 0.02), 0.98)
			want -= (1 - rh) * b.Mask[k] * (b.LogProbs[k] - b.OldLogProbs[k]) / float64(b.B*b.T)
		}
	}
	if math.Abs(st.Loss-want) > 1e-15 {
		t.Errorf("loss = %v, want %v", st.Loss, want)
	}
}

func TestGroupRates(t *testing.T) {
	dst := make([]float64, 5)
	if err := GroupRates(dst, []float64{1, 0, 1, 1, 0}, []int{3, 9, 3, 9, -1}); err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{1, 0.5, 1, 0.5, 0} {
		if dst[i] != want {
			t.Errorf("rate[%d] = %v, want %v", i, dst[i], want)
		}
	}
	if err := GroupRates(dst, []float64{1, 0, 0.5, 1, 0}, []int{0, 0, 0, 0, 0}); err == nil || !strings.Contains(err.Error(), "correct[2] = 0.5") {
		t.Errorf("error %v", err)
	}
	if err := GroupRates(dst[:4], []float64{1, 0, 1, 1, 0}, []int{0, 0, 0, 0, 0}); err == nil {
		t.Error("no error for a length mismatch")
	}
}

func TestNFTErrors(t *testing.T) {
	good := func() *Batch { return randBatch(rand.New(rand.NewPCG(1, 1)), 3, 4, 0.1) }
	c, r := []float64{1, 0, 1}, []float64{0.5, 0.5, 0.2}
	cases := []struct {
		name string
		n    NFT
		edit func(b *Batch)
		want string
	}{
		{"no rate", NFT{Correct: c}, nil, "NFT needs NFT.Rate or one Batch.Groups"},
		{"rate > 1", NFT{Correct: c, Rate: []float64{0.5, 1.5, 0}}, nil, "NFT.Rate[1] = 1.5"},
		{"NaN rate", NFT{Correct: c, Rate: []float64{0.5, math.NaN(), 0}}, nil, "NFT.Rate[1] = NaN"},
		{"correct 2", NFT{Correct: []float64{1, 2, 0}, Rate: r}, nil, "NFT.Correct[1] = 2"},
		{"correct length", NFT{Correct: []float64{1}, Rate: r}, nil, "len(NFT.Correct) = 1"},
		{"per-token adv without Correct", NFT{Rate: r}, func(b *Batch) { b.Advantages = make([]float64, 12) }, "one Batch.Advantages per sequence"},
		{"no adv without Correct", NFT{Rate: r}, func(b *Batch) { b.Advantages = nil }, "NFT needs NFT.Correct, Batch.Rewards or one Batch.Advantages"},
		{"negative eps", NFT{Eps: -1, Correct: c, Rate: r}, nil, "NFT.Eps = -1 is negative"},
		{"Inf neg weight", NFT{NegWeight: math.Inf(1), Correct: c, Rate: r}, nil, "NFT.NegWeight = +Inf is not finite"},
		{"rate bounds", NFT{RateMin: 0.5, RateMax: 0.4, Correct: c, Rate: r}, nil, "RateMin ≤ RateMax"},
		{"rate max 1", NFT{RateMax: 1, Correct: c, Rate: r}, nil, "RateMax < 1"},
		{"bad omega", NFT{Omega: 5, Correct: c, Rate: r}, nil, "NFT.Omega = 5"},
		{"NaN lp", NFT{Correct: c, Rate: r}, func(b *Batch) { b.LogProbs[6] = math.NaN() }, "Batch.LogProbs[1*T+2] is NaN"},
		{"all masked row", NFT{Correct: c, Rate: r, Agg: SeqMeanTokenMean{}}, func(b *Batch) { clear(b.Mask[8:12]) }, "sequence 2 has no counted token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := good()
			if tc.edit != nil {
				tc.edit(b)
			}
			_, err := tc.n.Eval(make([]float64, 12), b)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
