package reward

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestCanonicalAnswer(t *testing.T) {
	same := []string{`\boxed{\frac{1}{2}}`, "so 0.5", "it is 0.50.", `\boxed{0.5}`, "1/2"}
	for _, s := range same {
		if got, ok := CanonicalAnswer(s); !ok || got != "0.5" {
			t.Errorf("CanonicalAnswer(%q) = %q, %v; want 0.5", s, got, ok)
		}
	}
	if got, _ := CanonicalAnswer(`\boxed{ Paris. }`); got != "paris" {
		t.Errorf("text answer = %q", got)
	}
	if got, _ := CanonicalAnswer("about 50%"); got != "50%" {
		t.Errorf("percent answer = %q", got)
	}
	if got, _ := CanonicalAnswer(`\boxed{-0}`); got != "0" {
		t.Errorf("-0 = %q", got)
	}
	if _, ok := CanonicalAnswer("no answer"); ok {
		t.Error("answer found in text without one")
	}
	if _, ok := CanonicalAnswer(`\boxed{ }`); ok {
		t.Error("blank box accepted")
	}
}

func TestMajorityVote(t *testing.T) {
	v := MajorityVote([]string{"b", "", "a", "a", "b", "c"})
	if v.Answer != "b" || v.Count != 2 || v.Valid != 5 || v.Total != 6 {
		t.Errorf("tie to first appearance: %+v", v)
	}
	v = MajorityVote([]string{"", ""})
	if v.Answer != "" || v.Count != 0 || v.Valid != 0 || v.Total != 2 || v.Agreement() != 0 || v.Uncertainty() != 0 {
		t.Errorf("all unparseable: %+v", v)
	}
	v = MajorityVote(nil)
	if v != (Vote{}) || v.Agreement() != 0 {
		t.Errorf("empty: %+v", v)
	}
	for _, c := range []struct {
		answers []string
		p, unc  float64
	}{
		{[]string{"1", "1", "1", "1"}, 1, 0},
		{[]string{"1", "1", "2", "3"}, 0.5, 1},
		{[]string{"1", "1", "1", "2"}, 0.75, 0.5},
		{[]string{"1", "", "", ""}, 0.25, 0.5},
	} {
		v := MajorityVote(c.answers)
		if math.Abs(v.Agreement()-c.p) > 1e-15 || math.Abs(v.Uncertainty()-c.unc) > 1e-15 {
			t.Errorf("%v: p̂ %v unc %v; want %v %v", c.answers, v.Agreement(), v.Uncertainty(), c.p, c.unc)
		}
	}
}

func TestMajority(t *testing.T) {
	group := samplesOf(`\boxed{4}`, "I get 4.", "maybe 5", "no idea", `\boxed{\frac{8}{2}}`)
	got, err := Majority{}.ScoreGroup(context.Background(), group)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{1, 1, 0, 0, 1}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("rewards = %v, want %v", got, want)
			break
		}
	}
	got, err = Majority{}.ScoreGroup(context.Background(), samplesOf("x", "y"))
	if err != nil || got[0] != 0 || got[1] != 0 {
		t.Errorf("all unparseable: %v %v", got, err)
	}
	got, err = Majority{}.ScoreGroup(context.Background(), nil)
	if err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
	if _, err := MajorityRewards(make([]float64, 1), []string{"a", "b"}); err == nil {
		t.Error("length mismatch accepted")
	}
	var _ GroupReward = Majority{}
	var _ GroupReward = EvolRL{}
}

func TestCollectiveVote(t *testing.T) {
	models := [][]string{
		{"1", "1", "1", "2"}, // SC 0.75
		{"2", "2", "3", "4"}, // SC 0.5
		{"2", "5", "6", ""},  // SC 0.25
	}
	// support(1) = 0.75·3 = 2.25; support(2) = 0.75·1 + 0.5·2 + 0.25·1 = 2.0,
	// although "2" wins a pooled count 4 to 3.
	rewards, c := CollectiveRewards(models)
	if c.Answer != "1" || math.Abs(c.Support-2.25) > 1e-15 {
		t.Errorf("vote = %+v, want answer 1 with support 2.25", c)
	}
	wantSC := []float64{0.75, 0.5, 0.25}
	for n := range wantSC {
		if c.SC[n] != wantSC[n] {
			t.Errorf("SC = %v, want %v", c.SC, wantSC)
		}
	}
	if rewards[0][0] != 1 || rewards[0][3] != 0 || rewards[1][0] != 0 || rewards[2][3] != 0 {
		t.Errorf("rewards = %v", rewards)
	}
	// Equal SC: a pooled majority; an exact tie goes to the first appearance.
	if c := CollectiveVote([][]string{{"a", "b"}, {"b", "a"}}); c.Answer != "a" {
		t.Errorf("tie: %+v", c)
	}
	// Thirds are compared exactly: "y" has 1/3+1/3+1/3 = 1, "x" has 1/3+1/3+... = 1 too.
	if c := CollectiveVote([][]string{{"x", "y", "z"}, {"y", "x", "w"}, {"y", "x", "v"}}); c.Answer != "x" {
		t.Errorf("exact tie with thirds: %+v", c)
	}
	c = CollectiveVote([][]string{{}, {"", ""}})
	if c.Answer != "" || c.Support != 0 || len(c.SC) != 2 || c.SC[0] != 0 {
		t.Errorf("nothing parseable: %+v", c)
	}
}

// fixedEmbedder returns the vectors it holds, in order.
type fixedEmbedder [][]float64

func (f fixedEmbedder) Embed(_ context.Context, texts []string) ([][]float64, error) {
	if len(texts) != len(f) {
		return nil, fmt.Errorf("fixedEmbedder: %d texts, %d vectors", len(texts), len(f))
	}
	return f, nil
}

func TestEvolRL(t *testing.T) {
	// Majority A = {0,1,2}, minority B = {3,4}, 5 unparseable.
	// s̄: 0,1 → (1+0)/2; 2 → 0; 3,4 → 1. m: all 1 (e2 ≈ e5, e0 = e1, e3 = e4).
	// u: 0.25, 0.25, 0.5 | 0, 0 → ũ: 0, 0, 1 | 0.5, 0.5.
	emb := fixedEmbedder{{1, 0, 0}, {2, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0, 0, 3}, {0, 1, 0}}
	group := samplesOf(`\boxed{A}`, `\boxed{A}`, `\boxed{a}`, `\boxed{B}`, `\boxed{B}`, "none")
	got, err := EvolRL{Embedder: emb}.ScoreGroup(context.Background(), group)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.5, 0.5, 1, -0.75, -0.75, -1}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("rewards = %v, want %v", got, want)
		}
	}
	// α = 1: only s̄ counts; u = 1 − s̄: 0.5, 0.5, 1 | 0, 0 → same ũ.
	dst := make([]float64, 6)
	v, err := EvolRLRewards(dst, []string{"A", "A", "A", "B", "B", ""}, emb, 1)
	if err != nil || v.Answer != "A" || v.Count != 3 {
		t.Fatalf("vote %+v err %v", v, err)
	}
	for i := range want {
		if math.Abs(dst[i]-want[i]) > 1e-12 {
			t.Fatalf("α=1 rewards = %v, want %v", dst, want)
		}
	}
	// Rewards stay in the documented ranges for arbitrary groups.
	texts := []string{`\boxed{1} short`, `long reasoning then \boxed{1}`, `\boxed{1}`, `\boxed{2} other idea`, `\boxed{3}`, "???", `\boxed{2}`}
	got, err = EvolRL{}.ScoreGroup(context.Background(), samplesOf(texts...))
	if err != nil {
		t.Fatal(err)
	}
	answers := Answers(samplesOf(texts...), nil)
	for i, r := range got {
		switch {
		case answers[i] == "":
			if r != -1 {
				t.Errorf("unparseable %d: %v", i, r)
			}
		case answers[i] == "1":
			if r < 0.5 || r > 1 {
				t.Errorf("majority %d: %v", i, r)
			}
		default:
			if r < -1 || r > -0.5 {
				t.Errorf("minority %d: %v", i, r)
			}
		}
	}
}

func TestEvolRLEdges(t *testing.T) {
	ctx := context.Background()
	got, err := EvolRL{}.ScoreGroup(ctx, nil)
	if err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
	got, err = EvolRL{}.ScoreGroup(ctx, samplesOf("x", "y"))
	if err != nil || got[0] != -1 || got[1] != -1 {
		t.Errorf("all unparseable: %v %v", got, err)
	}
	got, err = EvolRL{}.ScoreGroup(ctx, samplesOf(`\boxed{7}`))
	if err != nil || got[0] != 0.75 {
		t.Errorf("single response: %v %v", got, err)
	}
	for _, a := range []float64{-0.1, 1.5, math.NaN()} {
		if _, err := (EvolRL{Alpha: a}).ScoreGroup(ctx, samplesOf("1")); err == nil || !strings.Contains(err.Error(), "Alpha") {
			t.Errorf("Alpha %v: %v", a, err)
		}
	}
	// MaxOnly is α = 0 exactly.
	grp := samplesOf(`a b \boxed{1}`, `a b c \boxed{1}`, `x y z w \boxed{1}`, `q \boxed{2}`)
	want := make([]float64, len(grp))
	vecs, _ := HashEmbedder{}.Embed(ctx, []string{grp[0].Completion, grp[1].Completion, grp[2].Completion, grp[3].Completion})
	if _, err := EvolRLRewards(want, Answers(grp, nil), vecs, 0); err != nil {
		t.Fatal(err)
	}
	got, err = EvolRL{MaxOnly: true}.ScoreGroup(ctx, grp)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("MaxOnly: %v, %v; want α = 0's %v", got, err, want)
	}
	if half, _ := (EvolRL{}).ScoreGroup(ctx, grp); slices.Equal(half, want) {
		t.Errorf("test group does not tell α = 0 from α = 0.5: %v", half)
	}
	if _, err := (EvolRL{MaxOnly: true, Alpha: 0.3}).ScoreGroup(ctx, grp); err == nil || !strings.Contains(err.Error(), "MaxOnly") {
		t.Errorf("MaxOnly with Alpha 0.3: %v", err)
	}
	if _, err := (EvolRL{Embedder: fixedEmbedder{{1}}}).ScoreGroup(ctx, samplesOf("1", "2")); err == nil || !strings.Contains(err.Error(), "Embedder") {
		t.Errorf("embedder error: %v", err)
	}
	dst := make([]float64, 2)
	if _, err := EvolRLRewards(dst, []string{"a", "b"}, [][]float64{{1, 0}, {1}}, 0.5); err == nil || !strings.Contains(err.Error(), "emb[1]") {
		t.Errorf("ragged embeddings: %v", err)
	}
	if _, err := EvolRLRewards(dst, []string{"a", "b"}, [][]float64{{1, 0}, {math.NaN(), 0}}, 0.5); err == nil || !strings.Contains(err.Error(), "emb[1][0]") {
		t.Errorf("NaN embedding: %v", err)
	}
	if _, err := EvolRLRewards(dst, []string{"a"}, [][]float64{{1}}, 0.5); err == nil {
		t.Error("dst length mismatch accepted")
	}
	// Zero embeddings: similarity 0, no NaN.
	if _, err := EvolRLRewards(dst, []string{"a", "a"}, [][]float64{{0, 0}, {0, 0}}, 0.5); err != nil || dst[0] != 0.75 || dst[1] != 0.75 {
		t.Errorf("zero embeddings: %v %v", dst, err)
	}
	ctxc, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := (EvolRL{}).ScoreGroup(ctxc, samplesOf("1")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestHashEmbedder(t *testing.T) {
	ctx := context.Background()
	h := HashEmbedder{}
	vs, err := h.Embed(ctx, []string{
		"The quick brown fox jumps over the lazy dog",
		"the  QUICK brown fox jumps over the lazy dog",
		"The quick brown fox jumped over a lazy dog",
		"Integrate x squared from zero to one",
		"",
		"a",
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vs {
		if len(v) != 1024 {
			t.Fatalf("dim %d", len(v))
		}
		if n := dot(v, v); i != 4 && math.Abs(n-1) > 1e-12 {
			t.Errorf("vector %d has squared norm %v, want 1", i, n)
		}
	}
	if dot(vs[4], vs[4]) != 0 {
		t.Error("empty text should embed to zero")
	}
	if c := Cosine(vs[0], vs[1]); math.Abs(c-1) > 1e-12 {
		t.Errorf("case/space variants: cos %v, want 1", c)
	}
	near, far := Cosine(vs[0], vs[2]), Cosine(vs[0], vs[3])
	if !(near > 0.5 && far < 0.3 && near > far) {
		t.Errorf("similar %v vs unrelated %v", near, far)
	}
	again, _ := h.Embed(ctx, []string{"The quick brown fox jumps over the lazy dog"})
	for i := range again[0] {
		if again[0][i] != vs[0][i] {
			t.Fatal("not deterministic")
		}
	}
	if _, err := (HashEmbedder{N: -1}).Embed(ctx, nil); err == nil || !strings.Contains(err.Error(), "HashEmbedder.N") {
		t.Errorf("negative N: %v", err)
	}
	if _, err := (HashEmbedder{Dim: -1}).Embed(ctx, nil); err == nil || !strings.Contains(err.Error(), "HashEmbedder.Dim") {
		t.Errorf("negative Dim: %v", err)
	}
	small, _ := HashEmbedder{N: 2, Dim: 8}.Embed(ctx, []string{"ab"})
	if len(small[0]) != 8 {
		t.Errorf("Dim 8 gave %d", len(small[0]))
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func ExampleMajority() {
	group := []Sample{
		{Completion: `... so \boxed{12}`},
		{Completion: "The total is 12."},
		{Completion: `\boxed{\frac{24}{2}}`},
		{Completion: "I think 13"},
		{Completion: "no idea"},
	}
	rewards, _ := Majority{}.ScoreGroup(context.Background(), group)
	v := MajorityVote(Answers(group, nil))
	fmt.Println(rewards)
	fmt.Printf("label %s, p̂ %.1f, uncertainty %.1f\n", v.Answer, v.Agreement(), v.Uncertainty())
	// Output:
	// [1 1 1 0 0]
	// label 12, p̂ 0.6, uncertainty 0.8
}

func ExampleCollectiveVote() {
	// Three models, four samples each ("" = no answer).
	v := CollectiveVote([][]string{
		{"7", "7", "7", "9"}, // confident: SC 0.75
		{"9", "9", "8", "6"}, // SC 0.5
		{"9", "1", "2", ""},  // SC 0.25
	})
	fmt.Println(v.Answer, v.SC, v.Support)
	// Output: 7 [0.75 0.5 0.25] 2.25
}

func ExampleEvolRL() {
	// Two-dimensional embeddings make the novelty terms easy to follow:
	// responses 0 and 1 repeat each other, response 2 argues differently.
	emb := fixedEmbedder{{1, 0}, {1, 0}, {0, 1}, {0, 1}}
	group := []Sample{
		{Completion: `\boxed{5}`},
		{Completion: `\boxed{5}`},
		{Completion: `\boxed{5}`},
		{Completion: `\boxed{6}`},
	}
	r, _ := EvolRL{Embedder: emb}.ScoreGroup(context.Background(), group)
	fmt.Println(r)
	// Output: [0.5 0.5 1 -0.75]
}

func TestNormalizeMath(t *testing.T) {
	groups := [][]string{
		{"x^{2} + 1", "x^2+1", `x^2 \, + \! 1`, `\displaystyle x^{2}+1.`},
		{`\dfrac{a}{b}`, `\tfrac{a}{b}`, `\frac{a}{b}`, `\frac{a}{\,b}`},
		{`\text{New York}`, "new york", `\mathrm{New\ York}`},
		{`a_{n}`, "a_n", "A_N"},
	}
	for _, g := range groups {
		want := NormalizeMath(g[0])
		for _, s := range g[1:] {
			if got := NormalizeMath(s); got != want {
				t.Errorf("NormalizeMath(%q) = %q, NormalizeMath(%q) = %q; want equal", s, got, g[0], want)
			}
		}
	}
	if NormalizeMath("x^{12}") == NormalizeMath("x^12") {
		t.Error("x^{12} and x^12 differ in LaTeX (x^1 then 2) and must not merge")
	}
	if got := NormalizeMath(`\left(1, 2\right)`); got != "(1,2)" {
		t.Errorf("interval = %q", got)
	}
	if got, _ := CanonicalAnswer(`\boxed{x^{2} + 1}`); got != "x^2+1" {
		t.Errorf("CanonicalAnswer = %q", got)
	}
}
