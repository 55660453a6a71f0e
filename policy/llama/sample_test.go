package llama

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/policy/llama/stories260k"
)

func loadStories(t testing.TB) (*Model, *Tokenizer) {
	t.Helper()
	m, err := LoadBytes(stories260k.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	return m, loadTokenizer(t)
}

// goldenGreedy holds the greedy continuations (20 tokens, llama2.c's
// argmax) of the golden case's texts (testdata/golden/llama_stories260K.json).
var goldenGreedy = []struct {
	prompt []int
	next   []int
}{
	{[]int{1, 403, 407, 261, 378}, []int{432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 410, 408, 419, 292}},
	{[]int{1, 317, 269, 274, 287, 263, 377, 267, 265, 282, 295, 433, 426}, []int{342, 394, 261, 370, 268, 414, 444, 335, 261, 370, 268, 414, 444, 426, 342, 391, 266, 267, 337, 335}},
	{[]int{1, 291, 280, 294, 262, 294, 353, 265, 284, 294, 426, 359, 413, 286, 393, 443}, []int{291, 280, 294, 286, 399, 393, 426, 291, 280, 294, 286, 399, 393, 426, 291, 280, 294, 286, 399, 393}},
}

func TestSampleGreedyGolden(t *testing.T) {
	m, tok := loadStories(t)
	var prompts [][]int
	for _, g := range goldenGreedy {
		prompts = append(prompts, g.prompt)
	}
	for _, workers := range []int{1, 2, 3} {
		s := &Sampler{Model: m, Tokenizer: tok, Workers: workers}
		gens, err := s.Sample(context.Background(), prompts, SampleOptions{MaxTokens: 20, Greedy: true, NoStopAtEOS: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, g := range goldenGreedy {
			if !slices.Equal(gens[i].Tokens, g.next) {
				t.Errorf("workers %d, prompt %d: greedy tokens %v, want %v", workers, i, gens[i].Tokens, g.next)
			}
			if gens[i].FinishReason != "length" {
				t.Errorf("FinishReason = %q, want length", gens[i].FinishReason)
			}
		}
	}
}

// greedyOnce is the greedy (argmax) continuation of "Once upon a time",
// as package stories260k documents it.
const greedyOnce = ", there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high."

func TestSampleGreedyOnce(t *testing.T) {
	m, tok := loadStories(t)
	s := NewSampler(m, tok)
	p, _ := tok.Encode("Once upon a time", true, false)
	gens, err := s.Sample(context.Background(), [][]int{p}, SampleOptions{MaxTokens: 200, Greedy: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(gens[0].Text, greedyOnce) {
		t.Errorf("greedy continuation %q, want it to start with %q", gens[0].Text, greedyOnce)
	}
	t.Logf("%q %s", gens[0].Text, gens[0].FinishReason)
	for _, lp := range gens[0].LogProbs {
		if !(lp <= 0) || math.IsInf(lp, 0) {
			t.Fatalf("log-prob %v", lp)
		}
	}
}
