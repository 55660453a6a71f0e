package llama

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// expectedTruncated returns the distribution tokenSampler.draw samples
// from, computed directly: softmax(z/T), the TopK largest (ties by lower
// id), then the shortest prefix reaching TopP of their mass, renormalised.
func expectedTruncated(z []float32, opt SampleOptions) []float64 {
	n := len(z)
	p := make([]float64, n)
	mx := slices.Max(z)
	for i, v := range z {
		p[i] = math.Exp(float64(v-mx) / opt.Temperature)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(p[b], p[a]) })
	keep := n
	if opt.TopK > 0 && opt.TopK < n {
		keep = opt.TopK
	}
	var kept float64
	for _, i := range idx[:keep] {
		kept += p[i]
	}
	if opt.TopP > 0 && opt.TopP < 1 {
		var c float64
		for j, i := range idx[:keep] {
			c += p[i]
			if c >= opt.TopP*kept {
				keep, kept = j+1, c
				break
			}
		}
	}
	q := make([]float64, n)
	for _, i := range idx[:keep] {
		q[i] = p[i] / kept
	}
	return q
}

func TestDrawTruncation(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	z := make([]float32, 64)
	for i := range z {
		z[i] = float32(rng.NormFloat64() * 2)
	}
	z[10], z[11] = z[3], z[3] // ties
	var ts tokenSampler
	ts.reset(len(z))
	for _, opt := range []SampleOptions{
		{Temperature: 1},
		{Temperature: 0.7, TopK: 5},
		{Temperature: 1.3, TopP: 0.6},
		{Temperature: 1, TopK: 12, TopP: 0.8},
		{Temperature: 1, TopK: 1},
	} {
		want := expectedTruncated(z, opt)
		const draws = 20000
		count := make([]int, len(z))
		r := rand.New(rand.NewPCG(2, 3))
		for range draws {
			count[ts.draw(z, slices.Max(z), &opt, r)]++
		}
		for i, c := range count {
			f := float64(c) / draws
			se := math.Sqrt(want[i]*(1-want[i])/draws) + 1e-9
			if want[i] == 0 && c > 0 || math.Abs(f-want[i]) > 5*se {
				t.Errorf("%+v: token %d drawn %.4f, want %.4f", opt, i, f, want[i])
			}
		}
	}
}

// TestDrawExtremeTemperatures: a temperature too small for float32 is
// greedy, a huge one uniform.
func TestDrawExtremeTemperatures(t *testing.T) {
	z := []float32{0.5, 3, -1, 2.9}
	var ts tokenSampler
	ts.reset(len(z))
	r := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		if tok := ts.draw(z, 3, &SampleOptions{Temperature: 1e-300}, r); tok != 1 {
			t.Fatalf("temperature 1e-300 drew %d, want the argmax 1", tok)
		}
		if tok := ts.draw(z, 3, &SampleOptions{Temperature: 1e-30, TopP: 0.5}, r); tok != 1 {
			t.Fatalf("temperature 1e-30 drew %d, want the argmax 1", tok)
		}
	}
	count := make([]int, len(z))
	for range 4000 {
		count[ts.draw(z, 3, &SampleOptions{Temperature: 1e300}, r)]++
	}
	for i, c := range count {
		if c < 850 || c > 1150 {
			t.Errorf("temperature 1e300: token %d drawn %d times of 4000, want about 1000", i, c)
		}
	}
}

func TestSelectTop(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	for trial := 0; trial < 200; trial++ {
		n := 1 + rng.IntN(80)
		v := make([]int, n)
		for i := range v {
			v[i] = rng.IntN(10) // many ties
		}
		less := func(a, b int) int {
			if c := cmp.Compare(v[b], v[a]); c != 0 {
				return c
			}
			return a - b
		}
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		k := 1 + rng.IntN(n)
		selectTop(idx, k, less)
		got := slices.Clone(idx[:k])
		slices.SortFunc(got, less)
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		slices.SortFunc(all, less)
		if !slices.Equal(got, all[:k]) {
			t.Fatalf("n=%d k=%d: selected %v, want %v", n, k, got, all[:k])
		}
	}
}

// TestModePicker: trials of each mode open every window (the team's end
// once it has lost); the faster mode takes the rest; the window grows while the team loses.
func TestModePicker(t *testing.T) {
	var p modePicker
	run := func(team, alone time.Duration, steps int) (teamSteps int) {
		for range steps {
			if p.team() {
				teamSteps++
				p.done(team)
			} else {
				p.done(alone)
			}
		}
		return teamSteps
	}
	if n := run(time.Microsecond, 2*time.Microsecond, minPickWindow); n != minPickWindow-pickTrial {
		t.Errorf("team faster: %d team steps of %d, want %d", n, minPickWindow, minPickWindow-pickTrial)
	}
	if p.window != minPickWindow {
		t.Errorf("window %d after the team won, want %d", p.window, minPickWindow)
	}
	if n := run(5*time.Microsecond, time.Microsecond, minPickWindow); n != 1 {
		t.Errorf("team slower: %d team steps, want only 1 trial (it took longer than all %d alone)", n, pickTrial)
	}
	if p.window != 2*minPickWindow {
		t.Errorf("window %d after the team lost, want %d", p.window, 2*minPickWindow)
	}
}
