// Command openai-judge samples completions from an OpenAI-compatible
// inference server — the llama.cpp server, vLLM or Ollama — and judges
// them with an LLM judge served by the same server (or another model on
// it): the two halves of RL from AI feedback, with nothing but HTTP.
//
// The server is a policy.Generator (openai.Client.Generate: N sampled
// completions per prompt from POST /v1/completions, with the sampled
// tokens' log-probabilities where the server reports them, which a
// trainer needs as the "old" log-probs) and a reward.Completer for the
// judges (POST /v1/chat/completions, so that the server applies the
// model's chat template; -judge-chat=false uses /v1/completions). For
// each prompt it prints every completion with its pointwise rating
// (reward.PointwiseJudge, MT-Bench's "Rating: [[X]]" on a 1–10 scale) and
// the pairwise verdict on the first two (reward.PairwiseJudge, asked in
// both orders to cancel position bias: the probability that the first is
// better, 0, 0.25, 0.5, 0.75 or 1).
//
// The llama.cpp server and Ollama give one completion per request (the
// llama.cpp server refuses n > 1, Ollama ignores it): give them -split-n,
// which sends N requests of one completion each.
//
//	go run ./examples/openai-judge -base-url http://localhost:8080/v1 -split-n            # llama-server
//	go run ./examples/openai-judge -base-url http://localhost:8000/v1 -model Qwen/Qwen2.5-1.5B-Instruct  # vllm serve
//	go run ./examples/openai-judge -base-url http://localhost:11434/v1 -model qwen2.5:1.5b -split-n     # ollama serve
//
// References: Zheng et al. 2023, "Judging LLM-as-a-Judge with MT-Bench
// and Chatbot Arena"; Bai et al. 2022, "Constitutional AI" (RL from AI
// feedback).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/openai"
	"github.com/evolve-go/evolve/reward"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "openai-judge:", err)
		os.Exit(1)
	}
}

// prompts are the questions the policy answers and the judge rates.
var prompts = []string{
	"Explain in two sentences why the sky is blue.",
	"Give one piece of advice for writing a clear commit message.",
	"What is 17 + 25? Answer with the number and one sentence of working.",
}

// asPrompt turns a question into a completion prompt that base and
// instruction-tuned models both continue with an answer.
func asPrompt(question string) string { return "Question: " + question + "\nAnswer:" }

// options are the command's flags.
type options struct {
	baseURL, model, judgeModel, apiKey string
	n, maxTokens, judgeTokens          int
	temperature                        float64
	seed                               uint64
	splitN, judgeChat                  bool
	timeout                            time.Duration
}

// parseFlags reads and checks the flags.
func parseFlags(args []string, w io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("openai-judge", flag.ContinueOnError)
	fs.SetOutput(w)
	fs.StringVar(&o.baseURL, "base-url", openai.DefaultBaseURL, "server URL up to and including /v1")
	fs.StringVar(&o.model, "model", "", "model that answers (empty: the server's only model; llama.cpp ignores it)")
	fs.StringVar(&o.judgeModel, "judge-model", "", "model that judges (empty: -model)")
	fs.StringVar(&o.apiKey, "api-key", "", "sent as Authorization: Bearer (empty: none)")
	fs.IntVar(&o.n, "n", 2, "completions per prompt (at least 2: the judge compares the first two)")
	fs.IntVar(&o.maxTokens, "max-tokens", 128, "most tokens per completion")
	fs.IntVar(&o.judgeTokens, "judge-max-tokens", 512, "most tokens per judge reply")
	fs.Float64Var(&o.temperature, "temperature", 0.8, "sampling temperature of the completions (the judge decodes greedily)")
	fs.Uint64Var(&o.seed, "seed", 0, "sampling seed")
	fs.BoolVar(&o.splitN, "split-n", false, "send N requests of one completion each, for servers that give one per request (llama.cpp, Ollama)")
	fs.BoolVar(&o.judgeChat, "judge-chat", true, "judge through /chat/completions (false: /completions)")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "time limit of the whole run")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	case o.baseURL == "":
		return o, errors.New("-base-url is empty")
	case o.n < 2:
		return o, fmt.Errorf("-n = %d, want at least 2", o.n)
	case o.maxTokens < 1 || o.judgeTokens < 1:
		return o, fmt.Errorf("-max-tokens = %d, -judge-max-tokens = %d, want at least 1", o.maxTokens, o.judgeTokens)
	case !(o.temperature >= 0) || math.IsInf(o.temperature, 0):
		return o, fmt.Errorf("-temperature = %v, want finite ≥ 0", o.temperature)
	case o.timeout <= 0:
		return o, fmt.Errorf("-timeout = %v, want > 0", o.timeout)
	}
	if o.judgeModel == "" {
		o.judgeModel = o.model
	}
	return o, nil
}

// run parses the flags, samples the completions and judges them.
func run(ctx context.Context, w io.Writer, args []string) error {
	o, err := parseFlags(args, w)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	common := []openai.Option{openai.WithBaseURL(o.baseURL), openai.WithAPIKey(o.apiKey)}
	gen := openai.New(append(common, openai.WithModel(o.model), openai.WithSplitN(o.splitN))...)
	judge := openai.New(append(common, openai.WithModel(o.judgeModel), openai.WithTemperature(0),
		openai.WithMaxTokens(o.judgeTokens))...)
	var completer reward.Completer = judge
	if o.judgeChat {
		completer = openai.ChatCompleter{Client: judge}
	}
	req := policy.GenerateRequest{N: o.n, MaxTokens: o.maxTokens, Temperature: o.temperature, Seed: o.seed}
	for _, q := range prompts {
		req.Prompts = append(req.Prompts, asPrompt(q))
	}
	if o.temperature == 0 {
		req.Greedy = true
	}
	groups, err := gen.Generate(ctx, req)
	if err != nil {
		return explain(err, o.splitN)
	}
	fmt.Fprintf(w, "server %s, policy %q, judge %q\n", o.baseURL, o.model, o.judgeModel)
	point := &reward.PointwiseJudge{Completer: completer}
	pair := &reward.PairwiseJudge{Completer: completer}
	for i, g := range groups {
		if err := judgeGroup(ctx, w, i, g, point, pair); err != nil {
			return err
		}
	}
	return nil
}

// explain adds what to do to an error that a server ignoring or refusing
// n gives without -split-n.
func explain(err error, splitN bool) error {
	var cc *openai.ChoiceCountError
	var api *openai.APIError
	if !splitN && (errors.As(err, &cc) || errors.As(err, &api) && strings.Contains(api.Message, "one completion choice")) {
		return fmt.Errorf("%w (the server returns one completion per request: rerun with -split-n)", err)
	}
	return err
}

// judgeGroup prints the completions of prompt i with their ratings and
// the pairwise verdict on the first two.
func judgeGroup(ctx context.Context, w io.Writer, i int, g []policy.Completion, point *reward.PointwiseJudge, pair *reward.PairwiseJudge) error {
	q := prompts[i]
	fmt.Fprintf(w, "\nprompt %d: %s\n", i+1, q)
	for j, c := range g {
		rating, err := point.Rate(ctx, reward.Sample{Prompt: q, Completion: c.Text})
		if err != nil {
			return fmt.Errorf("prompt %d, completion %c: pointwise judge: %w", i+1, 'A'+j, err)
		}
		fmt.Fprintf(w, "  [%c] rating %g/10, %s, %s\n      %s\n", 'A'+j, rating, logProb(c), c.FinishReason, quote(c.Text))
	}
	p, err := pair.Compare(ctx, q, g[0].Text, g[1].Text)
	if err != nil {
		return fmt.Errorf("prompt %d: pairwise judge: %w", i+1, err)
	}
	fmt.Fprintf(w, "  pairwise, both orders: P(A better than B) = %g\n", p)
	return nil
}

// logProb describes a completion's sampled log-probabilities: their sum
// over the tokens, or that the server sent none.
func logProb(c policy.Completion) string {
	if len(c.LogProbs) == 0 {
		return "no log-probs"
	}
	s := 0.0
	for _, x := range c.LogProbs {
		s += x
	}
	return fmt.Sprintf("log p = %.2f over %d tokens", s, len(c.LogProbs))
}

// quote returns text on one line, at most 160 runes.
func quote(text string) string {
	s := strings.Join(strings.Fields(text), " ")
	if r := []rune(s); len(r) > 160 {
		s = string(r[:160]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
