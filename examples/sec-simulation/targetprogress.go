package main

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// targetProgress is the learning-progress signal measured on the target
// and credited to the arms practised since the target's previous group,
// tried here as a curriculum and reported in the table (it fails both
// criteria; see the README). Arms are drawn from a Boltzmann policy over
// their credit Q with the target's probability raised to at least
// minShare, so that the target keeps being measured:
//
//	P(k) ∝ exp(Q_k/τ), then P(t) ← max(P(t), minShare) and renormalise.
//
// Each group of the target t updates its estimated logit from its last
// W groups' S successes and F failures, ℓ̂ = ln((S + ½)/(F + ½)); the
// change since the target's previous group, per step in between,
// d = (ℓ̂ − ℓ̂_prev)/n, is credited to every arm practised in those n steps
// (the target included): Q_k ← (1−α)Q_k + α·d. Settings (the best of a
// small grid on these learners): τ = 0.01, α = 0.1, W = 20, minShare 0.2.
type targetProgress struct {
	target     int
	tau, alpha float64
	minShare   float64
	window     int
	q, p       []float64
	since      []int        // steps per arm since the target's previous group
	recent     [][2]float64 // the target's last ≤ W groups: successes, failures
	prev       float64
	measured   bool
}

func newTargetProgress(k int) (*targetProgress, error) {
	if k <= 0 {
		return nil, fmt.Errorf("target progress: %d arms, want > 0", k)
	}
	return &targetProgress{target: k - 1, tau: 0.01, alpha: 0.1, minShare: 0.2, window: 20,
		q: make([]float64, k), p: make([]float64, k), since: make([]int, k)}, nil
}

// Choose draws an arm from the Boltzmann policy with the target's floor.
func (c *targetProgress) Choose(rng *rand.Rand) (int, error) {
	m := math.Inf(-1)
	for _, v := range c.q {
		m = math.Max(m, v)
	}
	z := 0.0
	for i, v := range c.q {
		c.p[i] = math.Exp((v - m) / c.tau)
		z += c.p[i]
	}
	old := c.p[c.target]
	c.p[c.target] = math.Max(old, c.minShare*z)
	z += c.p[c.target] - old
	u := rng.Float64() * z
	for i, x := range c.p {
		if u -= x; u < 0 {
			return i, nil
		}
	}
	return c.target, nil
}

// Observe counts the step and, on a group of the target, credits the
// change of its estimated logit to the arms practised since the last one.
func (c *targetProgress) Observe(arm int, rewards []float64) error {
	if arm < 0 || arm >= len(c.q) || len(rewards) == 0 {
		return fmt.Errorf("target progress: arm %d of %d, %d rewards", arm, len(c.q), len(rewards))
	}
	c.since[arm]++
	if arm != c.target {
		return nil
	}
	s := 0.0
	for _, r := range rewards {
		s += r
	}
	c.recent = append(c.recent, [2]float64{s, float64(len(rewards)) - s})
	if len(c.recent) > c.window {
		c.recent = c.recent[1:]
	}
	var S, F float64
	for _, g := range c.recent {
		S, F = S+g[0], F+g[1]
	}
	l := math.Log((S + 0.5) / (F + 0.5))
	if c.measured {
		n := 0
		for _, x := range c.since {
			n += x
		}
		d := (l - c.prev) / float64(n)
		for k, x := range c.since {
			if x > 0 {
				c.q[k] = (1-c.alpha)*c.q[k] + c.alpha*d
			}
		}
	}
	c.prev, c.measured = l, true
	clear(c.since)
	return nil
}
