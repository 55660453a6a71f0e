package policy

import "context"

// GenerateRequest asks a Generator for N completions of each prompt.
//
// Zero values: N 0 means 1; MaxTokens 0 means the generator's own default;
// Temperature 0 means the default 1 (sampling from the model's own
// distribution, as OpenAI's API does when the field is left out) — a group
// of samples must differ for its rewards to teach anything, so greedy
// decoding (argmax) is asked for with Greedy, never by a zero (see
// DecodeTemperature); TopP 0 means 1 (off); TopK 0 means off; Seed 0 is a
// valid seed (generators that cannot be seeded ignore it); Stop nil means
// no stop strings beyond the model's own end of sequence.
type GenerateRequest struct {
	Prompts     []string
	N           int
	MaxTokens   int
	Temperature float64
	// Greedy decodes by argmax instead of sampling; Temperature, TopP and
	// TopK are then ignored.
	Greedy bool
	TopP   float64
	TopK   int
	Seed   uint64
	Stop   []string
}

// DecodeTemperature returns the temperature a generator decodes at for a
// request's Temperature t and Greedy, by the defaults of GenerateRequest:
// 0 (argmax) when greedy, else 1 when t is 0, else t. It does not check t.
func DecodeTemperature(t float64, greedy bool) float64 {
	switch {
	case greedy:
		return 0
	case t == 0:
		return 1
	}
	return t
}

// Completion is one sampled continuation of a prompt.
type Completion struct {
	// Prompt is the index of the prompt in GenerateRequest.Prompts.
	Prompt int
	// PromptTokens holds the prompt's token ids as the generator fed them
	// to the model (BOS first for llama models); nil when the generator
	// does not expose them (some servers). Training on a completion needs
	// them: NewRollouts takes the sequence to score from PromptTokens and
	// Tokens.
	PromptTokens []int
	// Text is the decoded continuation, without the prompt.
	Text string
	// Tokens holds the generated token ids; nil when the generator does
	// not expose them (some servers).
	Tokens []int
	// LogProbs holds, for each generated token, its log-probability under
	// the generator's policy: the model's distribution at temperature 1,
	// before any top-k or top-p truncation — the "old" log-probs of
	// GRPO/PPO, not those of the tempered, truncated distribution the
	// token was drawn from. The built-in llama model reports these; a
	// server reports what it computes (vLLM returns the model's raw
	// log-probs by default). nil when the generator cannot report them.
	LogProbs []float64
	// FinishReason is "stop" (end of sequence or a stop string) or
	// "length" (MaxTokens reached), as in OpenAI-compatible servers.
	FinishReason string
}

// Generator samples completions. Generate returns one slice per prompt,
// each holding N completions in order. The built-in llama model and the
// OpenAI-compatible client implement it.
type Generator interface {
	Generate(ctx context.Context, req GenerateRequest) ([][]Completion, error)
}

// GeneratorFunc adapts an ordinary function to the Generator interface,
// like http.HandlerFunc: a scripted player in a test, a wrapper that logs
// or caches.
type GeneratorFunc func(ctx context.Context, req GenerateRequest) ([][]Completion, error)

// Generate calls f(ctx, req).
func (f GeneratorFunc) Generate(ctx context.Context, req GenerateRequest) ([][]Completion, error) {
	return f(ctx, req)
}
