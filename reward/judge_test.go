package reward

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/template"
)

// script is a fake Completer: it returns the replies in order (the last
// one repeats) and records the prompts.
type script struct {
	mu      sync.Mutex
	replies []string
	prompts []string
}

func (s *script) Complete(_ context.Context, prompt string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := min(len(s.prompts), len(s.replies)-1)
	s.prompts = append(s.prompts, prompt)
	return s.replies[k], nil
}

func TestParseJudgeScore(t *testing.T) {
	cases := []struct {
		reply        string
		score, scale float64
	}{
		{"Score: 7/10", 7, 10},
		{"**Rating:** 8", 8, 0},
		{"The answer is decent. 7.5 out of 10", 7.5, 10},
		{"Some text [[6]] more text", 6, 0},
		{"first [[3]] then revised [[9]]", 9, 0},
		{"Rating: [[ 8/10 ]]", 8, 10},
		{"I'd give it \\boxed{4}.", 4, 0},
		{"Grade (1-10): 6", 6, 0},
		{"Overall score = 7.5 out of 10.", 7.5, 10},
		{"Rating: **9**/10", 9, 10},
		{"score: -2", -2, 0},
		// A short reply with a single number is that number.
		{"7", 7, 0},
		{"  **8**\n", 8, 0},
		{"I'd say 6.", 6, 0},
		{"-3", -3, 0},
	}
	for _, tc := range cases {
		s, d, err := ParseJudgeScore(tc.reply)
		if err != nil || s != tc.score || d != tc.scale {
			t.Errorf("ParseJudgeScore(%q) = %v, %v, %v; want %v, %v", tc.reply, s, d, err, tc.score, tc.scale)
		}
	}
	for _, r := range []string{"", "no digits at all", "[[A]]",
		// No marked score: the last number of a longer reply, or of one
		// with several numbers, is not taken for the score.
		"It has 3 bugs; I give 2",
		"Score on 1-10: see above. 5",
		"Step 1-10",
		"The response correctly explains the causes of the war of 1812.",
		"A clear answer that covers all 4 points the user raised, well done",
	} {
		if _, _, err := ParseJudgeScore(r); !errors.Is(err, ErrJudgeReply) {
			t.Errorf("ParseJudgeScore(%q) err = %v", r, err)
		}
	}
}

func TestParseJudgeScores(t *testing.T) {
	cases := []struct {
		reply string
		n     int
		want  []float64
	}{
		{"Principles...\nCritique...\nFinal Scores: \\boxed{7, 5}", 2, []float64{7, 5}},
		{"\\boxed{1,2,3} then corrected \\boxed{4, 5, 6}", 3, []float64{4, 5, 6}},
		{"Scores: [[8, 3]]", 2, []float64{8, 3}},
		{"Final scores: 6, 9", 2, []float64{6, 9}},
		{"Response 1: 7/10 ...\nResponse 2: 4\n", 2, []float64{7, 4}},
		{"**Response 2**: 3 and **Response 1**: 8", 2, []float64{8, 3}},
		{"Score: 7", 1, []float64{7}},
		{"The response deserves [[9]]", 1, []float64{9}},
	}
	for _, tc := range cases {
		got, err := ParseJudgeScores(tc.reply, tc.n)
		if err != nil || len(got) != len(tc.want) {
			t.Errorf("ParseJudgeScores(%q) = %v, %v", tc.reply, got, err)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("ParseJudgeScores(%q) = %v, want %v", tc.reply, got, tc.want)
			}
		}
	}
	for _, tc := range []struct {
		reply string
		n     int
	}{{"\\boxed{7}", 2}, {"nothing", 2}, {"Response 1: 7", 2}, {"", 1}} {
		if _, err := ParseJudgeScores(tc.reply, tc.n); !errors.Is(err, ErrJudgeReply) {
			t.Errorf("ParseJudgeScores(%q, %d) err = %v", tc.reply, tc.n, err)
		}
	}
	if _, err := ParseJudgeScores("7", 0); err == nil {
		t.Error("n = 0 accepted")
	}
}

func TestParseVerdict(t *testing.T) {
	for reply, want := range map[string]Verdict{
		"Explanation... [[A]]":               VerdictA,
		"[[A]] no wait [[B]]":                VerdictB,
		"[[C]]":                              VerdictTie,
		"final: [[tie]]":                     VerdictTie,
		"The winner is Response B.":          VerdictB,
		"Verdict: A":                         VerdictA,
		"Better response: **B**":             VerdictB,
		"  A  ":                              VerdictA,
		"b.":                                 VerdictB,
		"Both are equally good, it's a tie.": VerdictTie,
	} {
		got, err := ParseVerdict(reply)
		if err != nil || got != want {
			t.Errorf("ParseVerdict(%q) = %v, %v; want %v", reply, got, err, want)
		}
	}
	for _, r := range []string{"", "I cannot decide", "Apples and bananas"} {
		if _, err := ParseVerdict(r); !errors.Is(err, ErrJudgeReply) {
			t.Errorf("ParseVerdict(%q) err = %v", r, err)
		}
	}
	if VerdictA.String() != "A" || VerdictTie.String() != "tie" || Verdict(9).String() == "" {
		t.Error("Verdict.String")
	}
}

func TestPointwiseJudge(t *testing.T) {
	c := &script{replies: []string{"Rating: [[8]]"}}
	j := &PointwiseJudge{Completer: c}
	got, err := j.Score(context.Background(), Sample{Prompt: "2+2?", Completion: "4", Label: "4"})
	if err != nil || math.Abs(got-7.0/9) > 1e-12 {
		t.Fatalf("Score = %v, %v", got, err)
	}
	p := c.prompts[0]
	for _, want := range []string{"2+2?", "[Response]\n4", "[Reference answer]\n4", "from 1 to 10"} {
		if !strings.Contains(p, want) {
			t.Errorf("prompt lacks %q:\n%s", want, p)
		}
	}
}

func TestPointwiseJudgeRetries(t *testing.T) {
	c := &script{replies: []string{"I refuse", "Score: 12", "Score: 4/10", "Score: 3.5"}}
	j := &PointwiseJudge{Completer: c, Min: 0, Max: 5, Attempts: 4}
	got, err := j.Score(context.Background(), Sample{Completion: "x"})
	if err != nil || got != 0.7 || len(c.prompts) != 4 {
		t.Fatalf("Score = %v, %v after %d calls", got, err, len(c.prompts))
	}

	c = &script{replies: []string{"no idea"}}
	j = &PointwiseJudge{Completer: c}
	_, err = j.Score(context.Background(), Sample{})
	var je *JudgeError
	if !errors.As(err, &je) || !errors.Is(err, ErrJudgeReply) || je.Attempts != DefaultJudgeAttempts || je.Reply != "no idea" || len(c.prompts) != 3 {
		t.Fatalf("err = %v (calls %d)", err, len(c.prompts))
	}
	if je.Error() == "" {
		t.Error("empty message")
	}
}

func TestPointwiseJudgeConfigErrors(t *testing.T) {
	c := &script{replies: []string{"[[5]]"}}
	bad := []*PointwiseJudge{
		{Completer: c, Min: 5, Max: 5},
		{Completer: c, Min: 0, Max: math.NaN()},
		{Completer: c, Attempts: -1},
		{Completer: nil},
		{Completer: c, Template: template.Must(template.New("x").Parse("{{.Nope}}"))},
	}
	for i, j := range bad {
		if _, err := j.Score(context.Background(), Sample{}); err == nil {
			t.Errorf("case %d: no error", i)
		}
	}
	boom := errors.New("boom")
	j := &PointwiseJudge{Completer: CompleterFunc(func(context.Context, string) (string, error) { return "", boom })}
	if _, err := j.Score(context.Background(), Sample{}); !errors.Is(err, boom) {
		t.Errorf("completer error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&PointwiseJudge{Completer: c}).Score(ctx, Sample{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestJudgesCancelled checks that every judge reports a context that ended
// before it asked, rather than a verdict.
func TestJudgesCancelled(t *testing.T) {
	c := &script{replies: []string{"[[A]] Scores: \\boxed{5, 6}"}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := (&PairwiseJudge{Completer: c}).Verdicts(ctx, "p", "a", "b"); !errors.Is(err, context.Canceled) {
		t.Errorf("pairwise: %v", err)
	}
	if _, err := (&GRMJudge{Completer: c}).Judge(ctx, "p", []string{"a", "b"}); !errors.Is(err, context.Canceled) {
		t.Errorf("grm: %v", err)
	}
	if len(c.prompts) != 0 {
		t.Errorf("%d model calls after the context ended", len(c.prompts))
	}
}

// positional answers by which response is shown first.
func positional(first map[string]string) Completer {
	return CompleterFunc(func(_ context.Context, p string) (string, error) {
		for k, v := range first {
			if strings.Contains(p, "[Response A]\n"+k+"\n") {
				return v, nil
			}
		}
		return "", errors.New("unexpected prompt")
	})
}

func TestPairwiseSwap(t *testing.T) {
	cases := []struct {
		name    string
		replies map[string]string // reply when the key is shown as A
		want    float64
	}{
		{"consistent a", map[string]string{"good": "[[A]]", "bad": "[[B]]"}, 1},
		{"consistent b", map[string]string{"good": "[[B]]", "bad": "[[A]]"}, 0},
		{"position bias to A", map[string]string{"good": "[[A]]", "bad": "[[A]]"}, 0.5},
		{"position bias to B", map[string]string{"good": "[[B]]", "bad": "[[B]]"}, 0.5},
		{"win and tie", map[string]string{"good": "[[A]]", "bad": "[[C]]"}, 0.75},
		{"tie and loss", map[string]string{"good": "[[C]]", "bad": "[[A]]"}, 0.25},
		{"ties", map[string]string{"good": "tie", "bad": "[[C]]"}, 0.5},
	}
	for _, tc := range cases {
		j := &PairwiseJudge{Completer: positional(tc.replies)}
		got, err := j.Compare(context.Background(), "q", "good", "bad")
		if err != nil || got != tc.want {
			t.Errorf("%s: Compare = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

func TestPairwiseReward(t *testing.T) {
	var calls atomic.Int32
	j := &PairwiseJudge{Completer: CompleterFunc(func(_ context.Context, p string) (string, error) {
		calls.Add(1)
		if strings.Contains(p, "[Response A]\nmine") {
			return "[[A]]", nil
		}
		return "[[B]]", nil
	})}
	got, err := j.Score(context.Background(), Sample{Prompt: "q", Completion: "mine", Label: "ref"})
	if err != nil || got != 1 || calls.Load() != 2 {
		t.Fatalf("Score = %v, %v, calls %d", got, err, calls.Load())
	}
	if _, err := j.Score(context.Background(), Sample{Completion: "mine"}); !errors.Is(err, ErrSkip) {
		t.Errorf("no label: %v", err)
	}
	j.ReferenceKey = "ref"
	got, err = j.Score(context.Background(), Sample{Completion: "mine", Meta: map[string]any{"ref": "theirs"}})
	if err != nil || got != 1 {
		t.Errorf("meta reference: %v, %v", got, err)
	}
	if _, err := j.Score(context.Background(), Sample{Completion: "mine", Label: "x"}); !errors.Is(err, ErrSkip) {
		t.Errorf("missing meta: %v", err)
	}
	if _, err := j.Score(context.Background(), Sample{Completion: "mine", Meta: map[string]any{"ref": 3}}); err == nil || errors.Is(err, ErrSkip) {
		t.Errorf("non-string meta: %v", err)
	}
}

func TestPairwiseUnparseable(t *testing.T) {
	c := &script{replies: []string{"hmm"}}
	j := &PairwiseJudge{Completer: c, Attempts: 2}
	_, err := j.Compare(context.Background(), "q", "a", "b")
	var je *JudgeError
	if !errors.As(err, &je) || je.Judge != "pairwise" {
		t.Fatalf("err = %v", err)
	}
	if _, err := (&PairwiseJudge{Completer: c, Attempts: -3}).Compare(context.Background(), "q", "a", "b"); err == nil {
		t.Error("negative Attempts accepted")
	}
}

func TestCombineSwapped(t *testing.T) {
	for _, tc := range []struct {
		a, b Verdict
		want float64
	}{{VerdictA, VerdictB, 1}, {VerdictB, VerdictA, 0}, {VerdictA, VerdictA, 0.5}, {VerdictTie, VerdictTie, 0.5}, {VerdictA, VerdictTie, 0.75}} {
		if got := CombineSwapped(tc.a, tc.b); got != tc.want {
			t.Errorf("CombineSwapped(%v, %v) = %v", tc.a, tc.b, got)
		}
	}
}

func TestGRMVoting(t *testing.T) {
	c := &script{replies: []string{
		"Principles: ... \\boxed{7, 5}",
		"garbage",
		"garbage",
		"garbage", // judgement 2 is dropped after 3 attempts
		"Final Scores: \\boxed{6, 9}",
		"Final Scores: \\boxed{8, 2}",
	}}
	j := &GRMJudge{Completer: c, K: 4, Parallel: 1}
	res, err := j.Judge(context.Background(), "query", []string{"r1", "r2"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Counted != 3 || res.Scores[0] != 7+6+8 || res.Scores[1] != 5+9+2 {
		t.Fatalf("result %+v", res)
	}
	if res.Samples[1].Err == nil || !errors.Is(res.Samples[1].Err, ErrJudgeReply) || res.Samples[1].Counted {
		t.Errorf("dropped sample %+v", res.Samples[1])
	}
	if !strings.Contains(c.prompts[0], "[Response 2]\nr2") || !strings.Contains(c.prompts[0], "from 1 to 10") {
		t.Errorf("prompt:\n%s", c.prompts[0])
	}
}

func TestGRMMetaFilter(t *testing.T) {
	replies := []string{"\\boxed{9, 1}", "\\boxed{2, 8}", "\\boxed{3, 7}", "\\boxed{10, 1}"}
	meta := map[string]float64{replies[0]: 0.1, replies[1]: 0.9, replies[2]: 0.8, replies[3]: 0.2}
	c := &script{replies: replies}
	var metaCalls atomic.Int32
	j := &GRMJudge{Completer: c, K: 4, Parallel: 1, KMeta: 2,
		Meta: func(_ context.Context, in GRMInput, reply string) (float64, error) {
			metaCalls.Add(1)
			if len(in.Responses) != 2 {
				return 0, errors.New("bad input")
			}
			return meta[reply], nil
		}}
	res, err := j.Judge(context.Background(), "q", []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Counted != 2 || res.Scores[0] != 5 || res.Scores[1] != 15 || metaCalls.Load() != 4 {
		t.Fatalf("result %+v", res)
	}
	if !res.Samples[1].Counted || !res.Samples[2].Counted || res.Samples[0].Counted {
		t.Errorf("counted flags %+v", res.Samples)
	}
	// Without the filter the vote goes the other way.
	j.Meta = nil
	c.prompts = nil
	res, _ = j.Judge(context.Background(), "q", []string{"a", "b"})
	if res.Scores[0] != 24 || res.Scores[1] != 17 {
		t.Errorf("plain vote %v", res.Scores)
	}
}

func TestGRMMetaTiesRandom(t *testing.T) {
	// Four judgements with equal meta scores, keep 1: which one counts is
	// drawn with Rand, reproducibly from its seed, and every one can win.
	replies := []string{"\\boxed{1}", "\\boxed{2}", "\\boxed{3}", "\\boxed{4}"}
	seen := map[float64]bool{}
	for seed := range uint64(40) {
		run := func() float64 {
			c := &script{replies: replies}
			j := &GRMJudge{Completer: c, K: 4, Parallel: 1, KMeta: 1, Rand: rand.New(rand.NewPCG(seed, 1)),
				Meta: func(context.Context, GRMInput, string) (float64, error) { return 1, nil }}
			res, err := j.Judge(context.Background(), "q", []string{"a"})
			if err != nil || res.Counted != 1 {
				t.Fatalf("%v %v", res, err)
			}
			return res.Scores[0]
		}
		a := run()
		if b := run(); a != b {
			t.Fatalf("seed %d not reproducible: %v vs %v", seed, a, b)
		}
		seen[a] = true
	}
	if len(seen) != 4 {
		t.Errorf("tie winners seen: %v", seen)
	}
}

func TestGRMBestTies(t *testing.T) {
	c := &script{replies: []string{"\\boxed{5, 8, 8}"}}
	j := &GRMJudge{Completer: c, K: 2}
	best, res, err := j.Best(context.Background(), "q", []string{"a", "b", "c"})
	if err != nil || best != 1 || res.Scores[1] != 16 {
		t.Fatalf("Best = %d, %+v, %v", best, res, err)
	}
	seen := map[int]bool{}
	for seed := range uint64(30) {
		j.Rand = rand.New(rand.NewPCG(seed, 2))
		best, _, _ := j.Best(context.Background(), "q", []string{"a", "b", "c"})
		seen[best] = true
	}
	if len(seen) != 2 || seen[0] {
		t.Errorf("tie winners %v", seen)
	}
}

func TestGRMScoreAndErrors(t *testing.T) {
	c := &script{replies: []string{"Scores: \\boxed{10}", "Scores: \\boxed{4}"}}
	j := &GRMJudge{Completer: c, K: 2, Parallel: 1}
	got, err := j.Score(context.Background(), Sample{Prompt: "q", Completion: "a"})
	if err != nil || got != (7.0-1)/9 {
		t.Fatalf("Score = %v, %v", got, err)
	}

	c = &script{replies: []string{"\\boxed{11, 3}"}}
	_, err = (&GRMJudge{Completer: c, K: 2}).Judge(context.Background(), "q", []string{"a", "b"})
	var je *JudgeError
	if !errors.As(err, &je) || !errors.Is(err, ErrJudgeReply) || je.Judge != "grm" {
		t.Errorf("all unparseable: %v", err)
	}

	boom := errors.New("boom")
	_, err = (&GRMJudge{Completer: CompleterFunc(func(context.Context, string) (string, error) { return "", boom })}).Judge(context.Background(), "q", []string{"a"})
	if !errors.Is(err, boom) {
		t.Errorf("completer error: %v", err)
	}
	_, err = (&GRMJudge{Completer: &script{replies: []string{"\\boxed{3}"}}, Meta: func(context.Context, GRMInput, string) (float64, error) { return math.NaN(), nil }}).Judge(context.Background(), "q", []string{"a"})
	if err == nil {
		t.Error("NaN meta score accepted")
	}
	for i, bad := range []*GRMJudge{{Completer: c, K: -1}, {Completer: c, Parallel: -1}, {Completer: c, KMeta: -1}, {Completer: c, Min: 3, Max: 1}, {Completer: c, Attempts: -1}, {}} {
		if _, err := bad.Judge(context.Background(), "q", []string{"a"}); err == nil {
			t.Errorf("config %d accepted", i)
		}
	}
	if _, err := (&GRMJudge{Completer: c}).Judge(context.Background(), "q", nil); err == nil {
		t.Error("no responses accepted")
	}
}

func TestGRMParallelBound(t *testing.T) {
	var inFlight, peak atomic.Int32
	release := make(chan struct{})
	j := &GRMJudge{K: 8, Parallel: 3, Completer: CompleterFunc(func(ctx context.Context, _ string) (string, error) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		inFlight.Add(-1)
		return "\\boxed{5}", nil
	})}
	go func() {
		for range 8 {
			release <- struct{}{}
		}
	}()
	res, err := j.Judge(context.Background(), "q", []string{"a"})
	if err != nil || res.Counted != 8 || res.Scores[0] != 40 {
		t.Fatalf("%+v %v", res, err)
	}
	if p := peak.Load(); p > 3 {
		t.Errorf("peak in flight %d > 3", p)
	}
}

// One GRMJudge with Rand set, used from many goroutines (as a Scorer or
// a server does): its tie-breaking draws must not race (go test -race).
func TestGRMConcurrentRand(t *testing.T) {
	c := CompleterFunc(func(_ context.Context, prompt string) (string, error) {
		n := strings.Count(prompt, "[Response ")
		return "Final Scores: \\boxed{" + strings.TrimSuffix(strings.Repeat("5.5, ", n), ", ") + "}", nil
	})
	j := &GRMJudge{Completer: c, K: 4, Parallel: 2, Rand: rand.New(rand.NewPCG(1, 2)),
		Meta: func(context.Context, GRMInput, string) (float64, error) { return 1, nil }}
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < 20; k++ {
				if _, _, err := j.Best(ctx, "q", []string{"a", "b", "c"}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	scores, errs, err := (&Scorer{Reward: j, Parallelism: 8}).ScoreAll(ctx, samplesOf("a", "b", "c", "d", "e", "f", "g", "h"))
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	for i := range scores {
		if errs[i] != nil || scores[i] != 0.5 {
			t.Errorf("samples[%d] = %v, %v; want 0.5", i, scores[i], errs[i])
		}
	}
}

// A critique whose last number happens to lie on the scale is not taken
// for the score: the judge asks again and gets a marked score.
func TestPointwiseRetriesUnmarkedReply(t *testing.T) {
	c := &script{replies: []string{
		"The response covers 3 of the 4 cases correctly and explains them clearly.",
		"Score: 8",
	}}
	j := &PointwiseJudge{Completer: c}
	got, err := j.Rate(context.Background(), Sample{Prompt: "p", Completion: "c"})
	if err != nil || got != 8 || len(c.prompts) != 2 {
		t.Errorf("Rate = %v, %v after %d calls; want 8 after 2", got, err, len(c.prompts))
	}
}
