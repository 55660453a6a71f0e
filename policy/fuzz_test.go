package policy

import (
	"math"
	"testing"
)

// fuzzReader turns fuzz bytes into small integers and float64 values,
// including NaN, ±Inf and large magnitudes.
type fuzzReader struct{ data []byte }

func (r *fuzzReader) byte() byte {
	if len(r.data) == 0 {
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

func (r *fuzzReader) float() float64 {
	hi, lo := r.byte(), r.byte()
	switch hi {
	case 255:
		switch lo % 4 {
		case 0:
			return math.NaN()
		case 1:
			return math.Inf(1)
		case 2:
			return math.Inf(-1)
		}
		return 1e300
	case 254:
		return float64(int8(lo)) * 10
	}
	return float64(int16(uint16(hi)<<8|uint16(lo))) / 4096
}

func FuzzNewBatch(f *testing.F) {
	f.Add([]byte{3, 2, 1, 4, 0, 10, 0, 20, 0, 30, 1, 0, 2, 0, 3, 0}, true, false, true)
	f.Add([]byte{1, 0}, false, false, false)
	f.Add([]byte{2, 1, 1, 255, 0, 0, 1}, true, true, false)
	f.Fuzz(func(t *testing.T, data []byte, withOld, withRef, withAdv bool) {
		r := &fuzzReader{data}
		B := int(r.byte() % 6)
		logp := make([][]float64, B)
		var old, ref [][]float64
		if withOld {
			old = make([][]float64, B)
		}
		if withRef {
			ref = make([][]float64, B)
		}
		for i := range B {
			n := int(r.byte() % 7)
			logp[i] = make([]float64, n)
			for t := range logp[i] {
				logp[i][t] = r.float()
			}
			if withOld {
				// A length mismatch now and then.
				m := n
				if r.byte() == 7 {
					m++
				}
				old[i] = make([]float64, m)
				for t := range old[i] {
					old[i][t] = r.float()
				}
			}
			if withRef {
				ref[i] = make([]float64, n)
				for t := range ref[i] {
					ref[i][t] = r.float()
				}
			}
		}
		var adv []float64
		if withAdv {
			adv = make([]float64, B)
			for i := range adv {
				adv[i] = r.float()
			}
		}
		b, err := NewBatch(logp, old, ref, adv)
		if err != nil {
			return
		}
		if b.B != B || b.Validate() != nil {
			t.Fatalf("NewBatch returned an invalid batch: %+v", b)
		}
		for i, row := range logp {
			if len(row) == 0 || len(row) > b.T {
				t.Fatalf("row %d has length %d, T = %d, and no error", i, len(row), b.T)
			}
			for t2 := range b.T {
				k := i*b.T + t2
				m := 1.0
				if b.Mask != nil {
					m = b.Mask[k]
				}
				if t2 < len(row) {
					if m != 1 || b.LogProbs[k] != row[t2] {
						t.Fatalf("token (%d,%d): mask %v, logp %v, want 1, %v", i, t2, m, b.LogProbs[k], row[t2])
					}
				} else if m != 0 || b.LogProbs[k] != 0 {
					t.Fatalf("padding (%d,%d): mask %v, logp %v, want 0, 0", i, t2, m, b.LogProbs[k])
				}
			}
		}
		// Every objective either fails cleanly or gives finite numbers.
		b.Advantages = make([]float64, B)
		grad := make([]float64, B*b.T)
		for _, l := range []Loss{PG{}, GSPO(), NFT{Rate: make([]float64, B)}} {
			if st, err := l.Eval(grad, b); err == nil {
				checkFinite(t, st, grad, b)
			}
		}
	})
}

// FuzzPGEval evaluates PG and NFT losses on arbitrary batches and
// hyperparameters: they must never panic, and without an error the loss,
// the statistics and the gradient are finite, with 0 at masked tokens.
func FuzzPGEval(f *testing.F) {
	f.Add([]byte{2, 3, 0, 10, 0, 20, 0, 30, 1, 0, 2, 0, 3, 0, 0, 1, 0, 2, 1, 0, 1, 1}, uint8(0), 0.2, 0.28, 0.04)
	f.Add([]byte{1, 2, 255, 0, 0, 0, 0, 0, 0, 0}, uint8(3), 0.0, 0.0, 0.0)
	f.Add([]byte{3, 1, 254, 100, 0, 1, 0, 2, 254, 156, 1, 0, 0}, uint8(17), 3e-4, 4e-4, 0.5)
	f.Fuzz(func(t *testing.T, data []byte, sel uint8, e1, e2, beta float64) {
		r := &fuzzReader{data}
		B, T := 1+int(r.byte()%4), 1+int(r.byte()%5)
		n := B * T
		b := &Batch{B: B, T: T, LogProbs: make([]float64, n), OldLogProbs: make([]float64, n),
			RefLogProbs: make([]float64, n), Mask: make([]float64, n), Advantages: make([]float64, B)}
		for k := range n {
			b.LogProbs[k], b.OldLogProbs[k], b.RefLogProbs[k] = r.float(), r.float(), r.float()
			b.Mask[k] = float64(r.byte() % 2)
		}
		for i := range B {
			b.Advantages[i] = r.float()
		}
		if sel&64 != 0 {
			b.Mask = nil
		}
		if sel&128 != 0 {
			b.OldLogProbs = nil
		}
		aggs := []Aggregation{TokenMean{}, SeqMeanTokenMean{}, SeqMeanTokenSum{}, SeqMeanTokenSumNorm{N: e2}}
		surs := []Surrogate{PPOClip{EpsLow: e1, EpsHigh: e2}, PPOClip{EpsLow: e1, EpsHigh: e2, Level: SequenceLevel, DualClip: 1 + beta}, CISPO{Max: e1}, Reinforce{}}
		agg := aggs[sel%4]
		var loss Loss = PG{Surrogate: surs[(sel/4)%4], KL: KL{Estimator: KLEstimator((sel / 16) % 3), Coef: beta}, Agg: agg}
		if sel&32 != 0 {
			rate := make([]float64, B)
			for i := range rate {
				rate[i] = math.Abs(b.Advantages[i]) / 8
			}
			loss = NFT{Eps: e1, RateMin: e2, Agg: agg, Rate: rate, NegWeight: beta}
		}
		grad := make([]float64, n)
		st, err := loss.Eval(grad, b)
		if err != nil {
			return
		}
		checkFinite(t, st, grad, b)
	})
}

func checkFinite(t *testing.T, st Stats, grad []float64, b *Batch) {
	t.Helper()
	for _, v := range []float64{st.Loss, st.ClipFracLow, st.ClipFracHigh, st.MeanRatio, st.ApproxKL, st.KLTerm, st.Tokens} {
		if !isFinite(v) {
			t.Fatalf("no error but stats %+v", st)
		}
	}
	for k, g := range grad {
		if !isFinite(g) {
			t.Fatalf("no error but grad[%d] = %v (stats %+v)", k, g, st)
		}
		if b.Mask != nil && b.Mask[k] == 0 && g != 0 {
			t.Fatalf("grad[%d] = %v at a masked token", k, g)
		}
	}
}
