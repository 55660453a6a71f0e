package curriculum

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// banditNames are the keys of bandits, in a fixed order.
func banditNames(t testing.TB) []string {
	names := make([]string, 0, 9)
	for name := range bandits(t, 1) {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// checkUsable fails t unless b, restored from a state file, works: 20
// rounds of Select and Update, finite probabilities that sum to 1, and a
// state that restores to itself.
func checkUsable(t *testing.T, b Bandit, fresh func() Bandit) {
	k := b.Arms()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		a, err := b.Select(rng)
		if err != nil || a < 0 || a >= k {
			t.Fatalf("Select = %d, %v on %d arms", a, err, k)
		}
		if err := b.Update(a, 0.5); err != nil {
			t.Fatalf("Update(%d, 0.5): %v", a, err)
		}
	}
	if p, ok := b.(Prober); ok {
		sum := 0.0
		for _, x := range p.Probabilities(nil) {
			if math.IsNaN(x) || x < 0 || x > 1 {
				t.Fatalf("probability %v", x)
			}
			sum += x
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Fatalf("probabilities sum to %v", sum)
		}
	}
	state, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	b2 := fresh()
	if err := json.Unmarshal(state, b2); err != nil {
		t.Fatalf("own state rejected: %v\n%s", err, state)
	}
	if again, _ := json.Marshal(b2); !bytes.Equal(again, state) {
		t.Fatalf("state changed by a round trip:\n%s\n%s", state, again)
	}
}

// FuzzBanditState restores arbitrary state files into each kind of
// bandit: a state is rejected with an error, or gives a bandit that
// works; never a panic.
func FuzzBanditState(f *testing.F) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i, name := range banditNames(f) {
		e := bandits(f, 3)[name]
		play(f, e.b, []float64{0.2, 0.5, 0.7}, 30, rng)
		state, _ := json.Marshal(e.b)
		f.Add(uint8(i), state)
	}
	for _, s := range []string{`{"kind":"sec","alpha":0.5,"temperature":1,"q":[1e308,-1e308]}`,
		`{"kind":"exp3","gamma":0.3,"log_weights":[5,3]}`, `{"kind":"ucb1","n":[],"sum":[]}`, `null`, `{}`} {
		f.Add(uint8(0), []byte(s))
	}
	f.Fuzz(func(t *testing.T, kind uint8, state []byte) {
		names := banditNames(t)
		e := bandits(t, 3)[names[int(kind)%len(names)]]
		b := e.fresh()
		if b.(json.Unmarshaler).UnmarshalJSON(state) != nil {
			return
		}
		checkUsable(t, b, e.fresh)
	})
}

// FuzzCurriculumState restores arbitrary state files into a curriculum:
// a rejected state leaves it as it was; an accepted one gives a
// curriculum that hands out tasks of the arm drawn.
func FuzzCurriculumState(f *testing.F) {
	pools := [][]int{{10, 11}, {20}, {30, 31, 32}}
	build := func(t testing.TB) *Curriculum[int] {
		c, err := New(first(NewSEC(len(pools), SECConfig{})), pools, Config{})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := build(f)
	rng := rand.New(rand.NewPCG(5, 6))
	for range 7 {
		arm, _, _ := c.Next(rng)
		c.Observe(arm, []float64{1, 0, 1})
	}
	state, _ := json.Marshal(c)
	f.Add(state)
	f.Add([]byte(`{"bandit":{"kind":"sec","alpha":0.5,"temperature":1,"q":[0,0,0]},"order":[[1,0],[0],[2,0,1]],"pos":[2,0,3],"stats":[{},{},{}]}`))
	f.Add([]byte(`{"bandit":null,"order":[[0,0]],"pos":[-1],"stats":[{"draws":-1}]}`))
	f.Fuzz(func(t *testing.T, state []byte) {
		c := build(t)
		before, _ := json.Marshal(c)
		if err := c.UnmarshalJSON(state); err != nil {
			if after, _ := json.Marshal(c); !bytes.Equal(after, before) {
				t.Fatalf("rejected state %q changed the curriculum: %v\n%s\n%s", state, err, before, after)
			}
			return
		}
		rng := rand.New(rand.NewPCG(7, 8))
		for range 10 {
			arm, task, err := c.Next(rng)
			if err != nil || !slices.Contains(pools[arm], task) {
				t.Fatalf("Next = arm %d task %d, %v", arm, task, err)
			}
			if err := c.Observe(arm, []float64{1, 0}); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzRewardChangeState restores arbitrary state files into a
// RewardChange signal: rejected, or a signal that gives finite values.
func FuzzRewardChangeState(f *testing.F) {
	f.Add([]byte(`{"prev":[0.5,0,1],"seen":[true,false,true]}`))
	f.Add([]byte(`{"prev":[1e308],"seen":[true]}`))
	f.Add([]byte(`{"prev":[],"seen":[]}`))
	f.Fuzz(func(t *testing.T, state []byte) {
		var c RewardChange
		if c.UnmarshalJSON(state) != nil {
			return
		}
		for arm := range len(c.prev) {
			for _, rs := range [][]float64{{1, 0}, {-1e6, 3}, {math.NaN()}} {
				v, err := c.Signal(arm, rs)
				if err == nil && (math.IsNaN(v) || math.IsInf(v, 0) || v < 0) {
					t.Fatalf("Signal(%d, %v) = %v", arm, rs, v)
				}
			}
		}
	})
}
