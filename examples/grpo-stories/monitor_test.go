package main

import (
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/evolve-go/evolve/monitor"
)

// The command's default run (its flags' defaults) is healthy — every
// task's held-out success rises, the stories stay readable — and its
// monitor raises no event while measuring every signal the loop feeds it;
// its record reads back from monitor.jsonl and plot.png draws it.
func TestDefaultRunRaisesNoAlarm(t *testing.T) {
	if testing.Short() {
		t.Skip("the default run trains for about forty seconds of CPU")
	}
	cfg := Config{Seed: 1, Quiet: true, Dir: t.TempDir()}
	res, err := Run(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("held-out success %.3f → %.3f\n%s", meanSuccess(res.Before), meanSuccess(res.After), res.Monitor)
	for _, e := range res.Monitor.Events {
		t.Errorf("event on the default run: %v", e)
	}
	last := res.Monitor.Records[len(res.Monitor.Records)-1]
	for _, name := range []string{"entropy", "kl", "distinct", "similarity", "cross_similarity", "zero_variance"} {
		if v, _ := last.Value(name); math.IsNaN(v) {
			t.Errorf("the last record has no %s", name)
		}
	}
	saved, steps := readMonitorFile(t, cfg.Dir), len(res.Steps)
	if len(saved.Records) != steps || len(saved.Events) != 0 {
		t.Errorf("monitor.jsonl holds %d records and %d events, want %d and none", len(saved.Records), len(saved.Events), steps)
	}
	if at, probe := saved.Series("probe"); len(at) != (steps+9)/10 || probe[0] < 0.9 {
		t.Errorf("probe at steps %v: %v, want one every 10 steps, from over 0.9", at, probe)
	}
	if !fileExists(filepath.Join(cfg.Dir, "plot.png")) {
		t.Error("no plot.png")
	}
}

func readMonitorFile(t *testing.T, dir string) *monitor.Run {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "monitor.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	run, err := monitor.ReadRun(f)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// sameMonitor checks that the monitor of a run resumed after step resumed
// recorded what the uninterrupted run's did — but for the cross-step
// signals of the first resumed step, whose previous texts no record
// keeps.
func sameMonitor(t *testing.T, whole, parts string, resumed int) {
	t.Helper()
	a, b := readMonitorFile(t, whole), readMonitorFile(t, parts)
	if len(a.Records) != len(b.Records) || len(a.Events) != len(b.Events) {
		t.Fatalf("monitor: %d records and %d events, resumed %d and %d", len(a.Records), len(a.Events), len(b.Records), len(b.Events))
	}
	for i, x := range a.Records {
		y := b.Records[i]
		if x.Step == resumed+1 {
			x.CrossSimilarity, x.DistinctSteps = y.CrossSimilarity, y.DistinctSteps
		}
		for _, name := range monitor.Signals {
			u, _ := x.Value(name)
			v, _ := y.Value(name)
			if u != v && !(math.IsNaN(u) && math.IsNaN(v)) {
				t.Errorf("monitor step %d: %s %v, resumed %v", x.Step, name, u, v)
			}
		}
	}
}
