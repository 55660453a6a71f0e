package monitor

import (
	"context"
	"math"
	"testing"

	"github.com/evolve-go/evolve/reward"
)

var nan = math.NaN()

// near reports whether got is want within 1e-12, NaN matching NaN.
func near(got, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return math.Abs(got-want) <= 1e-12
}

// Each signal against values worked out by hand from its definition.
func TestSignals(t *testing.T) {
	type sig func() (float64, error)
	for _, c := range []struct {
		name string
		f    sig
		want float64
	}{
		// "a b a b" has bigrams ab, ba, ab and "A b" has ab: 2 distinct of 4.
		{"distinct-2", func() (float64, error) { return DistinctN([]string{"a b a b", "A b"}, 2) }, 0.5},
		// Words a b a b a b: 2 distinct of 6.
		{"distinct-1", func() (float64, error) { return DistinctN([]string{"a b a b", "a  b"}, 1) }, 1.0 / 3},
		{"distinct of nothing", func() (float64, error) { return DistinctN([]string{"a", ""}, 2) }, nan},
		// Group 0: ab, bc twice (2 of 4); group 1: xy, yx (2 of 2).
		{"group distinct", func() (float64, error) {
			return GroupDistinctN([]string{"a b c", "x y", "a b c", "y x"}, []int{0, 1, 0, 1}, 2)
		}, 0.75},
		// Group 7: cosines 1, 0, 0 (mean 1/3); group 2: 0; group 5 has one row.
		{"group similarity", func() (float64, error) {
			return GroupSimilarity([][]float64{{1, 0}, {2, 0}, {0, 1}, {1, 1}, {1, -1}, {3, 3}}, []int{7, 7, 7, 2, 2, 5})
		}, 1.0 / 6},
		{"cross similarity", func() (float64, error) { return CrossSimilarity([][]float64{{1, 0}}, [][]float64{{1, 0}, {0, 1}}) }, 0.5},
		{"cross similarity, no previous step", func() (float64, error) { return CrossSimilarity([][]float64{{1, 0}}, nil) }, nan},
		// Groups: {1,1} flat, {0,1} not, {NaN,0} one present (flat), {0,0} flat.
		{"zero variance", func() (float64, error) {
			return ZeroVarianceShare([]float64{1, 1, 0, 1, nan, 0, 0, 0}, []int{0, 0, 1, 1, 2, 2, 3, 3})
		}, 0.75},
		// The same groups: {1,1} is solved; {NaN,0} and {0,0} are starved.
		{"starved", func() (float64, error) {
			return StarvedShare([]float64{1, 1, 0, 1, nan, 0, 0, 0}, []int{0, 0, 1, 1, 2, 2, 3, 3}, 0.5)
		}, 0.5},
		// Group 0: rows 0–2 selected (reward ≥ ½), rows 0 and 2 verified but
		// the same text: n' = 1, n = 3, n* = 2 → ½·⅓. Group 1: nothing
		// selected → 0.
		{"balance", func() (float64, error) {
			return Balance([]float64{1, 1, 1, 0, 0, 0}, []float64{1, 0, 1, 1, 1, 1}, []string{"a", "b", "a", "c", "d", "e"}, []int{0, 0, 0, 0, 1, 1}, 0.5, 2)
		}, 1.0 / 12},
		// Without texts rows 0 and 2 count twice: n' = 2 → 1·⅔.
		{"balance, rows not texts", func() (float64, error) {
			return Balance([]float64{1, 1, 1, 0, 0, 0}, []float64{1, 0, 1, 1, 1, 1}, nil, []int{0, 0, 0, 0, 1, 1}, 0.5, 2)
		}, 1.0 / 3},
		// Without verdicts the selected texts a, b, a are correct: n' = 2.
		{"balance, reward as verdict", func() (float64, error) {
			return Balance([]float64{1, 1, 1, 0, 0, 0}, nil, []string{"a", "b", "a", "c", "d", "e"}, []int{0, 0, 0, 0, 1, 1}, 0.5, 2)
		}, 1.0 / 3},
		// n* defaults to 8: group 0 has 3 correct of 3 → 3/8.
		{"balance, n* 8", func() (float64, error) { return Balance([]float64{1, 1, 1}, nil, nil, []int{0, 0, 0}, 0.5, 0) }, 3.0 / 8},
		// Group 0: pairs (0,1), (0,2) concordant, (1,2) discordant → ⅓;
		// group 1 reversed → −1; group 2's cur scores tie → left out.
		{"consistency", func() (float64, error) {
			return Consistency([]float64{1, 2, 3, 1, 2, 5, 6}, []float64{1, 3, 2, 2, 1, 4, 4}, []int{0, 0, 0, 1, 1, 2, 2})
		}, -1.0 / 3},
		{"consistency, none defined", func() (float64, error) { return Consistency([]float64{1, nan}, []float64{1, 2}, []int{0, 0}) }, nan},
		// Rows 1 and 2 disagree; row 4 has no reward.
		{"disagreement", func() (float64, error) {
			return Disagreement([]float64{1, 1, 0, 0, nan}, []float64{1, 0, 1, 0, 1}, 0.5)
		}, 0.5},
	} {
		got, err := c.f()
		if err != nil || !near(got, c.want) {
			t.Errorf("%s = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
}

// Bad input is an error, never a panic.
func TestSignalErrors(t *testing.T) {
	inf := math.Inf(1)
	for name, f := range map[string]func() (float64, error){
		"distinct n 0":            func() (float64, error) { return DistinctN([]string{"a"}, 0) },
		"group distinct lengths":  func() (float64, error) { return GroupDistinctN([]string{"a"}, []int{0, 0}, 2) },
		"negative group":          func() (float64, error) { return ZeroVarianceShare([]float64{1}, []int{-1}) },
		"infinite reward":         func() (float64, error) { return ZeroVarianceShare([]float64{inf}, []int{0}) },
		"starved threshold NaN":   func() (float64, error) { return StarvedShare([]float64{1}, []int{0}, nan) },
		"similarity lengths":      func() (float64, error) { return GroupSimilarity([][]float64{{1}, {1, 2}}, []int{0, 0}) },
		"similarity NaN":          func() (float64, error) { return GroupSimilarity([][]float64{{nan}}, []int{0}) },
		"cross lengths":           func() (float64, error) { return CrossSimilarity([][]float64{{1}}, [][]float64{{1, 2}}) },
		"balance verdict lengths": func() (float64, error) { return Balance([]float64{1}, []float64{1, 1}, nil, []int{0}, 0.5, 0) },
		"balance texts lengths":   func() (float64, error) { return Balance([]float64{1}, nil, []string{}, []int{0}, 0.5, 0) },
		"balance n*":              func() (float64, error) { return Balance([]float64{1}, nil, nil, []int{0}, 0.5, -1) },
		"balance threshold":       func() (float64, error) { return Balance([]float64{1}, nil, nil, []int{0}, inf, 0) },
		"consistency lengths":     func() (float64, error) { return Consistency([]float64{1}, []float64{1, 2}, []int{0}) },
		"disagreement lengths":    func() (float64, error) { return Disagreement([]float64{1}, nil, 0.5) },
		"disagreement infinite":   func() (float64, error) { return Disagreement([]float64{inf}, []float64{1}, 0.5) },
	} {
		if _, err := f(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSentences(t *testing.T) {
	for text, want := range map[string]float64{
		" and a fish. The end": 1, "! Wow": 1, " Where? Here": 1, " a fish.The": 0, " fish. the": 0, " fish fish fish": 0, "": 0, ".": 0,
	} {
		got, err := Sentences.Score(context.Background(), reward.Sample{Completion: text})
		if err != nil || got != want {
			t.Errorf("Sentences(%q) = %v, %v; want %v", text, got, err, want)
		}
	}
}
