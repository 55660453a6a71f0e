package selfplay

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/reward"
)

// scripted returns a generator whose completion j of prompt i is
// "<tag> <i> <j>".
func scripted(tag string) policy.Generator {
	return policy.GeneratorFunc(func(_ context.Context, req policy.GenerateRequest) ([][]policy.Completion, error) {
		out := make([][]policy.Completion, len(req.Prompts))
		for i := range out {
			for j := range max(req.N, 1) {
				out[i] = append(out[i], policy.Completion{Prompt: i, Text: fmt.Sprintf("%s %d %d", tag, i, j), PromptTokens: []int{1}, Tokens: []int{2}})
			}
		}
		return out, nil
	})
}

// tableJudge scores "<tag> i j" by table[tag][i][j].
func tableJudge(table map[string][][]float64) reward.Func {
	return func(_ context.Context, s reward.Sample) (float64, error) {
		f := strings.Fields(s.Completion)
		i, _ := strconv.Atoi(f[1])
		j, _ := strconv.Atoi(f[2])
		return table[f[0]][i][j], nil
	}
}

func TestSelfRewardingPairs(t *testing.T) {
	table := map[string][][]float64{
		"policy": {{3, 1, 4, 1}, {2, 2, 2, 2}, {0, 5, 3, 2}},
		"anchor": {{2, 0, 2, 2}, {1, 2, 2, 2}, {4, 4, 4, 4}},
		"future": {{5, 0, 0, 0}, {2, 2, 2, 2}, {1, 1, 1, 1}},
	}
	ctx := context.Background()
	prompts := []string{"p0", "p1", "p2"}
	plain := &SelfRewarding{Policy: scripted("policy"), Judge: tableJudge(table)}
	r, err := plain.Round(ctx, prompts)
	if err != nil {
		t.Fatal(err)
	}
	// Best vs worst of the policy's own: prompt 0 rows 2 (4) and 1 (1);
	// prompt 1 ties (no pair); prompt 2 rows 9 (5) and 8 (0).
	if want := []policy.Pair{{Chosen: 2, Rejected: 1}, {Chosen: 9, Rejected: 8}}; !reflect.DeepEqual(r.Batch.Pairs, want) {
		t.Errorf("plain pairs %v, want %v", r.Batch.Pairs, want)
	}
	if r.MeanScore != (3+1+4+1+8+0+5+3+2)/12.0 || r.Round != 1 || r.Smoothing != nil || !math.IsNaN(r.Consistency) {
		t.Errorf("plain round %+v", r)
	}
	temporal := &SelfRewarding{Policy: scripted("policy"), Anchor: scripted("anchor"), Future: scripted("future"), Judge: tableJudge(table)}
	r, err = temporal.Round(ctx, prompts)
	if err != nil {
		t.Fatal(err)
	}
	// Groups of 12 rows: policy 0–3, anchor 4–7, future 8–11.
	// Prompt 0: chosen future row 8 (5 > 4), rejected anchor row 5 (0 < 1).
	// Prompt 1: policy all 2, anchor's 1 at row 16; future no better: (12, 16).
	// Prompt 2: anchor no lower than 0, future no higher than 5: (25, 24).
	if want := []policy.Pair{{Chosen: 8, Rejected: 5}, {Chosen: 12, Rejected: 16}, {Chosen: 25, Rejected: 24}}; !reflect.DeepEqual(r.Batch.Pairs, want) {
		t.Errorf("temporal pairs %v, want %v", r.Batch.Pairs, want)
	}
	for k, v := range r.Batch.Rewards {
		if own := k%12 < 4; own == math.IsNaN(v) || own && v != r.Scores[k] {
			t.Fatalf("reward of row %d = %v (score %v): want the score on the policy's rows and NaN on the others", k, v, r.Scores[k])
		}
	}
}

// CREAM: a previous judge that ranks like the current one gives ε = 0,
// one that ranks the other way ε = 1, one that scores everything alike
// ε = 0.5.
func TestSelfRewardingCREAM(t *testing.T) {
	cur := map[string][][]float64{"policy": {{1, 2, 3, 4}, {4, 3, 2, 1}, {1, 2, 3, 4}}}
	prev := map[string][][]float64{"policy": {{10, 20, 30, 40}, {1, 2, 3, 4}, {7, 7, 7, 7}}}
	g := &SelfRewarding{Policy: scripted("policy"), Judge: tableJudge(cur), PrevJudge: tableJudge(prev)}
	r, err := g.Round(context.Background(), []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{0, 1, 0.5}; !reflect.DeepEqual(r.Smoothing, want) {
		t.Errorf("smoothing %v, want %v", r.Smoothing, want)
	}
	if r.Consistency != 0.5 {
		t.Errorf("consistency %v, want mean C = (1 + 0 + 0.5)/3", r.Consistency)
	}
}

func TestSelfRewardingErrorsAndState(t *testing.T) {
	ctx := context.Background()
	bad := reward.Func(func(context.Context, reward.Sample) (float64, error) { return 0, errors.New("judge down") })
	g := &SelfRewarding{Policy: scripted("policy"), Judge: bad}
	_, err := g.Round(ctx, []string{"a"})
	var re *RoundError
	if !errors.As(err, &re) || re.Role != "judge" || re.Round != 1 || re.Game != "self-rewarding" {
		t.Fatalf("judge failure: %v", err)
	}
	if g.State().Round != 0 {
		t.Error("a failed round advanced the state")
	}
	g = &SelfRewarding{Policy: scripted("policy"), Anchor: policy.GeneratorFunc(func(context.Context, policy.GenerateRequest) ([][]policy.Completion, error) {
		return nil, errors.New("no anchor")
	}), Judge: tableJudge(nil)}
	if _, err := g.Round(ctx, []string{"a"}); !errors.As(err, &re) || re.Role != "anchor" {
		t.Errorf("anchor failure: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	g = &SelfRewarding{Policy: scripted("policy"), Judge: tableJudge(nil)}
	if _, err := g.Round(cctx, []string{"a"}); !errors.Is(err, context.Canceled) || g.State().Round != 0 {
		t.Errorf("cancelled: %v, state %+v", err, g.State())
	}
	// State survives JSON.
	table := map[string][][]float64{"policy": {{1, 2, 3, 4}}}
	newGame := func() *SelfRewarding { return &SelfRewarding{Policy: scripted("policy"), Judge: tableJudge(table)} }
	g = newGame()
	checkRestore(t, g, newGame(), 2, func(g *SelfRewarding) (any, error) { return g.Round(ctx, []string{"a"}) })
	if n := g.State().Round; n != 3 {
		t.Errorf("%d rounds played, want 3", n)
	}
}
