package curriculum

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestFillBatch(t *testing.T) {
	// Groups: prompt i's rewards are all equal when i % 3 == 0.
	i := 0
	draw := func() (int, []float64, error) {
		i++
		if i%3 == 0 {
			return i, []float64{1, 1, 1}, nil
		}
		return i, []float64{1, 0, 1}, nil
	}
	got, st, err := FillBatch(5, 0, draw)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 2, 4, 5, 7}; !slices.Equal(got, want) {
		t.Fatalf("kept %v, want %v", got, want)
	}
	if st != (FillStats{Drawn: 7, Kept: 5, Dropped: 2}) {
		t.Fatalf("stats %+v", st)
	}
}

// TestFillBatchMissingRewards: NaN rewards are missing; a group is kept
// only when its present rewards differ.
func TestFillBatchMissingRewards(t *testing.T) {
	nan := math.NaN()
	groups := [][]float64{
		{nan, nan, nan}, // nothing present
		{1, nan, 1},     // equal present rewards
		{nan, 0, nan},   // one present
		{nan, 0, 1},     // kept
		{1, 0, nan},     // kept
	}
	i := 0
	got, st, err := FillBatch(2, 0, func() (int, []float64, error) { i++; return i - 1, groups[i-1], nil })
	if err != nil || !slices.Equal(got, []int{3, 4}) || st != (FillStats{Drawn: 5, Kept: 2, Dropped: 3}) {
		t.Fatalf("kept %v, %+v, %v; want [3 4] after dropping 3", got, st, err)
	}
}

func TestFillBatchCannotFill(t *testing.T) {
	// A policy that solves (or fails) everything gives no usable group.
	rng := rand.New(rand.NewPCG(1, 1))
	draw := func() (string, []float64, error) {
		if rng.IntN(10) == 0 {
			return "mixed", []float64{0, 1}, nil
		}
		return "flat", []float64{0, 0}, nil
	}
	got, st, err := FillBatch(8, 20, draw)
	if !errors.Is(err, ErrBatchNotFilled) {
		t.Fatalf("err = %v, want ErrBatchNotFilled", err)
	}
	if st.Drawn != 20 || st.Kept != len(got) || st.Kept+st.Dropped != st.Drawn || st.Kept >= 8 {
		t.Fatalf("stats %+v, kept %d", st, len(got))
	}
	if !strings.Contains(err.Error(), "20 draws") {
		t.Errorf("error %q does not say how many draws", err)
	}
}

func TestFillBatchErrors(t *testing.T) {
	ok := func() (int, []float64, error) { return 0, []float64{0, 1}, nil }
	boom := errors.New("server down")
	for name, f := range map[string]func() error{
		"n = 0":        func() error { _, _, err := FillBatch(0, 0, ok); return err },
		"maxDraws < 0": func() error { _, _, err := FillBatch(1, -1, ok); return err },
		"nil draw":     func() error { _, _, err := FillBatch[int](1, 0, nil); return err },
		"no rewards": func() error {
			_, _, err := FillBatch(1, 0, func() (int, []float64, error) { return 0, nil, nil })
			return err
		},
		"Inf reward": func() error {
			_, _, err := FillBatch(1, 0, func() (int, []float64, error) { return 0, []float64{0, math.Inf(-1)}, nil })
			return err
		},
		"draw's error": func() error {
			_, _, err := FillBatch(1, 0, func() (int, []float64, error) { return 0, nil, boom })
			return err
		},
	} {
		if err := f(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	_, _, err := FillBatch(1, 0, func() (int, []float64, error) { return 0, nil, boom })
	if !errors.Is(err, boom) {
		t.Errorf("draw's error not wrapped: %v", err)
	}
}
