package reward

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

func constR(v float64) Reward {
	return Func(func(context.Context, Sample) (float64, error) { return v, nil })
}

var skipR = Func(func(context.Context, Sample) (float64, error) { return 0, ErrSkip })

func TestWeighted(t *testing.T) {
	ctx := context.Background()
	calledOff := false
	off := Func(func(context.Context, Sample) (float64, error) { calledOff = true; return 100, nil })
	w := Weighted{
		{Name: "acc", Reward: constR(1), Weight: 2},
		{Name: "fmt", Reward: constR(0.5), Weight: -1},
		{Name: "n/a", Reward: skipR, Weight: 10},
		{Name: "off", Reward: off, Weight: 0},
	}
	got, err := w.Score(ctx, Sample{})
	if err != nil || got != 1.5 { // 2·1 − 1·0.5, skipped term left out, zero weight off
		t.Errorf("Weighted = %v, %v; want 1.5", got, err)
	}
	if calledOff {
		t.Error("zero-weight term was called")
	}

	got, err = Weighted{{Reward: skipR, Weight: 1}, {Reward: constR(3), Weight: 0}}.Score(ctx, Sample{})
	if !errors.Is(err, ErrSkip) || !math.IsNaN(got) {
		t.Errorf("all skipped: %v, %v", got, err)
	}

	_, err = Weighted{{Name: "x", Reward: constR(1), Weight: math.NaN()}}.Score(ctx, Sample{})
	if err == nil || !strings.Contains(err.Error(), "Weighted[0]") || !strings.Contains(err.Error(), "Weight") {
		t.Errorf("NaN weight: %v", err)
	}
	_, err = Weighted{{Reward: constR(1), Weight: 1}, {Weight: 1}}.Score(ctx, Sample{})
	if err == nil || !strings.Contains(err.Error(), "Weighted[1]") {
		t.Errorf("nil reward: %v", err)
	}
	boom := Func(func(context.Context, Sample) (float64, error) { return 0, errors.New("boom") })
	_, err = Weighted{{Name: "judge", Reward: boom, Weight: 1}}.Score(ctx, Sample{})
	if err == nil || !strings.Contains(err.Error(), `"judge"`) || !strings.Contains(err.Error(), "boom") {
		t.Errorf("component error: %v", err)
	}
	_, err = Weighted{{Reward: constR(math.Inf(1)), Weight: 1}}.Score(ctx, Sample{})
	if err == nil {
		t.Error("Inf component score accepted")
	}
}

func TestVectorAndDirection(t *testing.T) {
	ctx := context.Background()
	vec, err := Vector{constR(3), skipR, constR(-1)}.ScoreVector(ctx, Sample{}, nil)
	if err != nil || vec[0] != 3 || !math.IsNaN(vec[1]) || vec[2] != -1 {
		t.Errorf("ScoreVector = %v, %v", vec, err)
	}

	d := Direction{Rewards: Vector{constR(3), constR(4)}, V: []float64{0.6, 0.8}}
	got, err := d.Score(ctx, Sample{})
	if err != nil || math.Abs(got-(0.6*3+0.8*4)) > 1e-12 {
		t.Errorf("vᵀr = %v, %v; want 5", got, err)
	}
	d.V = []float64{3, 4}
	if _, err := d.Score(ctx, Sample{}); err == nil || !strings.Contains(err.Error(), "norm") {
		t.Errorf("non-unit V accepted: %v", err)
	}
	d.Normalize = true
	got, err = d.Score(ctx, Sample{})
	if err != nil || math.Abs(got-5) > 1e-12 {
		t.Errorf("normalised vᵀr = %v, %v; want 5", got, err)
	}
	d.V = []float64{0, 0}
	if _, err := d.Score(ctx, Sample{}); err == nil {
		t.Error("zero V accepted")
	}
	d.V = []float64{1}
	if _, err := d.Score(ctx, Sample{}); err == nil || !strings.Contains(err.Error(), "entries") {
		t.Errorf("length mismatch: %v", err)
	}
	d = Direction{Rewards: Vector{constR(3), constR(4)}, V: []float64{math.NaN(), 1}}
	if _, err := d.Score(ctx, Sample{}); err == nil || !strings.Contains(err.Error(), "V[0]") {
		t.Errorf("NaN V: %v", err)
	}
	// A skipping component is left out.
	d = Direction{Rewards: Vector{skipR, constR(4)}, V: AngleDirection(math.Pi / 4)}
	got, err = d.Score(ctx, Sample{})
	if err != nil || math.Abs(got-4/math.Sqrt2) > 1e-12 {
		t.Errorf("skip in direction: %v, %v", got, err)
	}
	u, err := UnitDirection([]float64{1, 1, 1, 1})
	if err != nil || u[0] != 0.5 {
		t.Errorf("UnitDirection = %v, %v", u, err)
	}
}

func TestGate(t *testing.T) {
	ctx := context.Background()
	g := Gate{Format: constR(1), Then: constR(0.7), Fail: -1}
	if v, err := g.Score(ctx, Sample{}); err != nil || v != 0.7 {
		t.Errorf("open gate: %v %v", v, err)
	}
	g.Format = constR(0)
	if v, err := g.Score(ctx, Sample{}); err != nil || v != -1 {
		t.Errorf("shut gate: %v %v", v, err)
	}
	g.Threshold = -0.5
	if v, err := g.Score(ctx, Sample{}); err != nil || v != 0.7 {
		t.Errorf("gate with negative threshold: %v %v", v, err)
	}
	g.Format = skipR
	if v, err := g.Score(ctx, Sample{}); err != nil || v != 0.7 {
		t.Errorf("skipped format: %v %v", v, err)
	}
	g = Gate{Format: constR(1), Then: skipR}
	if _, err := g.Score(ctx, Sample{}); !errors.Is(err, ErrSkip) {
		t.Errorf("skipping Then: %v", err)
	}
	if _, err := (Gate{Then: constR(1)}).Score(ctx, Sample{}); err == nil || !strings.Contains(err.Error(), "Format") {
		t.Errorf("nil Format: %v", err)
	}
	if _, err := (Gate{Format: constR(1), Then: constR(1), Threshold: math.NaN()}).Score(ctx, Sample{}); err == nil {
		t.Error("NaN threshold accepted")
	}
}

func TestClipScale(t *testing.T) {
	ctx := context.Background()
	if v, _ := Clip(constR(5), -1, 1).Score(ctx, Sample{}); v != 1 {
		t.Errorf("Clip high = %v", v)
	}
	if v, _ := Clip(constR(-5), -1, math.Inf(1)).Score(ctx, Sample{}); v != -1 {
		t.Errorf("Clip low = %v", v)
	}
	if _, err := Clip(constR(0), 1, -1).Score(ctx, Sample{}); err == nil {
		t.Error("Clip lo > hi accepted")
	}
	if _, err := Clip(skipR, 0, 1).Score(ctx, Sample{}); !errors.Is(err, ErrSkip) {
		t.Errorf("Clip skip: %v", err)
	}
	if v, _ := Scale(constR(0.25), 2, -1).Score(ctx, Sample{}); v != -0.5 {
		t.Errorf("Scale = %v", v)
	}
	if _, err := Scale(constR(1), math.Inf(1), 0).Score(ctx, Sample{}); err == nil {
		t.Error("Scale Inf accepted")
	}
	if v, err := Scale(constR(1e308), 10, 0).Score(ctx, Sample{}); err == nil {
		t.Errorf("Scale overflow = %v without an error", v)
	}
}

// A non-finite score returned without an error is an error naming the
// combinator, never passed on (or clipped) silently.
func TestCombinatorsRejectNonFinite(t *testing.T) {
	ctx := context.Background()
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		for name, r := range map[string]Reward{
			"Clip":      Clip(constR(bad), -1, 1),
			"Scale":     Scale(constR(bad), 2, -1),
			"Gate.Then": Gate{Format: constR(1), Then: constR(bad)},
		} {
			v, err := r.Score(ctx, Sample{})
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s with inner score %v = %v, %v; want an error naming %s", name, bad, v, err, name)
			}
			if !math.IsNaN(v) {
				t.Errorf("%s with inner score %v returned %v with its error, want NaN", name, bad, v)
			}
		}
	}
}

// DPA: a user who wants helpfulness with less verbosity picks a direction
// in the (helpfulness, verbosity) plane; the reward is vᵀr.
func ExampleDirection() {
	helpful := constR(0.8)
	verbose := constR(0.5)
	d := Direction{
		Rewards: Vector{helpful, verbose},
		V:       []float64{3, -4}, // more helpfulness, less verbosity
		// DPA's v is a unit vector; let Direction normalise it to (0.6, −0.8).
		Normalize: true,
	}
	v, err := d.Score(context.Background(), Sample{})
	fmt.Printf("%.2f %v\n", v, err)
	// Output: 0.08 <nil>
}

func ExampleWeighted() {
	correct := Func(func(_ context.Context, s Sample) (float64, error) {
		if s.Label == "" {
			return 0, ErrSkip
		}
		if s.Completion == s.Label {
			return 1, nil
		}
		return 0, nil
	})
	brevity := Func(func(_ context.Context, s Sample) (float64, error) {
		return -float64(len(s.Completion)) / 100, nil
	})
	r := Weighted{
		{Name: "correct", Reward: correct, Weight: 1},
		{Name: "brevity", Reward: brevity, Weight: 0.5},
	}
	a, _ := r.Score(context.Background(), Sample{Completion: "42", Label: "42"})
	b, _ := r.Score(context.Background(), Sample{Completion: "42"}) // no label: correctness skipped
	fmt.Println(a, b)
	// Output: 0.99 -0.01
}

func TestCombinatorErrorPaths(t *testing.T) {
	ctx := context.Background()
	boom := Func(func(context.Context, Sample) (float64, error) { return 0, errors.New("boom") })
	if _, err := (Vector{constR(1), boom}).ScoreVector(ctx, Sample{}, make([]float64, 5)); err == nil || !strings.Contains(err.Error(), "Vector[1]") {
		t.Errorf("Vector error: %v", err)
	}
	if _, err := (Vector{nil}).ScoreVector(ctx, Sample{}, nil); err == nil || !strings.Contains(err.Error(), "Vector[0]") {
		t.Errorf("Vector nil: %v", err)
	}
	if _, err := (Vector{constR(math.NaN())}).ScoreVector(ctx, Sample{}, nil); err == nil {
		t.Error("Vector NaN score accepted")
	}
	d := Direction{Rewards: Vector{constR(1), boom}, V: []float64{0.6, 0.8}}
	if _, err := d.Score(ctx, Sample{}); err == nil || !strings.Contains(err.Error(), "Rewards[1]") {
		t.Errorf("Direction component error: %v", err)
	}
	d = Direction{Rewards: Vector{constR(1), nil}, V: []float64{0.6, 0.8}}
	if _, err := d.Score(ctx, Sample{}); err == nil || !strings.Contains(err.Error(), "Rewards[1]") {
		t.Errorf("Direction nil component: %v", err)
	}
	d = Direction{Rewards: Vector{skipR, skipR}, V: []float64{0.6, 0.8}}
	if _, err := d.Score(ctx, Sample{}); !errors.Is(err, ErrSkip) {
		t.Errorf("Direction all skipped: %v", err)
	}
	if _, err := UnitDirection(nil); err == nil {
		t.Error("UnitDirection(nil) accepted")
	}
	for name, g := range map[string]Gate{
		"Gate.Then":   {Format: constR(1)},
		"Gate.Fail":   {Format: constR(1), Then: constR(1), Fail: math.Inf(1)},
		"Gate.Format": {Format: boom, Then: constR(1)},
	} {
		if _, err := g.Score(ctx, Sample{}); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := (Gate{Format: constR(math.NaN()), Then: constR(1)}).Score(ctx, Sample{}); err == nil {
		t.Error("NaN format score accepted")
	}
	if _, err := (Gate{Format: constR(1), Then: boom}).Score(ctx, Sample{}); err == nil || !strings.Contains(err.Error(), "Gate.Then") {
		t.Errorf("Then error: %v", err)
	}
	if _, err := Clip(nil, 0, 1).Score(ctx, Sample{}); err == nil {
		t.Error("Clip(nil) accepted")
	}
	if _, err := Scale(nil, 1, 0).Score(ctx, Sample{}); err == nil {
		t.Error("Scale(nil) accepted")
	}
	if _, err := Scale(skipR, 1, 0).Score(ctx, Sample{}); !errors.Is(err, ErrSkip) {
		t.Errorf("Scale skip: %v", err)
	}
}

func TestWeightedBatch(t *testing.T) {
	ctx := context.Background()
	rm := &batchRM{} // 10·len, skips "skip"
	w := Weighted{
		{Name: "rm", Reward: rm, Weight: 0.1},
		{Name: "len", Reward: lenReward(), Weight: -1}, // fails on "fail", panics on "panic"
		{Name: "off", Reward: &batchRM{panic: true}, Weight: 0},
	}
	if !w.prefersBatch() || (Weighted{{Reward: lenReward(), Weight: 1}, {Reward: rm, Weight: 0}}).prefersBatch() {
		t.Error("prefersBatch should follow the non-zero-weight components")
	}
	scores, errs, err := ScoreAll(ctx, w, samplesOf("ab", "skip", "fail", "abcd"))
	if err != nil {
		t.Fatal(err)
	}
	if rm.calls != 1 {
		t.Errorf("batched component called %d times, want 1", rm.calls)
	}
	// "ab": 0.1·20 − 2 = 0; "skip": both skip; "fail": len fails;
	// "abcd": 0.1·40 − 4 = 0.
	if scores[0] != 0 || !math.IsNaN(scores[1]) || !math.IsNaN(scores[2]) || scores[3] != 0 {
		t.Errorf("scores = %v", scores)
	}
	if errs[0] != nil || !errors.Is(errs[1], ErrSkip) || errs[3] != nil {
		t.Errorf("errs = %v", errs)
	}
	if errs[2] == nil || !strings.Contains(errs[2].Error(), `Weighted[1] ("len")`) || !strings.Contains(errs[2].Error(), "boom") ||
		strings.Count(errs[2].Error(), "samples[") != 1 {
		t.Errorf("errs[2] = %v", errs[2])
	}
	// The per-sample path of an equivalent design agrees.
	rmEach := Func(func(_ context.Context, s Sample) (float64, error) {
		if s.Completion == "skip" {
			return 0, ErrSkip
		}
		return 10 * float64(len(s.Completion)), nil
	})
	each := Weighted{{Reward: rmEach, Weight: 0.1}, w[1]}
	for i, s := range samplesOf("ab", "skip", "fail", "abcd") {
		v, err := each.Score(ctx, s)
		if (err != nil) != (errs[i] != nil) || errors.Is(err, ErrSkip) != errors.Is(errs[i], ErrSkip) || (err == nil && v != scores[i]) {
			t.Errorf("sample %d: per-sample %v, %v; batch %v, %v", i, v, err, scores[i], errs[i])
		}
	}
	// All components skip → ErrSkip.
	dst := make([]float64, 1)
	es := make([]error, 1)
	if err := (Weighted{{Reward: rm, Weight: 1}}).ScoreBatch(ctx, samplesOf("skip"), dst, es); err != nil || !errors.Is(es[0], ErrSkip) || !math.IsNaN(dst[0]) {
		t.Errorf("all skipped: %v %v %v", dst, es, err)
	}
	if err := w.ScoreBatch(ctx, samplesOf("a", "b"), dst, nil); err == nil || !strings.Contains(err.Error(), "len(dst)") {
		t.Errorf("length mismatch: %v", err)
	}
	if err := (Weighted{{Weight: 1}}).ScoreBatch(ctx, samplesOf("a"), dst, nil); err == nil || !strings.Contains(err.Error(), "Weighted[0]") {
		t.Errorf("nil component: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := w.ScoreBatch(cctx, samplesOf("a"), dst, es); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
