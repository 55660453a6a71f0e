package golden

import (
	"context"
	"slices"
	"testing"

	"github.com/evolve-go/evolve/policy/llama"
)

// The llama checks that need the tokenizer and the sampler: the case's
// texts encode (with BOS, no EOS) to expect.encode_with_bos, and greedy
// decoding after each case's tokens gives its greedy_next20 — both exactly.
func init() { llamaChecks = append(llamaChecks, checkLlamaEncode, checkLlamaGreedy) }

func checkLlamaEncode(t *testing.T, c *Case, _ *llama.Model) {
	tok, err := llama.LoadTokenizerBytes(llamaFile(t, c, "tokenizer"))
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	if _, err := Decode(c.Inputs, "texts", &texts, false); err != nil {
		t.Fatal(err)
	}
	var want [][]int
	if _, err := Decode(c.Expect, "encode_with_bos", &want, false); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(texts) {
		t.Fatalf("encode_with_bos has %d entries for %d texts", len(want), len(texts))
	}
	for i, s := range texts {
		got, err := tok.Encode(s, true, false)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want[i]) {
			t.Errorf("encode_with_bos[%d] (%q) = %v, want %v", i, s, got, want[i])
		}
	}
}

func checkLlamaGreedy(t *testing.T, c *Case, m *llama.Model) {
	var cases []struct {
		Tokens []int `json:"tokens"`
		Next   []int `json:"greedy_next20"`
	}
	if _, err := Decode(c.Expect, "cases", &cases, false); err != nil {
		t.Fatal(err)
	}
	prompts := make([][]int, len(cases))
	for i, cs := range cases {
		prompts[i] = cs.Tokens
	}
	// Greedy decoding does not stop at BOS/EOS here: the reference is
	// plain argmax, 20 times.
	s := llama.NewSampler(m, nil)
	gens, err := s.Sample(context.Background(), prompts, llama.SampleOptions{MaxTokens: 20, Greedy: true, NoStopAtEOS: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, cs := range cases {
		if !slices.Equal(gens[i].Tokens, cs.Next) {
			t.Errorf("cases[%d].greedy_next20 = %v, want %v", i, gens[i].Tokens, cs.Next)
		}
	}
}
