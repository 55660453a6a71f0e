package preference_test

import (
	"math"
	"testing"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/preference"
)

// fuzzBatch decodes a small batch and pair list from bytes: B = 2..6 rows,
// T = 1..5; one byte per value (−b/32, with 255 → NaN and 254 → −Inf), a
// mask byte per row (bit t: token t counts) and pair indices taken modulo
// B+1 (so some are out of range). It reports whether a LogProbs or
// RefLogProbs value is not finite, and whether an OldLogProbs value is.
func fuzzBatch(data []byte) (b *policy.Batch, pairs []preference.Pair, rewards []float64, nonFinite, oldNonFinite bool) {
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		c := data[0]
		data = data[1:]
		return c
	}
	B, T := 2+int(next())%5, 1+int(next())%5
	n := B * T
	b = &policy.Batch{B: B, T: T, LogProbs: make([]float64, n), RefLogProbs: make([]float64, n),
		OldLogProbs: make([]float64, n), Mask: make([]float64, n)}
	// val decodes one value, setting *bad when it is not finite.
	val := func(bad *bool) float64 {
		switch c := next(); c {
		case 255:
			*bad = true
			return math.NaN()
		case 254:
			*bad = true
			return math.Inf(-1)
		default:
			return -float64(c) / 32
		}
	}
	for _, v := range [][]float64{b.LogProbs, b.RefLogProbs} {
		for k := range v {
			v[k] = val(&nonFinite)
		}
	}
	for k := range b.OldLogProbs {
		b.OldLogProbs[k] = val(&oldNonFinite)
	}
	for i := range B {
		m := next()
		for t := range T {
			if m>>t&1 == 1 {
				b.Mask[i*T+t] = 1
			}
		}
	}
	rewards = make([]float64, B)
	for i := range rewards {
		rewards[i] = float64(next())/64 - 2
	}
	for np := int(next()) % 6; np > 0; np-- {
		pairs = append(pairs, preference.Pair{Chosen: int(next()) % (B + 1), Rejected: int(next()) % (B + 1)})
	}
	return b, pairs, rewards, nonFinite, oldNonFinite
}

// checkResult checks the invariants of a successful evaluation: a finite
// loss, finite gradients, exactly 0 on masked tokens and rows in no pair.
func checkResult(t *testing.T, b *policy.Batch, pairs []preference.Pair, grad []float64, st policy.Stats) {
	t.Helper()
	if math.IsNaN(st.Loss) || math.IsInf(st.Loss, 0) {
		t.Fatalf("loss = %v with no error", st.Loss)
	}
	used := make([]bool, b.B)
	for _, p := range pairs {
		used[p.Chosen], used[p.Rejected] = true, true
	}
	for k, g := range grad {
		if math.IsNaN(g) || math.IsInf(g, 0) {
			t.Fatalf("grad[%d] = %v", k, g)
		}
		if (b.Mask[k] == 0 || !used[k/b.T]) && g != 0 {
			t.Fatalf("grad[%d] = %v, want 0 (masked or row in no pair)", k, g)
		}
	}
}

func FuzzDPO(f *testing.F) {
	f.Add([]byte{4, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, uint8(0), 0.1, 0.0)
	f.Add([]byte{0, 0, 255, 3, 1, 1}, uint8(4), 0.5, 0.1)
	f.Fuzz(func(t *testing.T, data []byte, variant uint8, beta, ls float64) {
		b, pairs, _, nonFinite, _ := fuzzBatch(data)
		obj := preference.DPO{Variant: preference.Variant(variant % 12), Beta: beta, LabelSmoothing: ls}
		grad := make([]float64, b.B*b.T)
		st, err := obj.Eval(grad, withPairs(b, nil, pairs))
		if err != nil {
			return
		}
		if nonFinite && obj.Variant != preference.SimPO {
			t.Fatalf("no error for a non-finite log-prob")
		}
		checkResult(t, b, pairs, grad, st)
	})
}

func FuzzRDP(f *testing.F) {
	f.Add([]byte{4, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, 0.5, 0.1, false)
	f.Add([]byte{1, 1, 9, 9, 9, 9, 9, 9, 200, 3, 3, 3, 2, 0, 1}, 2.0, 0.0, true)
	f.Fuzz(func(t *testing.T, data []byte, beta, eps float64, mean bool) {
		b, pairs, rewards, nonFinite, oldNonFinite := fuzzBatch(data)
		obj := preference.RDP{Beta: beta, Epsilon: eps}
		if mean {
			obj.Reduce = preference.Mean
		}
		grad := make([]float64, b.B*b.T)
		st, err := obj.Eval(grad, withPairs(b, rewards, pairs))
		if err != nil {
			return
		}
		if nonFinite || (oldNonFinite && eps > 0) {
			t.Fatalf("no error for a non-finite log-prob")
		}
		checkResult(t, b, pairs, grad, st)
	})
}
