package openai

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/evolve-go/evolve/internal/parallel"
	"github.com/evolve-go/evolve/policy"
)

var _ policy.Generator = (*Client)(nil)

// Generate samples req.N completions of every prompt (policy.Generator).
//
// It sends one POST /completions per prompt (the llama.cpp server and
// Ollama take one prompt per request), with n = N, logprobs = 1, the
// request's max_tokens, temperature (1 when the request leaves it 0; 0,
// the servers' greedy decoding, only when it sets Greedy), top_p and
// top_k when positive, stop strings, and seed = Seed+i for prompt i
// (masked to 63 bits), so that repeated prompts draw different samples.
// With WithSplitN, for servers that ignore n, it sends N requests with
// n = 1 per prompt instead, sample j of prompt i seeded with Seed+i·N+j.
// At most WithConcurrency requests are in flight. The first failure
// cancels the rest and is returned.
//
// Each Completion gets Text, LogProbs (the sampled tokens' log-probs,
// NaN where the server sent null), Tokens when the server reports token
// ids (llama.cpp always, vLLM with WithTokenIDs; nil otherwise) and
// FinishReason normalised to "stop" or "length" (see NormalizeFinishReason).
// A reply with other than the requested number of choices is a
// *ChoiceCountError.
func (c *Client) Generate(ctx context.Context, req policy.GenerateRequest) ([][]policy.Completion, error) {
	if err := validateGenerate(req); err != nil {
		return nil, err
	}
	n := max(req.N, 1)
	out := make([][]policy.Completion, len(req.Prompts))
	if len(req.Prompts) == 0 {
		return out, nil
	}
	// A job asks for count completions of prompt i, stored from out[i][at].
	type job struct{ i, at, count int }
	jobs := make([]job, 0, len(req.Prompts))
	for i := range req.Prompts {
		out[i] = make([]policy.Completion, n)
		if c.splitN {
			for j := range n {
				jobs = append(jobs, job{i, j, 1})
			}
		} else {
			jobs = append(jobs, job{i, 0, n})
		}
	}
	err := parallel.Do(ctx, len(jobs), c.concurrency, func(ctx context.Context, k int) error {
		jb := jobs[k]
		seed := req.Seed + uint64(jb.i)
		if c.splitN {
			seed = req.Seed + uint64(jb.i)*uint64(n) + uint64(jb.at)
		}
		cs, err := c.generateOne(ctx, req, jb.i, jb.count, seed)
		if err != nil {
			return fmt.Errorf("openai: Generate: prompt %d: %w", jb.i, err)
		}
		copy(out[jb.i][jb.at:], cs)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("openai: Generate: %w", err)
	}
	return out, nil
}

func validateGenerate(req policy.GenerateRequest) error {
	switch {
	case req.N < 0:
		return fmt.Errorf("%w: GenerateRequest.N is %d", ErrInvalidRequest, req.N)
	case req.MaxTokens < 0:
		return fmt.Errorf("%w: GenerateRequest.MaxTokens is %d", ErrInvalidRequest, req.MaxTokens)
	case math.IsNaN(req.Temperature) || math.IsInf(req.Temperature, 0) || req.Temperature < 0:
		return fmt.Errorf("%w: GenerateRequest.Temperature is %v", ErrInvalidRequest, req.Temperature)
	case math.IsNaN(req.TopP) || req.TopP < 0 || req.TopP > 1:
		return fmt.Errorf("%w: GenerateRequest.TopP is %v", ErrInvalidRequest, req.TopP)
	case req.TopK < 0:
		return fmt.Errorf("%w: GenerateRequest.TopK is %d", ErrInvalidRequest, req.TopK)
	}
	return nil
}

func (c *Client) generateOne(ctx context.Context, req policy.GenerateRequest, i, n int, seed uint64) ([]policy.Completion, error) {
	cr := CompletionRequest{
		Prompt:                 req.Prompts[i],
		N:                      n,
		MaxTokens:              req.MaxTokens,
		Temperature:            Float(policy.DecodeTemperature(req.Temperature, req.Greedy)),
		Stop:                   req.Stop,
		Seed:                   Int64(int64(seed & math.MaxInt64)),
		LogProbs:               Int(1),
		ReturnTokensAsTokenIDs: c.tokenIDs,
	}
	if req.TopP > 0 {
		cr.TopP = Float(req.TopP)
	}
	if req.TopK > 0 {
		cr.TopK = Int(req.TopK)
	}
	resp, err := c.Completions(ctx, cr)
	if err != nil {
		return nil, err
	}
	return completionsFromChoices(resp.Choices, i, n)
}

// completionsFromChoices converts the n choices of prompt i, in index
// order when the indices are a permutation of 0..n-1 and in reply order
// otherwise.
func completionsFromChoices(choices []CompletionChoice, i, n int) ([]policy.Completion, error) {
	if len(choices) != n {
		return nil, &ChoiceCountError{Endpoint: "/completions", Want: n, Got: len(choices)}
	}
	order := make([]int, n)
	seen := make([]bool, n)
	perm := true
	for k, ch := range choices {
		order[k] = k
		if ch.Index < 0 || ch.Index >= n || seen[ch.Index] {
			perm = false
			continue
		}
		seen[ch.Index] = true
	}
	if perm {
		sort.Slice(order, func(a, b int) bool { return choices[order[a]].Index < choices[order[b]].Index })
	}
	out := make([]policy.Completion, n)
	for k, idx := range order {
		ch := choices[idx]
		logp, toks := tokenData(ch.LogProbs)
		out[k] = policy.Completion{
			Prompt:       i,
			Text:         ch.Text,
			Tokens:       toks,
			LogProbs:     logp,
			FinishReason: NormalizeFinishReason(ch.FinishReason),
		}
	}
	return out, nil
}

// tokenData extracts the sampled tokens' log-probs and, where the server
// reports them, their ids.
func tokenData(lp *CompletionLogProbs) (logp []float64, ids []int) {
	if lp == nil {
		return nil, nil
	}
	if len(lp.TokenLogProbs) == 0 && len(lp.Content) > 0 {
		logp = make([]float64, len(lp.Content))
		ids = make([]int, len(lp.Content))
		for k, t := range lp.Content {
			logp[k] = t.LogProb
			if t.ID == nil {
				ids = nil
			} else if ids != nil {
				ids[k] = *t.ID
			}
		}
		return logp, ids
	}
	if len(lp.TokenLogProbs) > 0 {
		logp = make([]float64, len(lp.TokenLogProbs))
		for k, v := range lp.TokenLogProbs {
			if v == nil {
				logp[k] = math.NaN()
			} else {
				logp[k] = *v
			}
		}
	}
	if len(lp.Tokens) == len(logp) && len(logp) > 0 {
		ids = make([]int, len(lp.Tokens))
		for k, t := range lp.Tokens {
			id, ok := strings.CutPrefix(t, "token_id:")
			v, err := strconv.Atoi(id)
			if !ok || err != nil {
				return logp, nil
			}
			ids[k] = v
		}
	}
	return logp, ids
}

// NormalizeFinishReason maps the finish reasons servers send to the two of
// policy.Completion: "stop" (also "eos", "eos_token", "stop_sequence",
// "end_turn") and "length" (also "max_tokens", "max_length"). Anything
// else (vLLM's "abort", OpenAI's "content_filter", "" for null) is
// returned unchanged.
func NormalizeFinishReason(r string) string {
	switch strings.ToLower(r) {
	case "stop", "eos", "eos_token", "stop_sequence", "end_turn":
		return "stop"
	case "length", "max_tokens", "max_length":
		return "length"
	}
	return r
}
