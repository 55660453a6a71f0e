package llama

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/evolve-go/evolve/policy"
)

func TestGenerateGreedy(t *testing.T) {
	m, tok := loadStories(t)
	s := NewSampler(m, tok)
	out, err := s.Generate(context.Background(), policy.GenerateRequest{
		Prompts: []string{"Once upon a time"}, N: 2, MaxTokens: 40, Greedy: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || len(out[0]) != 2 {
		t.Fatalf("shape %d×%d, want 1×2", len(out), len(out[0]))
	}
	for _, c := range out[0] {
		if !strings.HasPrefix(greedyOnce, c.Text) || c.Text == "" {
			t.Errorf("greedy text %q is not a prefix of the greedy continuation", c.Text)
		}
		if len(c.Tokens) != 40 || len(c.LogProbs) != 40 || c.FinishReason != "length" || c.Prompt != 0 {
			t.Errorf("completion %+v", c)
		}
	}
}

func TestGenerateStop(t *testing.T) {
	m, tok := loadStories(t)
	s := NewSampler(m, tok)
	out, err := s.Generate(context.Background(), policy.GenerateRequest{
		Prompts: []string{"Once upon a time", ""}, MaxTokens: 100, Greedy: true, Stop: []string{"", "Lily."},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := out[0][0]
	if c.Text != ", there was a little girl named " || c.FinishReason != "stop" {
		t.Errorf("stop string: text %q, finish %q", c.Text, c.FinishReason)
	}
	if got, _ := tok.DecodeAfter(378, c.Tokens); !strings.HasPrefix(got, c.Text+"Lily.") {
		t.Errorf("tokens decode to %q, want the text and the stop string", got)
	}
	// The empty prompt is BOS alone: its continuation loses the leading space.
	if c := out[1][0]; c.Text == "" || c.Text[0] == ' ' {
		t.Errorf("continuation of BOS: %q", c.Text)
	}
}

// TestGenerateStopsAtBOS samples until the model ends its story with BOS.
func TestGenerateStopsAtBOS(t *testing.T) {
	m, tok := loadStories(t)
	s := NewSampler(m, tok)
	out, err := s.Generate(context.Background(), policy.GenerateRequest{
		Prompts: []string{"Once upon a time"}, N: 8, MaxTokens: 400, Temperature: 1, Seed: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	stopped := 0
	for _, c := range out[0] {
		last := c.Tokens[len(c.Tokens)-1]
		switch c.FinishReason {
		case "stop":
			stopped++
			if last != BOS && last != EOS {
				t.Errorf("stopped at token %d", last)
			}
		case "length":
			if len(c.Tokens) != 400 {
				t.Errorf("length finish after %d tokens", len(c.Tokens))
			}
		default:
			t.Errorf("FinishReason %q", c.FinishReason)
		}
		if slices.Contains(c.Tokens[:len(c.Tokens)-1], BOS) {
			t.Error("BOS inside a completion")
		}
	}
	if stopped == 0 {
		t.Error("no story of 8 ended within 400 tokens")
	}
}

func TestSampleReproducible(t *testing.T) {
	m, tok := loadStories(t)
	p1, _ := tok.Encode("Once upon a time", true, false)
	p2, _ := tok.Encode("The dog", true, false)
	prompts := [][]int{p1, p2, p1, p2, p1, {BOS}, p1}
	opt := SampleOptions{MaxTokens: 48, Temperature: 0.9, TopP: 0.95, TopK: 40, Seed: 42}
	ref := checkWorkersAgree(t, m, tok, prompts, opt, 1, 2, 3, 7)
	// A sequence's sample depends on its index and the seed, not on the
	// other sequences of the call.
	s := &Sampler{Model: m, Tokenizer: tok}
	alone, err := s.Sample(context.Background(), prompts[:3], opt)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(alone, ref[:3]) {
		t.Error("samples depend on the rest of the batch")
	}
	// Another seed gives other samples; identical prompts differ.
	if ref[0].Text == ref[2].Text && ref[2].Text == ref[4].Text {
		t.Error("three samples of one prompt are identical")
	}
	opt.Seed = 43
	other, _ := s.Sample(context.Background(), prompts, opt)
	if reflect.DeepEqual(other, ref) {
		t.Error("seed does not change the samples")
	}
}

// TestSampleLogProbsTeacherForced checks that the sampler's log-probs equal
// the teacher-forced Model.LogProbs of the same tokens, at several
// temperatures and truncations (they are the policy's, at temperature 1).
func TestSampleLogProbsTeacherForced(t *testing.T) {
	m, tok := loadStories(t)
	s := NewSampler(m, tok)
	p1, _ := tok.Encode("Once upon a time", true, false)
	p2, _ := tok.Encode("Tom had a big red", true, false)
	for _, opt := range []SampleOptions{
		{MaxTokens: 60, Greedy: true},
		{MaxTokens: 60, Temperature: 1, Seed: 1},
		{MaxTokens: 60, Temperature: 0.7, TopP: 0.8, TopK: 20, Seed: 2},
		{MaxTokens: 60, Temperature: 1.5, Seed: 3},
	} {
		prompts := [][]int{p1, p2, p1, {BOS}}
		gens, err := s.Sample(context.Background(), prompts, opt)
		if err != nil {
			t.Fatal(err)
		}
		seqs := make([]Sequence, len(gens))
		T := 0
		for i, g := range gens {
			seqs[i] = Sequence{Prompt: prompts[i], Completion: g.Tokens}
			T = max(T, len(g.Tokens))
		}
		dst := make([]float64, len(seqs)*T)
		if _, err := m.Forward(dst, seqs, T); err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for i, g := range gens {
			for j, lp := range g.LogProbs {
				worst = max(worst, math.Abs(lp-dst[i*T+j]))
			}
		}
		if worst > 1e-4 {
			t.Errorf("%+v: sampler log-probs differ from teacher forcing by up to %g", opt, worst)
		}
	}
}

// TestSampleTeamMatchesAlone checks that workers sharing the steps of a
// small batch (fewer sequences than workers) give bit for bit what one
// worker gives.
func TestSampleTeamMatchesAlone(t *testing.T) {
	m, tok := loadStories(t)
	p, _ := tok.Encode("Once upon a time", true, false)
	for _, prompts := range [][][]int{{p}, {p, {BOS}, p}} {
		opt := SampleOptions{MaxTokens: 70, Temperature: 1, TopK: 50, Seed: 11}
		checkWorkersAgree(t, m, tok, prompts, opt, 1, 2, 3, 4, 8)
	}
}

// checkWorkersAgree samples prompts with each number of workers in turn,
// fails unless every result equals the first one bit for bit, and returns
// the first.
func checkWorkersAgree(t *testing.T, m *Model, tok *Tokenizer, prompts [][]int, opt SampleOptions, workers ...int) []Generation {
	t.Helper()
	var ref []Generation
	for _, w := range workers {
		s := &Sampler{Model: m, Tokenizer: tok, Workers: w}
		gens, err := s.Sample(context.Background(), prompts, opt)
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = gens
			continue
		}
		if !reflect.DeepEqual(gens, ref) {
			t.Fatalf("%d prompts, workers %d: samples differ from workers %d", len(prompts), w, workers[0])
		}
	}
	return ref
}

func TestSampleTopK1IsGreedy(t *testing.T) {
	m, tok := loadStories(t)
	s := NewSampler(m, tok)
	p, _ := tok.Encode("Once upon a time", true, false)
	greedy, _ := s.Sample(context.Background(), [][]int{p}, SampleOptions{MaxTokens: 30, Greedy: true})
	top1, err := s.Sample(context.Background(), [][]int{p}, SampleOptions{MaxTokens: 30, Temperature: 2, TopK: 1, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	tiny, _ := s.Sample(context.Background(), [][]int{p}, SampleOptions{MaxTokens: 30, Temperature: 1, TopP: 1e-9, Seed: 9})
	if !slices.Equal(top1[0].Tokens, greedy[0].Tokens) || !slices.Equal(tiny[0].Tokens, greedy[0].Tokens) {
		t.Errorf("top-k 1 / tiny top-p differ from greedy:\n%v\n%v\n%v", top1[0].Tokens, tiny[0].Tokens, greedy[0].Tokens)
	}
}

// TestSampleDistribution checks the sampler's draws against the model's
// next-token distribution after a prompt (temperature 1, no truncation):
// the empirical frequency of the most likely tokens is within 5 standard
// errors of its probability.
func TestSampleDistribution(t *testing.T) {
	m, tok := loadStories(t)
	s := NewSampler(m, tok)
	p, _ := tok.Encode("Once upon a time there was a", true, false)
	const n = 2000
	prompts := make([][]int, n)
	for i := range prompts {
		prompts[i] = p
	}
	gens, err := s.Sample(context.Background(), prompts, SampleOptions{MaxTokens: 1, Temperature: 1, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	count := map[int]int{}
	logp := map[int]float64{}
	for _, g := range gens {
		count[g.Tokens[0]]++
		logp[g.Tokens[0]] = g.LogProbs[0]
	}
	for tokID, c := range count {
		if c < 50 {
			continue
		}
		pr := math.Exp(logp[tokID])
		se := math.Sqrt(pr * (1 - pr) / n)
		if f := float64(c) / n; math.Abs(f-pr) > 5*se {
			t.Errorf("token %d: frequency %.3f, probability %.3f", tokID, f, pr)
		}
	}
}

func TestSampleErrors(t *testing.T) {
	m, tok := loadStories(t)
	s := NewSampler(m, tok)
	ctx := context.Background()
	long := make([]int, m.Config.SeqLen)
	for i := range long {
		long[i] = BOS
	}
	for name, c := range map[string]struct {
		s       *Sampler
		prompts [][]int
		opt     SampleOptions
		want    string
	}{
		"nil model":      {&Sampler{}, [][]int{{1}}, SampleOptions{}, "Model is nil"},
		"empty prompt":   {s, [][]int{{1}, {}}, SampleOptions{}, "prompt 1: llama: empty prompt"},
		"token range":    {s, [][]int{{1, 512}}, SampleOptions{}, "token[1] = 512"},
		"negative token": {s, [][]int{{-1}}, SampleOptions{}, "token[0] = -1"},
		"too long":       {s, [][]int{long}, SampleOptions{}, "leaving no room"},
		"max tokens":     {s, [][]int{{1}}, SampleOptions{MaxTokens: -1}, "MaxTokens = -1"},
		"temperature":    {s, [][]int{{1}}, SampleOptions{Temperature: -1}, "Temperature = -1"},
		"temperature na": {s, [][]int{{1}}, SampleOptions{Temperature: math.NaN()}, "Temperature = NaN"},
		"top p":          {s, [][]int{{1}}, SampleOptions{TopP: 1.5}, "TopP = 1.5"},
		"top k":          {s, [][]int{{1}}, SampleOptions{TopK: -2}, "TopK = -2"},
		"workers":        {&Sampler{Model: m, Workers: -1}, [][]int{{1}}, SampleOptions{}, "Workers = -1"},
		"stop no tok":    {&Sampler{Model: m}, [][]int{{1}}, SampleOptions{Stop: []string{"x"}}, "need Sampler.Tokenizer"},
	} {
		_, err := c.s.Sample(ctx, c.prompts, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", name, err, c.want)
		}
	}
	if _, err := s.Sample(ctx, [][]int{{1}, {}}, SampleOptions{}); !errors.Is(err, ErrEmptyPrompt) {
		t.Errorf("empty prompt: %v is not ErrEmptyPrompt", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Sample(cctx, [][]int{{1}}, SampleOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
	if _, err := (&Sampler{Model: m}).Generate(ctx, policy.GenerateRequest{Prompts: []string{"a"}}); err == nil {
		t.Error("Generate without tokenizer: no error")
	}
	if _, err := s.Generate(ctx, policy.GenerateRequest{Prompts: []string{"a"}, N: -1}); err == nil {
		t.Error("Generate with N -1: no error")
	}
	// The model's SeqLen bounds a sequence: a prompt one short of it gets
	// one new token.
	gens, err := s.Sample(ctx, [][]int{long[:len(long)-1]}, SampleOptions{MaxTokens: 10, NoStopAtEOS: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(gens[0].Tokens) != 1 || gens[0].FinishReason != "length" {
		t.Errorf("at SeqLen: %d tokens, %q", len(gens[0].Tokens), gens[0].FinishReason)
	}
	// A huge MaxTokens is bounded by SeqLen.
	gens, err = s.Sample(ctx, [][]int{long[:len(long)-3]}, SampleOptions{MaxTokens: math.MaxInt, NoStopAtEOS: true})
	if err != nil || len(gens[0].Tokens) != 3 {
		t.Errorf("MaxTokens MaxInt: %v, %v", gens, err)
	}
	if gens, err := s.Sample(ctx, nil, SampleOptions{}); err != nil || len(gens) != 0 {
		t.Errorf("no prompts: %v, %v", gens, err)
	}
}

// TestSampleOtherShapes runs the sampler on random models whose sizes are
// not multiples of the kernels' blocks (head sizes 4 and 12, one key/value
// head, odd vocabularies) and checks its log-probs against teacher forcing
// and its samples across worker counts.
func TestSampleOtherShapes(t *testing.T) {
	for _, c := range []Config{
		{Dim: 24, Hidden: 40, Layers: 2, Heads: 6, KVHeads: 2, Vocab: 37, SeqLen: 40, Shared: true},
		{Dim: 48, Hidden: 100, Layers: 1, Heads: 4, KVHeads: 4, Vocab: 300, SeqLen: 64},
		{Dim: 32, Hidden: 64, Layers: 2, Heads: 2, KVHeads: 1, Vocab: 70, SeqLen: 50, Shared: true},
		{Dim: 128, Hidden: 96, Layers: 1, Heads: 8, KVHeads: 2, Vocab: 64, SeqLen: 80, Shared: true},
	} {
		m, err := New(c, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		// Larger weights than New's 0.02 (×4) so that the distributions
		// are far from uniform, yet not so large that float32 rounding of
		// large activations dominates the comparison.
		for i, v := range m.Flat() {
			m.Flat()[i] = v * 4
		}
		prompts := [][]int{{BOS, 5, 6}, {BOS}, {BOS, 7}}
		opt := SampleOptions{MaxTokens: c.SeqLen, Temperature: 1, Seed: 4, NoStopAtEOS: true}
		var ref []Generation
		for _, w := range []int{1, 2, 4} {
			for _, ps := range [][][]int{prompts, prompts[:1]} {
				gens, err := (&Sampler{Model: m, Workers: w}).Sample(context.Background(), ps, opt)
				if err != nil {
					t.Fatalf("%+v: %v", c, err)
				}
				if ref == nil {
					ref = gens
				}
				if !reflect.DeepEqual(gens, ref[:len(ps)]) {
					t.Fatalf("%+v: workers %d, %d prompts: samples differ", c, w, len(ps))
				}
			}
		}
		seqs := make([]Sequence, len(ref))
		T := 0
		for i, g := range ref {
			seqs[i] = Sequence{Prompt: prompts[i], Completion: g.Tokens}
			T = max(T, len(g.Tokens))
			if len(prompts[i])+len(g.Tokens) != c.SeqLen {
				t.Errorf("%+v: sequence %d fills %d of SeqLen %d", c, i, len(prompts[i])+len(g.Tokens), c.SeqLen)
			}
		}
		dst := make([]float64, len(seqs)*T)
		if _, err := m.Forward(dst, seqs, T); err != nil {
			t.Fatal(err)
		}
		for i, g := range ref {
			for j, lp := range g.LogProbs {
				if math.Abs(lp-dst[i*T+j]) > 1e-4 {
					t.Fatalf("%+v: sequence %d token %d: sampler log-prob %v, teacher-forced %v", c, i, j, lp, dst[i*T+j])
				}
			}
		}
	}
}

// TestSampleConcurrent runs calls of one Sampler from several goroutines
// (run it with -race): each gets the result it gets alone.
func TestSampleConcurrent(t *testing.T) {
	m, tok := loadStories(t)
	s := NewSampler(m, tok)
	p, _ := tok.Encode("One day", true, false)
	opts := []SampleOptions{
		{MaxTokens: 30, Temperature: 1, Seed: 1},
		{MaxTokens: 40, Temperature: 0.8, TopP: 0.9, Seed: 2},
		{MaxTokens: 20, Greedy: true},
	}
	batches := [][][]int{{p}, {p, p, p, p, p}, {p, {BOS}}}
	want := make([][]Generation, len(opts))
	for i := range opts {
		g, err := s.Sample(context.Background(), batches[i], opts[i])
		if err != nil {
			t.Fatal(err)
		}
		want[i] = g
	}
	var wg sync.WaitGroup
	errs := make([]error, 3*len(opts))
	for k := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			i := k % len(opts)
			g, err := s.Sample(context.Background(), batches[i], opts[i])
			if err == nil && !reflect.DeepEqual(g, want[i]) {
				err = fmt.Errorf("call %d: samples differ from the call alone", k)
			}
			errs[k] = err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Error(err)
	}
}

// FuzzGenerate checks that any request either fails with an error or
// returns N well-formed completions per prompt: no panic on odd prompts
// (invalid UTF-8, NUL bytes) or options (NaN, negative, huge).
func FuzzGenerate(f *testing.F) {
	f.Add("Once upon a time", 2, 8, 1.0, 0.9, 5, uint64(1), "")
	f.Add("", 1, 3, 0.0, 0.0, 0, uint64(0), "the")
	f.Add("\xff\x00é", 3, 5, 2.5, 1e-9, 1, uint64(7), ".")
	f.Add("x", -1, 5, 1.0, 0.5, 0, uint64(2), "")
	f.Add("x", 1, -5, math.NaN(), 2.0, -3, uint64(2), "")
	f.Add("The", 2, 10, 1e-300, 0.0, 0, uint64(3), "")
	f.Add("The", 2, 10, 1e300, 0.5, 3, uint64(4), "")
	m, tok := loadStories(f)
	s := NewSampler(m, tok)
	f.Fuzz(func(t *testing.T, prompt string, n, maxTokens int, temp, topP float64, topK int, seed uint64, stop string) {
		if n > 4 || maxTokens > 24 || len(prompt) > 256 {
			return // keep each case fast
		}
		req := policy.GenerateRequest{Prompts: []string{prompt, "a"}, N: n, MaxTokens: maxTokens,
			Temperature: temp, TopP: topP, TopK: topK, Seed: seed, Stop: []string{stop}}
		out, err := s.Generate(context.Background(), req)
		if err != nil {
			return
		}
		want := max(n, 1)
		if len(out) != 2 || len(out[0]) != want || len(out[1]) != want {
			t.Fatalf("shape %d×%d, want 2×%d", len(out), len(out[0]), want)
		}
		for i, group := range out {
			for _, c := range group {
				if c.Prompt != i || len(c.Tokens) == 0 || len(c.Tokens) != len(c.LogProbs) {
					t.Fatalf("completion %+v", c)
				}
				if c.FinishReason != "stop" && c.FinishReason != "length" {
					t.Fatalf("FinishReason %q", c.FinishReason)
				}
				for _, lp := range c.LogProbs {
					if !(lp <= 0) {
						t.Fatalf("log-prob %v", lp)
					}
				}
			}
		}
	})
}

// The zero Temperature is the default 1, not greedy decoding: a group
// sampled with zero options differs from sample to sample and equals the
// group sampled at temperature 1; Greedy gives one continuation G times.
func TestZeroTemperatureSamples(t *testing.T) {
	m, tok := loadStories(t)
	s := NewSampler(m, tok)
	p, _ := tok.Encode("Once upon a time", true, false)
	prompts := [][]int{p, p, p, p}
	ctx := context.Background()
	zero, err := s.Sample(ctx, prompts, SampleOptions{MaxTokens: 20, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	one, err := s.Sample(ctx, prompts, SampleOptions{MaxTokens: 20, Seed: 5, Temperature: 1})
	if err != nil {
		t.Fatal(err)
	}
	greedy, err := s.Sample(ctx, prompts, SampleOptions{MaxTokens: 20, Seed: 5, Temperature: 1, Greedy: true})
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[string]bool{}
	for i := range prompts {
		distinct[zero[i].Text] = true
		if zero[i].Text != one[i].Text {
			t.Errorf("sample %d: %q at temperature 0 (default), %q at 1", i, zero[i].Text, one[i].Text)
		}
		if greedy[i].Text != greedy[0].Text {
			t.Errorf("greedy sample %d differs: %q vs %q", i, greedy[i].Text, greedy[0].Text)
		}
	}
	if len(distinct) < 2 {
		t.Errorf("4 samples with zero options are all %q: greedy by default", zero[0].Text)
	}
}
