package reward

import (
	"context"
	"testing"

	"github.com/evolve-go/evolve/policy"
)

func TestGeneratorCompleter(t *testing.T) {
	var got policy.GenerateRequest
	gen := policy.GeneratorFunc(func(_ context.Context, req policy.GenerateRequest) ([][]policy.Completion, error) {
		got = req
		return [][]policy.Completion{{{Text: "Score: 4"}}}, nil
	})
	c := GeneratorCompleter{Generator: gen, Request: policy.GenerateRequest{Prompts: []string{"ignored"}, N: 7, Greedy: true, MaxTokens: 9}}
	reply, err := c.Complete(context.Background(), "rate this")
	if err != nil || reply != "Score: 4" {
		t.Fatalf("Complete = %q, %v", reply, err)
	}
	if len(got.Prompts) != 1 || got.Prompts[0] != "rate this" || got.N != 1 || !got.Greedy || got.MaxTokens != 9 {
		t.Errorf("request %+v", got)
	}
	bad := policy.GeneratorFunc(func(context.Context, policy.GenerateRequest) ([][]policy.Completion, error) { return nil, nil })
	if _, err := (GeneratorCompleter{Generator: bad}).Complete(context.Background(), "x"); err == nil {
		t.Error("no completion: no error")
	}
	if _, err := (GeneratorCompleter{}).Complete(context.Background(), "x"); err == nil {
		t.Error("nil generator: no error")
	}
}
