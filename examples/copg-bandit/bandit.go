package main

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// problem is a KL-regularised bandit with one prompt:
//
//	J(π) = E_{y~π}[R(y)] − β·KL(π‖π_ref)
//	     = Σ_y π(y)·R(y) − β·Σ_y π(y)·ln(π(y)/π_ref(y)).
//
// Its maximiser is the tilted reference π*(y) = π_ref(y)·exp(R(y)/β)/Z
// with Z = Σ_y π_ref(y)·exp(R(y)/β), and J(π*) = β·ln Z.
//
// References: Flet-Berliac et al. 2024, "Contrastive Policy Gradient:
// Aligning LLMs on sequence-level scores in a supervised-friendly
// fashion", §2 and the bandit of §5; docs/ALGORITHMS.md §4.
type problem struct {
	R        []float64 // reward of each arm
	Beta     float64   // KL strength β > 0
	Ref      []float64 // π_ref, a distribution over the arms
	Mu1, Mu2 []float64 // the sampling distributions of y and y′
}

// paperProblem is the bandit of the CoPG paper: three arms with rewards
// (2.5, 2, 1), β = 0.5, a uniform reference, y ~ μ1 = (0.1, 0.2, 0.7) and
// y′ ~ μ2 = (0.05, 0.05, 0.9): both sampling distributions favour the
// worst arm, which the optimum avoids.
func paperProblem() problem {
	return problem{
		R:    []float64{2.5, 2, 1},
		Beta: 0.5,
		Ref:  []float64{1.0 / 3, 1.0 / 3, 1.0 / 3},
		Mu1:  []float64{0.1, 0.2, 0.7},
		Mu2:  []float64{0.05, 0.05, 0.9},
	}
}

// check reports the first invalid field of p.
func (p problem) check() error {
	k := len(p.R)
	if k < 2 {
		return fmt.Errorf("problem: %d arms, want at least 2", k)
	}
	if !(p.Beta > 0) || math.IsInf(p.Beta, 0) {
		return fmt.Errorf("problem: β = %v, want finite > 0", p.Beta)
	}
	for i, r := range p.R {
		if math.IsNaN(r) || math.IsInf(r, 0) {
			return fmt.Errorf("problem: R[%d] = %v, want finite", i, r)
		}
	}
	for _, d := range []struct {
		name string
		p    []float64
	}{{"π_ref", p.Ref}, {"μ1", p.Mu1}, {"μ2", p.Mu2}} {
		if err := checkDist(d.name, d.p, k); err != nil {
			return err
		}
	}
	return nil
}

// checkDist reports whether p is a distribution over k arms with full
// support (every arm must be reachable for π* to be learnable offline).
func checkDist(name string, p []float64, k int) error {
	if len(p) != k {
		return fmt.Errorf("problem: %s has %d entries, want %d", name, len(p), k)
	}
	s := 0.0
	for i, x := range p {
		if !(x > 0) || x > 1 {
			return fmt.Errorf("problem: %s[%d] = %v, want in (0, 1]", name, i, x)
		}
		s += x
	}
	if math.Abs(s-1) > 1e-9 {
		return fmt.Errorf("problem: %s sums to %v, want 1", name, s)
	}
	return nil
}

// optimum returns π* ∝ π_ref·exp(R/β), computed with the largest exponent
// subtracted so that it does not overflow.
func (p problem) optimum() []float64 {
	mx := math.Inf(-1)
	for a, r := range p.R {
		mx = max(mx, math.Log(p.Ref[a])+r/p.Beta)
	}
	pi, z := make([]float64, len(p.R)), 0.0
	for a, r := range p.R {
		pi[a] = math.Exp(math.Log(p.Ref[a]) + r/p.Beta - mx)
		z += pi[a]
	}
	for a := range pi {
		pi[a] /= z
	}
	return pi
}

// objective returns J(π) = Σ π·R − β·Σ π·ln(π/π_ref); an arm with
// π(y) = 0 adds nothing to the KL (0·ln 0 = 0).
func (p problem) objective(pi []float64) float64 {
	j := 0.0
	for a, x := range pi {
		j += x * p.R[a]
		if x > 0 {
			j -= p.Beta * x * math.Log(x/p.Ref[a])
		}
	}
	return j
}

// regret returns J(π*) − J(π) ≥ 0, the regret of the CoPG paper's
// bandit: the regularised objective the optimum loses by playing π.
func (p problem) regret(pi []float64) float64 {
	return p.value() - p.objective(pi)
}

// value returns V* = J(π*) = β·ln Σ_y π_ref(y)·exp(R(y)/β), the value of
// the optimal policy: every arm's regularised reward R(y) − β·ln(π*/π_ref)
// equals it.
func (p problem) value() float64 { return p.objective(p.optimum()) }

// dataset holds offline pairs: Y[k] ~ μ1, Y2[k] ~ μ2, and Prefer[k]
// reports whether the Bradley–Terry label prefers Y[k] to Y2[k], drawn
// with probability σ(R(Y[k]) − R(Y2[k])).
type dataset struct {
	Y, Y2  []int
	Prefer []bool
}

// sample draws n pairs and their labels from p with a PCG generator
// seeded with seed: the same seed gives the same data.
func (p problem) sample(n int, seed uint64) (dataset, error) {
	if n < 1 {
		return dataset{}, fmt.Errorf("sample: %d pairs, want at least 1", n)
	}
	rng := rand.New(rand.NewPCG(seed, 0x636f7067))
	d := dataset{Y: make([]int, n), Y2: make([]int, n), Prefer: make([]bool, n)}
	for k := range n {
		d.Y[k], d.Y2[k] = draw(p.Mu1, rng), draw(p.Mu2, rng)
		d.Prefer[k] = rng.Float64() < sigmoid(p.R[d.Y[k]]-p.R[d.Y2[k]])
	}
	return d, nil
}

// draw returns an arm drawn from the distribution p.
func draw(p []float64, rng *rand.Rand) int {
	u, c := rng.Float64(), 0.0
	for a, x := range p {
		c += x
		if u < c {
			return a
		}
	}
	return len(p) - 1
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// errNoPairs is returned when a dataset has no pair of two different arms.
var errNoPairs = errors.New("no pair of two different arms in the data")
