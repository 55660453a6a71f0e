package curriculum

import (
	"math"
	"testing"
)

func TestBalanceScore(t *testing.T) {
	for _, c := range []struct {
		correct, selected, nStar int
		want                     float64
	}{
		{4, 8, 0, 0.5 * 0.5}, // n* defaults to 8
		{8, 8, 8, 1},
		{12, 16, 8, 0.75}, // min(12/8, 1)·12/16
		{2, 2, 8, 0.25},   // clean but too few
		{0, 5, 8, 0},
		{0, 0, 8, 0},
		{3, 6, 3, 0.5},
	} {
		got, err := BalanceScore(c.correct, c.selected, c.nStar)
		if err != nil || math.Abs(got-c.want) > 1e-15 {
			t.Errorf("BalanceScore(%d, %d, %d) = %v, %v; want %v", c.correct, c.selected, c.nStar, got, err, c.want)
		}
	}
	for _, c := range [][3]int{{3, 2, 8}, {-1, 2, 8}, {1, -2, 8}, {1, 2, -1}} {
		if _, err := BalanceScore(c[0], c[1], c[2]); err == nil {
			t.Errorf("BalanceScore%v: no error", c)
		}
	}
}

func TestChooseBStar(t *testing.T) {
	s := func(score float64, ok bool) ScoredSample { return ScoredSample{score, ok} }
	// Low temperature: few correct answers, all scored high. High
	// temperature: more correct answers, but wrong ones scored up to 0.6.
	low := TemperatureSamples{Temperature: 0.5, Queries: [][]ScoredSample{
		{s(0.9, true), s(0.9, true), s(0.2, false), s(0.1, false)},
		{s(0.8, true), s(0.3, false), s(0.3, false), s(0.2, false)},
	}}
	var q1, q2 []ScoredSample
	for i := range 10 {
		q1 = append(q1, s(0.8, true))
		if i < 4 {
			q2 = append(q2, s(0.7, true))
		}
	}
	q1 = append(q1, s(0.6, false), s(0.55, false), s(0.2, false))
	q2 = append(q2, s(0.6, false), s(0.6, false), s(0.1, false))
	high := TemperatureSamples{Temperature: 1.1, Queries: [][]ScoredSample{q1, q2}}
	th := []float64{0, 0.5, 0.65}
	ch, err := ChooseBStar([]TemperatureSamples{low, high}, th, 8)
	if err != nil {
		t.Fatal(err)
	}
	// Brute force by hand for (1.1, 0.65): q1 10/10 correct → 1·1; q2
	// 4/4 → 0.5·1; mean 0.75. At 0.5: q1 10/12 → 10/12, q2 4/6 → 0.5·4/6.
	want := [][]float64{
		{(0.25*0.5 + 0.125*0.25) / 2, (0.25 + 0.125) / 2, (0.25 + 0.125) / 2},
		{(10.0/13 + 0.5*4/7) / 2, (10.0/12 + 0.5*4.0/6) / 2, 0.75},
	}
	for i := range want {
		for j := range want[i] {
			if math.Abs(ch.Grid[i][j]-want[i][j]) > 1e-12 {
				t.Errorf("Grid[%d][%d] = %v, want %v", i, j, ch.Grid[i][j], want[i][j])
			}
		}
	}
	if ch.Temperature != 1.1 || ch.Threshold != 0.65 || ch.Score != 0.75 {
		t.Errorf("chose %+v, want temperature 1.1, threshold 0.65", ch)
	}
	for name, c := range map[string]struct {
		s  []TemperatureSamples
		th []float64
		n  int
	}{
		"no temperatures": {nil, th, 8},
		"no thresholds":   {[]TemperatureSamples{low}, nil, 8},
		"NaN threshold":   {[]TemperatureSamples{low}, []float64{math.NaN()}, 8},
		"NaN score":       {[]TemperatureSamples{{1, [][]ScoredSample{{s(math.NaN(), true)}}}}, th, 8},
		"no queries":      {[]TemperatureSamples{{Temperature: 1}}, th, 8},
		"bad temperature": {[]TemperatureSamples{{-1, low.Queries}}, th, 8},
		"bad n*":          {[]TemperatureSamples{low}, th, -1},
	} {
		if _, err := ChooseBStar(c.s, c.th, c.n); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
