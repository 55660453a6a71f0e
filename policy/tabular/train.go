package tabular

import (
	"errors"
	"fmt"
	"math"

	"github.com/evolve-go/evolve/policy"
)

// LogProbs implements policy.LogProber: dst[i*T] = log π(a_i | p_i) for
// seqs[i] = {Prompt: {p_i}, Completion: {a_i}}, and 0 elsewhere. A
// sequence must have one prompt token and one completion token, both in
// range.
func (p *Policy) LogProbs(dst []float64, seqs []policy.Sequence, T int) error {
	_, err := p.score(dst, seqs, T)
	return err
}

// Forward implements policy.Trainable: LogProbs, remembering the
// sequences for Backward.
func (p *Policy) Forward(dst []float64, seqs []policy.Sequence, T int) error {
	rows, err := p.score(dst, seqs, T)
	if err != nil {
		return err
	}
	p.last, p.lastT, p.forwards = rows, T, true
	return nil
}

// LogProbsEntropy implements policy.EntropyProber: LogProbs, and into
// ent[i*T] the entropy −Σ_a π(a | p_i) log π(a | p_i) of the row's
// prompt's distribution (0 elsewhere).
func (p *Policy) LogProbsEntropy(dst, ent []float64, seqs []policy.Sequence, T int) error {
	rows, err := p.score(dst, seqs, T)
	if err != nil {
		return err
	}
	return p.entropies(ent, rows, T)
}

// ForwardEntropy implements policy.EntropyProber: Forward with the
// entropies of LogProbsEntropy.
func (p *Policy) ForwardEntropy(dst, ent []float64, seqs []policy.Sequence, T int) error {
	if err := p.Forward(dst, seqs, T); err != nil {
		return err
	}
	return p.entropies(ent, p.last, T)
}

// entropies writes the entropy of each row's prompt into ent[i*T], 0
// elsewhere; ent must have len(rows)*T entries or be nil.
func (p *Policy) entropies(ent []float64, rows [][2]int, T int) error {
	if ent == nil {
		return nil
	}
	if len(ent) != len(rows)*T {
		return fmt.Errorf("tabular: len(ent) = %d, want len(seqs)*T = %d*%d", len(ent), len(rows), T)
	}
	clear(ent)
	lp := make([]float64, len(p.Answers))
	for i, r := range rows {
		logSoftmax(lp, p.Logits[r[0]], 1)
		h := 0.0
		for _, l := range lp {
			h -= math.Exp(l) * l
		}
		ent[i*T] = h
	}
	return nil
}

// score checks seqs and writes their log-probs, returning each row's
// (prompt, answer).
func (p *Policy) score(dst []float64, seqs []policy.Sequence, T int) ([][2]int, error) {
	if T <= 0 || len(dst) != len(seqs)*T {
		return nil, fmt.Errorf("tabular: LogProbs: len(dst) = %d, want len(seqs)*T = %d*%d with T > 0", len(dst), len(seqs), T)
	}
	rows := make([][2]int, len(seqs))
	lp := make([]float64, len(p.Answers))
	clear(dst)
	for i, s := range seqs {
		if len(s.Prompt) != 1 || len(s.Completion) != 1 {
			return nil, fmt.Errorf("tabular: seqs[%d] has %d prompt and %d completion tokens, want 1 and 1", i, len(s.Prompt), len(s.Completion))
		}
		pr, a := s.Prompt[0], s.Completion[0]
		if pr < 0 || pr >= len(p.Logits) || a < 0 || a >= len(p.Answers) {
			return nil, fmt.Errorf("tabular: seqs[%d] = {%d, %d}, want a prompt in [0, %d) and an answer in [0, %d)", i, pr, a, len(p.Logits), len(p.Answers))
		}
		logSoftmax(lp, p.Logits[pr], 1)
		dst[i*T] = lp[a]
		rows[i] = [2]int{pr, a}
	}
	return rows, nil
}

// Backward implements policy.Trainable: it adds to the held gradient
//
//	∂L/∂θ_{p,v} += g_i·(1[v = a_i] − π(v | p_i))
//
// for each row i of the last Forward, g_i = grad[i*T]. A g_i that is not
// finite is an error, and then nothing is added.
func (p *Policy) Backward(grad []float64) error {
	if !p.forwards {
		return errors.New("tabular: Backward without a Forward")
	}
	if len(grad) != len(p.last)*p.lastT {
		return fmt.Errorf("tabular: Backward: len(grad) = %d, want %d", len(grad), len(p.last)*p.lastT)
	}
	p.forwards = false
	for i := range p.last {
		if g := grad[i*p.lastT]; math.IsNaN(g) || math.IsInf(g, 0) {
			return fmt.Errorf("tabular: Backward: grad[%d*T] = %v", i, g)
		}
	}
	if p.grad == nil {
		p.grad = table(len(p.Logits), len(p.Answers))
	}
	lp := make([]float64, len(p.Answers))
	for i, r := range p.last {
		g, row := grad[i*p.lastT], p.grad[r[0]]
		logSoftmax(lp, p.Logits[r[0]], 1)
		for v, l := range lp {
			row[v] -= g * math.Exp(l)
		}
		row[r[1]] += g
	}
	return nil
}

// Update implements policy.Trainable: one step of the Optimizer with the
// held gradient, which it then clears; a gradient that is not finite is
// skipped.
func (p *Policy) Update() (policy.UpdateStats, error) {
	lr := p.LR
	if lr == 0 {
		lr = 0.1
	}
	if !(lr > 0) || math.IsInf(lr, 0) {
		return policy.UpdateStats{}, fmt.Errorf("tabular: Policy.LR = %v, want finite > 0 (0: 0.1)", p.LR)
	}
	if p.Optimizer != Adam && p.Optimizer != SGD {
		return policy.UpdateStats{}, fmt.Errorf("tabular: Policy.Optimizer = %d is not an Optimizer", int(p.Optimizer))
	}
	if p.grad == nil {
		p.grad = table(len(p.Logits), len(p.Answers))
	}
	defer func() {
		for _, row := range p.grad {
			clear(row)
		}
	}()
	norm := 0.0
	for _, row := range p.grad {
		for _, g := range row {
			norm += g * g
		}
	}
	norm = math.Sqrt(norm)
	st := policy.UpdateStats{Step: p.steps, LR: lr, GradNorm: norm}
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		st.Skipped = true
		return st, nil
	}
	p.steps++
	st.Step = p.steps
	if p.Optimizer == SGD {
		for i, row := range p.grad {
			for v, g := range row {
				p.Logits[i][v] -= lr * g
			}
		}
		return st, nil
	}
	p.adam(lr)
	return st, nil
}

// adam takes one Adam step with learning rate lr.
func (p *Policy) adam(lr float64) {
	const b1, b2, eps = 0.9, 0.999, 1e-8
	if p.m == nil {
		p.m, p.v = table(len(p.Logits), len(p.Answers)), table(len(p.Logits), len(p.Answers))
	}
	bc1 := 1 - math.Pow(b1, float64(p.steps))
	bc2 := 1 - math.Pow(b2, float64(p.steps))
	for i, row := range p.grad {
		for v, g := range row {
			m := b1*p.m[i][v] + (1-b1)*g
			s := b2*p.v[i][v] + (1-b2)*g*g
			p.m[i][v], p.v[i][v] = m, s
			p.Logits[i][v] -= lr * (m / bc1) / (math.Sqrt(s/bc2) + eps)
		}
	}
}
