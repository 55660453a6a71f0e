package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evolve-go/evolve/reward"
)

// tiny is a run short enough for a test.
var tiny = Config{Steps: 10, Prompts: 4, Group: 8, Tokens: 32, LR: 1e-3, EvalSamples: 16, EvalEvery: 5, Seed: 7, Quiet: true}

// A short run on a fixed seed lifts the tasks' mean held-out success by at
// least 15 points over the base model's.
func TestRunImproves(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for several seconds")
	}
	res, err := Run(context.Background(), tiny, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	before, after := meanSuccess(res.Before), meanSuccess(res.After)
	t.Logf("mean held-out success before %.3f, after %.3f", before, after)
	if after < before+0.15 {
		t.Errorf("mean held-out success went from %.3f to %.3f, want a rise of at least 0.15", before, after)
	}
	if len(res.Steps) != tiny.Steps || res.Steps[4].HeldOut == nil || res.Steps[3].HeldOut != nil {
		t.Errorf("%d step logs; held-out checks at steps 5 and 10 expected", len(res.Steps))
	}
	last := res.Steps[len(res.Steps)-1]
	if s := last.Shares[0] + last.Shares[1] + last.Shares[2] + last.Shares[3]; math.Abs(s-1) > 1e-12 {
		t.Errorf("task shares sum to %v", s)
	}
}

func meanSuccess(r []TaskReport) float64 {
	s := 0.0
	for _, x := range r {
		s += x.Success
	}
	return s / float64(len(r))
}

// A run stopped after 3 steps and resumed to 6 ends with the very weights,
// optimizer state and step logs of an uninterrupted 6-step run.
func TestResumeBitForBit(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for several seconds")
	}
	cfg := tiny
	cfg.Steps, cfg.EvalEvery, cfg.CheckpointEvery, cfg.Curriculum = 6, 3, 1, "sec"
	whole, parts := t.TempDir(), t.TempDir()
	cfg.Dir = whole
	if _, err := Run(context.Background(), cfg, io.Discard); err != nil {
		t.Fatal(err)
	}
	cfg.Dir, cfg.Steps = parts, 3
	if _, err := Run(context.Background(), cfg, io.Discard); err != nil {
		t.Fatal(err)
	}
	cfg.Steps, cfg.Resume = 6, true
	if _, err := Run(context.Background(), cfg, io.Discard); err != nil {
		t.Fatal(err)
	}
	sameRun(t, whole, parts)
	sameMonitor(t, whole, parts, 3)
}

// sameRun checks that two run directories hold the same model, optimizer
// state and log (timings aside).
func sameRun(t *testing.T, a, b string) {
	t.Helper()
	for _, f := range []string{"model.bin", "optimizer-000006.bin"} {
		x, err1 := os.ReadFile(filepath.Join(a, f))
		y, err2 := os.ReadFile(filepath.Join(b, f))
		if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs (%v, %v)", f, err1, err2)
		}
	}
	la, lb := readSteps(t, a), readSteps(t, b)
	if len(la) != len(lb) {
		t.Fatalf("%d vs %d logged steps", len(la), len(lb))
	}
	for i := range la {
		if fmt.Sprint(la[i]) != fmt.Sprint(lb[i]) {
			t.Errorf("step %d: %+v vs %+v", i+1, la[i], lb[i])
		}
	}
}

// readSteps reads a run's log, zeroing the timings.
func readSteps(t *testing.T, dir string) []StepLog {
	t.Helper()
	r := &run{cfg: Config{Dir: dir}, step: 1 << 30}
	r.readLog() // reads to the end of the file, then reports EOF
	for i := range r.logs {
		r.logs[i].SampleTPS, r.logs[i].TrainTPS, r.logs[i].Elapsed = 0, 0, 0
	}
	return r.logs
}

// The crash test: a child process running the same 6 steps with a
// checkpoint after every step is killed at random moments, then resumed;
// the resumed run ends with the uninterrupted run's weights, bit for bit.
func TestKilledRunResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for several seconds")
	}
	if dir := os.Getenv("GRPO_STORIES_CHILD"); dir != "" {
		cfg := tiny
		cfg.Steps, cfg.EvalEvery, cfg.CheckpointEvery, cfg.Dir = 6, 3, 1, dir
		cfg.Resume = fileExists(filepath.Join(dir, "state.json"))
		if _, err := Run(context.Background(), cfg, io.Discard); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	cfg := tiny
	cfg.Steps, cfg.EvalEvery, cfg.CheckpointEvery, cfg.Dir = 6, 3, 1, t.TempDir()
	if _, err := Run(context.Background(), cfg, io.Discard); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 3 {
		dir := t.TempDir()
		for kills := 0; kills < 2; kills++ {
			child := exec.Command(os.Args[0], "-test.run", "^TestKilledRunResumes$")
			child.Env = append(os.Environ(), "GRPO_STORIES_CHILD="+dir)
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Duration(300+rng.IntN(2500)) * time.Millisecond)
			child.Process.Kill()
			child.Wait()
		}
		finish := exec.Command(os.Args[0], "-test.run", "^TestKilledRunResumes$")
		finish.Env = append(os.Environ(), "GRPO_STORIES_CHILD="+dir)
		if out, err := finish.CombinedOutput(); err != nil {
			t.Fatalf("trial %d: resuming after two kills: %v\n%s", trial, err, out)
		}
		sameRun(t, cfg.Dir, dir)
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestRunErrors(t *testing.T) {
	for _, cfg := range []Config{
		{Group: 1}, {Steps: -1}, {LR: -1}, {LR: math.NaN()}, {Tokens: -5}, {KLCoef: -0.04},
		{Objective: "ppo"}, {Curriculum: "random"}, {Tasks: "cats"}, {Resume: true},
	} {
		if _, err := Run(context.Background(), cfg, io.Discard); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
	cfg := tiny
	cfg.Dir, cfg.Resume = t.TempDir(), true
	if _, err := Run(context.Background(), cfg, io.Discard); err == nil || !strings.Contains(err.Error(), "state.json") {
		t.Errorf("resume of an empty directory: %v", err)
	}
}

// The zero Config's objective is GRPO with its KL; -no-kl turns it off.
func TestDefaults(t *testing.T) {
	c, err := Config{}.withDefaults()
	if err != nil || c.Objective != "grpo" || c.KLCoef != 0.1 || c.Curriculum != "sec" || c.LR != 1.5e-4 || c.Group != 16 || c.Steps != 80 {
		t.Errorf("defaults %+v, %v", c, err)
	}
	if c, _ := (Config{NoKL: true}).withDefaults(); c.KLCoef != 0 {
		t.Errorf("NoKL: KLCoef %v", c.KLCoef)
	}
	for _, o := range objectives {
		c, err := Config{Objective: o.name}.withDefaults()
		if err != nil || c.LR <= 0 || (o.pgLike && c.KLCoef <= 0) || (o.beta > 0 && c.Beta != o.beta) {
			t.Errorf("%s: %+v, %v", o.name, c, err)
		}
	}
}

func TestMeasures(t *testing.T) {
	// From 0.5 to 1: log 2 nats; no change: 0.
	if f := klFloor(0.5, 1, 10); math.Abs(f-math.Ln2) > 1e-15 || klFloor(0.3, 0.3, 10) != 0 {
		t.Errorf("klFloor = %v, %v", f, klFloor(0.3, 0.3, 10))
	}
	// A base rate of 0 over 50 samples counts as 0.01: from 0.01 to 1, log 100.
	if f := klFloor(0, 1, 50); math.Abs(f-math.Log(100)) > 1e-12 {
		t.Errorf("klFloor(0, 1, 50) = %v, want log 100", f)
	}
}

func TestMentions(t *testing.T) {
	r := mentions("Fish")
	for text, want := range map[string]float64{
		"a fish swam": 1, "Fish!": 1, "fishing rod": 1, "selfish": 0, "no": 0, "": 0, "selfish fish": 1,
		"éfish": 0, "αfish": 0, "ÉFISH": 0, "☺fish": 1, "«fish»": 1, "selfish — fish": 1, "ñfish then éfish": 0,
	} {
		got, err := r.Score(context.Background(), reward.Sample{Prompt: "fish", Completion: text})
		if err != nil || got != want {
			t.Errorf("mentions(Fish) of %q = %v, %v; want %v", text, got, err, want)
		}
	}
}

func TestSurvey(t *testing.T) {
	var out strings.Builder
	if err := Survey(context.Background(), &out, 64, 16, 1, []string{"the", "zzzz"}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want a header and two words:\n%s", len(lines), out.String())
	}
	var the, zzzz float64
	if _, err := fmt.Sscanf(lines[1], "the %f%%", &the); err != nil {
		t.Fatalf("%q: %v", lines[1], err)
	}
	if _, err := fmt.Sscanf(lines[2], "zzzz %f%%", &zzzz); err != nil {
		t.Fatalf("%q: %v", lines[2], err)
	}
	if the < 50 || zzzz != 0 {
		t.Errorf("shares: the %.1f%%, zzzz %.1f%%; want ≥ 50%% and 0%%", the, zzzz)
	}
	if err := Survey(context.Background(), &out, 0, 16, 1, nil); err == nil {
		t.Error("Survey with n = 0: no error")
	}
}
