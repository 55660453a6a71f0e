package reward

import (
	"math"
	"testing"
)

// FuzzParseJudgeScore checks that arbitrary replies parse to a finite
// score or an ErrJudgeReply error, never a panic.
func FuzzParseJudgeScore(f *testing.F) {
	for _, s := range []string{"Score: 7/10", "**Rating:** 8", "7.5 out of 10", "[[6]]", "\\boxed{4}", "Grade (1-10): 6", "nothing", "[[1e999]]", "-", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, reply string) {
		v, d, err := ParseJudgeScore(reply)
		if err != nil {
			return
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || math.IsNaN(d) || math.IsInf(d, 0) || d < 0 {
			t.Fatalf("ParseJudgeScore(%q) = %v, %v", reply, v, d)
		}
		if _, err := checkJudgeScore(reply, 1, 10); err == nil && (v < 1 || v > 10) {
			t.Fatalf("out-of-range %v accepted", v)
		}
	})
}

// FuzzParseJudgeScores checks that a successful parse has exactly n
// finite scores.
func FuzzParseJudgeScores(f *testing.F) {
	for _, s := range []string{"Final Scores: \\boxed{7, 5}", "[[8, 3]]", "Scores: 6, 9", "Response 1: 7\nResponse 2: 4", "Response 99999999999999999999: 1", "\\boxed{"} {
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, reply string, n uint8) {
		k := int(n%8) + 1
		got, err := ParseJudgeScores(reply, k)
		if err != nil {
			return
		}
		if len(got) != k {
			t.Fatalf("ParseJudgeScores(%q, %d) = %v", reply, k, got)
		}
		for _, v := range got {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("non-finite score %v", v)
			}
		}
	})
}

// FuzzParseVerdict checks that a verdict is one of the three.
func FuzzParseVerdict(f *testing.F) {
	for _, s := range []string{"[[A]]", "[[C]]", "The winner is B", "tie", "A", "", "[[a]] [[B"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, reply string) {
		v, err := ParseVerdict(reply)
		if err == nil && v != VerdictA && v != VerdictB && v != VerdictTie {
			t.Fatalf("ParseVerdict(%q) = %v", reply, v)
		}
	})
}
