package reward

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

func words(n int) string { return strings.TrimSpace(strings.Repeat("w ", n)) }

func TestCompletionLength(t *testing.T) {
	cases := []struct {
		s    Sample
		want int
		err  bool
	}{
		{Sample{Completion: "  a b\tc\n d "}, 4, false},
		{Sample{Completion: ""}, 0, false},
		{Sample{Completion: "a b", Meta: map[string]any{MetaCompletionTokens: 17}}, 17, false},
		{Sample{Completion: "a b", Meta: map[string]any{MetaCompletionTokens: float64(9)}}, 9, false},
		{Sample{Completion: "a b", Meta: map[string]any{MetaCompletionTokens: int64(5)}}, 5, false},
		{Sample{Completion: "a b", Meta: map[string]any{MetaCompletionTokens: 2.5}}, 0, true},
		{Sample{Completion: "a b", Meta: map[string]any{MetaCompletionTokens: -1}}, 0, true},
		{Sample{Completion: "a b", Meta: map[string]any{MetaCompletionTokens: "7"}}, 0, true},
		{Sample{Completion: "a b", Meta: map[string]any{"other": 7}}, 2, false},
	}
	for i, c := range cases {
		got, err := CompletionLength(c.s)
		if (err != nil) != c.err || (!c.err && got != c.want) {
			t.Errorf("case %d: CompletionLength = %d, %v; want %d (err %v)", i, got, err, c.want, c.err)
		}
		if c.err && err != nil && !strings.Contains(err.Error(), MetaCompletionTokens) {
			t.Errorf("case %d: error does not name the key: %v", i, err)
		}
	}
}

func TestOverlong(t *testing.T) {
	ctx := context.Background()
	o := Overlong{MaxLength: 10, Cache: 4}
	// Band is (6, 10]: 0 at ≤6, −k/4 at 6+k, −1 beyond 10.
	want := map[int]float64{0: 0, 6: 0, 7: -0.25, 8: -0.5, 9: -0.75, 10: -1, 11: -1, 100: -1}
	for n, w := range want {
		got, err := o.Score(ctx, Sample{Completion: words(n)})
		if err != nil || math.Abs(got-w) > 1e-15 {
			t.Errorf("L=%d: %v, %v; want %v", n, got, err, w)
		}
	}
	// Defaults: 20480 / 4096, via Meta token counts.
	d := Overlong{}
	for n, w := range map[int]float64{16384: 0, 18432: -0.5, 20480: -1, 30000: -1} {
		got, err := d.Score(ctx, Sample{Meta: map[string]any{MetaCompletionTokens: n}})
		if err != nil || math.Abs(got-w) > 1e-15 {
			t.Errorf("default L=%d: %v, %v; want %v", n, got, err, w)
		}
	}
	// A zero Cache is usable with any MaxLength: a fifth of it.
	for _, c := range []struct {
		lmax, n int
		want    float64
	}{
		{1024, 820, 0}, {1024, 922, -0.5}, {1024, 1024, -1}, {1024, 1025, -1},
		{5, 4, 0}, {5, 5, -1}, {4, 3, 0}, {4, 4, -1}, {1, 0, 0}, {1, 2, -1},
	} {
		got, err := Overlong{MaxLength: c.lmax}.Score(ctx, Sample{Meta: map[string]any{MetaCompletionTokens: c.n}})
		if err != nil || math.Abs(got-c.want) > 1e-15 {
			t.Errorf("MaxLength %d, zero Cache, L=%d: %v, %v; want %v", c.lmax, c.n, got, err, c.want)
		}
	}
	// Custom length function: characters.
	c := Overlong{MaxLength: 4, Cache: 2, Length: func(s Sample) (int, error) { return len(s.Completion), nil }}
	if got, _ := c.Score(ctx, Sample{Completion: "abc"}); got != -0.5 {
		t.Errorf("custom length: %v", got)
	}
	for _, bad := range []Overlong{{MaxLength: -1}, {Cache: -1}, {MaxLength: 10, Cache: 11}} {
		if _, err := bad.Score(ctx, Sample{}); err == nil || !strings.Contains(err.Error(), "Overlong.") {
			t.Errorf("%+v accepted: %v", bad, err)
		}
	}
	failing := Overlong{Length: func(Sample) (int, error) { return 0, errors.New("no tokenizer") }}
	if _, err := failing.Score(ctx, Sample{}); err == nil {
		t.Error("length error swallowed")
	}
	neg := Overlong{Length: func(Sample) (int, error) { return -3, nil }}
	if _, err := neg.Score(ctx, Sample{}); err == nil {
		t.Error("negative length accepted")
	}
}

func TestLengthPenalty(t *testing.T) {
	ctx := context.Background()
	if got, _ := (LengthPenalty{}).Score(ctx, Sample{Completion: words(500)}); math.Abs(got+0.5) > 1e-12 {
		t.Errorf("default: %v, want -0.5", got)
	}
	if got, _ := (LengthPenalty{PerToken: 0.1, Free: 3}).Score(ctx, Sample{Completion: words(5)}); math.Abs(got+0.2) > 1e-12 {
		t.Errorf("free allowance: %v, want -0.2", got)
	}
	if got, _ := (LengthPenalty{PerToken: 0.1, Free: 30}).Score(ctx, Sample{Completion: words(5)}); got != 0 {
		t.Errorf("under allowance: %v, want 0", got)
	}
	// Off is expressed by the combining weight, not by PerToken.
	off := Weighted{{Name: "len", Reward: LengthPenalty{}, Weight: 0}, {Name: "one", Reward: Func(func(context.Context, Sample) (float64, error) { return 1, nil }), Weight: 1}}
	if got, err := off.Score(ctx, Sample{Completion: words(5000)}); err != nil || got != 1 {
		t.Errorf("LengthPenalty with weight 0: %v, %v; want 1", got, err)
	}
	for _, bad := range []LengthPenalty{{PerToken: -1}, {PerToken: math.NaN()}, {Free: -2}} {
		if _, err := bad.Score(ctx, Sample{}); err == nil || !strings.Contains(err.Error(), "LengthPenalty.") {
			t.Errorf("%+v accepted: %v", bad, err)
		}
	}
}

func TestRepetition(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		text string
		n    int
		want float64
	}{
		{"", 3, 0},
		{"a b", 3, 0},
		{"a b c d e", 3, 0},
		{"a b a b a b", 2, 1 - 2.0/5}, // bigrams: ab ba ab ba ab → 2 unique of 5
		{"A b A B a b", 2, 1 - 2.0/5}, // case-insensitive
		{"x x x x", 1, 0.75},
	}
	for _, c := range cases {
		got := RepeatedNGramFraction(c.text, c.n)
		if math.Abs(got-c.want) > 1e-12 {
			t.Errorf("RepeatedNGramFraction(%q, %d) = %v, want %v", c.text, c.n, got, c.want)
		}
	}
	got, err := (Repetition{N: 2, MaxPenalty: -0.5}).Score(ctx, Sample{Completion: "a b a b a b"})
	if err != nil || math.Abs(got-(-0.5*0.6)) > 1e-12 {
		t.Errorf("Repetition = %v, %v", got, err)
	}
	got, _ = (Repetition{}).Score(ctx, Sample{Completion: "go go go go go"}) // trigrams all equal: 1 − 1/3
	if math.Abs(got-(-2.0/3)) > 1e-12 {
		t.Errorf("default Repetition = %v", got)
	}
	for _, bad := range []Repetition{{N: -1}, {MaxPenalty: 1}, {MaxPenalty: math.Inf(-1)}} {
		if _, err := bad.Score(ctx, Sample{}); err == nil || !strings.Contains(err.Error(), "Repetition.") {
			t.Errorf("%+v accepted: %v", bad, err)
		}
	}
}

// DAPO's overlong shaping added to a correctness reward.
func ExampleOverlong() {
	correct := constR(1)
	r := Weighted{
		{Name: "correct", Reward: correct, Weight: 1},
		{Name: "overlong", Reward: Overlong{MaxLength: 100, Cache: 20}, Weight: 1},
	}
	for _, n := range []int{50, 90, 120} {
		s := Sample{Meta: map[string]any{MetaCompletionTokens: n}}
		v, _ := r.Score(context.Background(), s)
		fmt.Printf("%d tokens: %.1f\n", n, v)
	}
	// Output:
	// 50 tokens: 1.0
	// 90 tokens: 0.5
	// 120 tokens: 0.0
}
