package monitor

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// sampleRun is a run of three records (with unmeasured signals) and two
// events (one with a NaN baseline).
func sampleRun() *Run {
	recs := script("reward", 0.1, 0.25, 0.5)
	for i := range recs {
		recs[i].KL, recs[i].Entropy = 0.01*float64(i), 1.4-0.1*float64(i)
	}
	recs[2].Probe = 0.875
	return &Run{Records: recs, Events: []Event{
		{Detector: NameKLRunaway, Signal: "kl", Step: 2, Window: [2]int{1, 2}, Values: []float64{0, 0.01}, Baseline: 0, Threshold: 1, Message: "KL ≥ 1"},
		{Detector: NameStarvation, Signal: "starved", Step: 3, Window: [2]int{1, 3}, Values: []float64{1, nan, 1}, Baseline: nan, Threshold: 0.9, Message: "no signal"},
	}}
}

// sameRun reports whether a and b hold the same records and events, NaN
// matching NaN.
func sameRun(a, b *Run) bool {
	var x, y bytes.Buffer
	_, _ = a.WriteTo(&x)
	_, _ = b.WriteTo(&y)
	return x.String() == y.String() && len(a.Records) == len(b.Records) && len(a.Events) == len(b.Events)
}

// A run written as JSON lines reads back the same, NaN as NaN, events
// after the record of their step.
func TestRunRoundTrip(t *testing.T) {
	run := sampleRun()
	var buf bytes.Buffer
	if _, err := run.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 5 || !strings.Contains(lines[2], `"detector":"kl-runaway"`) || !strings.Contains(lines[4], `"baseline":null`) {
		t.Fatalf("lines:\n%s", buf.String())
	}
	if !strings.HasPrefix(lines[0], `{"step":1,"reward":0.1,"watch":null,`) {
		t.Errorf("first record: %s", lines[0])
	}
	back, err := ReadRun(strings.NewReader(buf.String() + "\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !sameRun(run, back) || back.Records[2].Probe != 0.875 || !math.IsNaN(back.Records[0].Probe) ||
		!math.IsNaN(back.Events[1].Values[1]) || back.Events[0].Window != [2]int{1, 2} {
		t.Errorf("read back %+v", back)
	}
	steps, vals := back.Series("probe")
	if len(steps) != 1 || steps[0] != 3 || vals[0] != 0.875 {
		t.Errorf("Series(probe) = %v, %v", steps, vals)
	}
	if s, _ := back.Series("no such signal"); s != nil {
		t.Errorf("Series of an unknown name: %v", s)
	}
}

// Malformed lines are errors naming the line.
func TestReadRunErrors(t *testing.T) {
	for _, in := range []string{
		"{\"step\":1}\nnot json\n", `{"reward":1}`, `{"step":1.5}`, `{"step":"1"}`, `{"detector":""}`,
		`{"detector":"x","values":[1,"a"]}`, `[1,2]`, `{"step":1,"kl":"high"}`,
	} {
		if _, err := ReadRun(strings.NewReader(in)); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
	if _, err := ReadRun(strings.NewReader("{\"step\":1}\nbad")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("error %v does not name line 2", err)
	}
}

// The table has a column per measured signal, "-" where a step did not
// measure it, and the events below.
func TestRunString(t *testing.T) {
	got := sampleRun().String()
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) != 6 {
		t.Fatalf("table:\n%s", got)
	}
	if f := strings.Fields(lines[0]); strings.Join(f, " ") != "step reward kl entropy probe" {
		t.Errorf("header %q", lines[0])
	}
	if f := strings.Fields(lines[1]); strings.Join(f, " ") != "1 0.1000 0.0000 1.4000 -" {
		t.Errorf("first row %q", lines[1])
	}
	if !strings.HasPrefix(lines[4], "step 2: kl-runaway (kl, steps 1–2): KL ≥ 1") {
		t.Errorf("event line %q", lines[4])
	}
}

// ReadRun never panics, and what it reads writes back to lines it reads
// the same.
func FuzzReadRun(f *testing.F) {
	var buf bytes.Buffer
	_, _ = sampleRun().WriteTo(&buf)
	f.Add(buf.String())
	f.Add(`{"step":1,"kl":1e308}` + "\n" + `{"detector":"d","window":[3,1],"values":[null]}`)
	f.Add(`{"step":-4,"probe":null,"unknown":[1]}`)
	f.Fuzz(func(t *testing.T, in string) {
		run, err := ReadRun(strings.NewReader(in))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if _, err := run.WriteTo(&out); err != nil {
			t.Fatal(err)
		}
		again, err := ReadRun(&out)
		if err != nil {
			t.Fatalf("re-reading %q: %v", out.String(), err)
		}
		if !sameRun(run, again) {
			t.Fatalf("round trip of %q changed the run", in)
		}
	})
}
