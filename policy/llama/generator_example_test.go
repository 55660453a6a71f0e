package llama_test

import (
	"context"
	"fmt"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/llama"
	"github.com/evolve-go/evolve/policy/llama/stories260k"
)

// The built-in stories260K model as a policy.Generator: greedy decoding of
// a prompt.
func ExampleSampler_Generate() {
	m, err := llama.LoadBytes(stories260k.Checkpoint)
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, err := llama.LoadTokenizerBytes(stories260k.Tokenizer)
	if err != nil {
		fmt.Println(err)
		return
	}
	var g policy.Generator = llama.NewSampler(m, tok)
	out, err := g.Generate(context.Background(), policy.GenerateRequest{
		Prompts:   []string{"Once upon a time"},
		MaxTokens: 12,
		Greedy:    true,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	c := out[0][0]
	fmt.Printf("%q %s %d tokens\n", c.Text, c.FinishReason, len(c.Tokens))
	// Output: ", there was a little girl named Lily. She" length 12 tokens
}

// Sampling with temperature and nucleus truncation, reproducible from a
// seed; LogProbs are the policy's log-probabilities of the drawn tokens.
func ExampleSampler_Sample() {
	m, _ := llama.LoadBytes(stories260k.Checkpoint)
	tok, _ := llama.LoadTokenizerBytes(stories260k.Tokenizer)
	s := llama.NewSampler(m, tok)
	prompt, _ := tok.Encode("The cat", true, false)
	opt := llama.SampleOptions{MaxTokens: 16, Temperature: 0.8, TopP: 0.9, Seed: 7}
	a, _ := s.Sample(context.Background(), [][]int{prompt, prompt}, opt)
	b, _ := s.Sample(context.Background(), [][]int{prompt, prompt}, opt)
	fmt.Println(a[0].Text == b[0].Text, a[1].Text == b[1].Text, len(a[0].LogProbs) == len(a[0].Tokens))
	// Output: true true true
}

// Encoding as llama2.c does (BOS, dummy-prefix space, merges) and decoding
// back.
func ExampleTokenizer_Encode() {
	tok, err := llama.LoadTokenizerBytes(stories260k.Tokenizer)
	if err != nil {
		fmt.Println(err)
		return
	}
	ids, _ := tok.Encode("Once upon a time", true, false)
	text, _ := tok.Decode(ids)
	fmt.Println(ids)
	fmt.Printf("%q\n", text)
	// Output:
	// [1 403 407 261 378]
	// "Once upon a time"
}
