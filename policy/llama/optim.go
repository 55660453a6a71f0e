package llama

import (
	"errors"
	"fmt"
	"math"
)

// AdamW configures the optimizer. Zero values give the documented
// defaults, which are PyTorch's torch.optim.AdamW defaults except for weight
// decay (0 here: off).
type AdamW struct {
	// LR is the learning rate α (default 1e-3, PyTorch's). Ignored when
	// Schedule is set.
	LR float64
	// Beta1 and Beta2 are the decay rates of the first and second moment
	// estimates (defaults 0.9 and 0.999, Kingma & Ba).
	Beta1, Beta2 float64
	// Eps is added to sqrt(v̂) in the denominator (default 1e-8).
	Eps float64
	// WeightDecay is the decoupled weight decay λ: each step multiplies a
	// weight by (1 − α·λ) before the Adam update (Loshchilov & Hutter). It
	// applies to the matrices (embedding, projections, classifier) and not
	// to the RMSNorm gains, as in nanoGPT and llama2.c's train.py. 0 = off.
	WeightDecay float64
	// ClipNorm clips the global L2 norm of the gradient to at most ClipNorm
	// before the update (as torch.nn.utils.clip_grad_norm_). 0 = off.
	ClipNorm float64
	// Schedule, when set, returns the learning rate of each step, counting
	// from 0 (warm-up, cosine decay, ...). nil = LR at every step.
	Schedule func(step int) float64
}

// Optimizer applies AdamW updates to a model's weights from Grads:
//
//	g ← g·min(1, c/‖g‖)                    (c = ClipNorm, when set)
//	m ← β1·m + (1−β1)·g,   v ← β2·v + (1−β2)·g²
//	w ← w·(1 − α·λ) − α · (m/(1−β1ᵗ)) / (sqrt(v/(1−β2ᵗ)) + ε)
//
// with the moments kept in float32 and each update computed in float64.
//
// References: Kingma & Ba, "Adam" (2015); Loshchilov & Hutter, "Decoupled
// Weight Decay Regularization" (2019).
type Optimizer struct {
	cfg    AdamW
	m      *Model
	mom    []float32
	vel    []float32
	decay  []bool // per tensor of the flat layout: whether λ applies
	bounds []int  // start of each tensor in the flat layout, then its end
	step   int
}

// StepStats describes one optimizer step.
type StepStats struct {
	Step     int     // steps taken, this one included
	LR       float64 // learning rate used
	GradNorm float64 // global L2 norm of the gradient before clipping
	Clipped  bool    // whether the gradient was scaled down
}

// NewOptimizer returns an AdamW optimizer for m's weights. It reports the
// first negative, non-finite or out-of-range field of cfg.
func NewOptimizer(m *Model, cfg AdamW) (*Optimizer, error) {
	if m == nil {
		return nil, errors.New("llama: NewOptimizer: nil Model")
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"LR", cfg.LR}, {"Beta1", cfg.Beta1}, {"Beta2", cfg.Beta2}, {"Eps", cfg.Eps},
		{"WeightDecay", cfg.WeightDecay}, {"ClipNorm", cfg.ClipNorm}} {
		if f.v < 0 || math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return nil, fmt.Errorf("llama: AdamW.%s = %v, want a finite value ≥ 0", f.name, f.v)
		}
	}
	if cfg.Beta1 >= 1 {
		return nil, fmt.Errorf("llama: AdamW.Beta1 = %v, want < 1", cfg.Beta1)
	}
	if cfg.Beta2 >= 1 {
		return nil, fmt.Errorf("llama: AdamW.Beta2 = %v, want < 1", cfg.Beta2)
	}
	if cfg.LR == 0 {
		cfg.LR = 1e-3
	}
	if cfg.Beta1 == 0 {
		cfg.Beta1 = 0.9
	}
	if cfg.Beta2 == 0 {
		cfg.Beta2 = 0.999
	}
	if cfg.Eps == 0 {
		cfg.Eps = 1e-8
	}
	o := &Optimizer{cfg: cfg, m: m, mom: make([]float32, len(m.flat)), vel: make([]float32, len(m.flat))}
	off := 0
	for _, t := range tensors {
		o.bounds = append(o.bounds, off)
		o.decay = append(o.decay, t.matrix)
		off += t.size(m.Config)
	}
	o.bounds = append(o.bounds, off)
	return o, nil
}

// Steps returns the number of steps taken.
func (o *Optimizer) Steps() int { return o.step }

// Step updates the model's weights from g (which it leaves unchanged; call
// g.Zero before accumulating the next batch). A non-finite gradient or
// learning rate is an error and leaves weights and moments untouched.
func (o *Optimizer) Step(g *Grads) (StepStats, error) {
	if g == nil || g.Config != o.m.Config || len(g.flat) != len(o.m.flat) {
		return StepStats{}, errors.New("llama: Optimizer.Step: Grads shaped for another model")
	}
	norm := g.Norm()
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return StepStats{}, fmt.Errorf("llama: Optimizer.Step: gradient norm is %v", norm)
	}
	lr := o.cfg.LR
	if o.cfg.Schedule != nil {
		lr = o.cfg.Schedule(o.step)
		if lr < 0 || math.IsNaN(lr) || math.IsInf(lr, 0) {
			return StepStats{}, fmt.Errorf("llama: AdamW.Schedule(%d) = %v, want a finite value ≥ 0", o.step, lr)
		}
	}
	scale := 1.0
	st := StepStats{LR: lr, GradNorm: norm}
	if c := o.cfg.ClipNorm; c > 0 && norm > c {
		scale = c / norm
		st.Clipped = true
	}
	o.step++
	st.Step = o.step
	b1, b2, eps := o.cfg.Beta1, o.cfg.Beta2, o.cfg.Eps
	bc1 := 1 - math.Pow(b1, float64(o.step))
	bc2 := 1 - math.Pow(b2, float64(o.step))
	w := o.m.flat
	for ti := range o.decay {
		shrink := 1.0
		if o.decay[ti] {
			shrink = 1 - lr*o.cfg.WeightDecay
		}
		for i := o.bounds[ti]; i < o.bounds[ti+1]; i++ {
			gi := float64(g.flat[i]) * scale
			m := b1*float64(o.mom[i]) + (1-b1)*gi
			v := b2*float64(o.vel[i]) + (1-b2)*gi*gi
			o.mom[i], o.vel[i] = float32(m), float32(v)
			w[i] = float32(float64(w[i])*shrink - lr*(m/bc1)/(math.Sqrt(v/bc2)+eps))
		}
	}
	return st, nil
}
