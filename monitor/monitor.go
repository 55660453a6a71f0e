package monitor

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/evolve-go/evolve/internal/nanmean"
	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/reward"
)

// Config configures a Monitor. The zero value is usable: every detector on
// with its documented default thresholds, distinct-2, the model-free
// reward.HashEmbedder, success at reward ≥ 0.5, no probe, no log.
type Config struct {
	// Detectors are the built-in detectors' settings (zero: defaults).
	Detectors Detectors
	// Extra are further detectors, run after the built-in ones.
	Extra []Detector
	// Embedder embeds sample texts for the similarity signals; nil means
	// reward.HashEmbedder{} (character 3-grams: surface overlap, no
	// model).
	Embedder reward.Embedder
	// N is the n of distinct-n (default 2: word bigrams). Negative is an
	// error.
	N int
	// Threshold is the reward at or above which a sample counts as a
	// success for Balance and Disagreement (default 0.5, for rewards in
	// {0, 1}; zero means the default). Not finite is an error.
	Threshold float64
	// NStar is B-STaR's n*, the correct responses wanted per prompt
	// (default 8, the paper's). Negative is an error.
	NStar int
	// Probe, when set, is scored every Probe.Every steps (see Probe).
	Probe *Probe
	// Log, when set, receives a JSON line per step (its Record) and per
	// event (see WriteRecord, WriteEvent and ReadRun).
	Log io.Writer
	// Rearm is the number of consecutive steps a detector's condition must
	// stay clear before it can fire again (default 5): one event per
	// episode, not one per flicker across a threshold. Negative is an
	// error.
	Rearm int
}

// Step is what a training loop hands a Monitor after one step: what it
// already has. Only Rollouts is required; every other field feeds the
// signals that need it, which are NaN without it.
type Step struct {
	// Step numbers the step; 0 means one more than the last observed
	// (the first is 1). Steps must increase.
	Step int
	// Stats are the step's policy.Trainer statistics: KL (to the
	// reference), Entropy (when the model is a policy.EntropyProber),
	// loss, log-probs, gradient norm. nil: none of them.
	Stats *policy.StepStats
	// Rollouts are the step's samples with their Rewards and Groups.
	// Required.
	Rollouts *policy.Rollouts
	// Texts are the completions' texts in row order (Texts builds them
	// from a Generator's groups); nil: no diversity signal.
	Texts []string
	// Watch holds a verifier's verdict on each row, scored apart from the
	// training reward (a held-out check of what the reward is meant to
	// pay for); nil: no watcher. NaN marks a missing verdict.
	Watch []float64
	// PrevScores and Scores are two iterations' judgements of this step's
	// rows (CREAM): by the previous iteration's model and by the current
	// one. nil: no consistency signal.
	PrevScores, Scores []float64
}

// Texts returns the texts of a Generator's groups in the row order of
// policy.NewRollouts.
func Texts(groups [][]policy.Completion) []string {
	var out []string
	for _, g := range groups {
		for _, c := range g {
			out = append(out, c.Text)
		}
	}
	return out
}

// Monitor computes a run's signals step by step and runs the detectors on
// them. Build one with New; it is not safe for concurrent use.
type Monitor struct {
	cfg       Config
	detectors []Detector
	clear     []int // steps detector i's condition has been clear (Rearm at first): it may fire at Rearm or more
	run       Run
	prevTexts []string
	prevVecs  [][]float64
}

// New returns a Monitor configured by cfg, or an error naming the first
// field out of range.
func New(cfg Config) (*Monitor, error) {
	if cfg.N < 0 || cfg.NStar < 0 || cfg.Rearm < 0 {
		return nil, fmt.Errorf("monitor: Config.N = %d, NStar = %d, Rearm = %d, want ≥ 0", cfg.N, cfg.NStar, cfg.Rearm)
	}
	if math.IsNaN(cfg.Threshold) || math.IsInf(cfg.Threshold, 0) {
		return nil, fmt.Errorf("monitor: Config.Threshold = %v, want finite", cfg.Threshold)
	}
	cfg.N, cfg.Threshold, cfg.Rearm = or(cfg.N, 2), or(cfg.Threshold, 0.5), or(cfg.Rearm, 5)
	if cfg.Embedder == nil {
		cfg.Embedder = reward.HashEmbedder{}
	}
	if cfg.Probe != nil {
		if err := cfg.Probe.check(); err != nil {
			return nil, err
		}
	}
	ds, err := cfg.Detectors.list()
	if err != nil {
		return nil, err
	}
	for i, d := range cfg.Extra {
		if d == nil {
			return nil, fmt.Errorf("monitor: Config.Extra[%d] is nil", i)
		}
	}
	ds = append(ds, cfg.Extra...)
	m := &Monitor{cfg: cfg, detectors: ds, clear: make([]int, len(ds))}
	for i := range m.clear {
		m.clear[i] = cfg.Rearm
	}
	return m, nil
}

// Observe computes step s's Record, runs the detectors over the run so
// far and returns the events that fire at this step: a detector fires
// when its condition starts to hold, and again only after it has stayed
// clear for Config.Rearm steps. It writes the record and the events to Config.Log.
// It scores the probe at the steps Probe.Every says, with ctx; the
// embedder runs with ctx too.
//
// A Step that does not fit (no rollouts, rows of other lengths than the
// batch's, a step number that does not increase) is an error, and so is
// a failure of the embedder or the probe; the Monitor is then left as it
// was. An error writing to Config.Log comes back with the step's events:
// the step has been observed.
func (m *Monitor) Observe(ctx context.Context, s Step) ([]Event, error) {
	rec, vecs, err := m.record(ctx, s)
	if err != nil {
		return nil, err
	}
	m.prevTexts, m.prevVecs = s.Texts, vecs
	events := m.push(rec)
	if m.cfg.Log != nil {
		if err := WriteRecord(m.cfg.Log, rec); err != nil {
			return events, err
		}
		for _, ev := range events {
			if err := WriteEvent(m.cfg.Log, ev); err != nil {
				return events, err
			}
		}
	}
	return events, nil
}

// push appends rec to the run and returns the events that fire at it.
func (m *Monitor) push(rec Record) []Event {
	m.run.Records = append(m.run.Records, rec)
	var events []Event
	for i, d := range m.detectors {
		ev, holds := d.Detect(m.run.Records)
		if !holds {
			m.clear[i]++
			continue
		}
		if m.clear[i] >= m.cfg.Rearm {
			ev.Step = rec.Step
			events = append(events, ev)
		}
		m.clear[i] = 0
	}
	m.run.Events = append(m.run.Events, events...)
	return events
}

// Restore makes m continue a run whose records it did not observe (a run
// resumed from its saved record, read by ReadRun): it replays the records
// through the detectors, which re-derive their events and states, as if m
// had observed them. The texts of the last step are not in a record, so
// the next step's cross-step signals (DistinctSteps, CrossSimilarity) are
// NaN. m must not have observed anything; the records' steps must
// increase.
func (m *Monitor) Restore(records []Record) error {
	if len(m.run.Records) > 0 {
		return fmt.Errorf("monitor: Restore after %d observed steps", len(m.run.Records))
	}
	for i, r := range records {
		if i > 0 && r.Step <= records[i-1].Step {
			return fmt.Errorf("monitor: Restore: records[%d].Step = %d after %d", i, r.Step, records[i-1].Step)
		}
	}
	for _, r := range records {
		m.push(r)
	}
	return nil
}

// Run returns the records and events observed so far (shared with the
// Monitor: copy before changing them).
func (m *Monitor) Run() *Run { return &m.run }

// record computes s's Record and returns its texts' embeddings.
func (m *Monitor) record(ctx context.Context, s Step) (Record, [][]float64, error) {
	rec := blank()
	r := s.Rollouts
	if r == nil {
		return rec, nil, errNoRollouts
	}
	rec.Step = s.Step
	last := 0
	if n := len(m.run.Records); n > 0 {
		last = m.run.Records[n-1].Step
	}
	if rec.Step == 0 {
		rec.Step = last + 1
	}
	if rec.Step <= last {
		return rec, nil, fmt.Errorf("monitor: Step.Step = %d, want > %d (the last observed)", rec.Step, last)
	}
	if err := m.checkStep(s); err != nil {
		return rec, nil, err
	}
	m.fromStats(&rec, s.Stats)
	if err := m.fromRewards(&rec, s); err != nil {
		return rec, nil, err
	}
	vecs, err := m.fromTexts(ctx, &rec, s)
	if err != nil {
		return rec, nil, err
	}
	if m.cfg.Probe != nil && (rec.Step-1)%or(m.cfg.Probe.Every, 10) == 0 {
		if rec.Probe, rec.ProbeSE, err = m.cfg.Probe.Score(ctx); err != nil {
			return rec, nil, err
		}
	}
	return rec, vecs, nil
}

// checkStep checks that s's per-row slices fit its rollouts.
func (m *Monitor) checkStep(s Step) error {
	B := s.Rollouts.B
	if len(s.Rollouts.Groups) != B {
		return fmt.Errorf("monitor: len(Step.Rollouts.Groups) = %d, want B = %d", len(s.Rollouts.Groups), B)
	}
	for _, f := range []struct {
		name string
		n    int
		set  bool
	}{
		{"Rollouts.Rewards", len(s.Rollouts.Rewards), s.Rollouts.Rewards != nil},
		{"Texts", len(s.Texts), s.Texts != nil},
		{"Watch", len(s.Watch), s.Watch != nil},
		{"PrevScores", len(s.PrevScores), s.PrevScores != nil},
		{"Scores", len(s.Scores), s.Scores != nil},
	} {
		if f.set && f.n != B {
			return fmt.Errorf("monitor: len(Step.%s) = %d, want B = %d", f.name, f.n, B)
		}
	}
	if (s.PrevScores == nil) != (s.Scores == nil) {
		return fmt.Errorf("monitor: Step.PrevScores and Step.Scores go together: one is nil")
	}
	return nil
}

// fromStats fills the signals of the trainer's statistics.
func (m *Monitor) fromStats(rec *Record, st *policy.StepStats) {
	if st == nil {
		return
	}
	rec.KL, rec.Entropy = st.KL, st.Entropy
	rec.Loss, rec.LogProb, rec.GradNorm = st.Loss, st.LogProb, st.Update.GradNorm
	if n := len(m.run.Records); n > 0 {
		rec.KLRate = rec.KL - m.run.Records[n-1].KL
	}
}

// fromRewards fills the signals of the rewards and the watcher's verdicts.
func (m *Monitor) fromRewards(rec *Record, s Step) error {
	r := s.Rollouts
	if r.Rewards == nil {
		return nil
	}
	rec.Reward = nanmean.Of(r.Rewards)
	var err error
	if rec.ZeroVariance, rec.Starved, err = flatShares("Observe", r.Rewards, r.Groups, m.cfg.Threshold); err != nil {
		return err
	}
	if rec.Balance, err = Balance(r.Rewards, s.Watch, s.Texts, r.Groups, m.cfg.Threshold, m.cfg.NStar); err != nil {
		return err
	}
	if s.Watch != nil {
		rec.Watch = nanmean.Of(s.Watch)
		if rec.Disagreement, err = Disagreement(r.Rewards, s.Watch, m.cfg.Threshold); err != nil {
			return err
		}
	}
	if s.Scores != nil {
		if rec.Consistency, err = Consistency(s.PrevScores, s.Scores, r.Groups); err != nil {
			return err
		}
	}
	return nil
}

// fromTexts fills the diversity signals and returns the texts' embeddings.
func (m *Monitor) fromTexts(ctx context.Context, rec *Record, s Step) ([][]float64, error) {
	if s.Texts == nil {
		return nil, nil
	}
	groups := s.Rollouts.Groups
	var err error
	if rec.Distinct, err = GroupDistinctN(s.Texts, groups, m.cfg.N); err != nil {
		return nil, err
	}
	if m.prevTexts != nil {
		pooled := append(append([]string(nil), s.Texts...), m.prevTexts...)
		if rec.DistinctSteps, err = DistinctN(pooled, m.cfg.N); err != nil {
			return nil, err
		}
	}
	vecs, err := m.cfg.Embedder.Embed(ctx, s.Texts)
	if err != nil {
		return nil, fmt.Errorf("monitor: Config.Embedder: %w", err)
	}
	if len(vecs) != len(s.Texts) {
		return nil, fmt.Errorf("monitor: Config.Embedder returned %d vectors for %d texts", len(vecs), len(s.Texts))
	}
	if rec.Similarity, err = GroupSimilarity(vecs, groups); err != nil {
		return nil, err
	}
	if rec.CrossSimilarity, err = CrossSimilarity(vecs, m.prevVecs); err != nil {
		return nil, err
	}
	return vecs, nil
}
