// Command sec-simulation compares curricula on the skill simulator of
// package curriculum: SEC at several temperatures, uniform sampling,
// always-hardest, a fixed easy-to-hard schedule and an adaptive one. It
// prints the steps each needs to reach a success rate of 0.8 on the
// hardest of five categories (difficulties −2, 0, 2, 4, 6).
//
//	go run ./examples/sec-simulation [-seeds 20] [-max 20000]
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/evolve-go/evolve/curriculum"
)

type row struct {
	name string
	make func() (curriculum.Teacher, error)
}

func main() {
	seeds := flag.Int("seeds", 20, "runs per curriculum (seeds 1..n)")
	maxSteps := flag.Int("max", 20000, "step cap per run; a run that hits it is a miss")
	schedule := flag.Int("schedule", 300, "steps per category of the fixed easy-to-hard schedule")
	window := flag.Int("window", 10, "groups in the adaptive schedule's success window")
	flag.Parse()
	if err := run(os.Stdout, *seeds, *maxSteps, *schedule, *window); err != nil {
		fmt.Fprintln(os.Stderr, "sec-simulation:", err)
		os.Exit(1)
	}
}

// run writes the comparison table to w: a header, a rule, and one row per
// curriculum with the mean, standard deviation, median, min and max of the
// steps to the goal, the misses and the share of steps per category.
func run(w io.Writer, seeds, maxSteps, schedule, window int) error {
	if seeds <= 0 || maxSteps <= 0 || schedule <= 0 || window <= 0 {
		return fmt.Errorf("seeds = %d, max = %d, schedule = %d, window = %d: want all > 0", seeds, maxSteps, schedule, window)
	}
	const K = 5
	cfg := curriculum.SimConfig{MaxSteps: maxSteps}
	sec := func(tau float64) func() (curriculum.Teacher, error) {
		return func() (curriculum.Teacher, error) {
			b, err := curriculum.NewSEC(K, curriculum.SECConfig{Alpha: 0.5, Temperature: tau})
			return curriculum.BanditTeacher{Bandit: b}, err
		}
	}
	rows := []row{
		{"SEC τ=0.1", sec(0.1)},
		{"SEC τ=0.3", sec(0.3)},
		{"SEC τ=1", sec(1)},
		{"EXP3.S on mean |A|", func() (curriculum.Teacher, error) {
			b, err := curriculum.NewEXP3S(K, curriculum.EXP3Config{Gamma: 0.1, Alpha: 0.01})
			return curriculum.BanditTeacher{Bandit: b}, err
		}},
		{"D-UCB (γ 0.99) on mean |A|", func() (curriculum.Teacher, error) {
			b, err := curriculum.NewDiscountedUCB(K, curriculum.DiscountedUCBConfig{Discount: 0.99})
			return curriculum.BanditTeacher{Bandit: b}, err
		}},
		{"SEC τ=0.3, learnability p(1−p)", func() (curriculum.Teacher, error) {
			b, err := curriculum.NewSEC(K, curriculum.SECConfig{Alpha: 0.5, Temperature: 0.3})
			return curriculum.BanditTeacher{Bandit: b, Signal: curriculum.Learnability}, err
		}},
		{"uniform", func() (curriculum.Teacher, error) { return curriculum.UniformTeacher{K: K}, nil }},
		{"always hardest", func() (curriculum.Teacher, error) { return curriculum.FixedTeacher{Arm: K - 1}, nil }},
		{fmt.Sprintf("easy→hard, %d steps each", schedule), func() (curriculum.Teacher, error) {
			return &curriculum.ScheduleTeacher{K: K, Steps: schedule}, nil
		}},
		{fmt.Sprintf("easy→hard, adaptive (window %d)", window), func() (curriculum.Teacher, error) {
			return &curriculum.AdaptiveTeacher{K: K, Window: window, Threshold: 0.8}, nil
		}},
	}
	fmt.Fprintf(w, "steps to p ≥ 0.8 on the hardest category, %d seeds, cap %d\n\n", seeds, maxSteps)
	fmt.Fprintf(w, "%-34s %8s %8s %8s %6s %6s  %s\n", "curriculum", "mean", "± std", "median", "min", "max", "misses  share of steps per category")
	fmt.Fprintln(w, strings.Repeat("-", 110))
	for _, r := range rows {
		res := make([]curriculum.SimResult, seeds)
		for s := range res {
			t, err := r.make()
			if err != nil {
				return err
			}
			rng := rand.New(rand.NewPCG(uint64(s+1), 0x5ec))
			if res[s], err = curriculum.Simulate(cfg, t, rng); err != nil {
				return fmt.Errorf("%s: %w", r.name, err)
			}
		}
		sm := curriculum.Summarize(res)
		share := make([]string, len(sm.Share))
		for k, x := range sm.Share {
			share[k] = fmt.Sprintf("%.2f", x)
		}
		fmt.Fprintf(w, "%-34s %8.0f %8.0f %8.0f %6d %6d  %6d  [%s]\n", r.name, sm.Mean, sm.Std, sm.Median, sm.Min, sm.Max, sm.Misses, strings.Join(share, " "))
	}
	return nil
}
