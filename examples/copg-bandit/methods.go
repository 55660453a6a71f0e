package main

import (
	"fmt"
	"math"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/tabular"
	"github.com/evolve-go/evolve/preference"
)

// method is one objective of the comparison and the offline rollouts it
// trains on, built from the same dataset for every method.
type method struct {
	Name string
	Loss policy.Loss
	Data func(p problem, d dataset) (*policy.Rollouts, error)
}

// methods returns the objectives the CoPG paper compares on its bandit,
// each a policy.Loss trained by policy.Trainer:
//
//   - CoPG on the pairs' rewards: per pair, maximise
//     ΔR·Δh − (β/2)·Δh², h = ln(π/π_ref); optimum π* for any sampling
//     distributions.
//   - RDP on the pairs' rewards: (Δh − ΔR/β)², whose gradient is 2/β
//     times CoPG's; the same optimum.
//   - IPO and DPO on the pairs' Bradley–Terry labels (chosen = the
//     preferred arm). In expectation IPO fits Δh to
//     (2·P(y ≻ y′) − 1)/(2β), a bounded function of the preference
//     probability, weighted by how often μ1 × μ2 samples each pair: its
//     fixed point depends on the sampling distributions. DPO's logistic
//     loss is least at β·Δh = R(y) − R(y′) for any sampling
//     distributions, so it reaches π* up to the labels' sampling noise.
//   - Offline policy gradient on the samples y ~ μ1 without importance
//     weights, with the regularised reward R_β(y) = R(y) − β·h(y) and a
//     baseline b: the gradient E_{y~μ1}[(R(y) − b − β·h(y))·∇ln π(y)]
//     (REINFORCE with advantage R − b plus β·k2, whose gradient is
//     β·h·∇ln π). Without a baseline (b = 0) its fixed point depends on
//     μ1; with the optimal value b = V* = J(π*) (known here because the
//     toy problem's rewards and partition function are) it is π*: the
//     baseline CoPG's contrastive pairs stand in for.
//
// A pair of the same arm twice is left out: its gradient is zero for
// every objective (Δh = 0 and ∇Δh = 0).
func methods(p problem) []method {
	return []method{
		{"CoPG (rewards)", preference.CoPG{Beta: p.Beta}, rewardPairs},
		{"RDP (rewards)", preference.RDP{Beta: p.Beta}, rewardPairs},
		{"IPO (BT labels)", preference.DPO{Variant: preference.IPO, Beta: p.Beta}, labelPairs},
		{"DPO (BT labels)", preference.DPO{Beta: p.Beta}, labelPairs},
		{"PG, no baseline", offPolicyPG(p.Beta), pgSamples(false)},
		{"PG, value baseline V*", offPolicyPG(p.Beta), pgSamples(true)},
	}
}

// offPolicyPG is the policy gradient of the regularised reward on
// samples of another policy, without importance weights: REINFORCE plus
// β·k2, averaged over the samples (one token each).
func offPolicyPG(beta float64) policy.Loss {
	return policy.PG{Surrogate: policy.Reinforce{}, KL: policy.KL{Estimator: policy.K2, Coef: beta}, Agg: policy.TokenMean{}}
}

// newRollouts lays out one single-token completion per row (arm rows[i]
// of the one prompt), all in group 0.
func newRollouts(rows []int) *policy.Rollouts {
	r := &policy.Rollouts{Batch: policy.Batch{B: len(rows), T: 1, Groups: make([]int, len(rows))},
		Seqs: make([]policy.Sequence, len(rows))}
	prompt := []int{0}
	for i, a := range rows {
		r.Seqs[i] = policy.Sequence{Prompt: prompt, Completion: []int{a}}
	}
	return r
}

// rewardPairs lays out each pair of two different arms as two rows with
// their rewards, paired and oriented by reward.
func rewardPairs(p problem, d dataset) (*policy.Rollouts, error) {
	var rows []int
	var pairs []policy.Pair
	for k := range d.Y {
		if d.Y[k] != d.Y2[k] {
			pairs = append(pairs, policy.Pair{Chosen: len(rows), Rejected: len(rows) + 1})
			rows = append(rows, d.Y[k], d.Y2[k])
		}
	}
	if len(pairs) == 0 {
		return nil, errNoPairs
	}
	r := newRollouts(rows)
	r.Rewards = make([]float64, len(rows))
	for i, a := range rows {
		r.Rewards[i] = p.R[a]
	}
	var err error
	r.Pairs, err = preference.OrientPairs(pairs, r.Rewards)
	return r, err
}

// labelPairs lays out each pair of two different arms as two rows, the
// arm its Bradley–Terry label prefers chosen.
func labelPairs(_ problem, d dataset) (*policy.Rollouts, error) {
	var rows []int
	var pairs []policy.Pair
	for k := range d.Y {
		if d.Y[k] == d.Y2[k] {
			continue
		}
		w, l := d.Y[k], d.Y2[k]
		if !d.Prefer[k] {
			w, l = l, w
		}
		pairs = append(pairs, policy.Pair{Chosen: len(rows), Rejected: len(rows) + 1})
		rows = append(rows, w, l)
	}
	if len(pairs) == 0 {
		return nil, errNoPairs
	}
	r := newRollouts(rows)
	r.Pairs = pairs
	return r, nil
}

// pgSamples returns the rollouts of the offline policy gradient: one row
// per y ~ μ1 with advantage R(y) − b, b = V* with the value baseline and 0
// without.
func pgSamples(withValue bool) func(problem, dataset) (*policy.Rollouts, error) {
	return func(p problem, d dataset) (*policy.Rollouts, error) {
		b := 0.0
		if withValue {
			b = p.value()
		}
		r := newRollouts(d.Y)
		r.Rewards, r.Advantages = make([]float64, r.B), make([]float64, r.B)
		for i, a := range d.Y {
			r.Rewards[i], r.Advantages[i] = p.R[a], p.R[a]-b
		}
		return r, nil
	}
}

// result is what training one method gave.
type result struct {
	Name     string
	Pi       []float64 // the learned policy
	Regret   float64   // J(π*) − J(π)
	Steps    int       // optimiser steps taken
	GradNorm float64   // ‖∇θ loss‖ at the last step
}

// config holds the optimisation settings shared by every method.
type config struct {
	Steps int     // most full-batch steps per method
	LR    float64 // Adam's learning rate
	Tol   float64 // stop once ‖∇θ loss‖ falls to Tol
}

// train fits a tabular softmax policy, started at π_ref, to m's loss on
// its rollouts with full-batch Adam through policy.Trainer, the loop that
// trains a language model on the same rollouts, until the parameter
// gradient's norm falls to cfg.Tol or cfg.Steps steps have run.
func train(p problem, m method, d dataset, cfg config) (result, error) {
	r, err := m.Data(p, d)
	if err != nil {
		return result{}, fmt.Errorf("%s: %w", m.Name, err)
	}
	arms := make([]string, len(p.R))
	for a := range arms {
		arms[a] = fmt.Sprintf("y%d", a+1)
	}
	pol, err := tabular.New([]string{"bandit"}, arms)
	if err != nil {
		return result{}, err
	}
	for a, x := range p.Ref {
		pol.Logits[0][a] = math.Log(x)
	}
	pol.Optimizer, pol.LR = tabular.Adam, cfg.LR
	tr := policy.Trainer{Model: pol, Ref: pol.Clone(), Loss: m.Loss}
	res := result{Name: m.Name, GradNorm: math.Inf(1)}
	for res.Steps < cfg.Steps && res.GradNorm > cfg.Tol {
		st, err := tr.Step(r)
		if err != nil {
			return result{}, fmt.Errorf("%s: step %d: %w", m.Name, res.Steps+1, err)
		}
		res.Steps++
		res.GradNorm = st.Update.GradNorm
	}
	res.Pi = pol.Probs(0)
	res.Regret = p.regret(res.Pi)
	return res, nil
}
