package policy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// randBatch draws a B×T batch with a mask (every row keeps at least one
// token), per-sequence advantages and log-ratios of spread sigma.
func randBatch(rng *rand.Rand, B, T int, sigma float64) *Batch {
	n := B * T
	b := &Batch{B: B, T: T, LogProbs: make([]float64, n), OldLogProbs: make([]float64, n),
		RefLogProbs: make([]float64, n), Mask: make([]float64, n), Advantages: make([]float64, B)}
	for k := range n {
		b.LogProbs[k] = math.Log(rng.Float64()*0.9 + 0.05)
		b.OldLogProbs[k] = b.LogProbs[k] + sigma*rng.NormFloat64()
		b.RefLogProbs[k] = b.LogProbs[k] + 0.3*rng.NormFloat64()
		if rng.Float64() < 0.8 || k%T == 0 {
			b.Mask[k] = 1
		}
	}
	for i := range B {
		b.Advantages[i] = rng.NormFloat64()
	}
	return b
}

func clone(b *Batch) *Batch {
	c := *b
	cp := func(v []float64) []float64 {
		if v == nil {
			return nil
		}
		return append([]float64(nil), v...)
	}
	c.LogProbs, c.OldLogProbs, c.RefLogProbs, c.Mask, c.Advantages = cp(b.LogProbs), cp(b.OldLogProbs), cp(b.RefLogProbs), cp(b.Mask), cp(b.Advantages)
	return &c
}

// nearKink reports whether any ratio of b (token or, at sequence level,
// sequence) lies within d of one of the kinks ks.
func nearKink(b *Batch, seq bool, d float64, ks ...float64) bool {
	for i := range b.B {
		var vals []float64
		if seq {
			s, L := 0.0, 0.0
			for t := range b.T {
				k := i*b.T + t
				s += b.Mask[k] * (b.LogProbs[k] - b.OldLogProbs[k])
				L += b.Mask[k]
			}
			vals = append(vals, math.Exp(s/L))
		} else {
			for t := range b.T {
				k := i*b.T + t
				vals = append(vals, math.Exp(b.LogProbs[k]-b.OldLogProbs[k]))
			}
		}
		for _, r := range vals {
			for _, kk := range ks {
				if math.Abs(r-kk) < d {
					return true
				}
			}
		}
	}
	return false
}

// checkFD compares grad with central finite differences of loss.Eval and
// checks that masked tokens get exactly 0. CISPO's weight sg(min(r, ε_max))
// carries no gradient, so for it the old log-prob moves with lp (the ratio
// stays put and the difference sees only the stop-gradient path).
func checkFD(t *testing.T, name string, loss Loss, b *Batch) {
	checkFDExcept(t, name, loss, b, nil)
}

// checkFDExcept is checkFD where straight: when it returns ok, token k's
// gradient is checked against want instead of a finite difference (for
// straight-through estimators, whose value does not move).
func checkFDExcept(t *testing.T, name string, loss Loss, b *Batch, straight func(k int) (want float64, ok bool)) {
	shiftOld := false
	if p, ok := loss.(PG); ok {
		_, shiftOld = p.Surrogate.(CISPO)
	}
	t.Helper()
	grad := make([]float64, b.B*b.T)
	for i := range grad {
		grad[i] = math.NaN()
	}
	if _, err := loss.Eval(grad, b); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	const h = 1e-6
	for k := range grad {
		if b.Mask != nil && b.Mask[k] == 0 {
			if grad[k] != 0 {
				t.Errorf("%s: grad[%d] = %v at a masked token, want 0", name, k, grad[k])
			}
			continue
		}
		if straight != nil {
			if want, ok := straight(k); ok {
				if math.Abs(want-grad[k]) > 1e-14*max(1, math.Abs(want)) {
					t.Errorf("%s: grad[%d*T+%d] = %.10g, want %.10g (straight-through)", name, k/b.T, k%b.T, grad[k], want)
				}
				continue
			}
		}
		x, o := b.LogProbs[k], b.OldLogProbs[k]
		b.LogProbs[k] = x + h
		if shiftOld {
			b.OldLogProbs[k] = o + h
		}
		sp, err1 := loss.Eval(nil, b)
		b.LogProbs[k] = x - h
		if shiftOld {
			b.OldLogProbs[k] = o - h
		}
		sm, err2 := loss.Eval(nil, b)
		b.LogProbs[k], b.OldLogProbs[k] = x, o
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", name, err1, err2)
		}
		fd := (sp.Loss - sm.Loss) / (2 * h)
		if d := math.Abs(fd - grad[k]); d > 1e-7+1e-6*math.Abs(fd) {
			t.Errorf("%s: grad[%d*T+%d] = %.10g, finite difference %.10g", name, k/b.T, k%b.T, grad[k], fd)
		}
	}
}

var aggs = []Aggregation{TokenMean{}, TokenMean{GlobalTokens: 50}, SeqMeanTokenMean{}, SeqMeanTokenSum{}, SeqMeanTokenSumNorm{}, SeqMeanTokenSumNorm{N: 13}}

var kls = []KL{{}, {Estimator: K1, Coef: 0.1}, {Estimator: K2, Coef: 0.07}, {Estimator: K3, Coef: 0.04}, {Estimator: K3, Coef: 0.5}}

func TestPGGradientFiniteDifferences(t *testing.T) {
	surs := []struct {
		s     Surrogate
		seq   bool
		kinks []float64
	}{
		{PPOClip{}, false, []float64{0.8, 1.2}},
		{PPOClip{EpsLow: 0.1, EpsHigh: 0.28}, false, []float64{0.9, 1.28}},
		{PPOClip{DualClip: 1.5}, false, []float64{0.8, 1.2, 1.5}},
		{PPOClip{EpsLow: 0.05, EpsHigh: 0.05, Level: SequenceLevel}, true, []float64{0.95, 1.05}},
		{PPOClip{EpsLow: 0.05, EpsHigh: 0.1, DualClip: 1.08, Level: SequenceLevel}, true, []float64{0.95, 1.08, 1.1}},
		{CISPO{Max: 1.1}, false, []float64{1.1}},
		{CISPO{}, false, []float64{5}},
		{Reinforce{}, false, nil},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for si, sc := range surs {
		for _, kl := range kls {
			for _, agg := range aggs {
				for _, perToken := range []bool{false, true} {
					var b *Batch
					for {
						b = randBatch(rng, 4, 9, 0.3)
						if !nearKink(b, sc.seq, 2e-3, sc.kinks...) {
							break
						}
					}
					if perToken {
						b.Advantages = make([]float64, b.B*b.T)
						for k := range b.Advantages {
							b.Advantages[k] = rng.NormFloat64()
						}
					}
					p := PG{Surrogate: sc.s, KL: kl, Agg: agg}
					checkFD(t, fmt.Sprintf("%d %+v %+v %T%+v perToken=%v", si, sc.s, kl, agg, agg, perToken), p, b)
				}
			}
		}
	}
}

// TestPGClipActive checks that the random batches of the finite-difference
// test do exercise the clips: some tokens are clipped on each side and
// get zero gradient, and the others do not.
func TestPGClipActive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	b := randBatch(rng, 8, 16, 0.3)
	grad := make([]float64, b.B*b.T)
	st, err := PG{}.Eval(grad, b)
	if err != nil {
		t.Fatal(err)
	}
	if st.ClipFracLow == 0 || st.ClipFracHigh == 0 {
		t.Fatalf("clip fractions %v / %v, want both > 0", st.ClipFracLow, st.ClipFracHigh)
	}
	var low, high float64
	for k := range grad {
		if b.Mask[k] == 0 {
			continue
		}
		r := math.Exp(b.LogProbs[k] - b.OldLogProbs[k])
		a := b.Advantages[k/b.T]
		clipped := (a > 0 && r > 1.2) || (a < 0 && r < 0.8)
		if clipped && grad[k] != 0 {
			t.Errorf("grad[%d] = %v for a clipped token (r = %v, A = %v), want 0", k, grad[k], r, a)
		}
		if !clipped && grad[k] == 0 {
			t.Errorf("grad[%d] = 0 for an unclipped token (r = %v, A = %v)", k, r, a)
		}
		if a > 0 && r > 1.2 {
			high++
		}
		if a < 0 && r < 0.8 {
			low++
		}
	}
	n := b.Tokens()
	if st.ClipFracLow != low/n || st.ClipFracHigh != high/n || st.Tokens != n {
		t.Errorf("stats %+v, want ClipFracLow %v, ClipFracHigh %v, Tokens %v", st, low/n, high/n, n)
	}
}

// aggWeight is the aggregation weight of a counted token of row i,
// written out from the definitions.
func aggWeight(agg Aggregation, b *Batch, i int) float64 {
	L := 0.0
	for t := range b.T {
		L += b.Mask[i*b.T+t]
	}
	switch a := agg.(type) {
	case TokenMean:
		if a.GlobalTokens > 0 {
			return 1 / a.GlobalTokens
		}
		return 1 / b.Tokens()
	case SeqMeanTokenMean:
		return 1 / (float64(b.B) * L)
	case SeqMeanTokenSum:
		return 1 / float64(b.B)
	case SeqMeanTokenSumNorm:
		if a.N == 0 {
			return 1 / float64(b.B*b.T)
		}
		return 1 / (float64(b.B) * a.N)
	}
	panic("unknown aggregation")
}

// At θ = θ_old and β = 0 every surrogate's gradient is −w_t·A.
func TestPGOnPolicyGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, s := range []Surrogate{PPOClip{}, PPOClip{EpsHigh: 0.28, DualClip: 3}, PPOClip{Level: SequenceLevel}, CISPO{}, Reinforce{}} {
		for _, agg := range aggs {
			for _, nilOld := range []bool{false, true} {
				b := randBatch(rng, 5, 7, 0)
				b.RefLogProbs = nil
				if nilOld {
					b.OldLogProbs = nil
				}
				grad := make([]float64, b.B*b.T)
				st, err := PG{Surrogate: s, Agg: agg}.Eval(grad, b)
				if err != nil {
					t.Fatal(err)
				}
				if st.MeanRatio != 1 || st.ApproxKL != 0 || st.ClipFracLow != 0 || st.ClipFracHigh != 0 {
					t.Errorf("%T: on-policy stats %+v", s, st)
				}
				for k := range grad {
					i := k / b.T
					want := -aggWeight(agg, b, i) * b.Advantages[i] * b.Mask[k]
					if math.Abs(grad[k]-want) > 1e-15 {
						t.Errorf("%T %T: grad[%d] = %v, want −w·A = %v", s, agg, k, grad[k], want)
					}
				}
			}
		}
	}
}

// The fused token-level kernel and the generic one agree.
func TestPGFastMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, s := range []PPOClip{{}, {EpsLow: 0.1, EpsHigh: 0.28, DualClip: 2}} {
		for _, kl := range kls {
			for _, agg := range aggs {
				b := randBatch(rng, 6, 11, 0.5)
				b.LogProbs[3] = b.RefLogProbs[3] + 25 // k3 clamp
				b.OldLogProbs[4] = b.LogProbs[4] + 30 // ratio clamp
				k := pgKernel{b: b, agg: agg, kl: kl, old: b.OldLogProbs, sur: s, dual: s.DualClip}
				k.lo, k.hi = s.Bounds()
				g1, g2 := make([]float64, b.B*b.T), make([]float64, b.B*b.T)
				k.grad = g1
				st1, err1 := k.tokenClip()
				k.grad = g2
				st2, err2 := k.run()
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				if !statsClose(st1, st2) {
					t.Errorf("%+v %+v %T: fused %+v, generic %+v", s, kl, agg, st1, st2)
				}
				for j := range g1 {
					if math.Abs(g1[j]-g2[j]) > 1e-15*max(1, math.Abs(g2[j])) {
						t.Errorf("grad[%d]: fused %v, generic %v", j, g1[j], g2[j])
					}
				}
			}
		}
	}
}

func statsClose(a, b Stats) bool {
	c := func(x, y float64) bool { return math.Abs(x-y) <= 1e-13*max(1, math.Abs(y)) }
	return c(a.Loss, b.Loss) && c(a.ClipFracLow, b.ClipFracLow) && c(a.ClipFracHigh, b.ClipFracHigh) &&
		c(a.MeanRatio, b.MeanRatio) && c(a.ApproxKL, b.ApproxKL) && c(a.KLTerm, b.KLTerm) && a.Tokens == b.Tokens
}

// A hand-computed case: one sequence, two tokens, PPO clip 0.2, k3 with
// β = 0.5, token-mean.
func TestPGHandComputed(t *testing.T) {
	b := &Batch{B: 1, T: 2,
		LogProbs:    []float64{math.Log(0.5), math.Log(0.3)},
		OldLogProbs: []float64{math.Log(0.25), math.Log(0.3)}, // r = 2 (clipped, A > 0), r = 1
		RefLogProbs: []float64{math.Log(0.5), math.Log(0.6)},  // x = 0, x = log 2
		Advantages:  []float64{1.5}}
	grad := make([]float64, 2)
	st, err := PG{KL: KL{Coef: 0.5}, Agg: TokenMean{}}.Eval(grad, b)
	if err != nil {
		t.Fatal(err)
	}
	// ℓ0 = −1.5·1.2 + 0.5·0, ℓ1 = −1.5·1 + 0.5·(2 − log 2 − 1).
	k3 := 1 - math.Log(2)
	wantLoss := (-1.8 + -1.5 + 0.5*k3) / 2
	wantGrad := []float64{0, (-1.5 + 0.5*(1-2)) / 2}
	if math.Abs(st.Loss-wantLoss) > 1e-15 {
		t.Errorf("loss = %v, want %v", st.Loss, wantLoss)
	}
	for i := range grad {
		if math.Abs(grad[i]-wantGrad[i]) > 1e-15 {
			t.Errorf("grad[%d] = %v, want %v", i, grad[i], wantGrad[i])
		}
	}
	if st.ClipFracHigh != 0.5 || st.MeanRatio != 1.5 || math.Abs(st.KLTerm-k3/2) > 1e-15 || st.Tokens != 2 {
		t.Errorf("stats %+v", st)
	}
	if want := (2 - 1 - math.Log(2)) / 2; math.Abs(st.ApproxKL-want) > 1e-15 {
		t.Errorf("ApproxKL = %v, want %v", st.ApproxKL, want)
	}
}

// Splitting a batch into micro-batches with TokenMean.GlobalTokens gives
// the same gradient as the whole batch.
func TestTokenMeanMicroBatches(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	b := randBatch(rng, 6, 8, 0.2)
	whole := make([]float64, 48)
	st, err := DAPO().Eval(whole, b)
	if err != nil {
		t.Fatal(err)
	}
	n := b.Tokens()
	sum := 0.0
	for _, half := range []int{0, 1} {
		h := &Batch{B: 3, T: 8}
		sl := func(v []float64) []float64 { return v[half*24 : (half+1)*24] }
		h.LogProbs, h.OldLogProbs, h.Mask = sl(b.LogProbs), sl(b.OldLogProbs), sl(b.Mask)
		h.Advantages = b.Advantages[half*3 : (half+1)*3]
		g := make([]float64, 24)
		s, err := PG{Surrogate: PPOClip{EpsHigh: 0.28}, Agg: TokenMean{GlobalTokens: n}}.Eval(g, h)
		if err != nil {
			t.Fatal(err)
		}
		sum += s.Loss
		for k := range g {
			if math.Abs(g[k]-whole[half*24+k]) > 1e-16 {
				t.Errorf("micro-batch %d grad[%d] = %v, want %v", half, k, g[k], whole[half*24+k])
			}
		}
	}
	if math.Abs(sum-st.Loss) > 1e-15 {
		t.Errorf("summed micro-batch losses %v, want %v", sum, st.Loss)
	}
}

func TestPGErrors(t *testing.T) {
	good := func() *Batch { return randBatch(rand.New(rand.NewPCG(1, 1)), 3, 4, 0.1) }
	cases := []struct {
		name string
		loss Loss
		edit func(b *Batch)
		grad int // len(grad); -1 = nil
		want string
	}{
		{"nil batch", PG{}, nil, -1, "empty batch"},
		{"NaN old", PG{}, func(b *Batch) { b.OldLogProbs[1*4+2] = math.NaN() }, 12, "Batch.OldLogProbs[1*T+2] is NaN"},
		{"Inf lp", PG{}, func(b *Batch) { b.LogProbs[5] = math.Inf(-1) }, 12, "Batch.LogProbs[1*T+1] is Inf"},
		{"NaN masked lp", PG{}, func(b *Batch) { b.Mask[7] = 0; b.LogProbs[7] = math.NaN() }, 12, "Batch.LogProbs[1*T+3] is NaN"},
		{"NaN ref with KL", PG{KL: KL{Coef: 0.1}}, func(b *Batch) { b.RefLogProbs[0] = math.NaN() }, 12, "Batch.RefLogProbs[0*T+0] is NaN"},
		{"NaN adv", PG{}, func(b *Batch) { b.Advantages[2] = math.NaN() }, 12, "Batch.Advantages[2] is NaN"},
		{"Inf token adv", PG{}, func(b *Batch) { b.Advantages = make([]float64, 12); b.Advantages[11] = math.Inf(1) }, 12, "Batch.Advantages[2*T+3] is Inf"},
		{"mask 0.5", PG{}, func(b *Batch) { b.Mask[3] = 0.5 }, 12, "Batch.Mask[0*T+3] = 0.5"},
		{"short old", PG{}, func(b *Batch) { b.OldLogProbs = b.OldLogProbs[:11] }, 12, "len(Batch.OldLogProbs) = 11"},
		{"adv length", PG{}, func(b *Batch) { b.Advantages = b.Advantages[:2] }, 12, "len(Batch.Advantages) = 2"},
		{"no adv", PG{}, func(b *Batch) { b.Advantages = nil }, 12, "needs Batch.Advantages"},
		{"no ref", PG{KL: KL{Coef: 0.1}}, func(b *Batch) { b.RefLogProbs = nil }, 12, "needs Batch.RefLogProbs"},
		{"grad length", PG{}, nil, 11, "len(grad) = 11"},
		{"all masked row", PG{}, func(b *Batch) { copy(b.Mask[4:8], []float64{0, 0, 0, 0}) }, 12, "sequence 1 has no counted token"},
		{"all masked row seq", PG{Surrogate: PPOClip{Level: SequenceLevel}}, func(b *Batch) { copy(b.Mask[4:8], []float64{0, 0, 0, 0}) }, 12, "sequence 1 has no counted token"},
		{"all masked token-mean", PG{Agg: TokenMean{}}, func(b *Batch) { clear(b.Mask) }, 12, "no counted token"},
		{"negative eps", PG{Surrogate: PPOClip{EpsLow: -0.1}}, nil, 12, "PPOClip.EpsLow = -0.1 is negative"},
		{"eps low ≥ 1", PG{Surrogate: PPOClip{EpsLow: 1}}, nil, 12, "PPOClip.EpsLow = 1, want a value below 1"},
		{"NaN eps high", PG{Surrogate: PPOClip{EpsHigh: math.NaN()}}, nil, 12, "PPOClip.EpsHigh = NaN is not finite"},
		{"dual clip ≤ 1", PG{Surrogate: PPOClip{DualClip: 0.5}}, nil, 12, "PPOClip.DualClip = 0.5"},
		{"bad level", PG{Surrogate: PPOClip{Level: 7}}, nil, 12, "PPOClip.Level = 7"},
		{"Inf CISPO", PG{Surrogate: CISPO{Max: math.Inf(1)}}, nil, 12, "CISPO.Max = +Inf is not finite"},
		{"negative beta", PG{KL: KL{Coef: -1}}, nil, 12, "KL.Coef = -1 is negative"},
		{"bad estimator", PG{KL: KL{Estimator: 9, Coef: 1}}, nil, 12, "KL.Estimator = 9"},
		{"negative global tokens", PG{Agg: TokenMean{GlobalTokens: -1}}, nil, 12, "TokenMean.GlobalTokens = -1 is negative"},
		{"Inf N", PG{Agg: SeqMeanTokenSumNorm{N: math.Inf(1)}}, nil, 12, "SeqMeanTokenSumNorm.N = +Inf is not finite"},
		{"overflow", PG{Surrogate: Reinforce{}}, func(b *Batch) { b.Advantages[0] = 1e308; b.LogProbs[0] = -1e10 }, 12, "not finite"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b *Batch
			if c.name != "nil batch" {
				b = good()
				if c.edit != nil {
					c.edit(b)
				}
			}
			var grad []float64
			if c.grad >= 0 {
				grad = make([]float64, c.grad)
			}
			_, err := c.loss.Eval(grad, b)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestPGZeroAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops items at random")
	}
	b := randBatch(rand.New(rand.NewPCG(2, 2)), 8, 32, 0.2)
	grad := make([]float64, b.B*b.T)
	rate := []float64{0.5, 0.5, 0.25, 0.25, 0.75, 0.75, 1, 0}
	b.Groups = []int{0, 0, 1, 1, 2, 2, 3, 3} // for NFT's rates from the batch
	for _, l := range []Loss{GRPO(), DAPO(), DrGRPO(0), GSPO(), PG{Surrogate: CISPO{}}, PG{Surrogate: Reinforce{}, Agg: TokenMean{}},
		NFT{Rate: rate}, NFT{Omega: OmegaSqrt, Agg: TokenMean{}, Rate: rate}, NFT{}} {
		if a := testing.AllocsPerRun(20, func() {
			if _, err := l.Eval(grad, b); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("%T %+v: %v allocations per Eval, want 0", l, l, a)
		}
	}
	// A batch large enough to be shared with the worker goroutines.
	big := randBatch(rand.New(rand.NewPCG(2, 3)), 64, 1024, 0.2)
	bigGrad := make([]float64, 64*1024)
	bigRate := make([]float64, 64)
	big.Groups = make([]int, 64)
	for i := range big.Groups {
		big.Groups[i] = i / 4
	}
	for _, l := range []Loss{GRPO(), DAPO(), NFT{Rate: bigRate}, NFT{}} {
		if a := testing.AllocsPerRun(10, func() {
			if _, err := l.Eval(bigGrad, big); err != nil {
				t.Fatal(err)
			}
		}); a != 0 {
			t.Errorf("%T on 64×1024: %v allocations per Eval, want 0", l, a)
		}
	}
}

// Large batches are split across goroutines; the result is the same, bit
// for bit, whatever the number of threads, and matches the generic kernel.
func TestParallelDeterministic(t *testing.T) {
	b := randBatch(rand.New(rand.NewPCG(30, 31)), 70, 1100, 0.3)
	rate := make([]float64, b.B)
	for i := range rate {
		rate[i] = float64(i%5) / 4
	}
	for _, l := range []Loss{PG{Surrogate: PPOClip{EpsHigh: 0.28}, KL: KL{Coef: 0.04}}, PG{Surrogate: PPOClip{}, Agg: TokenMean{}, KL: KL{Estimator: K2, Coef: 0.1}}, NFT{Rate: rate}, NFT{Omega: OmegaSqrt, Agg: TokenMean{}, Rate: rate}} {
		var stats []Stats
		var grads [][]float64
		for _, procs := range []int{1, 2, 4} {
			prev := runtime.GOMAXPROCS(procs)
			g := make([]float64, b.B*b.T)
			st, err := l.Eval(g, b)
			runtime.GOMAXPROCS(prev)
			if err != nil {
				t.Fatal(err)
			}
			stats, grads = append(stats, st), append(grads, g)
		}
		for j := 1; j < len(stats); j++ {
			if stats[j] != stats[0] {
				t.Errorf("%T: stats %+v with more threads, %+v with one", l, stats[j], stats[0])
			}
			for k := range grads[0] {
				if grads[j][k] != grads[0][k] {
					t.Fatalf("%T: grad[%d] differs across thread counts", l, k)
				}
			}
		}
		if p, ok := l.(PG); ok {
			k := pgKernel{b: b, agg: p.Agg, kl: p.KL, old: b.OldLogProbs, sur: p.Surrogate}
			if k.agg == nil {
				k.agg = SeqMeanTokenMean{}
			}
			k.lo, k.hi = p.Surrogate.(PPOClip).Bounds()
			k.grad = make([]float64, b.B*b.T)
			st, err := k.run()
			if err != nil {
				t.Fatal(err)
			}
			if !statsClose(st, stats[0]) {
				t.Errorf("parallel %+v, generic %+v", stats[0], st)
			}
			compare(t, "parallel vs generic", grads[0], k.grad)
		}
	}
	// A bad value in a chunk run by a worker is still reported.
	b.LogProbs[60*1100+3] = math.NaN()
	if _, err := (PG{}).Eval(nil, b); err == nil || !strings.Contains(err.Error(), "Batch.LogProbs[60*T+3] is NaN") {
		t.Errorf("error %v", err)
	}
}

// Concurrent Evals share the worker goroutines and still give the serial
// result.
func TestConcurrentEval(t *testing.T) {
	b := randBatch(rand.New(rand.NewPCG(40, 41)), 40, 1024, 0.3)
	rate := make([]float64, b.B)
	losses := []Loss{GRPO(), NFT{Rate: rate}}
	want := make([]Stats, len(losses))
	for j, l := range losses {
		st, err := l.Eval(nil, b)
		if err != nil {
			t.Fatal(err)
		}
		want[j] = st
	}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			grad := make([]float64, b.B*b.T)
			for range 5 {
				st, err := losses[g%2].Eval(grad, b)
				if err != nil || st != want[g%2] {
					errs <- fmt.Sprintf("goroutine %d: %+v, %v; want %+v", g, st, err, want[g%2])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
