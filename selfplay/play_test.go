package selfplay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"

	"github.com/evolve-go/evolve/policy"
)

// script is a scripted player: reply gives the text of completion j of
// prompt under the request's seed. Completions carry one token each (j+2)
// and a log-prob, so that their batches lay out for training.
func script(reply func(prompt string, j int, seed uint64) string) policy.GeneratorFunc {
	return func(ctx context.Context, req policy.GenerateRequest) ([][]policy.Completion, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out := make([][]policy.Completion, len(req.Prompts))
		for i, p := range req.Prompts {
			for j := range max(req.N, 1) {
				out[i] = append(out[i], policy.Completion{Prompt: i, PromptTokens: []int{1}, Text: reply(p, j, req.Seed),
					Tokens: []int{2 + j}, LogProbs: []float64{-1}})
			}
		}
		return out, nil
	}
}

// failing is a player whose calls fail from call number from on (counting
// from 1) with err, or, when err is nil, cancel ctx's round.
type failing struct {
	mu     sync.Mutex
	calls  int
	from   int
	err    error
	cancel context.CancelFunc
	next   policy.Generator
}

func (f *failing) Generate(ctx context.Context, req policy.GenerateRequest) ([][]policy.Completion, error) {
	f.mu.Lock()
	f.calls++
	n := f.calls
	f.mu.Unlock()
	if n >= f.from {
		if f.cancel != nil {
			f.cancel()
			return nil, ctx.Err()
		}
		return nil, f.err
	}
	return f.next.Generate(ctx, req)
}

var errBoom = errors.New("boom")

// wantRoundError checks that err is a *RoundError of game, role and round.
func wantRoundError(t *testing.T, err error, game, role string, round int) {
	t.Helper()
	var re *RoundError
	if !errors.As(err, &re) || re.Game != game || re.Role != role || re.Round != round {
		t.Fatalf("error %v, want a RoundError of %s/%s round %d", err, game, role, round)
	}
}

// jsonTrip returns s after a JSON round trip.
func jsonTrip[S any](t *testing.T, s S) S {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out S
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

// nearAll compares two slices of rewards, NaN equal to NaN.
func nearAll(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !(near(a[i], b[i]) || math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}

// checkBatch checks a batch's prompts, rewards (NaN equal to NaN) and
// pairs, and that it lays out for training.
func checkBatch(t *testing.T, b Batch, prompts []string, rewards []float64, pairs []policy.Pair) {
	t.Helper()
	if !reflect.DeepEqual(b.Prompts, prompts) || !nearAll(b.Rewards, rewards) || !reflect.DeepEqual(b.Pairs, pairs) {
		t.Errorf("%s batch: prompts %q rewards %v pairs %v\nwant %q %v %v", b.Role, b.Prompts, b.Rewards, b.Pairs, prompts, rewards, pairs)
	}
	if _, err := b.Rollouts(); err != nil {
		t.Errorf("%s: %v", b.Role, err)
	}
}

// game is what the state tests need of a game.
type game[S any] interface {
	State() S
	Restore(S) error
}

// checkRestore plays warm rounds of a, takes its state through JSON,
// plays one more round of a, restores b from that state and checks that b
// plays the round as a did and ends in the same state.
func checkRestore[G game[S], S any](t *testing.T, a, b G, warm int, play func(G) (any, error)) {
	t.Helper()
	for range warm {
		if _, err := play(a); err != nil {
			t.Fatal(err)
		}
	}
	s := jsonTrip(t, a.State())
	want, err := play(a)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Restore(s); err != nil {
		t.Fatal(err)
	}
	got, err := play(b)
	if err != nil {
		t.Fatal(err)
	}
	// Printed, so that NaN equals NaN.
	if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
		t.Errorf("restored round:\n%s\nuninterrupted:\n%s", g, w)
	}
	if fmt.Sprint(a.State()) != fmt.Sprint(b.State()) {
		t.Error("restored game ends in another state")
	}
}

// checkCancel plays a round of g that a player cancels halfway (cancelBy
// installs it and returns a function that puts the honest player back),
// checks that the state is as before and that g then plays the round as
// want says an uninterrupted game does.
func checkCancel[G game[S], S any](t *testing.T, g G, want any, cancelBy func(context.CancelFunc) func(),
	play func(context.Context, G) (any, error)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	undo := cancelBy(cancel)
	before := fmt.Sprint(g.State())
	if _, err := play(ctx, g); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled round: %v", err)
	}
	if after := fmt.Sprint(g.State()); after != before {
		t.Fatalf("state changed by a cancelled round:\n%s\n%s", before, after)
	}
	undo()
	got, err := play(context.Background(), g)
	if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); err != nil || g != w {
		t.Errorf("replayed round (%v):\n%s\nuninterrupted:\n%s", err, g, w)
	}
}
