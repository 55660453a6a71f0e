package parallel

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

func TestDoRunsEveryCallWithinLimit(t *testing.T) {
	const n, limit = 50, 3
	var running, peak atomic.Int32
	seen := make([]bool, n)
	err := Do(context.Background(), n, limit, func(_ context.Context, i int) error {
		r := running.Add(1)
		for {
			p := peak.Load()
			if r <= p || peak.CompareAndSwap(p, r) {
				break
			}
		}
		seen[i] = true
		running.Add(-1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, ok := range seen {
		if !ok {
			t.Errorf("call %d did not run", i)
		}
	}
	if p := peak.Load(); p > limit {
		t.Errorf("%d calls ran at once, limit %d", p, limit)
	}
}

func TestDoFirstErrorCancelsTheRest(t *testing.T) {
	boom := errors.New("boom")
	var started atomic.Int32
	err := Do(context.Background(), 100, 1, func(ctx context.Context, i int) error {
		started.Add(1)
		if i == 2 {
			return boom
		}
		return ctx.Err()
	})
	if err != boom {
		t.Fatalf("Do returned %v, want %v", err, boom)
	}
	if s := started.Load(); s != 3 {
		t.Errorf("%d calls started, want 3", s)
	}
}

func TestDoDoneContextStartsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Do(ctx, 10, 2, func(context.Context, int) error {
		t.Error("call started after the context was done")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
