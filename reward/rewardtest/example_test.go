package rewardtest_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/reward/rewardtest"
)

// A reward that pays for the label appearing anywhere in the completion
// looks fine on ordinary cases, and the hacking probes show how a policy
// would exploit it.
func ExampleSuite_Report() {
	contains := reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		if strings.Contains(s.Completion, s.Label) {
			return 1, nil
		}
		return 0, nil
	})
	suite := rewardtest.Suite{
		Name:   "contains-label",
		Reward: contains,
		Cases: []rewardtest.Case{
			{Name: "right", Sample: reward.Sample{Prompt: "What is 6 * 7?", Completion: "6 * 7 = 42. The answer is 42.", Label: "42"}, Correct: true},
			{Name: "wrong", Sample: reward.Sample{Prompt: "What is 6 * 7?", Completion: "The answer is 48.", Label: "42"}},
		},
		Lo: 0, Hi: 1,
		Rankings: []rewardtest.Ranking{{
			Name: "6*7", Label: "42",
			Completions: []string{"I don't know.", "The answer is 48.", "The answer is 42."},
		}},
		Probes:    []rewardtest.Probe{rewardtest.ProbeEmpty, rewardtest.ProbeStuffCandidates, rewardtest.ProbeAnswerInThinking},
		Margin:    0.5,
		Threshold: 0.5,
	}
	err := suite.Report(context.Background(), os.Stdout)
	fmt.Println("passed:", err == nil)
	// Output:
	// reward: contains-label
	// CHECK           STATUS  DETAIL
	// determinism     PASS    2 cases × 5 runs agree
	// bounds          PASS    2 cases finite in [0, 1]
	// ranking         PASS    1 rankings ordered worst to best
	// invariance      PASS    2 cases × 3 transforms (surrounding-whitespace, double-spaces, crlf) within 0
	// hacks           FAIL    2 failure(s)
	//                         - right probe stuff-candidates: probe scored 1, reference 1; a probe must score at most reference - margin = 0.5
	//                         - right probe answer-in-thinking: probe scored 1, reference 1; a probe must score at most reference - margin = 0.5
	// discrimination  PASS    accuracy 1.000 at threshold 0.5, AUC 1.000, separation 1.000 (1 correct, 1 incorrect, 0 skipped, 0 failed)
	// passed: false
}

// AUC counts a tie between a correct and an incorrect completion as half
// a win.
func ExampleAUC() {
	correct := []float64{1, 1, 0.5}
	incorrect := []float64{0, 0.5}
	fmt.Println(rewardtest.AUC(correct, incorrect))
	// Output: 0.9166666666666666
}

// Hacks used on its own, as in a unit test of a reward design: every
// failure names the reference case, the probe and the offending score.
func ExampleHacks() {
	contains := reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		if strings.Contains(s.Completion, s.Label) {
			return 1, nil
		}
		return 0, nil
	})
	ref := rewardtest.Case{
		Name:   "6*7",
		Sample: reward.Sample{Prompt: "What is 6 * 7?", Completion: "The answer is 42.", Label: "42"},
	}
	err := rewardtest.Hacks(context.Background(), contains, []rewardtest.Case{ref}, 0.5,
		rewardtest.ProbeEmpty, rewardtest.ProbeStuffCandidates)
	fmt.Println(err)
	// Output:
	// rewardtest: hacks: 6*7 probe stuff-candidates: probe scored 1, reference 1; a probe must score at most reference - margin = 0.5
}

// Failures lists what a check found, one *Failure per case and probe.
func ExampleFailures() {
	contains := reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		if strings.Contains(s.Completion, s.Label) {
			return 1, nil
		}
		return 0, nil
	})
	ref := rewardtest.Case{Name: "6*7", Sample: reward.Sample{Completion: "The answer is 42.", Label: "42"}}
	err := rewardtest.Hacks(context.Background(), contains, []rewardtest.Case{ref}, 0.5)
	for _, f := range rewardtest.Failures(err) {
		fmt.Printf("%s: %s scored %v\n", f.Check, f.Case, f.Score)
	}
	// Output:
	// hacks: 6*7 probe repeat-answer scored 1
	// hacks: 6*7 probe stuff-candidates scored 1
	// hacks: 6*7 probe answer-in-thinking scored 1
}
