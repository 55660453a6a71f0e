package llama

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/llama/stories260k"
)

// randomSeqs draws B sequences of a one-token prompt and T tokens.
func randomSeqs(rng *rand.Rand, m *Model, B, T int) []Sequence {
	seqs := make([]Sequence, B)
	for i := range seqs {
		toks := make([]int, 1+1+rng.IntN(T))
		for j := range toks {
			toks[j] = 3 + rng.IntN(m.Config.Vocab-3)
		}
		seqs[i] = Sequence{Prompt: toks[:1], Completion: toks[1:]}
	}
	return seqs
}

// LogProbs, which keeps no activations, gives Forward's log-probs bit for
// bit: over more scored tokens than one classifier chunk, and with an odd
// and an even number of layers (the two residual buffers alternate:
// stories260K has 5, the tiny model 2, the wide one 1). This holds for the
// built-in kernels, which the test installs (another BLAS, such as
// OpenBLAS with the openblas tag, may round a chunk of rows differently
// from all of them).
func TestLogProbsIsForward(t *testing.T) {
	defer UseBLAS(nil)
	UseBLAS(Kernels{})
	stories, err := LoadBytes(stories260k.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, m := range []*Model{stories, tinyModel(t, true, 3), randomModel(t, wideConfig, 4)} {
		const B = 40
		T := min(70, m.Config.SeqLen-1)
		seqs := randomSeqs(rng, m, B, T)
		want, got := make([]float64, B*T), make([]float64, B*T)
		if _, err := m.Forward(want, seqs, T); err != nil {
			t.Fatal(err)
		}
		for range 2 { // the second call reuses a pooled tape
			if err := m.LogProbs(got, seqs, T); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%d layers: LogProbs differs from Forward", m.Config.Layers)
			}
		}
	}
	tp := new(Tape)
	seqs := randomSeqs(rng, stories, 2, 5)
	if err := tp.forward(stories, make([]float64, 10), seqs, 5, false); err != nil {
		t.Fatal(err)
	}
	if err := tp.Backward(make([]float64, 10), stories.NewGrads()); err == nil || !strings.Contains(err.Error(), "kept no activations") {
		t.Errorf("Backward after a forward pass without activations: %v", err)
	}
}

// tapeBytes is the memory a tape holds: the capacity of every buffer.
func tapeBytes(tp *Tape) int {
	n := 4 * (cap(tp.tok) + cap(tp.pos) + cap(tp.head) + cap(tp.target) + cap(tp.out) + cap(tp.cos) + cap(tp.sin) +
		cap(tp.xh) + cap(tp.rFin) + cap(tp.xf) + cap(tp.exps) + cap(tp.qkvT) + cap(tp.w13T) + cap(tp.xOut) + cap(tp.xIn) +
		cap(tp.xb) + cap(tp.dx) + cap(tp.dxb) + cap(tp.datt) + cap(tp.dqkv) + cap(tp.dh) + cap(tp.dh13))
	n += 8 * cap(tp.psum)
	for _, l := range tp.layers {
		n += 4 * (cap(l.x) + cap(l.r1) + cap(l.qkv) + cap(l.lse) + cap(l.att) + cap(l.x2) + cap(l.r2) + cap(l.h13) +
			cap(l.h))
	}
	for _, w := range tp.work {
		n += 4 * (cap(w.a) + cap(w.b) + cap(w.c) + cap(w.d) + cap(w.e))
	}
	return n
}

// The reference model's forward pass at B = 16, T = 256 holds a fraction
// of the memory of a training forward pass (which keeps every layer's
// activations and the B·T×Vocab exponentials).
func TestLogProbsMemory(t *testing.T) {
	m, err := LoadBytes(stories260k.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	const B, T = 16, 256
	seqs := randomSeqs(rand.New(rand.NewPCG(3, 4)), m, B, T)
	for i := range seqs {
		seqs[i].Completion = append(seqs[i].Completion, make([]int, T-len(seqs[i].Completion))...)
	}
	keep, score := new(Tape), new(Tape)
	dst := make([]float64, B*T)
	if err := keep.forward(m, dst, seqs, T, true); err != nil {
		t.Fatal(err)
	}
	if err := score.forward(m, dst, seqs, T, false); err != nil {
		t.Fatal(err)
	}
	kb, sb := tapeBytes(keep), tapeBytes(score)
	t.Logf("B=%d T=%d: training forward pass holds %.1f MB, reference (LogProbs) %.1f MB (%.1f%%)",
		B, T, float64(kb)/1e6, float64(sb)/1e6, 100*float64(sb)/float64(kb))
	if sb*4 > kb {
		t.Errorf("LogProbs holds %d bytes, more than a quarter of Forward's %d", sb, kb)
	}
}

// A Trainer step in micro-batches of 3 rows moves the weights as one step
// over the whole batch does (the gradient is the whole batch's, summed in
// another order), for a policy-gradient and a pairwise objective.
func TestTrainerMicroBatches(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	base := tinyModel(t, true, 7)
	seqs := randomSeqs(rng, base, 8, 6)
	const T = 6
	old := make([]float64, 8*T)
	if err := base.LogProbs(old, seqs, T); err != nil {
		t.Fatal(err)
	}
	for _, loss := range []policy.Loss{policy.GRPO(), preferenceLike{}} {
		var weights [2][]float32
		var entropy [2]float64
		for k, micro := range []int{0, 3} {
			m := base.Clone()
			tr, err := NewTrainable(m, AdamW{LR: 1e-2})
			if err != nil {
				t.Fatal(err)
			}
			r := &policy.Rollouts{Seqs: seqs, Batch: policy.Batch{B: 8, T: T, OldLogProbs: old, Mask: Mask(seqs, T),
				Rewards: []float64{1, 0, 0, 1, 1, 1, 0, 0}, Groups: []int{0, 0, 0, 0, 1, 1, 1, 1}}}
			trainer := policy.Trainer{Model: tr, Loss: loss, Ref: base, Advantage: policy.GroupNorm{}, MicroBatch: micro}
			st, err := trainer.Step(r)
			if err != nil {
				t.Fatal(err)
			}
			if st.Update.Step != 1 || st.Update.Skipped || st.LossGradNorm == 0 {
				t.Fatalf("micro %d: %+v", micro, st)
			}
			weights[k], entropy[k] = m.flat, st.Entropy
		}
		if entropy[0] != entropy[1] || !(entropy[0] > 0 && entropy[0] < math.Log(16)) {
			t.Errorf("%T: entropy %v in one pass, %v in micro-batches; want equal, in (0, log 16)", loss, entropy[0], entropy[1])
		}
		for i := range weights[0] {
			if d := math.Abs(float64(weights[0][i] - weights[1][i])); d > 1e-6 {
				t.Fatalf("%T: weight %d: %v in one pass, %v in micro-batches", loss, i, weights[0][i], weights[1][i])
			}
		}
	}
}

// preferenceLike is a loss that couples rows across micro-batches: the
// squared difference of the mean log-prob of rows 0–3 and rows 4–7.
type preferenceLike struct{}

func (preferenceLike) Eval(grad []float64, b *policy.Batch) (policy.Stats, error) {
	half := b.B / 2 * b.T
	var s [2]float64
	var n [2]float64
	for k, lp := range b.LogProbs {
		if b.Mask[k] != 0 {
			s[k/half] += lp
			n[k/half]++
		}
	}
	d := s[0]/n[0] - s[1]/n[1]
	for k := range grad {
		grad[k] = 0
		if b.Mask[k] != 0 {
			grad[k] = 2 * d / n[k/half] * float64(1-2*(k/half))
		}
	}
	return policy.Stats{Loss: d * d}, nil
}

// A gradient that is not finite leaves the weights and the optimizer as
// they are and is reported as skipped; the next update proceeds.
func TestTrainableSkipsNonFiniteGradient(t *testing.T) {
	m := tinyModel(t, true, 9)
	tr, err := NewTrainable(m, AdamW{})
	if err != nil {
		t.Fatal(err)
	}
	before := append([]float32(nil), m.flat...)
	tr.grads.flat[3] = float32(math.Inf(1))
	st, err := tr.Update()
	if err != nil || !st.Skipped || st.Step != 0 {
		t.Fatalf("Update with an Inf gradient: %+v, %v", st, err)
	}
	if !reflect.DeepEqual(before, m.flat) {
		t.Error("weights changed")
	}
	tr.grads.flat[3] = 0.5
	if st, err := tr.Update(); err != nil || st.Skipped || st.Step != 1 {
		t.Fatalf("next Update: %+v, %v", st, err)
	}
	if reflect.DeepEqual(before, m.flat) {
		t.Error("weights did not change on a finite gradient")
	}
}

// nanLoss is a loss whose gradient is NaN at one token: a bug in a user's
// objective, or an overflow.
type nanLoss struct{}

func (nanLoss) Eval(grad []float64, b *policy.Batch) (policy.Stats, error) {
	for k := range grad {
		grad[k] = 0.01
	}
	grad[1] = math.NaN()
	return policy.Stats{}, nil
}

// Injected NaNs never reach the weights: a NaN log-prob in the batch is an
// error naming it before anything runs backward, and a NaN in ∂loss/∂logp
// is refused by Backward; a non-finite parameter gradient is skipped and
// reported by the update (TestTrainableSkipsNonFiniteGradient).
func TestTrainerInjectedNaNs(t *testing.T) {
	m := tinyModel(t, true, 5)
	before := append([]float32(nil), m.flat...)
	tr, err := NewTrainable(m, AdamW{})
	if err != nil {
		t.Fatal(err)
	}
	seqs := randomSeqs(rand.New(rand.NewPCG(1, 1)), m, 4, 5)
	old := make([]float64, 4*5)
	if err := m.LogProbs(old, seqs, 5); err != nil {
		t.Fatal(err)
	}
	old[2*5+1] = math.NaN()
	r := &policy.Rollouts{Seqs: seqs, Batch: policy.Batch{B: 4, T: 5, OldLogProbs: old, Mask: Mask(seqs, 5),
		Rewards: []float64{1, 0, 1, 0}, Groups: []int{0, 0, 1, 1}}}
	trainer := policy.Trainer{Model: tr, Loss: policy.PG{}, Advantage: policy.GroupNorm{}}
	if _, err := trainer.Step(r); err == nil || !strings.Contains(err.Error(), "OldLogProbs[2*T+1] is NaN") {
		t.Errorf("NaN old log-prob: %v", err)
	}
	old[2*5+1] = -1
	trainer.Loss = nanLoss{}
	if _, err := trainer.Step(r); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN gradient: %v", err)
	}
	if !reflect.DeepEqual(before, m.flat) {
		t.Error("the weights changed")
	}
	// The next step after the refused ones trains normally.
	trainer.Loss = policy.PG{}
	if st, err := trainer.Step(r); err != nil || st.Update.Skipped || st.Update.Step != 1 {
		t.Errorf("next step: %+v, %v", st.Update, err)
	}
}

// The entropies of LogProbsEntropy and ForwardEntropy match a direct
// float64 computation (ref64), leave the log-probs bit for bit as they
// were, and are 0 past each completion.
func TestEntropy(t *testing.T) {
	stories, err := LoadBytes(stories260k.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, m := range []*Model{stories, tinyModel(t, false, 7), randomModel(t, wideConfig, 8)} {
		const B = 6
		T := min(20, m.Config.SeqLen-1)
		seqs := randomSeqs(rng, m, B, T)
		want := make([]float64, B*T)
		if err := m.LogProbs(want, seqs, T); err != nil {
			t.Fatal(err)
		}
		wantLP, wantH := newRef64(m).logProbsEntropy(seqs, T)
		for _, pass := range []string{"LogProbsEntropy", "ForwardEntropy"} {
			lp, ent := make([]float64, B*T), make([]float64, B*T)
			for k := range ent {
				ent[k] = math.NaN() // must be overwritten, padding included
			}
			if pass == "LogProbsEntropy" {
				err = m.LogProbsEntropy(lp, ent, seqs, T)
			} else {
				err = new(Tape).ForwardEntropy(m, lp, ent, seqs, T)
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(lp, want) {
				t.Fatalf("%s: log-probs differ from LogProbs", pass)
			}
			for k, h := range ent {
				if j := k % T; j >= len(seqs[k/T].Completion) {
					if h != 0 {
						t.Fatalf("%s: ent[%d] = %v past the completion, want 0", pass, k, h)
					}
					continue
				}
				if math.Abs(h-wantH[k]) > 1e-4*max(1, wantH[k]) || math.Abs(lp[k]-wantLP[k]) > 1e-3 {
					t.Fatalf("%s: ent[%d] = %v, float64 reference %v", pass, k, h, wantH[k])
				}
			}
		}
	}
}

// A model whose logits are all equal (zero classifier) has entropy log V
// at every position, and ent of the wrong length is an error.
func TestEntropyUniform(t *testing.T) {
	m := tinyModel(t, false, 9)
	clear(m.Classifier())
	seqs, T, _ := tinyBatch(rand.New(rand.NewPCG(1, 1)))
	lp, ent := make([]float64, len(seqs)*T), make([]float64, len(seqs)*T)
	if err := m.LogProbsEntropy(lp, ent, seqs, T); err != nil {
		t.Fatal(err)
	}
	want := math.Log(float64(m.Config.Vocab))
	for k, h := range ent {
		if k%T < len(seqs[k/T].Completion) && math.Abs(h-want) > 1e-6 {
			t.Errorf("ent[%d] = %v, want log V = %v", k, h, want)
		}
	}
	if err := m.LogProbsEntropy(lp, ent[1:], seqs, T); err == nil {
		t.Error("short ent: no error")
	}
	if err := new(Tape).ForwardEntropy(m, lp, make([]float64, 1), seqs, T); err == nil {
		t.Error("short ent: no error from ForwardEntropy")
	}
}
