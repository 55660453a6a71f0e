package monitor

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Record is one step's signals. A signal that was not measured at the
// step (no watcher, no texts, a model without entropies, a step between
// probes, the first step's rates) is NaN. Its JSON form is one object,
// {"step":3,"reward":0.5,"kl":0.012,...}, with the names of Signals and
// null for NaN.
type Record struct {
	Step int
	// Reward is the mean training reward of the step's present rows.
	Reward float64
	// Watch is the mean verdict of the verifier watching the reward.
	Watch float64
	// Disagreement is the share of rows where reward and verifier
	// disagree about success (see Disagreement).
	Disagreement float64
	// KL is the trainer's mean k3 KL(πθ‖π_ref) per token; KLRate its
	// change since the previous observed step.
	KL, KLRate float64
	// Entropy is the policy's mean per-token entropy in nats
	// (policy.StepStats.Entropy).
	Entropy float64
	// Distinct is the mean within-group distinct-n (GroupDistinctN);
	// DistinctSteps is distinct-n of this step's and the previous step's
	// texts pooled (DistinctN).
	Distinct, DistinctSteps float64
	// Similarity is the mean within-group embedding cosine
	// (GroupSimilarity); CrossSimilarity the mean cosine of this step's
	// samples to the previous step's (CrossSimilarity).
	Similarity, CrossSimilarity float64
	// ZeroVariance is the share of groups without learning signal
	// (ZeroVarianceShare); Starved the share of those not solved
	// (StarvedShare).
	ZeroVariance, Starved float64
	// Balance is B-STaR's mean balance score (Balance).
	Balance float64
	// Consistency is CREAM's mean Kendall τ between two iterations'
	// judgements (Consistency).
	Consistency float64
	// Probe is the regression probe's score, at the steps it runs, and
	// ProbeSE its standard error.
	Probe, ProbeSE float64
	// Loss, LogProb and GradNorm are the trainer's loss, mean log-prob of
	// the samples and parameter gradient norm.
	Loss, LogProb, GradNorm float64
}

// Signals are the names of a Record's signals, in the order of its JSON
// form and its table: the names Event.Signal and Run.Series use.
var Signals = func() []string {
	var r Record
	var out []string
	for _, s := range r.signals() {
		out = append(out, s.name)
	}
	return out
}()

type signal struct {
	name string
	v    *float64
}

// signals lists r's signals by name.
func (r *Record) signals() []signal {
	return []signal{
		{"reward", &r.Reward}, {"watch", &r.Watch}, {"disagreement", &r.Disagreement},
		{"kl", &r.KL}, {"kl_rate", &r.KLRate}, {"entropy", &r.Entropy},
		{"distinct", &r.Distinct}, {"distinct_steps", &r.DistinctSteps},
		{"similarity", &r.Similarity}, {"cross_similarity", &r.CrossSimilarity},
		{"zero_variance", &r.ZeroVariance}, {"starved", &r.Starved},
		{"balance", &r.Balance}, {"consistency", &r.Consistency},
		{"probe", &r.Probe}, {"probe_se", &r.ProbeSE},
		{"loss", &r.Loss}, {"logprob", &r.LogProb}, {"grad_norm", &r.GradNorm},
	}
}

// Value returns the signal called name (one of Signals), and false for
// another name.
func (r Record) Value(name string) (float64, bool) {
	for _, s := range r.signals() {
		if s.name == name {
			return *s.v, true
		}
	}
	return math.NaN(), false
}

// blank returns a Record with every signal NaN.
func blank() Record {
	var r Record
	for _, s := range r.signals() {
		*s.v = math.NaN()
	}
	return r
}

// appendNum appends x in JSON, null when it is not finite.
func appendNum(b []byte, x float64) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, x, 'g', -1, 64)
}

// MarshalJSON writes r as one JSON object (see Record).
func (r Record) MarshalJSON() ([]byte, error) {
	b := append([]byte(`{"step":`), strconv.Itoa(r.Step)...)
	for _, s := range r.signals() {
		b = append(b, `,"`...)
		b = append(b, s.name...)
		b = append(b, `":`...)
		b = appendNum(b, *s.v)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads r from MarshalJSON's form; a signal absent or null
// is NaN, and unknown names are ignored.
func (r *Record) UnmarshalJSON(data []byte) error {
	var m map[string]*float64
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("monitor: record: %w", err)
	}
	step, ok := m["step"]
	if !ok || step == nil || *step != math.Trunc(*step) || math.Abs(*step) > 1<<53 {
		return fmt.Errorf("monitor: record without an integer \"step\"")
	}
	*r = blank()
	r.Step = int(*step)
	for _, s := range r.signals() {
		if v := m[s.name]; v != nil {
			*s.v = *v
		}
	}
	return nil
}

// Event is what a detector raises: which detector, on which signal, at
// which step, and the evidence — the window of steps it looked at, the
// signal's values over it, the baseline it compared them with and the
// threshold crossed. What to do about it (log, stop, lower the learning
// rate, raise the temperature) is the caller's.
type Event struct {
	// Detector names the detector (EntropyCollapse, KLRunaway, ...).
	Detector string `json:"detector"`
	// Signal names the signal (one of Signals) the condition is about.
	Signal string `json:"signal"`
	// Step is the step at which the event fired.
	Step int `json:"step"`
	// Window is the first and last step of the evidence.
	Window [2]int `json:"window"`
	// Values are the signal's values at the window's steps where it was
	// measured, in order.
	Values []float64 `json:"-"`
	// Baseline is the value the detector compared with (the signal early
	// in the run, or its best so far); NaN when none.
	Baseline float64 `json:"-"`
	// Threshold is the detector's threshold that was crossed.
	Threshold float64 `json:"-"`
	// Message says in words what happened.
	Message string `json:"message"`
}

// String returns the event in one line.
func (e Event) String() string {
	return fmt.Sprintf("step %d: %s (%s, steps %d–%d): %s", e.Step, e.Detector, e.Signal, e.Window[0], e.Window[1], e.Message)
}

// plainEvent is Event without its methods.
type plainEvent Event

// eventJSON is Event's JSON form: its fields, and the numbers that may be
// NaN as pointers (nil: null).
type eventJSON struct {
	*plainEvent
	Values    []*float64 `json:"values"`
	Baseline  *float64   `json:"baseline"`
	Threshold *float64   `json:"threshold"`
}

func ptr(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func val(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// MarshalJSON writes e with NaN values as null.
func (e Event) MarshalJSON() ([]byte, error) {
	j := eventJSON{plainEvent: (*plainEvent)(&e), Baseline: ptr(e.Baseline), Threshold: ptr(e.Threshold),
		Values: make([]*float64, len(e.Values))}
	for i, v := range e.Values {
		j.Values[i] = ptr(v)
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads MarshalJSON's form; null numbers are NaN.
func (e *Event) UnmarshalJSON(data []byte) error {
	var pe plainEvent
	j := eventJSON{plainEvent: &pe}
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("monitor: event: %w", err)
	}
	if pe.Detector == "" {
		return fmt.Errorf("monitor: event without a \"detector\"")
	}
	*e = Event(pe)
	e.Baseline, e.Threshold = val(j.Baseline), val(j.Threshold)
	e.Values = nil
	for _, v := range j.Values {
		e.Values = append(e.Values, val(v))
	}
	return nil
}

// Run is a run's record: its steps' signals and the events raised.
type Run struct {
	Records []Record
	Events  []Event
}

// WriteRecord writes r as one JSON line.
func WriteRecord(w io.Writer, r Record) error {
	b, _ := r.MarshalJSON()
	_, err := w.Write(append(b, '\n'))
	return err
}

// WriteEvent writes e as one JSON line.
func WriteEvent(w io.Writer, e Event) error {
	b, err := e.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteTo writes the run as JSON lines: each record followed by the
// events raised at its step (events at steps without a record last).
func (run *Run) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	next := 0
	for _, r := range run.Records {
		_ = WriteRecord(&buf, r)
		for ; next < len(run.Events) && run.Events[next].Step <= r.Step; next++ {
			_ = WriteEvent(&buf, run.Events[next])
		}
	}
	for ; next < len(run.Events); next++ {
		_ = WriteEvent(&buf, run.Events[next])
	}
	return buf.WriteTo(w)
}

// ReadRun reads JSON lines written by a Monitor's Log, WriteRecord,
// WriteEvent or Run.WriteTo: a line with a "detector" is an event, any
// other a record. Blank lines are skipped; a malformed line is an error
// naming its number.
func ReadRun(r io.Reader) (*Run, error) {
	run := &Run{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var probe struct {
			Detector *json.RawMessage `json:"detector"`
		}
		if err := json.Unmarshal(line, &probe); err != nil {
			return run, fmt.Errorf("monitor: ReadRun: line %d: %w", n, err)
		}
		var err error
		if probe.Detector != nil {
			var e Event
			err = e.UnmarshalJSON(line)
			run.Events = append(run.Events, e)
		} else {
			var rec Record
			err = rec.UnmarshalJSON(line)
			run.Records = append(run.Records, rec)
		}
		if err != nil {
			return run, fmt.Errorf("monitor: ReadRun: line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return run, fmt.Errorf("monitor: ReadRun: %w", err)
	}
	return run, nil
}

// Series returns the steps at which the signal called name was measured
// and its values there: a curve to plot. It returns nothing for a name
// that is not one of Signals.
func (run *Run) Series(name string) (steps []int, values []float64) {
	for _, r := range run.Records {
		if v, ok := r.Value(name); ok && !math.IsNaN(v) {
			steps, values = append(steps, r.Step), append(values, v)
		}
	}
	return steps, values
}

// String returns the run as a table for a terminal: a row per step, a
// column per signal measured at some step (NaN shown as "-"), then the
// events, one per line.
func (run *Run) String() string {
	var cols []string
	for _, name := range Signals {
		if s, _ := run.Series(name); len(s) > 0 {
			cols = append(cols, name)
		}
	}
	var b strings.Builder
	b.WriteString(" step")
	for _, c := range cols {
		fmt.Fprintf(&b, " %*s", width(c), c)
	}
	b.WriteByte('\n')
	for _, r := range run.Records {
		fmt.Fprintf(&b, "%5d", r.Step)
		for _, c := range cols {
			v, _ := r.Value(c)
			s := "-"
			if !math.IsNaN(v) {
				s = strconv.FormatFloat(v, 'f', 4, 64)
			}
			fmt.Fprintf(&b, " %*s", width(c), s)
		}
		b.WriteByte('\n')
	}
	for _, e := range run.Events {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// width is a table column's width: its name's, at least that of -1.2345.
func width(name string) int { return max(len(name), 7) }
