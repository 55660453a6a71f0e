// Command copg-bandit runs the bandit of the CoPG paper on the tabular
// policy and prints, for each objective, the policy it learns and its
// regret against the closed-form optimum.
//
// The problem: three arms with rewards R = (2.5, 2, 1), KL strength
// β = 0.5, a uniform reference π_ref, and 10⁴ offline pairs (y, y′) with
// y ~ μ1 = (0.1, 0.2, 0.7) and y′ ~ μ2 = (0.05, 0.05, 0.9), each with a
// Bradley–Terry label (y preferred with probability σ(R(y) − R(y′))).
// The objective is the KL-regularised reward
//
//	J(π) = E_{y~π}[R(y)] − β·KL(π‖π_ref),
//
// maximised by π*(y) = π_ref(y)·exp(R(y)/β)/Z, with J(π*) = β·ln Z; the
// regret of a policy π is, as in the paper,
//
//	regret(π) = J(π*) − J(π) ≥ 0.
//
// Each objective — CoPG and RDP on the pairs' rewards, IPO and DPO on
// their labels, and the offline policy gradient on the y ~ μ1 with and
// without a value baseline (see methods) — trains a tabular softmax
// policy started at π_ref through policy.Trainer, the loop that trains a
// language model, with full-batch Adam until the gradient vanishes (the
// paper's learning rate and epoch count stop short of convergence, which
// blurs what each objective converges to).
//
// CoPG reaches π* from any sampling distributions; IPO converges to a
// policy set by μ1 and μ2 (Azar et al. 2023, its optimum depends on the
// behaviour policy), and the offline policy gradient without a baseline
// to one set by μ1.
//
//	go run ./examples/copg-bandit [-pairs 10000] [-steps 20000] [-lr 0.05] [-tol 1e-9] [-seed 1]
//
// References: Flet-Berliac et al. 2024, "Contrastive Policy Gradient:
// Aligning LLMs on sequence-level scores in a supervised-friendly
// fashion" (EMNLP 2024), §5.1; Azar et al. 2023, "A General Theoretical
// Paradigm to Understand Learning from Human Preferences" (IPO);
// Rafailov et al. 2023 (DPO); Deng et al. 2024 (RDP);
// docs/ALGORITHMS.md §4.
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"text/tabwriter"
)

func main() {
	if err := run(os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "copg-bandit:", err)
		os.Exit(1)
	}
}

// run parses the flags, trains every method and prints the table.
func run(w io.Writer, args []string) error {
	fs := flag.NewFlagSet("copg-bandit", flag.ContinueOnError)
	fs.SetOutput(w)
	pairs := fs.Int("pairs", 10000, "offline pairs (y, y′)")
	seed := fs.Uint64("seed", 1, "seed of the pairs and their labels")
	var cfg config
	fs.IntVar(&cfg.Steps, "steps", 20000, "most full-batch Adam steps per method")
	fs.Float64Var(&cfg.LR, "lr", 0.05, "Adam learning rate")
	fs.Float64Var(&cfg.Tol, "tol", 1e-9, "stop a method once its parameter gradient's norm falls to this")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	case cfg.Steps < 1:
		return fmt.Errorf("-steps = %d, want at least 1", cfg.Steps)
	case !(cfg.LR > 0) || math.IsInf(cfg.LR, 0):
		return fmt.Errorf("-lr = %v, want finite > 0", cfg.LR)
	case !(cfg.Tol >= 0) || math.IsInf(cfg.Tol, 0):
		return fmt.Errorf("-tol = %v, want finite ≥ 0", cfg.Tol)
	}
	p := paperProblem()
	res, err := compare(p, *pairs, *seed, cfg)
	if err != nil {
		return err
	}
	return report(w, p, *pairs, *seed, res)
}

// compare samples the pairs and trains every method on them.
func compare(p problem, pairs int, seed uint64, cfg config) ([]result, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	d, err := p.sample(pairs, seed)
	if err != nil {
		return nil, err
	}
	var out []result
	for _, m := range methods(p) {
		r, err := train(p, m, d, cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// report prints the problem, the optimum and one row per method.
func report(w io.Writer, p problem, pairs int, seed uint64, res []result) error {
	fmt.Fprintf(w, "bandit: R = %s, β = %g, π_ref = %s\n", vec(p.R, 3), p.Beta, vec(p.Ref, 3))
	fmt.Fprintf(w, "data: %d pairs, y ~ μ1 = %s, y′ ~ μ2 = %s, Bradley–Terry labels, seed %d\n",
		pairs, vec(p.Mu1, 3), vec(p.Mu2, 3), seed)
	fmt.Fprintf(w, "optimum: π* ∝ π_ref·exp(R/β) = %s, J(π*) = %.4f; regret = J(π*) − J(π)\n\n",
		vec(p.optimum(), 4), p.value())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "method\tlearned π\tregret\tsteps\t‖∇θ‖")
	fmt.Fprintf(tw, "π_ref (untrained)\t%s\t%.3g\t-\t-\n", vec(p.Ref, 4), p.regret(p.Ref))
	for _, r := range res {
		fmt.Fprintf(tw, "%s\t%s\t%.3g\t%d\t%.1e\n", r.Name, vec(r.Pi, 4), nonNegative(r.Regret), r.Steps, r.GradNorm)
	}
	return tw.Flush()
}

// nonNegative returns x, or 0 for a negative x of rounding size: a regret
// is never negative, but J(π*) − J(π) computed for π = π* can round to
// −1e-16.
func nonNegative(x float64) float64 {
	if x < 0 && x > -1e-12 {
		return 0
	}
	return x
}

// vec formats a vector as (x1, x2, ...) with prec decimals, dropping
// trailing zeros when prec < 4 (the problem's parameters).
func vec(v []float64, prec int) string {
	s := make([]string, len(v))
	for i, x := range v {
		if prec < 4 {
			s[i] = fmt.Sprintf("%.*g", prec, x)
		} else {
			s[i] = fmt.Sprintf("%.*f", prec, x)
		}
	}
	return "(" + strings.Join(s, ", ") + ")"
}
