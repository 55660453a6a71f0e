package llama

import (
	"context"
	"errors"
	"fmt"

	"github.com/evolve-go/evolve/policy"
)

// Generate implements policy.Generator: it encodes every prompt with BOS
// first (Tokenizer.Encode(prompt, true, false); an empty prompt is BOS
// alone), samples req.N continuations of each in one batch, and returns
// them grouped by prompt.
//
// Request fields map to SampleOptions: N 0 means 1; MaxTokens 0 means
// Sampler.DefaultMaxTokens or DefaultMaxTokens (256); Temperature 0 means
// 1 and Greedy asks for argmax decoding; TopP 0 means 1; TopK 0 is off;
// Stop strings cut the text. The
// random stream of completion j of prompt i is rand.NewPCG(Seed, i*N+j),
// so results are reproducible from the seed. Completion.LogProbs are the
// policy's log-probabilities at temperature 1 before truncation (see
// Generation.LogProbs); Completion.Tokens include a final BOS/EOS when the
// model ended the sequence; Completion.PromptTokens is the encoded prompt
// (shared by the completions of a prompt), so that policy.NewRollouts can
// lay them out for training.
func (s *Sampler) Generate(ctx context.Context, req policy.GenerateRequest) ([][]policy.Completion, error) {
	if s.Tokenizer == nil {
		return nil, errors.New("llama: Generate needs Sampler.Tokenizer")
	}
	n := req.N
	if n < 0 {
		return nil, fmt.Errorf("llama: GenerateRequest.N = %d, want ≥ 0", n)
	}
	if n == 0 {
		n = 1
	}
	prompts := make([][]int, 0, len(req.Prompts)*n)
	for i, p := range req.Prompts {
		toks, err := s.Tokenizer.Encode(p, true, false)
		if err != nil {
			return nil, fmt.Errorf("llama: GenerateRequest.Prompts[%d]: %w", i, err)
		}
		for range n {
			prompts = append(prompts, toks)
		}
	}
	gens, err := s.Sample(ctx, prompts, SampleOptions{
		MaxTokens:   req.MaxTokens,
		Temperature: req.Temperature,
		Greedy:      req.Greedy,
		TopP:        req.TopP,
		TopK:        req.TopK,
		Seed:        req.Seed,
		Stop:        req.Stop,
	})
	if err != nil {
		return nil, err
	}
	out := make([][]policy.Completion, len(req.Prompts))
	for i := range out {
		out[i] = make([]policy.Completion, n)
		for j := range n {
			g := &gens[i*n+j]
			out[i][j] = policy.Completion{
				Prompt:       i,
				PromptTokens: prompts[i*n],
				Text:         g.Text,
				Tokens:       g.Tokens,
				LogProbs:     g.LogProbs,
				FinishReason: g.FinishReason,
			}
		}
	}
	return out, nil
}

var _ policy.Generator = (*Sampler)(nil)
