package llama

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/evolve-go/evolve/policy/llama/stories260k"
)

// TestAdamWRaisesLogProb takes a few AdamW steps that maximise one fixed
// completion's log-probability (a sign error anywhere in Backward would
// lower it).
func TestAdamWRaisesLogProb(t *testing.T) {
	for _, shared := range []bool{true, false} {
		m := tinyModel(t, shared, 9)
		seqs := []Sequence{{Prompt: []int{1, 4}, Completion: []int{7, 7, 3, 12}}}
		T := 4
		opt, err := NewOptimizer(m, AdamW{LR: 1e-2, WeightDecay: 0.01, ClipNorm: 5})
		if err != nil {
			t.Fatal(err)
		}
		g := m.NewGrads()
		lp := make([]float64, T)
		grad := make([]float64, T)
		for i := range grad {
			grad[i] = -1 // loss = −Σ logp
		}
		sum := func() float64 { return lp[0] + lp[1] + lp[2] + lp[3] }
		var first float64
		for step := 0; step < 10; step++ {
			tape, err := m.Forward(lp, seqs, T)
			if err != nil {
				t.Fatal(err)
			}
			if step == 0 {
				first = sum()
			}
			g.Zero()
			if err := tape.Backward(grad, g); err != nil {
				t.Fatal(err)
			}
			st, err := opt.Step(g)
			if err != nil {
				t.Fatal(err)
			}
			if st.Step != step+1 || st.GradNorm <= 0 {
				t.Fatalf("step stats %+v", st)
			}
		}
		if _, err := m.Forward(lp, seqs, T); err != nil {
			t.Fatal(err)
		}
		if last := sum(); !(last > first+0.5) {
			t.Errorf("shared=%v: Σ logp went from %v to %v, want a clear rise", shared, first, last)
		}
	}
}

// TestAdamWFirstStep checks the first update against its closed form:
// with bias correction, step 1 moves every weight by −α·sign(g) (up to ε).
func TestAdamWFirstStep(t *testing.T) {
	m := tinyModel(t, true, 3)
	before := append([]float32(nil), m.Flat()...)
	g := m.NewGrads()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range g.Flat() {
		g.Flat()[i] = float32(rng.NormFloat64())
	}
	opt, err := NewOptimizer(m, AdamW{LR: 0.01, Schedule: func(step int) float64 { return 0.001 * float64(step+1) }})
	if err != nil {
		t.Fatal(err)
	}
	st, err := opt.Step(g)
	if err != nil {
		t.Fatal(err)
	}
	if st.LR != 0.001 {
		t.Fatalf("LR = %v, want the schedule's 0.001", st.LR)
	}
	for i, w := range m.Flat() {
		want := float64(before[i]) - 0.001*math.Copysign(1, float64(g.Flat()[i]))
		if math.Abs(float64(w)-want) > 1e-6 {
			t.Fatalf("weight %d: %v, want %v", i, w, want)
		}
	}
}

func TestAdamWClipAndDecay(t *testing.T) {
	m := tinyModel(t, true, 3)
	g := m.NewGrads()
	for i := range g.Flat() {
		g.Flat()[i] = 3
	}
	opt, err := NewOptimizer(m, AdamW{ClipNorm: 1, WeightDecay: 0.5, LR: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	w0 := m.TokenEmbedding[0]
	gain0 := m.RMSAtt[0]
	st, err := opt.Step(g)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Clipped || math.Abs(st.GradNorm-3*math.Sqrt(float64(len(g.Flat())))) > 1e-3 {
		t.Errorf("stats %+v", st)
	}
	// Matrices decay, gains do not.
	if want := float64(w0)*(1-0.05) - 0.1; math.Abs(float64(m.TokenEmbedding[0])-want) > 1e-5 {
		t.Errorf("embedding weight %v, want %v", m.TokenEmbedding[0], want)
	}
	if want := float64(gain0) - 0.1; math.Abs(float64(m.RMSAtt[0])-want) > 1e-5 {
		t.Errorf("gain %v, want %v", m.RMSAtt[0], want)
	}
}

func TestAdamWErrors(t *testing.T) {
	m := tinyModel(t, true, 3)
	for _, cfg := range []AdamW{{LR: -1}, {Beta1: 1}, {Beta2: 1.5}, {Eps: math.NaN()}, {WeightDecay: math.Inf(1)}, {ClipNorm: -2}} {
		if _, err := NewOptimizer(m, cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
	if _, err := NewOptimizer(nil, AdamW{}); err == nil {
		t.Error("nil model: no error")
	}
	opt, _ := NewOptimizer(m, AdamW{Schedule: func(int) float64 { return math.NaN() }})
	if _, err := opt.Step(m.NewGrads()); err == nil {
		t.Error("NaN schedule: no error")
	}
	opt, _ = NewOptimizer(m, AdamW{})
	g := m.NewGrads()
	g.WQ[3] = float32(math.Inf(1))
	before := append([]float32(nil), m.Flat()...)
	if _, err := opt.Step(g); err == nil {
		t.Error("Inf gradient: no error")
	}
	for i, w := range m.Flat() {
		if w != before[i] {
			t.Fatal("a failed step changed the weights")
		}
	}
	if _, err := opt.Step(tinyModel(t, false, 1).NewGrads()); err == nil {
		t.Error("foreign Grads: no error")
	}
}

// Example trains stories260K for a few steps to raise the log-probability
// of one completion, keeping a frozen reference copy.
func Example() {
	m, err := LoadBytes(stories260k.Checkpoint)
	if err != nil {
		panic(err)
	}
	ref := m.Clone() // frozen reference policy
	seqs := []Sequence{{Prompt: []int{1, 403}, Completion: []int{407, 261, 378}}}
	T := 3
	logp := make([]float64, T)
	grad := []float64{-1, -1, -1} // ∂loss/∂logp for loss = −Σ logp
	g := m.NewGrads()
	opt, err := NewOptimizer(m, AdamW{LR: 1e-3, ClipNorm: 1})
	if err != nil {
		panic(err)
	}
	for step := 0; step < 5; step++ {
		tape, err := m.Forward(logp, seqs, T)
		if err != nil {
			panic(err)
		}
		g.Zero()
		if err := tape.Backward(grad, g); err != nil {
			panic(err)
		}
		if _, err := opt.Step(g); err != nil {
			panic(err)
		}
	}
	refLogp := make([]float64, T)
	if _, err := ref.Forward(refLogp, seqs, T); err != nil {
		panic(err)
	}
	if _, err := m.Forward(logp, seqs, T); err != nil {
		panic(err)
	}
	sum := func(v []float64) float64 { return v[0] + v[1] + v[2] }
	fmt.Println("log-prob rose:", sum(logp) > sum(refLogp))
	// Output: log-prob rose: true
}

// An optimizer saved after two steps and restored into a fresh one takes
// the same third step, bit for bit; bad states are refused untouched.
func TestOptimizerState(t *testing.T) {
	m1 := tinyModel(t, true, 21)
	m2 := m1.Clone()
	o1, _ := NewOptimizer(m1, AdamW{LR: 1e-2})
	g := m1.NewGrads()
	for i := range g.flat {
		g.flat[i] = float32(i%7) - 3
	}
	for range 2 {
		if _, err := o1.Step(g); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := o1.SaveState(&buf); err != nil {
		t.Fatal(err)
	}
	copy(m2.flat, m1.flat)
	o2, _ := NewOptimizer(m2, AdamW{LR: 1e-2})
	saved := buf.Bytes()
	if err := o2.LoadState(bytes.NewReader(saved)); err != nil {
		t.Fatal(err)
	}
	if o2.Steps() != 2 {
		t.Fatalf("restored step %d", o2.Steps())
	}
	o1.Step(g)
	o2.Step(g)
	if !reflect.DeepEqual(m1.flat, m2.flat) {
		t.Error("the restored optimizer's step differs")
	}
	other, _ := NewOptimizer(tinyModel(t, false, 1), AdamW{})
	bad := append([]byte(nil), saved...)
	copy(bad[len(optimMagic)+16:], []byte{0xff, 0xff, 0xff, 0xff}) // the first moment becomes NaN
	state := func(o *Optimizer) []byte {
		var b bytes.Buffer
		if err := o.SaveState(&b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	before := state(o2)
	for name, data := range map[string][]byte{
		"truncated": saved[:len(saved)-5], "magic": append([]byte("X"), saved[1:]...), "NaN moment": bad,
	} {
		if err := o2.LoadState(bytes.NewReader(data)); err == nil {
			t.Errorf("%s: no error", name)
		}
		if !bytes.Equal(state(o2), before) {
			t.Errorf("%s: the refused state changed the optimizer", name)
		}
	}
	if err := other.LoadState(bytes.NewReader(saved)); err == nil {
		t.Error("another model's state: no error")
	}
}
