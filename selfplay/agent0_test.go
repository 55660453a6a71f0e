package selfplay

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/tabular"
	"github.com/evolve-go/evolve/reward"
)

// oneHot embeds each distinct text as its own axis: equal texts are
// duplicates (cosine 1), different ones are not (cosine 0).
type oneHot struct{}

func (oneHot) Embed(_ context.Context, texts []string) ([][]float64, error) {
	axis := map[string]int{}
	for _, t := range texts {
		if _, ok := axis[t]; !ok {
			axis[t] = len(axis)
		}
	}
	out := make([][]float64, len(texts))
	for i, t := range texts {
		out[i] = make([]float64, len(axis))
		out[i][axis[t]] = 1
	}
	return out, nil
}

// agent0Script is a game with scripted players: the proposer's four
// proposals are two copies of task A (the second mentions a tool), an
// untagged task B and a blank question; the executor answers A with
// 1, 1, x, 2 (p̂ = 2/4) and B with 7 four times (p̂ = 1).
func agent0Script() *Agent0 {
	proposals := []string{"<question>A</question>", "<question>A</question> tool", "untagged B", "<question> </question>"}
	return &Agent0{
		Proposer: script(func(_ string, j int, _ uint64) string { return proposals[j] }),
		Executor: script(func(p string, j int, _ uint64) string {
			if p == "task: A" {
				return []string{"\\boxed{1}", "so 1", "no idea", "2"}[j]
			}
			return "7"
		}),
		Tasks: 4, Samples: 4, Penalty: 0.5,
		Duplicates: reward.DuplicateShare{Embedder: oneHot{}},
		Prompt:     func(task string) string { return "task: " + task },
		Tool: func(proposal string, _ []policy.Completion) float64 {
			if strings.Contains(proposal, "tool") {
				return 0.1
			}
			return 0
		},
	}
}

// The bookkeeping by hand: B = 4 proposals, 3 with a task; A's cluster
// holds 2 of the 4 (rep 0.5), B's 1 (rep 0.25).
//
//	task 0 (A):     p̂ = 0.5, R_unc = 1, R = 1 − 0.5·0.5       = 0.75, in band
//	task 1 (A+tool): p̂ = 0.5, R_unc = 1, R = 1 + 0.1 − 0.5·0.5 = 0.85, in band
//	task 2 (B):     p̂ = 1,   R_unc = 0, R = 0 − 0.5·0.25      = −0.125, out of band
//	task 3 (blank): R = −1
//
// The executor learns tasks 0 and 1 against the majority answer "1":
// rewards 1, 1, 0, 0 each.
func TestAgent0Bookkeeping(t *testing.T) {
	g := agent0Script()
	r, err := g.Round(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Agent0Task{
		{Task: "A", Valid: true, Agreement: 0.5, Uncertainty: 1, Label: "1", Repetition: 0.5, Cluster: 0, Reward: 0.75, InBand: true, Group: 0},
		{Task: "A", Valid: true, Agreement: 0.5, Uncertainty: 1, Label: "1", Repetition: 0.5, Cluster: 0, Tool: 0.1, Reward: 0.85, InBand: true, Group: 1},
		{Task: "untagged B", Valid: true, Agreement: 1, Uncertainty: 0, Label: "7", Repetition: 0.25, Cluster: 1, Reward: -0.125, Group: -1},
		{Reward: -1, Group: -1},
	}
	for i := range want {
		got := r.Tasks[i]
		w := want[i]
		if got.Task != w.Task || got.Valid != w.Valid || got.Label != w.Label || got.Cluster != w.Cluster || got.InBand != w.InBand ||
			got.Group != w.Group || !nearAll([]float64{got.Agreement, got.Uncertainty, got.Repetition, got.Tool, got.Reward},
			[]float64{w.Agreement, w.Uncertainty, w.Repetition, w.Tool, w.Reward}) {
			t.Errorf("task %d = %+v, want %+v", i, got, w)
		}
	}
	if r.Round != 1 || r.InBand != 2 {
		t.Errorf("Round %d, InBand %d", r.Round, r.InBand)
	}
	checkBatch(t, r.Proposer, []string{DefaultAgent0Instruction}, []float64{0.75, 0.85, -0.125, -1},
		[]policy.Pair{{Chosen: 1, Rejected: 3}})
	checkBatch(t, r.Executor, []string{"task: A", "task: A"}, []float64{1, 1, 0, 0, 1, 1, 0, 0},
		[]policy.Pair{{Chosen: 0, Rejected: 2}, {Chosen: 4, Rejected: 6}})
}

// The band |p̂ − 0.5| ≤ δ with K = 10 and δ = 0.3: p̂ = 0.2 and 0.8 are
// inside (0.8 − 0.5 is 0.30000000000000004 in floating point), 0.1 and
// 0.9 outside; without a penalty, R = R_unc = 1 − 2|p̂ − 0.5|.
func TestAgent0Band(t *testing.T) {
	agree := map[string]int{"t2": 2, "t8": 8, "t9": 9, "t1": 1}
	tasks := []string{"t2", "t8", "t9", "t1"}
	g := &Agent0{
		Proposer: script(func(_ string, j int, _ uint64) string { return tasks[j] }),
		Executor: script(func(p string, j int, _ uint64) string {
			if j < agree[p] {
				return "5"
			}
			return fmt.Sprint(100 + j) // all different: the majority is "5"
		}),
		Tasks: 4, Band: 0.3,
	}
	r, err := g.Round(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []struct {
		in      bool
		p, rUnc float64
	}{{true, 0.2, 0.4}, {true, 0.8, 0.4}, {false, 0.9, 0.2}, {false, 0.1, 0.2}} {
		if got := r.Tasks[i]; got.InBand != w.in || !near(got.Agreement, w.p) || !near(got.Reward, w.rUnc) || !near(got.Uncertainty, w.rUnc) {
			t.Errorf("task %s: %+v, want p̂ %v, in band %v, R = %v", tasks[i], got, w.p, w.in, w.rUnc)
		}
	}
	if r.Executor.Len() != 20 || r.InBand != 2 {
		t.Errorf("executor batch of %d, InBand %d", r.Executor.Len(), r.InBand)
	}
}

// A proposer and an executor that depend on their seeds, so that the
// game's random state matters.
func agent0Seeded() *Agent0 {
	return &Agent0{
		Proposer: script(func(_ string, j int, seed uint64) string {
			return fmt.Sprintf("<question>task %d</question>", (seed>>uint(j))%3)
		}),
		Executor: script(func(p string, j int, seed uint64) string { return fmt.Sprint((seed >> uint(2*j)) % 3) }),
		Tasks:    5, Samples: 6, Penalty: 1, Seed: 42, Parallelism: 2,
	}
}

func playAgent0(g *Agent0) (any, error) { return g.Round(context.Background()) }

// A game saved after a round, through JSON, and restored plays the next
// round as the uninterrupted game does.
func TestAgent0Restore(t *testing.T) {
	checkRestore(t, agent0Seeded(), agent0Seeded(), 1, playAgent0)
	if err := agent0Seeded().Restore(Agent0State{Round: 1, RNG: []byte("bad")}); err == nil {
		t.Error("bad random state restored")
	}
	if err := agent0Seeded().Restore(Agent0State{Round: -1, RNG: agent0Seeded().State().RNG}); err == nil {
		t.Error("negative round restored")
	}
}

// A failing player's error names the game, the role and the round; a
// cancelled round leaves the state as it was, and the game then plays
// that round as if nothing had happened.
func TestAgent0Errors(t *testing.T) {
	ctx := context.Background()
	g := agent0Seeded()
	g.Proposer = &failing{from: 1, err: errBoom}
	_, err := g.Round(ctx)
	wantRoundError(t, err, "agent0", "proposer", 1)

	g = agent0Seeded()
	g.Executor = &failing{from: 6, err: errBoom, next: g.Executor} // round 1 makes 5 calls
	if _, err := g.Round(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = g.Round(ctx)
	wantRoundError(t, err, "agent0", "executor", 2)

	want, err := agent0Seeded().Round(ctx)
	if err != nil {
		t.Fatal(err)
	}
	g = agent0Seeded()
	checkCancel(t, g, want, func(cancel context.CancelFunc) func() {
		next := g.Executor
		g.Executor = &failing{from: 2, cancel: cancel, next: next}
		return func() { g.Executor = next }
	}, func(ctx context.Context, g *Agent0) (any, error) { return g.Round(ctx) })

	for _, bad := range []*Agent0{{Tasks: -1}, {Samples: -2}, {Band: 0.6}, {Band: math.NaN()}, {Penalty: -1}, {Parallelism: -1}} {
		if _, err := bad.Round(ctx); err == nil || !strings.Contains(err.Error(), "agent0") {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

// Agent0 on tabular players, both trained with GRPO on their batches.
// The executor knows six tasks whose answer is "1": two easy (p(1) =
// 0.9), two medium (p(1) = 0.45, the rest spread over "2", "3", "4") and
// two hard (uniform). Trained on the in-band tasks against its majority
// answer, its accuracy on the medium tasks rises; the proposer, rewarded
// by the executor's uncertainty, stops proposing the easy tasks.
func TestAgent0TrainsTabular(t *testing.T) {
	ctx := context.Background()
	names := []string{"easy0", "easy1", "mid0", "mid1", "hard0", "hard1"}
	var proposals []string
	for _, n := range names {
		proposals = append(proposals, "<question>"+n+"</question>")
	}
	proposer, err := tabular.New([]string{DefaultAgent0Instruction}, proposals)
	if err != nil {
		t.Fatal(err)
	}
	executor, err := tabular.New(names, []string{"1", "2", "3", "4"})
	if err != nil {
		t.Fatal(err)
	}
	easy, mid := math.Log(0.9/(0.1/3)), math.Log(0.45/(0.55/3))
	executor.Logits[0][0], executor.Logits[1][0], executor.Logits[2][0], executor.Logits[3][0] = easy, easy, mid, mid
	accuracy := func() float64 { return (executor.Probs(2)[0] + executor.Probs(3)[0]) / 2 }
	easyShare := func() float64 { p := proposer.Probs(0); return p[0] + p[1] }
	accBefore, easyBefore := accuracy(), easyShare()

	g := &Agent0{Proposer: proposer, Executor: executor, Penalty: 1, Seed: 7}
	train := map[string]*policy.Trainer{
		"proposer": {Model: proposer, Ref: proposer.Clone(), Loss: policy.GRPO(), Advantage: policy.GroupNorm{}},
		"executor": {Model: executor, Ref: executor.Clone(), Loss: policy.GRPO(), Advantage: policy.GroupNorm{}},
	}
	for range 40 {
		r, err := g.Round(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range []Batch{r.Proposer, r.Executor} {
			if b.Len() == 0 {
				continue
			}
			ro, err := b.Rollouts()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := train[b.Role].Step(ro); err != nil {
				t.Fatal(err)
			}
		}
	}
	accAfter, easyAfter := accuracy(), easyShare()
	t.Logf("executor accuracy on the medium tasks %.3f → %.3f; proposer's share of easy tasks %.3f → %.3f",
		accBefore, accAfter, easyBefore, easyAfter)
	if accAfter < accBefore+0.2 || easyAfter > easyBefore/2 {
		t.Errorf("accuracy %.3f → %.3f, easy share %.3f → %.3f", accBefore, accAfter, easyBefore, easyAfter)
	}
}
