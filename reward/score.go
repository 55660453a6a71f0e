package reward

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Scorer scores many samples concurrently.
//
// The zero value of every field except Reward is usable. A Scorer may be
// used by several goroutines at once; it holds no state between calls.
type Scorer struct {
	// Reward is the reward to evaluate. Required.
	Reward Reward
	// Parallelism is the maximum number of concurrent Score calls.
	// Default (0): runtime.GOMAXPROCS(0). Negative is an error. It does not
	// apply to a Reward that implements BatchScorer, which is called once
	// with the whole slice.
	Parallelism int
	// Timeout is the per-sample deadline given to each Score call. Default
	// (0): none. For a BatchScorer it bounds the single ScoreBatch call.
	// Negative is an error.
	//
	// The deadline holds even for a reward that ignores its context: a
	// sample whose Score has not returned by then gets an error wrapping
	// context.DeadlineExceeded at the deadline, and its late result is
	// discarded. Go cannot stop such a call, so it keeps running in its
	// own goroutine until it returns, and it keeps its Parallelism slot
	// until then: later samples of the same ScoreAll wait for the slot, so
	// at most Parallelism Score calls of one ScoreAll ever run at once.
	// ScoreAll returns as soon as every sample has its result; up to
	// Parallelism abandoned calls (one for a BatchScorer) may still be
	// running then. The same holds when ctx ends before a call returns.
	// ScoreAllSettled also tells when those calls have returned.
	Timeout time.Duration
}

// ScoreAll scores samples with r using a zero-configured Scorer
// (Parallelism GOMAXPROCS, no timeout). See Scorer.ScoreAll.
func ScoreAll(ctx context.Context, r Reward, samples []Sample) (scores []float64, errs []error, err error) {
	s := Scorer{Reward: r}
	return s.ScoreAll(ctx, samples)
}

// ScoreAll returns one score per sample and one error per sample (nil on success).
// A sample whose reward returned ErrSkip gets NaN and an error that wraps ErrSkip;
// a failed sample gets NaN and its error; the other samples are unaffected.
// It uses BatchScorer when the reward implements it. The returned error is non-nil only
// when ctx was cancelled before all samples were scored (it then wraps ctx.Err(), and
// every sample that was not scored gets NaN and an error wrapping ctx.Err()), or when
// the Scorer itself is misconfigured (nil Reward, negative Parallelism or Timeout).
//
// Per-sample errors name the sample ("reward: samples[3]: ...") and wrap the
// reward's error, so errors.Is(errs[i], ErrSkip) reports "not applicable".
// A panic inside the reward is recovered and becomes that sample's error.
// A reward that returns NaN or ±Inf without an error gets an error for that
// sample (use ErrSkip to say "not applicable"): every score that ScoreAll
// returns with a nil error is finite. ScoreAll fills dst with NaN before
// calling ScoreBatch, so an entry a BatchScorer leaves unwritten (without
// an error) is reported as an error too.
func (s *Scorer) ScoreAll(ctx context.Context, samples []Sample) (scores []float64, errs []error, err error) {
	return s.scoreAll(ctx, samples, nil)
}

// ScoreAllSettled is ScoreAll that also returns settled, a channel closed
// once every Score (or ScoreBatch) call the scoring started has returned.
// It is closed on return unless a call was abandoned at its deadline or
// at ctx's end (see Timeout), and then when the last such call returns,
// which may be never for a reward that never returns. A caller that
// bounds its total concurrency (a server's request slots) holds its slot
// until settled is closed.
func (s *Scorer) ScoreAllSettled(ctx context.Context, samples []Sample) (scores []float64, errs []error, settled <-chan struct{}, err error) {
	var t tracker
	scores, errs, err = s.scoreAll(ctx, samples, &t)
	return scores, errs, t.settled(), err
}

// tracker counts the reward calls of one ScoreAll still running.
type tracker struct {
	wg      sync.WaitGroup
	pending atomic.Int64
}

func (t *tracker) start() {
	if t != nil {
		t.wg.Add(1)
		t.pending.Add(1)
	}
}

func (t *tracker) end() {
	if t != nil {
		t.pending.Add(-1)
		t.wg.Done()
	}
}

// settled returns a channel closed when no call is running: closed
// already when none is.
func (t *tracker) settled() <-chan struct{} {
	ch := make(chan struct{})
	if t.pending.Load() == 0 {
		close(ch)
		return ch
	}
	go func() {
		t.wg.Wait()
		close(ch)
	}()
	return ch
}

func (s *Scorer) scoreAll(ctx context.Context, samples []Sample, t *tracker) (scores []float64, errs []error, err error) {
	if s == nil || s.Reward == nil {
		return nil, nil, errors.New("reward: Scorer.Reward is nil")
	}
	if s.Parallelism < 0 {
		return nil, nil, fmt.Errorf("reward: Scorer.Parallelism is negative (%d)", s.Parallelism)
	}
	if s.Timeout < 0 {
		return nil, nil, fmt.Errorf("reward: Scorer.Timeout is negative (%v)", s.Timeout)
	}
	scores = make([]float64, len(samples))
	errs = make([]error, len(samples))
	if len(samples) == 0 {
		return scores, errs, nil
	}
	if bs, ok := wantsBatch(s.Reward); ok {
		return s.scoreBatch(ctx, bs, samples, scores, errs, t)
	}
	return s.scoreEach(ctx, samples, scores, errs, t)
}

// scoreEach runs Score per sample on a pool of at most Parallelism
// workers. A worker whose call was abandoned at its deadline records the
// sample's error at once, then waits for the call to return before it
// takes another sample (it is parked): so no more than Parallelism Score
// calls of this ScoreAll ever run at once. scoreEach returns when every
// worker has either finished or parked, and either no sample is left or
// ctx has ended; a parked worker that wakes after that exits.
func (s *Scorer) scoreEach(ctx context.Context, samples []Sample, scores []float64, errs []error, t *tracker) ([]float64, []error, error) {
	workers := s.Parallelism
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > len(samples) {
		workers = len(samples)
	}
	n := len(samples)
	done := make([]bool, n)
	var (
		mu     sync.Mutex
		cond   = sync.NewCond(&mu)
		next   int       // the next sample to take
		active = workers // workers neither finished nor parked
		closed bool      // scoreEach has returned: write nothing more
	)
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		cond.Broadcast()
		mu.Unlock()
	})
	defer stop()
	worker := func() {
		for {
			mu.Lock()
			if closed || next >= n || ctx.Err() != nil {
				t.end()
				active--
				cond.Broadcast()
				mu.Unlock()
				return
			}
			i := next
			next++
			mu.Unlock()

			v, abandoned, e := s.scoreOne(ctx, samples[i])

			mu.Lock()
			if !closed {
				scores[i], errs[i] = finish(i, v, e)
				done[i] = true
			}
			if abandoned == nil {
				mu.Unlock()
				continue
			}
			active-- // parked until the abandoned call returns
			cond.Broadcast()
			mu.Unlock()
			<-abandoned
			mu.Lock()
			if closed {
				t.end()
				mu.Unlock()
				return
			}
			active++
			mu.Unlock()
		}
	}
	for w := 0; w < workers; w++ {
		t.start()
		go worker()
	}
	mu.Lock()
	for active > 0 || next < n && ctx.Err() == nil {
		cond.Wait()
	}
	closed = true
	mu.Unlock()
	return scores, errs, cancelled(ctx, scores, errs, done)
}

// scoreOne calls Score with the per-sample timeout and recovers a panic.
// When the deadline (or the caller's cancellation) comes first, it returns
// at once with an error wrapping ctx's error, and abandoned, a channel
// closed when the Score call, which runs on in its own goroutine, returns
// (its late result is discarded); abandoned is nil otherwise.
func (s *Scorer) scoreOne(parent context.Context, smp Sample) (v float64, abandoned <-chan struct{}, err error) {
	ctx := parent
	if s.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(parent, s.Timeout)
		defer cancel() // an abandoned call's ctx is done already
	}
	if ctx.Done() == nil {
		// Nothing can end the call early: no goroutine needed.
		v, err = s.call(ctx, smp)
		return v, nil, err
	}
	type result struct {
		v   float64
		err error
	}
	out := make(chan result, 1)
	returned := make(chan struct{})
	go func() {
		v, err := s.call(ctx, smp)
		out <- result{v, err}
		close(returned)
	}()
	select {
	case r := <-out:
		return r.v, nil, r.err
	case <-ctx.Done():
		select {
		case r := <-out: // returned right at the deadline
			return r.v, nil, r.err
		default:
		}
		if parent.Err() == nil {
			return math.NaN(), returned, fmt.Errorf("Score did not return within the Timeout (%v): %w", s.Timeout, ctx.Err())
		}
		return math.NaN(), returned, fmt.Errorf("Score did not return before the context ended: %w", parent.Err())
	}
}

// call calls Score and recovers a panic.
func (s *Scorer) call(ctx context.Context, smp Sample) (v float64, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, err = math.NaN(), fmt.Errorf("Score panicked: %v", p)
		}
	}()
	return s.Reward.Score(ctx, smp)
}

// scoreBatch makes one ScoreBatch call and validates what it wrote. The
// call writes into buffers of its own, copied out only when it returns in
// time: one that outlives its deadline runs on in its own goroutine and
// its late results are discarded.
func (s *Scorer) scoreBatch(ctx context.Context, bs BatchScorer, samples []Sample, scores []float64, errs []error, t *tracker) ([]float64, []error, error) {
	bctx := ctx
	if s.Timeout > 0 {
		var cancel context.CancelFunc
		bctx, cancel = context.WithTimeout(ctx, s.Timeout)
		defer cancel()
	}
	type result struct {
		dst []float64
		raw []error
		err error
	}
	call := func() (r result) {
		r.dst = make([]float64, len(samples))
		r.raw = make([]error, len(samples))
		for i := range r.dst {
			r.dst[i] = math.NaN()
		}
		defer func() {
			if p := recover(); p != nil {
				r.err = fmt.Errorf("ScoreBatch panicked: %v", p)
			}
		}()
		r.err = bs.ScoreBatch(bctx, samples, r.dst, r.raw)
		return r
	}
	var r result
	if bctx.Done() == nil {
		r = call()
	} else {
		out := make(chan result, 1)
		t.start()
		go func() {
			r := call()
			t.end() // before the send, so the call counts as returned
			out <- r
		}()
		select {
		case r = <-out:
		case <-bctx.Done():
			select {
			case r = <-out: // returned right at the deadline
			default:
				r.err = fmt.Errorf("ScoreBatch did not return within the Timeout (%v): %w", s.Timeout, bctx.Err())
			}
		}
	}
	if r.err != nil {
		if ctx.Err() != nil {
			// No sample counts as scored.
			return scores, errs, cancelled(ctx, scores, errs, make([]bool, len(samples)))
		}
		for i := range scores {
			scores[i], errs[i] = finish(i, math.NaN(), r.err)
		}
		return scores, errs, nil
	}
	for i := range scores {
		scores[i], errs[i] = finish(i, r.dst[i], r.raw[i])
	}
	return scores, errs, nil
}

// finish turns a raw (score, error) pair into the pair ScoreAll reports
// for sample i.
func finish(i int, v float64, err error) (float64, error) {
	if err != nil {
		return math.NaN(), &sampleError{i, err}
	}
	if math.IsNaN(v) {
		return math.NaN(), &sampleError{i, errors.New("score is NaN without an error (return ErrSkip for not applicable)")}
	}
	if math.IsInf(v, 0) {
		return math.NaN(), &sampleError{i, fmt.Errorf("score is %v", v)}
	}
	return v, nil
}

// sampleError is a per-sample error of ScoreAll: "reward: samples[i]: err".
type sampleError struct {
	i   int
	err error
}

func (e *sampleError) Error() string { return fmt.Sprintf("reward: samples[%d]: %v", e.i, e.err) }
func (e *sampleError) Unwrap() error { return e.err }

// batchPreferrer is implemented by composite rewards (Weighted) that
// implement BatchScorer only to pass batches through to their components;
// the Scorer uses their batch path only when prefersBatch reports that a
// component benefits from it.
type batchPreferrer interface{ prefersBatch() bool }

// wantsBatch reports whether the Scorer should use r's ScoreBatch.
func wantsBatch(r Reward) (BatchScorer, bool) {
	bs, ok := r.(BatchScorer)
	if !ok {
		return nil, false
	}
	if p, ok := r.(batchPreferrer); ok && !p.prefersBatch() {
		return nil, false
	}
	return bs, true
}

// cancelled fills the samples that were never scored when ctx ended and
// returns the overall error; it returns nil when every sample was scored.
func cancelled(ctx context.Context, scores []float64, errs []error, done []bool) error {
	cerr := ctx.Err()
	if cerr == nil {
		return nil
	}
	missing := 0
	for i, d := range done {
		if !d {
			missing++
			scores[i] = math.NaN()
			errs[i] = fmt.Errorf("reward: samples[%d]: not scored: %w", i, cerr)
		} else if errs[i] != nil && errors.Is(errs[i], cerr) {
			// Interrupted by the caller's cancellation, not a failure of its own.
			missing++
		}
	}
	if missing == 0 {
		return nil
	}
	return fmt.Errorf("reward: scoring stopped with %d of %d samples unscored: %w", missing, len(done), cerr)
}

// ScoreVectors scores every sample with every component of v, each
// component through a copy of s with Reward set to it (so Parallelism and
// Timeout apply per component), and returns the reward vectors row by row:
// vecs[i][k] is component k's score of sample i, NaN when it skipped or
// failed, with errs[i][k] its error as ScoreAll reports it. s.Reward is
// ignored. The returned error is non-nil when s is misconfigured, a
// component is nil, or ctx ended before all samples were scored.
func (s *Scorer) ScoreVectors(ctx context.Context, v Vector, samples []Sample) (vecs [][]float64, errs [][]error, err error) {
	if s == nil {
		return nil, nil, errors.New("reward: Scorer is nil")
	}
	vecs = make([][]float64, len(samples))
	errs = make([][]error, len(samples))
	flat := make([]float64, len(samples)*len(v))
	flatErr := make([]error, len(samples)*len(v))
	for i := range samples {
		vecs[i] = flat[i*len(v) : (i+1)*len(v)]
		errs[i] = flatErr[i*len(v) : (i+1)*len(v)]
	}
	for k, r := range v {
		if r == nil {
			return nil, nil, fmt.Errorf("reward: ScoreVectors: Vector[%d] is nil", k)
		}
		c := *s
		c.Reward = r
		sc, es, err := c.ScoreAll(ctx, samples)
		if sc == nil && err != nil {
			return nil, nil, err
		}
		for i := range samples {
			vecs[i][k], errs[i][k] = sc[i], es[i]
		}
		if err != nil {
			for k2 := k + 1; k2 < len(v); k2++ {
				for i := range samples {
					vecs[i][k2] = math.NaN()
					errs[i][k2] = fmt.Errorf("reward: samples[%d]: not scored: %w", i, ctx.Err())
				}
			}
			return vecs, errs, fmt.Errorf("reward: ScoreVectors: Vector[%d]: %w", k, err)
		}
	}
	return vecs, errs, nil
}
