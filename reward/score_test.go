package reward

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func lenReward() Reward {
	return Func(func(_ context.Context, s Sample) (float64, error) {
		switch s.Completion {
		case "skip":
			return 0, ErrSkip
		case "fail":
			return 0, errors.New("boom")
		case "panic":
			panic("kaboom")
		case "nan":
			return math.NaN(), nil
		case "inf":
			return math.Inf(1), nil
		}
		return float64(len(s.Completion)), nil
	})
}

func samplesOf(cs ...string) []Sample {
	out := make([]Sample, len(cs))
	for i, c := range cs {
		out[i] = Sample{Completion: c}
	}
	return out
}

func TestScoreAllPerSampleOutcomes(t *testing.T) {
	for _, par := range []int{0, 1, 3, 100} {
		s := Scorer{Reward: lenReward(), Parallelism: par}
		scores, errs, err := s.ScoreAll(context.Background(), samplesOf("ab", "skip", "fail", "panic", "abcd", "nan", "inf", ""))
		if err != nil {
			t.Fatalf("par %d: unexpected error %v", par, err)
		}
		want := []float64{2, math.NaN(), math.NaN(), math.NaN(), 4, math.NaN(), math.NaN(), 0}
		for i := range want {
			if math.IsNaN(want[i]) != math.IsNaN(scores[i]) || (!math.IsNaN(want[i]) && want[i] != scores[i]) {
				t.Errorf("par %d: scores[%d] = %v, want %v", par, i, scores[i], want[i])
			}
		}
		for _, i := range []int{0, 4, 7} {
			if errs[i] != nil {
				t.Errorf("par %d: errs[%d] = %v, want nil", par, i, errs[i])
			}
		}
		if !errors.Is(errs[1], ErrSkip) {
			t.Errorf("errs[1] = %v, want ErrSkip", errs[1])
		}
		if errs[2] == nil || errors.Is(errs[2], ErrSkip) || !strings.Contains(errs[2].Error(), "samples[2]") || !strings.Contains(errs[2].Error(), "boom") {
			t.Errorf("errs[2] = %v", errs[2])
		}
		if errs[3] == nil || !strings.Contains(errs[3].Error(), "panic") || !strings.Contains(errs[3].Error(), "kaboom") {
			t.Errorf("errs[3] = %v", errs[3])
		}
		if errs[5] == nil || errs[6] == nil {
			t.Errorf("NaN/Inf scores without error should become errors: %v, %v", errs[5], errs[6])
		}
	}
}

func TestScoreAllConfigErrors(t *testing.T) {
	ctx := context.Background()
	if _, _, err := (&Scorer{}).ScoreAll(ctx, samplesOf("a")); err == nil || !strings.Contains(err.Error(), "Reward") {
		t.Errorf("nil Reward: err = %v", err)
	}
	if _, _, err := (&Scorer{Reward: lenReward(), Parallelism: -1}).ScoreAll(ctx, samplesOf("a")); err == nil || !strings.Contains(err.Error(), "Parallelism") {
		t.Errorf("negative Parallelism: err = %v", err)
	}
	if _, _, err := (&Scorer{Reward: lenReward(), Timeout: -time.Second}).ScoreAll(ctx, samplesOf("a")); err == nil || !strings.Contains(err.Error(), "Timeout") {
		t.Errorf("negative Timeout: err = %v", err)
	}
	scores, errs, err := ScoreAll(ctx, lenReward(), nil)
	if err != nil || len(scores) != 0 || len(errs) != 0 {
		t.Errorf("empty: %v %v %v", scores, errs, err)
	}
}

func TestScoreAllParallelismBound(t *testing.T) {
	var cur, peak atomic.Int64
	r := Func(func(ctx context.Context, s Sample) (float64, error) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
		cur.Add(-1)
		return 1, nil
	})
	s := Scorer{Reward: r, Parallelism: 3}
	_, _, err := s.ScoreAll(context.Background(), make([]Sample, 30))
	if err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p > 3 || p < 1 {
		t.Errorf("peak concurrency %d, want 1..3", p)
	}
}

func TestScoreAllTimeout(t *testing.T) {
	r := Func(func(ctx context.Context, s Sample) (float64, error) {
		if s.Completion == "slow" {
			<-ctx.Done()
			return 0, ctx.Err()
		}
		return 1, nil
	})
	s := Scorer{Reward: r, Timeout: 10 * time.Millisecond, Parallelism: 2}
	scores, errs, err := s.ScoreAll(context.Background(), samplesOf("slow", "fast"))
	if err != nil {
		t.Fatalf("per-sample timeout must not fail the call: %v", err)
	}
	if !errors.Is(errs[0], context.DeadlineExceeded) || !math.IsNaN(scores[0]) {
		t.Errorf("slow sample: %v %v", scores[0], errs[0])
	}
	if errs[1] != nil || scores[1] != 1 {
		t.Errorf("fast sample: %v %v", scores[1], errs[1])
	}
}

// The per-sample Timeout bounds a reward that ignores its context: the
// sample fails at the deadline, not when the reward returns.
func TestScoreAllTimeoutIgnoredContext(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	r := Func(func(_ context.Context, s Sample) (float64, error) {
		if s.Completion == "slow" {
			select {
			case <-release:
			case <-time.After(2 * time.Second):
			}
		}
		return 1, nil
	})
	s := Scorer{Reward: r, Timeout: 50 * time.Millisecond, Parallelism: 2}
	start := time.Now()
	scores, errs, settled, err := s.ScoreAllSettled(context.Background(), samplesOf("slow", "fast"))
	if el := time.Since(start); el > time.Second {
		t.Errorf("ScoreAll took %v under a 50ms Timeout", el)
	}
	if err != nil {
		t.Fatalf("per-sample timeout must not fail the call: %v", err)
	}
	if !errors.Is(errs[0], context.DeadlineExceeded) || !math.IsNaN(scores[0]) || !strings.Contains(errs[0].Error(), "samples[0]") {
		t.Errorf("slow sample: %v %v", scores[0], errs[0])
	}
	if errs[1] != nil || scores[1] != 1 {
		t.Errorf("fast sample: %v %v", scores[1], errs[1])
	}
	select {
	case <-settled:
		t.Error("settled before the abandoned call returned")
	default:
	}
	release <- struct{}{}
	select {
	case <-settled:
	case <-time.After(time.Second):
		t.Error("settled not closed after the abandoned call returned")
	}
	// Nothing abandoned: settled is closed on return.
	_, _, settled, _ = s.ScoreAllSettled(context.Background(), samplesOf("fast"))
	select {
	case <-settled:
	default:
		t.Error("settled open with no call running")
	}
}

// An abandoned call keeps its Parallelism slot until it returns: no more
// than Parallelism Score calls ever run at once.
func TestScoreAllTimeoutHoldsSlot(t *testing.T) {
	var running, peak atomic.Int64
	r := Func(func(_ context.Context, s Sample) (float64, error) {
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		if s.Completion == "slow" {
			time.Sleep(150 * time.Millisecond)
		}
		running.Add(-1)
		return 1, nil
	})
	s := Scorer{Reward: r, Timeout: 20 * time.Millisecond, Parallelism: 1}
	_, errs, _, err := s.ScoreAllSettled(context.Background(), samplesOf("slow", "fast", "slow", "fast"))
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(errs[0], context.DeadlineExceeded) || errs[1] != nil || !errors.Is(errs[2], context.DeadlineExceeded) || errs[3] != nil {
		t.Errorf("errs = %v", errs)
	}
	if p := peak.Load(); p != 1 {
		t.Errorf("peak concurrency %d with Parallelism 1", p)
	}
}

type stubbornBatch struct{ release chan struct{} }

func (stubbornBatch) Score(context.Context, Sample) (float64, error) { return 0, errors.New("unused") }

func (b stubbornBatch) ScoreBatch(_ context.Context, samples []Sample, dst []float64, _ []error) error {
	<-b.release
	for i := range dst {
		dst[i] = 1 // late writes go to buffers of the abandoned call only
	}
	return nil
}

func TestScoreAllBatchTimeoutIgnoredContext(t *testing.T) {
	b := stubbornBatch{release: make(chan struct{})}
	s := Scorer{Reward: b, Timeout: 30 * time.Millisecond}
	scores, errs, settled, err := s.ScoreAllSettled(context.Background(), samplesOf("a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range scores {
		if !math.IsNaN(scores[i]) || !errors.Is(errs[i], context.DeadlineExceeded) {
			t.Errorf("samples[%d] = %v, %v; want the deadline error", i, scores[i], errs[i])
		}
	}
	close(b.release)
	<-settled
	for i := range scores {
		if !math.IsNaN(scores[i]) {
			t.Errorf("late ScoreBatch result leaked into samples[%d]: %v", i, scores[i])
		}
	}
}

func TestScoreAllCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int64
	r := Func(func(c context.Context, s Sample) (float64, error) {
		if calls.Add(1) == 2 {
			cancel()
		}
		return 1, nil
	})
	s := Scorer{Reward: r, Parallelism: 1}
	scores, errs, err := s.ScoreAll(ctx, make([]Sample, 10))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if scores[0] != 1 || errs[0] != nil {
		t.Errorf("first sample was scored before cancel: %v %v", scores[0], errs[0])
	}
	if !math.IsNaN(scores[9]) || !errors.Is(errs[9], context.Canceled) {
		t.Errorf("last sample: %v %v", scores[9], errs[9])
	}
}

type batchRM struct {
	calls int
	fail  error
	panic bool
}

func (b *batchRM) Score(ctx context.Context, s Sample) (float64, error) {
	return 0, errors.New("Score must not be called when ScoreBatch exists")
}

func (b *batchRM) ScoreBatch(ctx context.Context, samples []Sample, dst []float64, errs []error) error {
	b.calls++
	if b.panic {
		panic("batch kaboom")
	}
	if b.fail != nil {
		return b.fail
	}
	for i, s := range samples {
		if s.Completion == "skip" {
			errs[i] = ErrSkip
			continue
		}
		dst[i] = float64(len(s.Completion)) * 10
	}
	return nil
}

func TestScoreAllBatch(t *testing.T) {
	b := &batchRM{}
	scores, errs, err := ScoreAll(context.Background(), b, samplesOf("a", "skip", "abc"))
	if err != nil {
		t.Fatal(err)
	}
	if b.calls != 1 {
		t.Errorf("ScoreBatch called %d times, want 1", b.calls)
	}
	if scores[0] != 10 || scores[2] != 30 || !math.IsNaN(scores[1]) {
		t.Errorf("scores = %v", scores)
	}
	if errs[0] != nil || errs[2] != nil || !errors.Is(errs[1], ErrSkip) {
		t.Errorf("errs = %v", errs)
	}

	b = &batchRM{fail: errors.New("server down")}
	scores, errs, err = ScoreAll(context.Background(), b, samplesOf("a", "b"))
	if err != nil {
		t.Fatalf("a failed batch is a per-sample failure, got %v", err)
	}
	for i := range scores {
		if !math.IsNaN(scores[i]) || errs[i] == nil || !strings.Contains(errs[i].Error(), "server down") {
			t.Errorf("sample %d: %v %v", i, scores[i], errs[i])
		}
	}

	b = &batchRM{panic: true}
	_, errs, err = ScoreAll(context.Background(), b, samplesOf("a"))
	if err != nil || errs[0] == nil || !strings.Contains(errs[0].Error(), "batch kaboom") {
		t.Errorf("panic: %v %v", errs, err)
	}
}

func ExampleScoreAll() {
	r := Func(func(_ context.Context, s Sample) (float64, error) {
		if s.Label == "" {
			return 0, ErrSkip // no reference answer: not applicable
		}
		if s.Completion == s.Label {
			return 1, nil
		}
		return 0, nil
	})
	samples := []Sample{
		{Completion: "4", Label: "4"},
		{Completion: "5", Label: "4"},
		{Completion: "4"},
	}
	scores, errs, err := ScoreAll(context.Background(), r, samples)
	if err != nil {
		panic(err)
	}
	for i := range scores {
		fmt.Println(scores[i], errors.Is(errs[i], ErrSkip))
	}
	// Output:
	// 1 false
	// 0 false
	// NaN true
}

// cancellingBatch cancels the caller's context and fails like a client
// whose request was aborted.
type cancellingBatch struct{ cancel context.CancelFunc }

func (c cancellingBatch) Score(context.Context, Sample) (float64, error) { return 0, nil }

func (c cancellingBatch) ScoreBatch(ctx context.Context, samples []Sample, dst []float64, errs []error) error {
	c.cancel()
	return ctx.Err()
}

func TestScoreAllBatchCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	scores, errs, err := ScoreAll(ctx, cancellingBatch{cancel}, samplesOf("a", "b"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	for i := range scores {
		if !math.IsNaN(scores[i]) || !errors.Is(errs[i], context.Canceled) {
			t.Errorf("sample %d: %v %v", i, scores[i], errs[i])
		}
	}
}

type badBatch struct{}

func (badBatch) Score(context.Context, Sample) (float64, error) { return 0, nil }

func (badBatch) ScoreBatch(_ context.Context, _ []Sample, dst []float64, _ []error) error {
	dst[0], dst[1], dst[2] = math.NaN(), math.Inf(-1), 5 // dst[3] left unwritten
	return nil
}

func TestScoreAllBatchNonFinite(t *testing.T) {
	scores, errs, err := ScoreAll(context.Background(), badBatch{}, samplesOf("a", "b", "c", "d"))
	if err != nil {
		t.Fatal(err)
	}
	if errs[0] == nil || errs[1] == nil || errs[2] != nil || scores[2] != 5 || !math.IsNaN(scores[1]) || errs[3] == nil || !math.IsNaN(scores[3]) {
		t.Errorf("scores %v errs %v", scores, errs)
	}
}

func TestScoreVectors(t *testing.T) {
	s := Scorer{Parallelism: 2}
	v := Vector{lenReward(), constR(2)}
	vecs, errs, err := s.ScoreVectors(context.Background(), v, samplesOf("abc", "skip", "fail"))
	if err != nil {
		t.Fatal(err)
	}
	if vecs[0][0] != 3 || vecs[0][1] != 2 || !math.IsNaN(vecs[1][0]) || vecs[1][1] != 2 || !math.IsNaN(vecs[2][0]) {
		t.Errorf("vecs = %v", vecs)
	}
	if errs[0][0] != nil || !errors.Is(errs[1][0], ErrSkip) || errs[2][0] == nil || errs[2][1] != nil {
		t.Errorf("errs = %v", errs)
	}
	if _, _, err := s.ScoreVectors(context.Background(), Vector{nil}, samplesOf("a")); err == nil || !strings.Contains(err.Error(), "Vector[0]") {
		t.Errorf("nil component: %v", err)
	}
	if _, _, err := (&Scorer{Parallelism: -1}).ScoreVectors(context.Background(), v, samplesOf("a")); err == nil {
		t.Error("bad Scorer accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	vecs, errs, err = s.ScoreVectors(ctx, v, samplesOf("a"))
	if !errors.Is(err, context.Canceled) || !math.IsNaN(vecs[0][1]) || !errors.Is(errs[0][1], context.Canceled) {
		t.Errorf("cancelled: %v %v %v", vecs, errs, err)
	}
}

// DPA's rejection sampling: score K candidates on two objectives, pick the
// best along the user's direction.
func ExampleScorer_ScoreVectors() {
	helpful := Func(func(_ context.Context, s Sample) (float64, error) {
		return float64(strings.Count(s.Completion, "fact")), nil
	})
	verbose := Func(func(_ context.Context, s Sample) (float64, error) {
		return float64(len(strings.Fields(s.Completion))) / 10, nil
	})
	candidates := samplesOf(
		"fact",
		"fact fact and some filler words to pad it out further",
		"fact fact",
	)
	s := Scorer{}
	vecs, _, err := s.ScoreVectors(context.Background(), Vector{helpful, verbose}, candidates)
	if err != nil {
		panic(err)
	}
	for _, theta := range []float64{0, -math.Pi / 4} {
		best, _, _ := SelectDirection(vecs, AngleDirection(theta))
		fmt.Println(best)
	}
	// Output:
	// 1
	// 2
}
