package curriculum_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/evolve-go/evolve/curriculum"
)

// SEC with the paper's defaults (α = 0.5, τ = 1): each update moves an
// arm's value halfway toward its signal, and the Boltzmann policy follows.
func ExampleSEC() {
	sec, err := curriculum.NewSEC(3, curriculum.SECConfig{})
	if err != nil {
		panic(err)
	}
	// Mean |advantage| of one group per category: easy (7 of 8 solved),
	// medium (4 of 8), hard (0 of 8).
	for arm, rewards := range [][]float64{
		{1, 1, 1, 1, 1, 1, 1, 0},
		{1, 0, 1, 0, 1, 0, 1, 0},
		{0, 0, 0, 0, 0, 0, 0, 0},
	} {
		r, _ := curriculum.AbsAdvantage(arm, rewards)
		_ = sec.Update(arm, r)
		fmt.Printf("arm %d: signal %.3f\n", arm, r)
	}
	fmt.Printf("Q = %.3f\n", sec.Values())
	fmt.Printf("P = %.3f\n", sec.Probabilities(nil))
	// Output:
	// arm 0: signal 0.661
	// arm 1: signal 1.000
	// arm 2: signal 0.000
	// Q = [0.331 0.500 0.000]
	// P = [0.344 0.408 0.247]
}

// SEC draws a whole batch of categories i.i.d. from its Boltzmann policy
// and learns from the batch's signals, averaged per category.
func ExampleSelectBatch() {
	rng := rand.New(rand.NewPCG(1, 2))
	sec, _ := curriculum.NewSEC(4, curriculum.SECConfig{Temperature: 0.2})
	_ = curriculum.UpdateBatch(sec, []int{0, 1, 1, 2, 3}, []float64{0.2, 0.9, 0.7, 0.4, 0})
	arms, _ := curriculum.SelectBatch(nil, sec, rng, 16)
	fmt.Println(arms)
	fmt.Printf("%.3f\n", sec.Probabilities(nil))
	// Output:
	// [1 1 1 1 2 1 2 1 3 1 1 3 1 2 1 2]
	// [0.129 0.579 0.213 0.078]
}

// UCB1 tries each arm once, then balances mean and confidence bonus.
func ExampleUCB1() {
	rng := rand.New(rand.NewPCG(3, 4))
	means := []float64{0.2, 0.5, 0.8}
	ucb, _ := curriculum.NewUCB1(len(means), curriculum.UCBConfig{})
	counts := make([]int, len(means))
	for range 2000 {
		a, _ := ucb.Select(rng)
		r := 0.0
		if rng.Float64() < means[a] {
			r = 1
		}
		_ = ucb.Update(a, r)
		counts[a]++
	}
	fmt.Println("plays per arm:", counts)
	// Output:
	// plays per arm: [33 89 1878]
}

// EXP3 tuned for a known horizon: γ = min(1, sqrt(K ln K / ((e−1)T))).
func ExampleNewEXP3() {
	e, _ := curriculum.NewEXP3(5, curriculum.EXP3Config{Horizon: 10000})
	fmt.Printf("γ = %.4f\n", e.Gamma())
	// Output:
	// γ = 0.0216
}

// A curriculum over difficulty levels: SEC picks the level, the pool
// hands out its tasks without replacement, and the group's rewards feed
// back as SEC's mean-|advantage| signal. The state is saved as JSON (the
// random source is saved by the caller, here a PCG).
func ExampleCurriculum() {
	pools := [][]string{
		{"1+1", "2+2", "3+3"},
		{"12·7", "31·4", "9·13"},
		{"∫x²dx", "d/dx sin x"},
	}
	solveRate := []float64{0.95, 0.5, 0.05}
	src := rand.NewPCG(7, 7)
	rng := rand.New(src)
	sec, _ := curriculum.NewSEC(len(pools), curriculum.SECConfig{Temperature: 0.3})
	c, err := curriculum.New(sec, pools, curriculum.Config{})
	if err != nil {
		panic(err)
	}
	for range 40 {
		arm, _, _ := c.Next(rng)
		group := make([]float64, 8)
		for i := range group {
			if rng.Float64() < solveRate[arm] {
				group[i] = 1
			}
		}
		_ = c.Observe(arm, group)
	}
	for arm, st := range c.Stats() {
		fmt.Printf("level %d: %2d tasks, mean reward %.2f\n", arm, st.Draws, st.MeanReward)
	}
	arms, tasks, _ := c.NextBatch(rng, 4)
	fmt.Println(arms, tasks)

	state, _ := json.Marshal(c)
	rngState, _ := src.MarshalBinary()
	fmt.Println(len(state) > 0, len(rngState))
	// Output:
	// level 0:  6 tasks, mean reward 0.96
	// level 1: 30 tasks, mean reward 0.54
	// level 2:  4 tasks, mean reward 0.03
	// [1 1 1 1] [12·7 31·4 9·13 12·7]
	// true 20
}

// Dynamic sampling (DAPO): groups whose rewards are all equal carry no
// GRPO signal and are replaced by fresh draws.
func ExampleFillBatch() {
	prompts := []string{"a", "b", "c", "d", "e", "f"}
	rewards := [][]float64{{1, 1}, {0, 1}, {0, 0}, {1, 0}, {1, 1}, {0, 1}}
	next := 0
	batch, st, err := curriculum.FillBatch(3, 0, func() (string, []float64, error) {
		i := next
		next++
		return prompts[i], rewards[i], nil
	})
	fmt.Println(batch, st, err)
	// Output:
	// [b d f] {6 3 3} <nil>
}

// B-STaR's balance score rewards enough correct answers (n' ≥ n*) and a
// clean selection (n'/n).
func ExampleBalanceScore() {
	for _, c := range [][2]int{{4, 8}, {8, 8}, {12, 16}} {
		bs, _ := curriculum.BalanceScore(c[0], c[1], 0)
		fmt.Printf("%2d correct of %2d selected: %.3f\n", c[0], c[1], bs)
	}
	// Output:
	//  4 correct of  8 selected: 0.250
	//  8 correct of  8 selected: 1.000
	// 12 correct of 16 selected: 0.750
}

// The skill simulator: SEC against uniform sampling on the reference
// scenario (five difficulty levels, goal p ≥ 0.8 on the hardest).
func ExampleSimulate() {
	for _, name := range []string{"SEC τ=0.1", "uniform"} {
		var t curriculum.Teacher = curriculum.UniformTeacher{K: 5}
		if name != "uniform" {
			sec, _ := curriculum.NewSEC(5, curriculum.SECConfig{Temperature: 0.1})
			t = curriculum.BanditTeacher{Bandit: sec}
		}
		res, err := curriculum.Simulate(curriculum.SimConfig{}, t, rand.New(rand.NewPCG(1, 0x5ec)))
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-9s reached=%v after %d steps\n", name, res.Reached, res.Steps)
	}
	// Output:
	// SEC τ=0.1 reached=true after 1661 steps
	// uniform   reached=true after 2702 steps
}

// The Ladder behind a Curriculum: one group of each stepping stone, then
// the easiest stone not yet mastered until its last W groups average
// ≥ 0.8, then the target. Here each practice group of a stone solves one
// more of its 4 tasks than the last, up to all 4.
func ExampleLadder() {
	ladder, err := curriculum.NewLadder(3, 2, curriculum.LadderConfig{Window: 2})
	if err != nil {
		panic(err)
	}
	pools := [][]string{{"easy"}, {"medium"}, {"target"}}
	c, err := curriculum.New(ladder, pools, curriculum.Config{Signal: curriculum.SuccessRate})
	if err != nil {
		panic(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	solved := []int{3, 1, 0} // tasks of 4 solved by the next group of each arm
	for range 8 {
		arm, task, err := c.Next(rng)
		if err != nil {
			panic(err)
		}
		group := make([]float64, 4)
		for i := range solved[arm] {
			group[i] = 1
		}
		solved[arm] = min(solved[arm]+1, 4)
		if err := c.Observe(arm, group); err != nil {
			panic(err)
		}
		fmt.Printf("%s %v retired %v\n", task, group, ladder.Retired())
	}
	// Output:
	// easy [1 1 1 0] retired [false false false]
	// medium [1 0 0 0] retired [false false false]
	// easy [1 1 1 1] retired [true false false]
	// medium [1 1 0 0] retired [true false false]
	// medium [1 1 1 0] retired [true false false]
	// medium [1 1 1 1] retired [true true false]
	// target [0 0 0 0] retired [true true false]
	// target [1 0 0 0] retired [true true false]
}
