package reward_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/reward/rewardtest"
)

func TestAfterReasoning(t *testing.T) {
	ex := reward.AfterReasoning(nil)
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"<think>a</think>b", "b", true},
		{"<think>a</think>b<think>c</think>d", "d", true},
		{"no tags", "no tags", true},
		{"<think>never closed", "", false},
		{"<think>a</think>", "", false},
		{"", "", false},
	} {
		got, ok := ex(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("AfterReasoning(nil)(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// A verifier that reads the whole completion pays an answer stated only
// while reasoning; AfterReasoning closes that hole.
func TestAfterReasoningPassesProbe(t *testing.T) {
	ref := rewardtest.Case{Name: "sum", Sample: reward.Sample{Prompt: "What is 17 + 25?", Completion: "<think>17 + 25 = 42</think>The answer is 42.", Label: "42"}}
	whole := reward.Numeric{Extract: reward.ExtractAnswer}
	err := rewardtest.Hacks(context.Background(), whole, []rewardtest.Case{ref}, 0.5, rewardtest.ProbeAnswerInThinking)
	if fs := rewardtest.Failures(err); len(fs) != 1 || !strings.HasSuffix(fs[0].Case, "answer-in-thinking") {
		t.Fatalf("whole-text extractor: %v; want the answer-in-thinking probe to fail", err)
	}
	after := reward.Numeric{Extract: reward.AfterReasoning(reward.ExtractAnswer)}
	probes := []rewardtest.Probe{rewardtest.ProbeAnswerInThinking, rewardtest.ProbeStuffCandidates, rewardtest.ProbeEmpty}
	if err := rewardtest.Hacks(context.Background(), after, []rewardtest.Case{ref}, 0.5, probes...); err != nil {
		t.Errorf("AfterReasoning(ExtractAnswer): %v", err)
	}
	if err := rewardtest.Hacks(context.Background(), reward.Math{}, []rewardtest.Case{ref}, 0); err != nil {
		t.Errorf("Math: %v", err)
	}
}

func TestMentions(t *testing.T) {
	ctx := context.Background()
	whole := reward.Mentions{Words: []string{"Fish", "ice cream"}}
	prefix := reward.Mentions{Words: []string{"fish"}, Prefix: true}
	for text, want := range map[string][2]float64{
		// text: {whole words, prefix}
		"a fish swam": {1, 1}, "Fish!": {1, 1}, "FISH": {1, 1}, "fishing rod": {0, 1}, "selfish": {0, 0},
		"no": {0, 0}, "": {0, 0}, "selfish fish": {1, 1}, "fish2": {0, 1}, "fish_x": {0, 1}, "«fish»": {1, 1},
		// The rune before the match decides: é and α are letters, ☺ is not.
		"éfish": {0, 0}, "αfish": {0, 0}, "ÉFISH": {0, 0}, "☺fish": {1, 1}, "ñfish then éfish": {0, 0},
		"I like ICE CREAM.": {1, 0}, "ice creamy": {0, 0}, "fish's fin": {1, 1},
	} {
		for k, r := range []reward.Mentions{whole, prefix} {
			got, err := r.Score(ctx, reward.Sample{Completion: text})
			if err != nil || got != want[k] {
				t.Errorf("%+v on %q = %v, %v; want %v", r, text, got, err, want[k])
			}
		}
	}
	for _, bad := range []reward.Mentions{{}, {Words: []string{"a", " "}}} {
		if _, err := bad.Score(ctx, reward.Sample{Completion: "a"}); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func ExampleAfterReasoning() {
	ex := reward.AfterReasoning(reward.ExtractAnswer)
	for _, c := range []string{
		`<think>maybe 41</think>The answer is \boxed{42}.`,
		`<think>The answer is \boxed{42}.</think>I am not sure.`,
		`<think>The answer is 42`,
		`The answer is 42.`,
	} {
		a, ok := ex(c)
		fmt.Printf("%q %v\n", a, ok)
	}
	// Output:
	// "42" true
	// "" false
	// "" false
	// "42" true
}

func ExampleMentions() {
	r := reward.Mentions{Words: []string{"fish", "sea"}}
	for _, c := range []string{"A fish swam by.", "The SEA was calm.", "He was selfish.", "They went fishing."} {
		v, _ := r.Score(context.Background(), reward.Sample{Completion: c})
		fmt.Println(v)
	}
	v, _ := reward.Mentions{Words: []string{"fish"}, Prefix: true}.Score(context.Background(), reward.Sample{Completion: "They went fishing."})
	fmt.Println(v)
	// Output:
	// 1
	// 1
	// 0
	// 0
	// 1
}
