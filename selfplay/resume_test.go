package selfplay

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// resumable is what checkResume needs of a game.
type resumable[R, S any] interface {
	Round(context.Context) (R, error)
	State() S
	Restore(S) error
}

// checkResume plays three rounds of a game from newGame. A second game
// plays one round, then one that the cancel installed by interrupt stops:
// that round must return the context's error and leave the state as it
// was. A third game, restored from the JSON of that state, must play the
// first game's rounds 2 and 3 (compared as printed, so that NaN rewards
// compare equal). checkResume returns the first game's rounds.
func checkResume[G resumable[R, S], R, S any](t *testing.T, newGame func() G, interrupt func(G, context.CancelFunc)) []R {
	t.Helper()
	ctx := context.Background()
	a := newGame()
	var want []R
	for range 3 {
		r, err := a.Round(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, r)
	}
	b := newGame()
	if _, err := b.Round(ctx); err != nil {
		t.Fatal(err)
	}
	before := b.State()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	interrupt(b, cancel)
	if _, err := b.Round(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled round: %v", err)
	}
	if !reflect.DeepEqual(b.State(), before) {
		t.Fatal("the cancelled round changed the state")
	}
	s := jsonTrip(t, b.State())
	c := newGame()
	if err := c.Restore(s); err != nil {
		t.Fatal(err)
	}
	for k, w := range want[1:] {
		r, err := c.Round(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprintf("%+v", r) != fmt.Sprintf("%+v", w) {
			t.Errorf("round %d after restore:\n%+v\nwant\n%+v", k+2, r, w)
		}
	}
	return want
}

// checkFailedRound checks that err, the error of round 2 of g after a
// round 1 that succeeded, is a *RoundError of game and role whose text
// holds msg, and that the failed round left g at round 1.
func checkFailedRound[G resumable[R, S], R, S any](t *testing.T, what string, g G, err error, name, role, msg string) {
	t.Helper()
	var re *RoundError
	if !errors.As(err, &re) || re.Game != name || re.Role != role || re.Round != 2 || !strings.Contains(err.Error(), msg) {
		t.Errorf("%s: %v, want a round 2 error of the %s %s holding %q", what, err, name, role, msg)
	}
	if s := fmt.Sprint(g.State()); !strings.HasPrefix(s, "{1 ") {
		t.Errorf("%s: the failed round left the state at %s", what, s)
	}
}
