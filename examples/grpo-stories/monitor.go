package main

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

	"github.com/evolve-go/evolve/monitor"
	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/llama"
)

// The run's monitor (package monitor) watches every step — the policy's
// entropy, the diversity of its stories, the KL, the groups without
// learning signal — and, every 10 steps, a regression probe: the tasks'
// held-out prompts, whose stories should go on writing sentences
// (monitor.Sentences) whatever the reward teaches. Its events are printed
// as they fire (the default run raises none); its record is monitor.jsonl
// in -dir and the last panel of plot.png.

// newMonitor returns the monitor of a run over ts sampled by s.
func newMonitor(cfg Config, s *llama.Sampler, ts []Task) (*monitor.Monitor, error) {
	var heldOut []string
	for _, t := range ts {
		heldOut = append(heldOut, t.HeldOut...)
	}
	return monitor.New(monitor.Config{Probe: &monitor.Probe{Generator: s, Prompts: heldOut, Reward: monitor.Sentences,
		N: 8, MaxTokens: cfg.Tokens, Seed: cfg.Seed}})
}

// watch hands the monitor the step's batch (st nil for a step that
// trained nothing) and prints the events that fire.
func (r *run) watch(ctx context.Context, w io.Writer, st *policy.StepStats, batch *policy.Rollouts, groups [][]policy.Completion) error {
	events, err := r.mon.Observe(ctx, monitor.Step{Step: r.step + 1, Stats: st, Rollouts: batch, Texts: monitor.Texts(groups)})
	for _, e := range events {
		fmt.Fprintln(w, "monitor:", e)
	}
	return err
}

// writeMonitor writes the monitor's record as JSON lines.
func (r *run) writeMonitor(w io.Writer) error {
	_, err := r.mon.Run().WriteTo(w)
	return err
}

// readMonitor restores the monitor from monitor.jsonl, keeping the steps
// the checkpoint covers; a run saved without one starts a fresh monitor.
func (r *run) readMonitor() error {
	f, err := os.Open(filepath.Join(r.cfg.Dir, "monitor.jsonl"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("grpo-stories: resume: %w", err)
	}
	defer f.Close()
	saved, err := monitor.ReadRun(f)
	if err != nil {
		return fmt.Errorf("grpo-stories: resume: %w", err)
	}
	var recs []monitor.Record
	for _, rec := range saved.Records {
		if rec.Step <= r.step {
			recs = append(recs, rec)
		}
	}
	return r.mon.Restore(recs)
}

// monitorPanel plots the monitor's record: the policy's entropy, the
// within-group similarity and distinct-2 of the stories, and its events.
func monitorPanel(run *monitor.Run) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "monitor: entropy (nats/token, black), similarity (blue) and distinct-2 (orange) within groups; events"
	p.X.Label.Text = "step"
	for k, name := range []string{"entropy", "similarity", "distinct"} {
		steps, vals := run.Series(name)
		xys := make(plotter.XYs, len(steps))
		for i := range steps {
			xys[i] = plotter.XY{X: float64(steps[i]), Y: vals[i]}
		}
		c := []color.Color{color.Black, palette[0], palette[1]}[k]
		if err := addLine(p, xys, c, ""); err != nil {
			return nil, err
		}
	}
	if len(run.Events) == 0 {
		return p, nil
	}
	ev := plotter.XYLabels{}
	for _, e := range run.Events {
		ev.XYs = append(ev.XYs, plotter.XY{X: float64(e.Step)})
		ev.Labels = append(ev.Labels, e.Detector)
	}
	dots, err := plotter.NewScatter(ev)
	if err != nil {
		return nil, err
	}
	dots.Color = palette[3]
	labels, err := plotter.NewLabels(ev)
	if err != nil {
		return nil, err
	}
	p.Add(dots, labels)
	return p, nil
}
