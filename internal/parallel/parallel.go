// Package parallel runs indexed calls on a bounded number of goroutines.
package parallel

import (
	"context"
	"sync"
)

// Do calls f(ctx, i) for i = 0, 1, …, n−1, each on its own goroutine, with
// at most limit calls running at a time (limit < 1 counts as 1), and waits
// for the calls it started.
//
// The first call to return an error cancels the context the other calls
// receive and stops Do from starting more; Do returns that error. Once ctx
// is done Do starts no more calls either, but it reports that only through
// the calls' own errors: a caller that needs every call to have run checks
// ctx.Err() when Do returns nil.
func Do(ctx context.Context, n, limit int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		sem      = make(chan struct{}, max(limit, 1))
	)
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := f(ctx, i); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return firstErr
}
