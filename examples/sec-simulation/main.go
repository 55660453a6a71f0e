// Command sec-simulation compares curricula on the simulated learners of
// package curriculum (curriculum.Learners: the default learner, shifted
// difficulties, no transfer between categories, 8 and 16 categories, 8
// independent categories). Every curriculum — SEC at three temperatures,
// the classic bandits on SEC's signal, uniform sampling, always the
// target, a fixed and an adaptive easy-to-hard schedule, a
// learning-progress signal measured on the target, and curriculum.Ladder
// — runs on every learner over several seeds. It prints three Markdown
// tables: the steps to a success rate of 0.8 on the target (the hardest
// category), mean ± standard error; their ratio to uniform sampling; and
// their ratio to the adaptive easy-to-hard schedule, each with the worst
// ratio over the learners.
//
//	go run ./examples/sec-simulation [-seeds 20] [-max 50000] [-schedule 300] [-window 10]
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"

	"github.com/evolve-go/evolve/curriculum"
)

// row is one curriculum: make builds a fresh teacher for a learner with k
// categories and the target arm target (the last category, under the
// teacher's labels). With shuffle set, every run shows the teacher the
// categories under a permutation of its own (curriculum.Relabelled).
type row struct {
	name    string
	make    func(k, target int) (curriculum.Teacher, error)
	shuffle bool
}

// cell is one curriculum on one learner: the mean and standard error of
// the steps to the goal (a miss counts as the cap) and the misses.
type cell struct {
	mean, se float64
	misses   int
}

func main() {
	seeds := flag.Int("seeds", 20, "runs per curriculum and learner (seeds 1..n)")
	maxSteps := flag.Int("max", 50000, "step cap per run; a run that hits it is a miss")
	schedule := flag.Int("schedule", 300, "steps per category of the fixed easy-to-hard schedule")
	window := flag.Int("window", 10, "groups in the adaptive schedule's success window")
	flag.Parse()
	if err := run(os.Stdout, *seeds, *maxSteps, *schedule, *window); err != nil {
		fmt.Fprintln(os.Stderr, "sec-simulation:", err)
		os.Exit(1)
	}
}

// bandit is a row for a bandit fed with signal (nil: mean |advantage|).
func bandit(name string, signal curriculum.Signal, b func(k int) (curriculum.Bandit, error)) row {
	return row{name: name, make: func(k, _ int) (curriculum.Teacher, error) {
		bb, err := b(k)
		return curriculum.BanditTeacher{Bandit: bb, Signal: signal}, err
	}}
}

// ladder is the Ladder's row, its labels shuffled or not.
func ladder(name string, shuffle bool) row {
	return row{name, func(k, target int) (curriculum.Teacher, error) {
		b, err := curriculum.NewLadder(k, target, curriculum.LadderConfig{})
		return curriculum.BanditTeacher{Bandit: b, Signal: curriculum.SuccessRate}, err
	}, shuffle}
}

// adaptive is the adaptive easy-to-hard schedule's row, following the
// labels it is shown.
func adaptive(name string, window int, shuffle bool) row {
	return row{name, func(k, _ int) (curriculum.Teacher, error) {
		return &curriculum.AdaptiveTeacher{K: k, Window: window, Threshold: 0.8}, nil
	}, shuffle}
}

// curricula returns the rows of the comparison, baselines last.
func curricula(schedule, window int) []row {
	sec := func(tau float64) func(k int) (curriculum.Bandit, error) {
		return func(k int) (curriculum.Bandit, error) {
			return curriculum.NewSEC(k, curriculum.SECConfig{Alpha: 0.5, Temperature: tau})
		}
	}
	return []row{
		bandit("SEC τ=0.1", nil, sec(0.1)),
		bandit("SEC τ=0.3", nil, sec(0.3)),
		bandit("SEC τ=1", nil, sec(1)),
		bandit("SEC τ=0.3, learnability p(1−p)", curriculum.Learnability, sec(0.3)),
		bandit("EXP3.S on mean |A|", nil, func(k int) (curriculum.Bandit, error) {
			return curriculum.NewEXP3S(k, curriculum.EXP3Config{Gamma: 0.1, Alpha: 0.01})
		}),
		bandit("D-UCB (γ 0.99) on mean |A|", nil, func(k int) (curriculum.Bandit, error) {
			return curriculum.NewDiscountedUCB(k, curriculum.DiscountedUCBConfig{Discount: 0.99})
		}),
		bandit("UCB1 on mean |A|", nil, func(k int) (curriculum.Bandit, error) {
			return curriculum.NewUCB1(k, curriculum.UCBConfig{})
		}),
		bandit("Beta Thompson on mean |A|", nil, func(k int) (curriculum.Bandit, error) {
			return curriculum.NewBetaThompson(k, curriculum.BetaThompsonConfig{})
		}),
		{name: "target progress (tried)", make: func(k, _ int) (curriculum.Teacher, error) { return newTargetProgress(k) }},
		ladder("Ladder", false),
		{name: "uniform", make: func(k, _ int) (curriculum.Teacher, error) { return curriculum.UniformTeacher{K: k}, nil }},
		{name: "always the target", make: func(_, target int) (curriculum.Teacher, error) {
			return curriculum.FixedTeacher{Arm: target}, nil
		}},
		{name: fmt.Sprintf("easy→hard, %d steps each", schedule), make: func(k, _ int) (curriculum.Teacher, error) {
			return &curriculum.ScheduleTeacher{K: k, Steps: schedule}, nil
		}},
		adaptive(fmt.Sprintf("easy→hard, adaptive (window %d)", window), window, false),
	}
}

// measure runs r on learner l over seeds 1..seeds.
func measure(l curriculum.Learner, r row, seeds int) (cell, error) {
	res := make([]curriculum.SimResult, seeds)
	for s := range res {
		t, err := teacher(r, l.Arms(), s)
		if err != nil {
			return cell{}, fmt.Errorf("%s: %w", r.name, err)
		}
		rng := rand.New(rand.NewPCG(uint64(s+1), 0x5ec))
		if res[s], err = curriculum.Simulate(l.Config, t, rng); err != nil {
			return cell{}, fmt.Errorf("%s on %s: %w", r.name, l.Name, err)
		}
	}
	sm := curriculum.Summarize(res)
	return cell{sm.Mean, sm.Std / math.Sqrt(float64(seeds)), sm.Misses}, nil
}

// teacher builds r's teacher for k categories and seed s: under the
// labels rand.New(rand.NewPCG(s, 99)).Perm(k) when r.shuffle is set.
func teacher(r row, k, s int) (curriculum.Teacher, error) {
	if !r.shuffle {
		return r.make(k, k-1)
	}
	perm := rand.New(rand.NewPCG(uint64(s), 99)).Perm(k)
	t, err := r.make(k, slices.Index(perm, k-1))
	if err != nil {
		return nil, err
	}
	return curriculum.NewRelabelled(t, perm)
}

// run measures every curriculum on every learner and writes the tables.
func run(w io.Writer, seeds, maxSteps, schedule, window int) error {
	if seeds <= 0 || maxSteps <= 0 || schedule <= 0 || window <= 0 {
		return fmt.Errorf("seeds = %d, max = %d, schedule = %d, window = %d: want all > 0", seeds, maxSteps, schedule, window)
	}
	ls := curriculum.Learners()
	for i := range ls {
		ls[i].Config.MaxSteps = maxSteps
	}
	rows := curricula(schedule, window)
	uni, ada := find(rows, "uniform"), find(rows, "easy→hard, adaptive")
	if uni < 0 || ada < 0 {
		return fmt.Errorf("the curricula lack a baseline (uniform at %d, adaptive at %d)", uni, ada)
	}
	cells, err := measureAll(rows, ls, seeds)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Steps to p ≥ 0.8 on the target (the hardest category), mean ± standard error over %d seeds, cap %d (misses in brackets).\n\n", seeds, maxSteps)
	writeTable(w, rows, ls, "", steps(cells))
	for _, base := range []int{uni, ada} {
		fmt.Fprintf(w, "\nRatio of mean steps to %s's.\n\n", rows[base].name)
		writeRatios(w, rows, ls, cells, base)
	}
	// The same learners with the categories under shuffled labels.
	shuf := []row{rows[ada], ladder("Ladder, labels shuffled", true), adaptive("easy→hard, adaptive, labels shuffled", window, true)}
	sc, err := measureAll(shuf[1:], ls, seeds)
	if err != nil {
		return err
	}
	sc = append([][]cell{cells[ada]}, sc...)
	fmt.Fprintf(w, "\nCategories under shuffled labels (a permutation per seed; the curricula are told the target's label): steps, then the ratio to %s in the true order.\n\n", rows[ada].name)
	writeTable(w, shuf, ls, "", steps(sc))
	fmt.Fprintln(w)
	writeRatios(w, shuf, ls, sc, 0)
	return nil
}

// measureAll measures every row on every learner.
func measureAll(rows []row, ls []curriculum.Learner, seeds int) ([][]cell, error) {
	cells := make([][]cell, len(rows))
	for i, r := range rows {
		cells[i] = make([]cell, len(ls))
		for j, l := range ls {
			var err error
			if cells[i][j], err = measure(l, r, seeds); err != nil {
				return nil, err
			}
		}
	}
	return cells, nil
}

// steps formats cells as "mean ± standard error", with the misses in
// brackets when there are any.
func steps(cells [][]cell) func(i, j int) string {
	return func(i, j int) string {
		c := cells[i][j]
		s := fmt.Sprintf("%.0f ± %.0f", c.mean, c.se)
		if c.misses > 0 {
			s += fmt.Sprintf(" [%d]", c.misses)
		}
		return s
	}
}

// find returns the index of the first row whose name starts with prefix,
// or −1.
func find(rows []row, prefix string) int {
	for i, r := range rows {
		if strings.HasPrefix(r.name, prefix) {
			return i
		}
	}
	return -1
}

// writeRatios writes the ratio of every mean to row base's on the same
// learner, with the worst (largest) ratio over the learners.
func writeRatios(w io.Writer, rows []row, ls []curriculum.Learner, cells [][]cell, base int) {
	writeTable(w, rows, ls, "worst", func(i, j int) string {
		if j == len(ls) {
			worst := 0.0
			for k := range ls {
				worst = math.Max(worst, cells[i][k].mean/cells[base][k].mean)
			}
			return fmt.Sprintf("%.2f", worst)
		}
		return fmt.Sprintf("%.2f", cells[i][j].mean/cells[base][j].mean)
	})
}

// writeTable writes a Markdown table with one row per curriculum and one
// column per learner, plus a column named extra when it is not empty.
func writeTable(w io.Writer, rows []row, ls []curriculum.Learner, extra string, value func(i, j int) string) {
	head := []string{"curriculum"}
	for _, l := range ls {
		head = append(head, l.Name)
	}
	if extra != "" {
		head = append(head, extra)
	}
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat("---|", len(head)))
	for i, r := range rows {
		line := []string{strings.ReplaceAll(r.name, "|", `\|`)} // |A| inside a cell
		for j := range len(head) - 1 {
			line = append(line, value(i, j))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(line, " | "))
	}
}
