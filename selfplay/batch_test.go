package selfplay

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/policy"
)

func completions(texts ...string) []policy.Completion {
	out := make([]policy.Completion, len(texts))
	for i, t := range texts {
		out[i] = policy.Completion{Text: t, PromptTokens: []int{1}, Tokens: []int{2 + i}, LogProbs: []float64{-1}}
	}
	return out
}

func TestBatch(t *testing.T) {
	groups := [][]policy.Completion{completions("a", "b", "c"), completions("d", "e")}
	groups[1][0].Prompt, groups[1][1].Prompt = 1, 1
	b, err := newBatch("solver", []string{"p", "q"}, groups, []float64{0.2, 1, 0, 0.5, 0.5})
	if err != nil {
		t.Fatal(err)
	}
	// Group 0: best row 1, worst row 2; group 1 ties: no pair.
	if want := []policy.Pair{{Chosen: 1, Rejected: 2}}; !reflect.DeepEqual(b.Pairs, want) {
		t.Errorf("Pairs = %v, want %v", b.Pairs, want)
	}
	r, err := b.Rollouts()
	if err != nil {
		t.Fatal(err)
	}
	if r.B != 5 || !reflect.DeepEqual(r.Groups, []int{0, 0, 0, 1, 1}) || !reflect.DeepEqual(r.Rewards, b.Rewards) || !reflect.DeepEqual(r.Pairs, b.Pairs) {
		t.Errorf("Rollouts: %+v", r)
	}
	b.Rewards = b.Rewards[:4]
	if _, err := b.Rollouts(); err == nil || !strings.Contains(err.Error(), "4 rewards for 5 completions") {
		t.Errorf("short rewards: %v", err)
	}
}

func TestGenerateErrors(t *testing.T) {
	ctx := context.Background()
	short := policy.GeneratorFunc(func(context.Context, policy.GenerateRequest) ([][]policy.Completion, error) {
		return [][]policy.Completion{completions("x")}, nil
	})
	_, err := generate(ctx, "eva", "solver", 3, short, policy.GenerateRequest{Prompts: []string{"p"}, N: 2})
	var re *RoundError
	if !errors.As(err, &re) || re.Game != "eva" || re.Role != "solver" || re.Round != 3 || !strings.Contains(err.Error(), "1 completions of prompt 0, want 2") {
		t.Errorf("short group: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := generate(cctx, "eva", "creator", 1, short, policy.GenerateRequest{Prompts: []string{"p"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if _, err := generate(ctx, "eva", "creator", 1, nil, policy.GenerateRequest{}); err == nil {
		t.Error("nil player: no error")
	}
	if m := nanMean([]float64{1, math.NaN(), 3}); m != 2 {
		t.Errorf("nanMean = %v", m)
	}
}
