package tabular

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/preference"
)

func newPolicy(t *testing.T) *Policy {
	t.Helper()
	p, err := New([]string{"q0", "q1"}, []string{"a", "b", "c", "d"})
	if err != nil {
		t.Fatal(err)
	}
	p.Logits[0] = []float64{0.5, -1, 2, 0}
	p.Logits[1] = []float64{-0.3, 0.3, 0, 1.1}
	return p
}

// Backward's gradient against central differences of
// L(θ) = Σ_i g_i·log π(a_i | p_i).
func TestBackwardFiniteDifferences(t *testing.T) {
	p := newPolicy(t)
	seqs := []policy.Sequence{{Prompt: []int{0}, Completion: []int{2}}, {Prompt: []int{1}, Completion: []int{0}},
		{Prompt: []int{0}, Completion: []int{1}}}
	const T = 3
	g := []float64{0.7, 0, 0, -1.3, 0, 0, 0.4, 0, 0}
	loss := func() float64 {
		lp := make([]float64, len(seqs)*T)
		if err := p.LogProbs(lp, seqs, T); err != nil {
			t.Fatal(err)
		}
		s := 0.0
		for k := range lp {
			s += g[k] * lp[k]
		}
		return s
	}
	if err := p.Forward(make([]float64, len(seqs)*T), seqs, T); err != nil {
		t.Fatal(err)
	}
	if err := p.Backward(g); err != nil {
		t.Fatal(err)
	}
	const h = 1e-6
	for i, row := range p.Logits {
		for v := range row {
			x := row[v]
			row[v] = x + h
			fp := loss()
			row[v] = x - h
			fm := loss()
			row[v] = x
			if num := (fp - fm) / (2 * h); math.Abs(num-p.grad[i][v]) > 1e-8 {
				t.Errorf("∂L/∂θ[%d][%d] = %v, finite difference %v", i, v, p.grad[i][v], num)
			}
		}
	}
}

// Sampled answers follow softmax(θ/τ): the frequencies of 40000 draws lie
// within 5 standard errors of the probabilities computed here from the
// logits; Greedy gives the argmax; LogProbs are at temperature 1.
func TestGenerateDistribution(t *testing.T) {
	p := newPolicy(t)
	for _, temp := range []float64{0, 0.5, 2} {
		const n = 40000
		out, err := p.Generate(context.Background(), policy.GenerateRequest{Prompts: []string{"q0"}, N: n, Temperature: temp, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		tau := temp
		if tau == 0 {
			tau = 1
		}
		z, want := 0.0, make([]float64, 4)
		for a, l := range p.Logits[0] {
			want[a] = math.Exp(l / tau)
			z += want[a]
		}
		count := make([]float64, 4)
		for _, c := range out[0] {
			a := c.Tokens[0]
			count[a]++
			if lp := math.Log(math.Exp(p.Logits[0][a]) / sumExp(p.Logits[0])); math.Abs(c.LogProbs[0]-lp) > 1e-12 {
				t.Fatalf("log-prob %v, want %v at temperature 1", c.LogProbs[0], lp)
			}
			if c.Text != p.Answers[a] || c.PromptTokens[0] != 0 || c.Prompt != 0 {
				t.Fatalf("completion %+v", c)
			}
		}
		for a := range want {
			q := want[a] / z
			if se := math.Sqrt(q * (1 - q) / n); math.Abs(count[a]/n-q) > 5*se {
				t.Errorf("temperature %v: answer %d drawn %.4f of the time, want %.4f", temp, a, count[a]/n, q)
			}
		}
	}
	out, err := p.Generate(context.Background(), policy.GenerateRequest{Prompts: []string{"q1", "q0"}, N: 3, Greedy: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{3, 2} {
		for _, c := range out[i] {
			if c.Tokens[0] != want {
				t.Errorf("greedy answer to prompt %d: %d, want %d", i, c.Tokens[0], want)
			}
		}
	}
}

func sumExp(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += math.Exp(x)
	}
	return s
}

// CoPG trained by gradient descent with every pair of the four answers
// reaches its optimum π* ∝ π_ref·exp(R/β), computed here in closed form.
func TestCoPGReachesOptimum(t *testing.T) {
	p := newPolicy(t)
	p.Optimizer, p.LR = SGD, 2
	ref := p.Clone()
	rewards := []float64{0.1, 0.9, 0.4, 0}
	const beta = 0.5
	r := &policy.Rollouts{Batch: policy.Batch{B: 4, T: 1, Rewards: rewards, Groups: []int{0, 0, 0, 0}}}
	for a := range 4 {
		r.Seqs = append(r.Seqs, policy.Sequence{Prompt: []int{0}, Completion: []int{a}})
	}
	var err error
	if r.Pairs, err = preference.MarginPairs(nil, rewards, r.Groups, 0); err != nil {
		t.Fatal(err)
	}
	tr := policy.Trainer{Model: p, Loss: preference.CoPG{Beta: beta}, Ref: ref}
	for range 3000 {
		if _, err := tr.Step(r); err != nil {
			t.Fatal(err)
		}
	}
	z, want := 0.0, make([]float64, 4)
	for a := range want {
		want[a] = math.Exp(ref.Logits[0][a] + rewards[a]/beta)
		z += want[a]
	}
	got := p.Probs(0)
	for a := range want {
		if math.Abs(got[a]-want[a]/z) > 1e-6 {
			t.Errorf("π(%d) = %.7f, optimum %.7f", a, got[a], want[a]/z)
		}
	}
}

// GRPO through policy.Trainer on a bandit: reward 1 for answer "c" of q1,
// whose probability starts at 0.16, ends above 0.9.
func TestGRPOLoop(t *testing.T) {
	p := newPolicy(t)
	ctx := context.Background()
	tr := policy.Trainer{Model: p, Loss: policy.GRPO(), Ref: p.Clone(), Advantage: policy.GroupNorm{}}
	start := p.Probs(1)[2]
	for step := range 60 {
		groups, err := p.Generate(ctx, policy.GenerateRequest{Prompts: []string{"q1"}, N: 16, Seed: uint64(step)})
		if err != nil {
			t.Fatal(err)
		}
		r, err := policy.NewRollouts(groups, 0)
		if err != nil {
			t.Fatal(err)
		}
		r.Rewards = make([]float64, r.B)
		for i, c := range groups[0] {
			if c.Text == "c" {
				r.Rewards[i] = 1
			}
		}
		if _, err := tr.Step(r); err != nil {
			t.Fatal(err)
		}
	}
	if end := p.Probs(1)[2]; start > 0.2 || end < 0.9 {
		t.Errorf("π(c | q1): %.3f before, %.3f after 60 steps, want < 0.2 and > 0.9", start, end)
	}
}

func TestErrors(t *testing.T) {
	p := newPolicy(t)
	ctx := context.Background()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{func() error { _, err := New(nil, []string{"a"}); return err }(), "at least one prompt"},
		{func() error { _, err := New([]string{"x", "x"}, []string{"a"}); return err }(), `prompts[1] = "x" repeats`},
		{func() error {
			_, err := p.Generate(ctx, policy.GenerateRequest{Prompts: []string{"nope"}})
			return err
		}(), `Prompts[0] = "nope" is not one of`},
		{func() error {
			_, err := p.Generate(ctx, policy.GenerateRequest{Prompts: []string{"q0"}, TopK: 2})
			return err
		}(), "not supported"},
		{func() error {
			_, err := p.Generate(ctx, policy.GenerateRequest{Prompts: []string{"q0"}, Temperature: math.NaN()})
			return err
		}(), "Temperature = NaN"},
		{p.LogProbs(make([]float64, 2), []policy.Sequence{{Prompt: []int{0}, Completion: []int{4}}}, 2), "want a prompt in [0, 2) and an answer in [0, 4)"},
		{p.LogProbs(make([]float64, 2), []policy.Sequence{{Prompt: []int{0}, Completion: []int{1, 2}}}, 2), "1 prompt and 2 completion tokens"},
		{p.LogProbs(make([]float64, 3), []policy.Sequence{{Prompt: []int{0}, Completion: []int{1}}}, 2), "len(dst) = 3"},
		{(&Policy{}).Backward(nil), "Backward without a Forward"},
		{func() error { q := newPolicy(t); q.LR = -1; _, err := q.Update(); return err }(), "LR = -1"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", tc.err, tc.want)
		}
	}
}

// The entropies of LogProbsEntropy and ForwardEntropy are −Σ π log π of
// each row's prompt, written at i*T; the log-probs are LogProbs'.
func TestEntropy(t *testing.T) {
	p, err := New([]string{"a", "b"}, []string{"x", "y", "z"})
	if err != nil {
		t.Fatal(err)
	}
	p.Logits[1] = []float64{math.Log(0.5), math.Log(0.25), math.Log(0.25)}
	seqs := []policy.Sequence{{Prompt: []int{0}, Completion: []int{2}}, {Prompt: []int{1}, Completion: []int{0}}}
	want := []float64{math.Log(3), 0, 1.5 * math.Ln2, 0}
	for _, f := range []func(dst, ent []float64, seqs []policy.Sequence, T int) error{p.LogProbsEntropy, p.ForwardEntropy} {
		lp, ent := make([]float64, 4), []float64{9, 9, 9, 9}
		if err := f(lp, ent, seqs, 2); err != nil {
			t.Fatal(err)
		}
		for k := range want {
			if math.Abs(ent[k]-want[k]) > 1e-15 {
				t.Errorf("ent = %v, want %v", ent, want)
				break
			}
		}
		if math.Abs(lp[2]-math.Log(0.5)) > 1e-15 || math.Abs(lp[0]+math.Log(3)) > 1e-15 {
			t.Errorf("log-probs %v", lp)
		}
		if err := f(lp, ent[:3], seqs, 2); err == nil {
			t.Error("short ent: no error")
		}
	}
}

// A gradient that is not finite in any row is an error and adds nothing:
// the rows before it leave the held gradient and, after Update, the
// logits as they were.
func TestBackwardRejectsWholeGradient(t *testing.T) {
	p := newPolicy(t)
	before := p.Clone()
	seqs := []policy.Sequence{{Prompt: []int{0}, Completion: []int{2}}, {Prompt: []int{1}, Completion: []int{0}}}
	if err := p.Forward(make([]float64, 2), seqs, 1); err != nil {
		t.Fatal(err)
	}
	if err := p.Backward([]float64{0.7, math.Inf(1)}); err == nil || !strings.Contains(err.Error(), "grad[1*T] = +Inf") {
		t.Fatalf("Backward with an Inf: %v", err)
	}
	for i, row := range p.grad {
		for v, g := range row {
			if g != 0 {
				t.Errorf("held gradient [%d][%d] = %v after a rejected Backward, want 0", i, v, g)
			}
		}
	}
	if _, err := p.Update(); err != nil {
		t.Fatal(err)
	}
	for i, row := range p.Logits {
		for v, x := range row {
			if x != before.Logits[i][v] {
				t.Errorf("logit [%d][%d] moved from %v to %v", i, v, before.Logits[i][v], x)
			}
		}
	}
}
