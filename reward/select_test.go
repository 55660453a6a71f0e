package reward

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestTopFraction(t *testing.T) {
	nan := math.NaN()
	scores := []float64{0.1, 0.9, nan, 0.5, 0.9, 0.3, 0.7, 0.2, 0.0, 0.4, 0.6}
	// 10 valid scores; default α 0.2 keeps 2: the two 0.9s in index order.
	got, err := TopFraction(scores, 0)
	if err != nil || !reflect.DeepEqual(got, []int{1, 4}) {
		t.Errorf("default = %v, %v", got, err)
	}
	got, _ = TopFraction(scores, 0.25) // ⌈2.5⌉ = 3
	if !reflect.DeepEqual(got, []int{1, 4, 6}) {
		t.Errorf("α 0.25 = %v", got)
	}
	got, _ = TopFraction(scores, 1)
	if len(got) != 10 || got[9] != 8 {
		t.Errorf("α 1 = %v", got)
	}
	got, _ = TopFraction([]float64{nan, nan}, 0.5)
	if len(got) != 0 {
		t.Errorf("all NaN = %v", got)
	}
	got, _ = TopFraction(nil, 0.5)
	if len(got) != 0 {
		t.Errorf("empty = %v", got)
	}
	got, _ = TopFraction([]float64{3}, 0.01)
	if !reflect.DeepEqual(got, []int{0}) {
		t.Errorf("one sample keeps one: %v", got)
	}
	for _, a := range []float64{-0.1, 1.1, nan} {
		if _, err := TopFraction(scores, a); err == nil || !strings.Contains(err.Error(), "alpha") {
			t.Errorf("alpha %v: %v", a, err)
		}
	}
	if _, err := TopFraction([]float64{1, math.Inf(1)}, 0.5); err == nil || !strings.Contains(err.Error(), "scores[1]") {
		t.Errorf("Inf: %v", err)
	}
}

func TestBestOfK(t *testing.T) {
	nan := math.NaN()
	got, err := BestOfK([]float64{1, 3, 3, nan, nan, nan, 0, -1, nan}, 3)
	if err != nil || !reflect.DeepEqual(got, []int{1, -1, 6}) {
		t.Errorf("BestOfK = %v, %v", got, err)
	}
	if _, err := BestOfK([]float64{1, 2, 3}, 2); err == nil {
		t.Error("ragged groups accepted")
	}
	if _, err := BestOfK([]float64{1}, 0); err == nil {
		t.Error("k = 0 accepted")
	}
	if _, err := BestOfK([]float64{1, math.Inf(-1)}, 2); err == nil || !strings.Contains(err.Error(), "scores[1]") {
		t.Errorf("Inf: %v", err)
	}
	if got, err := BestOfK(nil, 4); err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
}

func TestSelectDirection(t *testing.T) {
	// (helpfulness, verbosity) of three candidates.
	vecs := [][]float64{{0.9, 0.9}, {0.7, 0.1}, {0.2, 0.0}}
	// Pure helpfulness picks 0; helpfulness with less verbosity picks 1.
	if i, v, err := SelectDirection(vecs, []float64{1, 0}); err != nil || i != 0 || v != 0.9 {
		t.Errorf("v=(1,0): %d %v %v", i, v, err)
	}
	if i, v, err := SelectDirection(vecs, []float64{0.6, -0.8}); err != nil || i != 1 || math.Abs(v-0.34) > 1e-12 {
		t.Errorf("v=(0.6,-0.8): %d %v %v", i, v, err)
	}
	if _, _, err := SelectDirection(vecs, []float64{3, 4}); err == nil || !strings.Contains(err.Error(), "norm") {
		t.Errorf("non-unit v: %v", err)
	}
	if _, _, err := SelectDirection([][]float64{{1}}, []float64{1, 0}); err == nil || !strings.Contains(err.Error(), "vectors[0]") {
		t.Errorf("ragged: %v", err)
	}
	if i, _, err := SelectDirection([][]float64{{math.NaN(), math.NaN()}, {0.1, math.NaN()}}, []float64{0.6, 0.8}); err != nil || i != 1 {
		t.Errorf("NaN components: %d %v", i, err)
	}
	if i, _, err := SelectDirection(nil, []float64{1}); err != nil || i != -1 {
		t.Errorf("no candidates: %d %v", i, err)
	}
}

type groupFunc func(ctx context.Context, g []Sample) ([]float64, error)

func (f groupFunc) ScoreGroup(ctx context.Context, g []Sample) ([]float64, error) { return f(ctx, g) }

func TestScoreGroups(t *testing.T) {
	gr := groupFunc(func(_ context.Context, g []Sample) ([]float64, error) {
		switch g[0].Completion {
		case "fail":
			return nil, errors.New("boom")
		case "short":
			return []float64{1}, nil
		case "panic":
			panic("kaboom")
		case "inf":
			return []float64{math.Inf(1), 0}, nil
		}
		out := make([]float64, len(g))
		for i := range g {
			out[i] = float64(i)
		}
		return out, nil
	})
	groups := [][]Sample{samplesOf("a", "b"), samplesOf("fail", "x"), samplesOf("short", "x"), samplesOf("panic"), samplesOf("inf", "x"), samplesOf("c", "d", "e")}
	scores, errs, err := ScoreGroups(context.Background(), gr, groups)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(scores[0], []float64{0, 1}) || errs[0] != nil || !reflect.DeepEqual(scores[5], []float64{0, 1, 2}) {
		t.Errorf("good groups: %v %v", scores, errs)
	}
	for g, want := range map[int]string{1: "boom", 2: "1 scores for 2", 3: "kaboom", 4: "Inf"} {
		if errs[g] == nil || !strings.Contains(errs[g].Error(), want) || !strings.Contains(errs[g].Error(), fmt.Sprintf("groups[%d]", g)) {
			t.Errorf("group %d: %v", g, errs[g])
		}
		if len(scores[g]) != len(groups[g]) || !math.IsNaN(scores[g][0]) {
			t.Errorf("group %d scores: %v", g, scores[g])
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	scores, errs, err = ScoreGroups(ctx, Majority{}, [][]Sample{samplesOf("1")})
	if !errors.Is(err, context.Canceled) || !errors.Is(errs[0], context.Canceled) || !math.IsNaN(scores[0][0]) {
		t.Errorf("cancelled: %v %v %v", scores, errs, err)
	}
	if _, _, err := ScoreGroups(context.Background(), nil, nil); err == nil {
		t.Error("nil GroupReward accepted")
	}
}

// RAFT: keep the best completion of each prompt, or the best 20 % overall.
func ExampleBestOfK() {
	scores := []float64{
		0.2, 0.9, 0.4, // prompt 0
		0.1, 0.3, 0.8, // prompt 1
	}
	best, _ := BestOfK(scores, 3)
	top, _ := TopFraction(scores, 0)
	fmt.Println(best, top)
	// Output: [1 5] [1 5]
}
