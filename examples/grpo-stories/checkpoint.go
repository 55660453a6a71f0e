package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"

	"github.com/evolve-go/evolve/internal/atomicfile"
	"github.com/evolve-go/evolve/policy/llama"
)

// state is a checkpoint's state.json: everything but the weights and the
// optimizer's moments, which are in the files it names. It is written
// last, atomically, so a run killed at any moment leaves the previous
// complete checkpoint.
type state struct {
	Config    Config        `json:"config"`
	Step      int           `json:"step"`
	Model     string        `json:"model"`     // file of the weights, llama2.c format
	Optimizer string        `json:"optimizer"` // file of the AdamW state
	RNG       []byte        `json:"rng"`       // prompt and curriculum draws
	Counts    []float64     `json:"counts"`
	History   []observation `json:"history"` // what the curriculum saw, replayed on resume
}

// save writes a checkpoint of the run into cfg.Dir (nothing without one):
// the step's weights and optimizer state, log.jsonl and monitor.jsonl,
// then state.json naming them (a kill before it leaves the previous
// checkpoint whole: the logs may run ahead of the state, never behind),
// then model.bin (the latest weights, for llama2.c's run and llama.Load)
// and, at the end of the run or every 10 steps, plot.png; older step
// files are removed.
func (r *run) save(final bool) error {
	dir := r.cfg.Dir
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	st := state{Config: r.cfg, Step: r.step, RNG: mustMarshal(r.pcg), Counts: r.counts, History: r.history,
		Model: fmt.Sprintf("model-%06d.bin", r.step), Optimizer: fmt.Sprintf("optimizer-%06d.bin", r.step)}
	m := r.model.Model
	files := []checkpointFile{
		{st.Model, m.Save}, {st.Optimizer, r.model.Optimizer.SaveState}, {"log.jsonl", r.writeLog},
		{"monitor.jsonl", r.writeMonitor},
		{"state.json", func(w io.Writer) error { return json.NewEncoder(w).Encode(st) }},
		{"model.bin", m.Save},
	}
	if final || r.step%10 == 0 {
		files = append(files, checkpointFile{"plot.png", r.writePlot})
	}
	for _, f := range files {
		if err := atomicfile.WriteFile(filepath.Join(dir, f.name), f.write); err != nil {
			return fmt.Errorf("grpo-stories: checkpoint %s: %w", f.name, err)
		}
	}
	return removeOld(dir, st)
}

// checkpointFile is a file of a checkpoint and what writes it.
type checkpointFile struct {
	name  string
	write func(io.Writer) error
}

func mustMarshal(p interface{ MarshalBinary() ([]byte, error) }) []byte {
	b, _ := p.MarshalBinary() // a PCG's MarshalBinary cannot fail
	return b
}

// removeOld deletes the step files that st does not name.
func removeOld(dir string, st state) error {
	for _, pattern := range []string{"model-*.bin", "optimizer-*.bin"} {
		old, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, f := range old {
			if b := filepath.Base(f); b != st.Model && b != st.Optimizer {
				if err := os.Remove(f); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// writeLog writes every step's log as JSON lines.
func (r *run) writeLog(w io.Writer) error {
	enc := json.NewEncoder(w)
	for _, l := range r.logs {
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	return nil
}

// resume restores the run saved in cfg.Dir: weights, optimizer, random
// state, the curriculum (by replaying what it saw) and the log.
func (r *run) resume() error {
	var st state
	b, err := os.ReadFile(filepath.Join(r.cfg.Dir, "state.json"))
	if err != nil {
		return fmt.Errorf("grpo-stories: resume: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("grpo-stories: resume: state.json: %w", err)
	}
	if err := r.compatible(st.Config); err != nil {
		return err
	}
	if err := r.loadWeights(filepath.Join(r.cfg.Dir, st.Model), filepath.Join(r.cfg.Dir, st.Optimizer)); err != nil {
		return err
	}
	if err := r.pcg.UnmarshalBinary(st.RNG); err != nil {
		return fmt.Errorf("grpo-stories: resume: random state: %w", err)
	}
	if len(st.Counts) != len(r.tasks) || len(st.History) != st.Step {
		return fmt.Errorf("grpo-stories: resume: state.json holds %d counts and %d steps of history for step %d", len(st.Counts), len(st.History), st.Step)
	}
	for _, o := range st.History {
		for i, arm := range o.Arms {
			if err := r.teacher.Observe(arm, o.Rewards[i]); err != nil {
				return fmt.Errorf("grpo-stories: resume: curriculum: %w", err)
			}
		}
	}
	r.step, r.counts, r.history = st.Step, st.Counts, st.History
	if err := r.readLog(); err != nil {
		return err
	}
	return r.readMonitor()
}

// compatible reports whether a saved run can go on under r's config: all
// but Steps, Resume, Quiet and CheckpointEvery must match.
func (r *run) compatible(saved Config) error {
	want := r.cfg
	want.Steps, want.Resume, want.Quiet, want.CheckpointEvery = saved.Steps, saved.Resume, saved.Quiet, saved.CheckpointEvery
	if !reflect.DeepEqual(want, saved) {
		return fmt.Errorf("grpo-stories: resume: the run in %s was made with %+v, not %+v", r.cfg.Dir, saved, want)
	}
	return nil
}

// loadWeights reads the saved weights and optimizer state into the run's
// model.
func (r *run) loadWeights(model, optim string) error {
	f, err := os.Open(model)
	if err != nil {
		return fmt.Errorf("grpo-stories: resume: %w", err)
	}
	defer f.Close()
	m, err := llama.Load(bufio.NewReader(f))
	if err != nil {
		return fmt.Errorf("grpo-stories: resume: %w", err)
	}
	if m.Config != r.model.Model.Config {
		return fmt.Errorf("grpo-stories: resume: %s is not a stories260K checkpoint", model)
	}
	copy(r.model.Model.Weights.Flat(), m.Weights.Flat())
	b, err := os.ReadFile(optim)
	if err != nil {
		return fmt.Errorf("grpo-stories: resume: %w", err)
	}
	return r.model.Optimizer.LoadState(bytes.NewReader(b))
}

// readLog reads log.jsonl back, keeping the steps the checkpoint covers.
func (r *run) readLog() error {
	f, err := os.Open(filepath.Join(r.cfg.Dir, "log.jsonl"))
	if err != nil {
		return fmt.Errorf("grpo-stories: resume: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	for len(r.logs) < r.step {
		var l StepLog
		if err := dec.Decode(&l); err != nil {
			return fmt.Errorf("grpo-stories: resume: log.jsonl line %d: %w", len(r.logs)+1, err)
		}
		r.logs = append(r.logs, l)
	}
	return nil
}
