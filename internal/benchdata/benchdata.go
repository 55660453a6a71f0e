// Package benchdata makes the inputs of the loss benchmarks, so that the Go
// benchmarks and the PyTorch baseline of the comparison script run on the
// very same numbers (the script dumps them with WriteLosses and reads them
// back in Python).
package benchdata

import (
	"encoding/binary"
	"io"
	"math"
	"math/rand/v2"
)

// LossInputs are the padded B×T inputs of a loss benchmark, drawn from
// the distribution of the reference PyTorch loss benchmark
// (docs/PERFORMANCE.md): lp = log(U·0.96 + 0.02),
// old = lp + 0.05·N, ref = lp + 0.1·N, one advantage per sequence ~ N,
// and a mask that keeps each token with probability 0.9.
type LossInputs struct {
	B, T                     int
	LogProbs, Old, Ref, Mask []float64 // B*T each
	Advantages               []float64 // B
}

// Losses draws the inputs for a B×T benchmark from a fixed seed.
func Losses(B, T int) *LossInputs {
	rng := rand.New(rand.NewPCG(uint64(B), uint64(T)))
	n := B * T
	in := &LossInputs{B: B, T: T,
		LogProbs: make([]float64, n), Old: make([]float64, n), Ref: make([]float64, n),
		Mask: make([]float64, n), Advantages: make([]float64, B)}
	for k := range n {
		in.LogProbs[k] = math.Log(rng.Float64()*0.96 + 0.02)
	}
	for k := range n {
		in.Old[k] = in.LogProbs[k] + 0.05*rng.NormFloat64()
	}
	for k := range n {
		in.Ref[k] = in.LogProbs[k] + 0.1*rng.NormFloat64()
	}
	for i := range B {
		in.Advantages[i] = rng.NormFloat64()
	}
	for k := range n {
		if rng.Float64() > 0.1 {
			in.Mask[k] = 1
		}
	}
	return in
}

// WriteLosses writes B and T as two little-endian int64 and then
// LogProbs, Old, Ref, Mask (B*T each) and Advantages (B) as little-endian
// float64.
func WriteLosses(w io.Writer, in *LossInputs) error {
	if err := binary.Write(w, binary.LittleEndian, [2]int64{int64(in.B), int64(in.T)}); err != nil {
		return err
	}
	for _, v := range [][]float64{in.LogProbs, in.Old, in.Ref, in.Mask, in.Advantages} {
		if err := binary.Write(w, binary.LittleEndian, v); err != nil {
			return err
		}
	}
	return nil
}
