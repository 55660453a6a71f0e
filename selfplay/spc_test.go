package selfplay

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/reward"
)

// section returns the text under a "## name" heading of a prompt, up to
// the next blank line.
func section(prompt, name string) string {
	_, after, ok := strings.Cut(prompt, "## "+name+"\n")
	if !ok {
		return ""
	}
	text, _, _ := strings.Cut(after, "\n\n")
	return strings.TrimSpace(text)
}

// The sneaky generator's four rewrites of a step: an error the critic
// catches, an error that fools it, the step unchanged, and a harmless
// paraphrase.
var sneakyRewrites = []string{"ERR-caught %s", "ERR-sly %s", "%s", "OK-paraphrase %s"}

func spcSneaky() policy.GeneratorFunc {
	return script(func(p string, j int, _ uint64) string {
		return " " + fmt.Sprintf(sneakyRewrites[j%4], section(p, "Last Step")) + "\n"
	})
}

// spcCritic judges a step by its tag; an original step's second critique
// has no verdict.
func spcCritic() policy.GeneratorFunc {
	return script(func(p string, j int, _ uint64) string {
		step := section(p, "Last Step")
		switch {
		case strings.HasPrefix(step, "ERR-caught"):
			return []string{"wrong sum. <Answer>Incorrect</Answer>", "<Answer>Correct</Answer>? no: <answer> incorrect </answer>"}[j]
		case strings.HasPrefix(step, "ERR-sly"):
			return "looks fine <Answer>Correct</Answer>"
		}
		return []string{"<Answer>Correct</Answer>", "I am not sure."}[j]
	})
}

// stepChecker is a verifier without a solver: a partial solution is still
// right unless it has an error tag; problems named "hard" are never
// solved; "skip" steps are not applicable.
func stepChecker() reward.Func {
	return func(_ context.Context, s reward.Sample) (float64, error) {
		switch {
		case strings.Contains(s.Completion, "skip"):
			return 0, reward.ErrSkip
		case s.Prompt == "hard" || strings.Contains(s.Completion, "ERR"):
			return 0, nil
		}
		return 1, nil
	}
}

func spcGameOf(solutions ...Solution) *SPC {
	return &SPC{Sneaky: spcSneaky(), Critic: spcCritic(), Verifier: stepChecker(), Solutions: solutions, N: 4, Critiques: 2}
}

var (
	twoSteps = Solution{Problem: "p0", Steps: []string{"x = 2", "y = x + 1"}, Answer: "3"}
	oneStep  = Solution{Problem: "p1", Steps: []string{"z = 5"}, Answer: "5"}
)

// Every outcome of the game by hand: a caught error, an error that fools
// the critic, an unchanged step, a harmless rewrite, and the original
// step judged right once and without a verdict once.
func TestSPCRewards(t *testing.T) {
	g := spcGameOf(twoSteps, oneStep)
	r, err := g.Round(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Steps) != 10 || r.Sneaky.Len() != 8 || r.Critic.Len() != 12 {
		t.Fatalf("%d steps, %d sneaky rows, %d critiques", len(r.Steps), r.Sneaky.Len(), r.Critic.Len())
	}
	for i := range 2 {
		o := r.Steps[i*5]
		sol := g.Solutions[o.Solution]
		if o.Sneaky || o.Text != sol.Steps[o.Index] || o.Rate != 1 || !o.Valid || o.Critic != 3*i || o.Detected != 0 || !math.IsNaN(o.Reward) {
			t.Errorf("original step %d: %+v", i, o)
		}
		want := []struct {
			rate     float64
			valid    bool
			critic   int
			detected float64
			reward   float64
		}{{0, true, 3*i + 1, 1, -1}, {0, true, 3*i + 2, 0, 1}, {math.NaN(), false, -1, math.NaN(), -1}, {1, false, -1, math.NaN(), -1}}
		for j, w := range want {
			s := r.Steps[i*5+1+j]
			if s.Text != fmt.Sprintf(sneakyRewrites[j], o.Text) || s.Row != 4*i+j || !same(s.Rate, w.rate) || s.Valid != w.valid ||
				s.Critic != w.critic || !same(s.Detected, w.detected) || s.Reward != w.reward || r.Sneaky.Rewards[s.Row] != w.reward {
				t.Errorf("solution %d, sneaky step %d: %+v, want %+v", i, j, s, w)
			}
		}
	}
	if want := []float64{1, -1, 1, 1, -1, -1, 1, -1, 1, 1, -1, -1}; !reflect.DeepEqual(r.Critic.Rewards, want) {
		t.Errorf("critic rewards %v, want %v", r.Critic.Rewards, want)
	}
	// Zero-sum: a game's sneaky reward plus the mean of its critiques'.
	for _, s := range r.Steps {
		if s.Valid && s.Sneaky {
			if sum := s.Reward + nanMean(r.Critic.Rewards[2*s.Critic:2*s.Critic+2]); sum != 0 {
				t.Errorf("step %+v: rewards sum to %v", s, sum)
			}
		}
	}
	want := SPCStats{Games: 4, Invalid: 4, Detection: 0.5, Acceptance: 0.5, Unreadable: 2, MeanSneaky: -0.5, MeanCritic: 0}
	if r.Stats != want {
		t.Errorf("stats %+v, want %+v", r.Stats, want)
	}
	// The critic's prompt shows the problem, the partial solution and the
	// step; the first step's partial solution is the opening line.
	for gi, p := range r.Critic.Prompts {
		s := r.Steps[slicesIndex(r.Steps, gi)]
		sol := g.Solutions[s.Solution]
		partial := strings.Join(sol.Steps[:s.Index], "\n")
		if s.Index == 0 {
			partial = "Let's solve this problem."
		}
		if section(p, "Problem") != sol.Problem || section(p, "Partial Solution") != partial || section(p, "Last Step") != s.Text {
			t.Errorf("critic prompt %d:\n%s", gi, p)
		}
	}
}

// slicesIndex returns the step judged by critic group gi.
func slicesIndex(steps []SPCStep, gi int) int {
	for k, s := range steps {
		if s.Critic == gi {
			return k
		}
	}
	return -1
}

// An unsolved solution plays no game; a step the verifier skips is left
// out; SkipInvalid leaves out the steps that are no error; SkipOriginals
// the original steps.
func TestSPCLeftOut(t *testing.T) {
	g := spcGameOf(Solution{Problem: "hard", Steps: []string{"a"}, Answer: "1"})
	r, err := g.Round(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range r.Sneaky.Rewards {
		if !math.IsNaN(x) {
			t.Errorf("unsolved: sneaky rewards %v", r.Sneaky.Rewards)
		}
	}
	if r.Stats.Unsolved != 1 || r.Stats.Games != 0 || r.Stats.Invalid != 0 || r.Critic.Len() != 2 || r.Steps[0].Rate != 0 || r.Steps[0].Valid {
		t.Errorf("unsolved: %+v, %d critiques, original %+v", r.Stats, r.Critic.Len(), r.Steps[0])
	}

	g = spcGameOf(oneStep)
	g.Sneaky = script(func(p string, j int, _ uint64) string {
		return []string{"skip it", "ERR-caught z = 6", "z = 5", "OK-paraphrase z = 5"}[j]
	})
	g.SkipInvalid, g.SkipOriginals = true, true
	if r, err = g.Round(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []float64{math.NaN(), -1, math.NaN(), math.NaN()}
	for k, x := range r.Sneaky.Rewards {
		if !same(x, want[k]) {
			t.Errorf("sneaky rewards %v, want %v", r.Sneaky.Rewards, want)
			break
		}
	}
	if r.Critic.Len() != 2 || r.Stats.Games != 1 || r.Stats.Invalid != 2 || !math.IsNaN(r.Stats.Acceptance) || r.Stats.Detection != 1 {
		t.Errorf("critic rows %d, stats %+v", r.Critic.Len(), r.Stats)
	}
}

// With a Solver the success rate is the share of Rollouts completions from
// the step that the Verifier accepts; the thresholds decide.
func TestSPCSolverValidation(t *testing.T) {
	var seen atomic.Int32
	answers := map[string]string{"p0": "3", "p1": "5"}
	solver := script(func(p string, j int, _ uint64) string {
		lines := strings.Split(section(p, "Solution"), "\n")
		right := map[string]int{"ERR-caught": 0, "ERR-sly": 1, "OK-paraphrase": 4}[strings.Fields(lines[len(lines)-1])[0]]
		if !strings.HasPrefix(lines[len(lines)-1], "ERR") && !strings.HasPrefix(lines[len(lines)-1], "OK") {
			right = 3 // the original step
		}
		if j < right {
			return "so the answer is " + answers[section(p, "Problem")]
		}
		return "so the answer is 42"
	})
	verifier := reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		seen.Add(1)
		if !strings.Contains(s.Completion, "\nso the answer is ") {
			return 0, fmt.Errorf("sample %+v has no continuation", s)
		}
		if strings.HasSuffix(s.Completion, "answer is "+s.Label) {
			return 1, nil
		}
		return 0, nil
	})
	for _, tc := range []struct {
		sneakyMax float64
		valid     []bool // caught, sly, unchanged, paraphrase
	}{{0, []bool{true, false, false, false}}, {0.25, []bool{true, true, false, false}}} {
		g := spcGameOf(twoSteps, oneStep)
		g.Solver, g.Verifier, g.Rollouts, g.SneakyMax = solver, verifier, 4, tc.sneakyMax
		seen.Store(0)
		r, err := g.Round(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			if o := r.Steps[i*5]; o.Rate != 0.75 || !o.Valid {
				t.Errorf("original %+v", o)
			}
			for j, want := range tc.valid {
				if s := r.Steps[i*5+1+j]; s.Valid != want {
					t.Errorf("SneakyMax %v: step %q valid = %v (rate %v)", tc.sneakyMax, s.Text, s.Valid, s.Rate)
				}
			}
		}
		// 2 originals and 3 changed sneaky steps per solution, 4 rollouts each.
		if n := seen.Load(); n != 2*4*4 {
			t.Errorf("%d verifier calls, want 32", n)
		}
	}
}

func TestParseStepVerdict(t *testing.T) {
	for _, tc := range []struct {
		critique string
		correct  bool
		ok       bool
	}{
		{"<Answer>Correct</Answer>", true, true},
		{"step 2 is off. <Answer>Incorrect</Answer>", false, true},
		{"<answer> CORRECT </answer>", true, true},
		{"answer <Answer>Correct</Answer> or <Answer>Incorrect</Answer>; verdict: <Answer>Correct</Answer>", true, true},
		{"<Answer>Maybe</Answer>", false, false},
		{"Correct", false, false},
	} {
		c, err := ParseStepVerdict(tc.critique)
		if (err == nil) != tc.ok || err == nil && c != tc.correct || err != nil && !errors.Is(err, reward.ErrJudgeReply) {
			t.Errorf("ParseStepVerdict(%q) = %v, %v", tc.critique, c, err)
		}
	}
}

func TestSPCErrors(t *testing.T) {
	ctx := context.Background()
	fail := errors.New("boom")
	broken := policy.GeneratorFunc(func(context.Context, policy.GenerateRequest) ([][]policy.Completion, error) { return nil, fail })
	for _, tc := range []struct {
		name, role, msg string
		edit            func(g *SPC)
	}{
		{"sneaky fails", "sneaky", "boom", func(g *SPC) { g.Sneaky = broken }},
		{"critic fails", "critic", "boom", func(g *SPC) { g.Critic = broken }},
		{"solver fails", "solver", "boom", func(g *SPC) { g.Solver = broken }},
		{"nil critic", "critic", "the player is nil", func(g *SPC) { g.Critic = nil }},
		{"verifier fails", "verifier", "boom", func(g *SPC) {
			g.Verifier = reward.Func(func(context.Context, reward.Sample) (float64, error) { return 0, fail })
		}},
		{"nil verifier", "verifier", "nil", func(g *SPC) { g.Verifier = nil }},
	} {
		g := spcGameOf(twoSteps, oneStep)
		if _, err := g.Round(ctx); err != nil {
			t.Fatal(err)
		}
		tc.edit(g)
		_, err := g.Round(ctx)
		checkFailedRound(t, tc.name, g, err, "spc", tc.role, tc.msg)
	}
	for _, edit := range []func(g *SPC){
		func(g *SPC) { g.Solutions = nil },
		func(g *SPC) { g.Solutions = []Solution{{Problem: "p"}} },
		func(g *SPC) { g.Solutions = []Solution{{Problem: "p", Steps: []string{"a", " "}}} },
		func(g *SPC) { g.Size = 5 },
		func(g *SPC) { g.Rollouts = -1 },
		func(g *SPC) { g.OriginalMin = 1.5 },
		func(g *SPC) { g.SneakyMax = 1 },
		func(g *SPC) { g.SneakyMax = math.NaN() },
	} {
		g := spcGameOf(twoSteps, oneStep)
		edit(g)
		if _, err := g.Round(ctx); err == nil || !strings.HasPrefix(err.Error(), "selfplay: SPC.") {
			t.Errorf("config: %v", err)
		}
	}
	if err := new(SPC).Restore(SPCState{Round: -1}); err == nil {
		t.Error("negative round restored")
	}
}

// seededSPC's players follow their sampling seeds, and Size 2 of 3
// solutions makes the draws matter.
func seededSPC() *SPC {
	g := spcGameOf(twoSteps, oneStep, Solution{Problem: "p2", Steps: []string{"u = 1", "v = 2", "w = 3"}, Answer: "3"})
	g.Size, g.Seed = 2, 5
	g.Sneaky = script(func(p string, j int, seed uint64) string {
		return fmt.Sprintf(sneakyRewrites[(j+int(seed>>4))%4], section(p, "Last Step"))
	})
	return g
}

// A game restored from its JSON state plays the same next rounds as one
// never interrupted; a round cancelled during the critic's turn leaves
// the state as it was.
func TestSPCStateAndCancel(t *testing.T) {
	want := checkResume(t, seededSPC, func(g *SPC, cancel context.CancelFunc) {
		critic := g.Critic
		g.Critic = policy.GeneratorFunc(func(ctx context.Context, req policy.GenerateRequest) ([][]policy.Completion, error) {
			cancel()
			return critic.Generate(ctx, req)
		})
	})
	if fmt.Sprintf("%v", want[1].Steps) == fmt.Sprintf("%v", want[2].Steps) {
		t.Error("rounds 2 and 3 are alike: the test cannot tell them apart")
	}
}
