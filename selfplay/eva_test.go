package selfplay

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"text/template"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/reward"
)

// The solver answers prompt p with "p#j"; the reward of "p#j" is
// rewards[p][j]. The creator continues a parent p with "+c<j>".
func evaPlayers(rewards map[string][]float64) (solver, creator policy.Generator, r reward.Reward) {
	solver = policy.GeneratorFunc(func(_ context.Context, req policy.GenerateRequest) ([][]policy.Completion, error) {
		out := make([][]policy.Completion, len(req.Prompts))
		for i, p := range req.Prompts {
			for j := range req.N {
				out[i] = append(out[i], policy.Completion{Prompt: i, Text: fmt.Sprintf("%s#%d", p, j)})
			}
		}
		return out, nil
	})
	creator = policy.GeneratorFunc(func(_ context.Context, req policy.GenerateRequest) ([][]policy.Completion, error) {
		out := make([][]policy.Completion, len(req.Prompts))
		for i := range req.Prompts {
			for j := range req.N {
				out[i] = append(out[i], policy.Completion{Prompt: i, Text: fmt.Sprintf("+c%d", j)})
			}
		}
		return out, nil
	})
	r = reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		p, j, _ := strings.Cut(s.Completion, "#")
		v, ok := rewards[p]
		if !ok {
			return 0, nil
		}
		return v[int(j[0]-'0')], nil
	})
	return solver, creator, r
}

func TestEvaRound(t *testing.T) {
	rewards := map[string][]float64{
		"a": {0, 0, 0, 0},       // informativeness 0
		"b": {0, 1, 0, 1},       // 1
		"c": {0.2, 0.4, 0.3, 0}, // 0.4
		"d": {1, 1, 1, 1},       // 0
	}
	solver, creator, r := evaPlayers(rewards)
	e := &Eva{Creator: creator, Solver: solver, Reward: r, Seeds: []string{"a", "b", "c", "d"},
		Keep: 0.5, Children: 2, Template: template.Must(template.New("").Parse("{{.}}")),
		Mutate: func(parent, reply string) string { return parent + reply }}
	got, err := e.Round(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{0, 1, 0.4, 0}; !reflect.DeepEqual(got.Info, want) {
		t.Errorf("informativeness %v, want %v", got.Info, want)
	}
	if want := []string{"b", "c"}; !reflect.DeepEqual(got.Parents, want) {
		t.Errorf("parents %v, want the two most informative %v", got.Parents, want)
	}
	if want := []string{"b+c0", "b+c1", "c+c0", "c+c1"}; !reflect.DeepEqual(got.Evolved, want) {
		t.Errorf("evolved %v, want %v", got.Evolved, want)
	}
	// Replay 0.5 of 4: two evolved prompts and two from the buffer.
	if len(got.Next) != 4 || !reflect.DeepEqual(got.Next[:2], []string{"b+c0", "b+c1"}) {
		t.Errorf("next %v", got.Next)
	}
	for _, p := range got.Next[2:] {
		if !slices.Contains(e.Seeds, p) {
			t.Errorf("replayed %q is not in the buffer", p)
		}
	}
	if got.MeanReward != (0+2+0.9+4)/16.0 || len(got.Solver.Pairs) != 2 {
		t.Errorf("mean reward %v, pairs %v", got.MeanReward, got.Solver.Pairs)
	}
	// The buffer keeps the most informative first.
	st := e.State()
	if st.Round != 1 || st.Buffer[0].Prompt != "b" || st.Buffer[1].Prompt != "c" || !reflect.DeepEqual(st.Prompts, got.Next) {
		t.Errorf("state %+v", st)
	}
}

func TestEvaInformativeness(t *testing.T) {
	v := []float64{1, 3, math.NaN(), 2}
	for k, want := range map[Informativeness]float64{MaxMinusMin: 2, MaxMinusMean: 1, RewardVariance: 2.0 / 3} {
		if got := k.of(v); math.Abs(got-want) > 1e-15 {
			t.Errorf("%d: %v, want %v", k, got, want)
		}
	}
	if got := MaxMinusMin.of([]float64{math.NaN(), 5}); got != 0 {
		t.Errorf("one reward: %v, want 0", got)
	}
	// The buffer's capacity keeps the most informative; a prompt seen again
	// takes its latest value.
	buf := keepBuffer([]ScoredPrompt{{"x", 0.5}, {"y", 0.1}}, []string{"z", "y"}, []float64{0.3, 0.9}, 2)
	if want := []ScoredPrompt{{"y", 0.9}, {"x", 0.5}}; !reflect.DeepEqual(buf, want) {
		t.Errorf("buffer %v, want %v", buf, want)
	}
}

// A game saved after two rounds and restored plays the same third round
// as the uninterrupted one; a failed or cancelled round leaves the state.
func TestEvaStateAndErrors(t *testing.T) {
	rewards := map[string][]float64{"a": {0, 1, 0, 1}, "b": {1, 0, 0, 0}, "c": {0, 0, 0, 0}}
	solver, creator, r := evaPlayers(rewards)
	newGame := func() *Eva {
		return &Eva{Creator: creator, Solver: solver, Reward: r, Seeds: []string{"a", "b", "c"}, Seed: 9, BufferSize: 5}
	}
	ctx := context.Background()
	g := newGame()
	checkRestore(t, g, newGame(), 2, func(g *Eva) (any, error) { return g.Round(ctx) })
	if n := g.State().Round; n != 3 {
		t.Fatalf("%d rounds played, want 3", n)
	}
	before := g.State()
	bad := *g
	bad.Creator = policy.GeneratorFunc(func(context.Context, policy.GenerateRequest) ([][]policy.Completion, error) {
		return nil, errors.New("creator down")
	})
	_, err := bad.Round(ctx)
	var re *RoundError
	if !errors.As(err, &re) || re.Role != "creator" || re.Round != 4 {
		t.Errorf("creator failure: %v", err)
	}
	if after := bad.State(); !reflect.DeepEqual(after, before) {
		t.Errorf("a failed round changed the state:\n%+v\n%+v", before, after)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := g.Round(cctx); !errors.Is(err, context.Canceled) || !reflect.DeepEqual(g.State(), before) {
		t.Errorf("cancelled round: %v", err)
	}
	for _, e := range []*Eva{{Solver: solver, Creator: creator, Reward: r}, {Solver: solver, Creator: creator, Reward: r, Seeds: []string{"a"}, Keep: 2}} {
		if _, err := e.Round(ctx); err == nil {
			t.Errorf("%+v: no error", e)
		}
	}
}
