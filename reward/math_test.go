package reward

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestMathConfig(t *testing.T) {
	ctx := context.Background()
	for _, bad := range []Math{
		{Precision: -1}, {Tolerance: -1}, {Tolerance: math.NaN()}, {Tolerance: math.Inf(1)}, {Budget: -1},
		{Order: [][]MathSource{{FromBoxed, MathSource(99)}}},
	} {
		if _, err := bad.Score(ctx, Sample{Completion: "1", Label: "1"}); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if _, err := (Math{}).Score(ctx, Sample{Completion: "1"}); !errors.Is(err, ErrSkip) {
		t.Errorf("no label: %v", err)
	}
	for _, gold := range []string{"?!", " ", "{", `\frac{`, strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100)} {
		if _, err := (Math{}).Score(ctx, Sample{Completion: "1", Label: gold}); err == nil || !strings.Contains(err.Error(), "gold") {
			t.Errorf("gold %q: %v, want an error naming the gold", gold, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := (Math{}).Verify(cancelled, "1", `\boxed{1}`); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

// The options change exactly the verdicts they document.
func TestMathOptions(t *testing.T) {
	cases := []struct {
		m          Math
		gold, pred string
		want       bool
		why        string
	}{
		{Math{}, "5 cm", `\boxed{5\text{ m}}`, true, "units are removed by default"},
		{Math{KeepUnits: true}, "5 cm", `\boxed{5\text{ cm}}`, true, "the same unit"},
		{Math{KeepUnits: true}, "5 cms", `\boxed{5\text{ cm}}`, true, "a plural unit"},
		{Math{KeepUnits: true}, "5 cm", `\boxed{5\text{ m}}`, false, "another unit"},
		{Math{KeepUnits: true}, "5 cm", `\boxed{5}`, false, "a missing unit"},
		{Math{KeepUnits: true}, `15\text{ cm}^2`, `\boxed{15\text{ cm}}`, false, "a square unit is another unit"},
		{Math{KeepUnits: true}, "5 cm", "It is 5 cm long.", true, "a unit after a plain number"},
		{Math{}, "3", `\boxed{x = 3}`, true, "an assignment answers its value by default"},
		{Math{StrictEquations: true}, "3", `\boxed{x = 3}`, false, "StrictEquations: an equation is not a value"},
		{Math{StrictEquations: true}, "x = 3", `\boxed{3}`, false, "StrictEquations: a value is not an equation"},
		{Math{StrictEquations: true}, "x = 3", `\boxed{x = 3}`, true, "StrictEquations: the same equation"},
		{Math{}, `x \in [-2,7]`, `$-2 \le x \le 7$`, false, "a gold set is not answered by an inequality by default"},
		{Math{SetRelations: true}, `x \in [-2,7]`, `$-2 \le x \le 7$`, true, "SetRelations: it is"},
		{Math{}, `(\frac{3}{5},\frac{8}{3}]`, `$(0.6,2.67]$`, false, "2.67 is not 8/3 to 6 places"},
		{Math{Precision: 2}, `(\frac{3}{5},\frac{8}{3}]`, `$(0.6,2.67]$`, true, "Precision 2: it is"},
		{Math{Precision: 4}, `\frac{1}{3}`, `0.3333`, true, "Precision 4"},
		{Math{}, `\pi`, `\boxed{3.14159265358}`, true, "a decimal to 6 places"},
		{Math{Tolerance: 1e-3}, `\pi`, `\boxed{\frac{355}{113}}`, true, "Tolerance 1e-3: 355/113 is π"},
		{Math{}, `\pi`, `\boxed{\frac{355}{113}}`, false, "355/113 is not π within 1e-9"},
		{Math{}, "7", `The answer is \boxed{5}. The final answer is 7`, false, "a box comes before a loose final-answer sentence"},
		{Math{Order: [][]MathSource{{FromFinalAnswer}, {FromBoxed}}}, "7", `The answer is \boxed{5}. The final answer is 7`, true, "a custom order"},
		{Math{Order: [][]MathSource{{FromPlain}}}, "4", `\boxed{5} and 4`, true, "plain numbers only"},
		{Math{Order: [][]MathSource{{FromBoxed}}}, "4", `The answer is 4`, false, "boxes only"},
		{Math{Extract: TagExtractor("answer")}, `\frac{1}{2}`, "<answer>0.5</answer> 3", true, "a custom extractor, parsed like a label"},
		{Math{Extract: TagExtractor("answer")}, `\frac{1}{2}`, "0.5", false, "the extractor finds nothing"},
	}
	for _, c := range cases {
		got, err := c.m.Verify(context.Background(), c.gold, c.pred)
		if err != nil || got != c.want {
			t.Errorf("%s: %+v.Verify(%q, %q) = %v, %v; want %v", c.why, c.m, c.gold, c.pred, got, err, c.want)
		}
	}
}

func TestNumericIsMath(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		completion, label string
		want              float64
	}{
		{"AZYUK2A", "2", 0},
		{`$\frac{1+\sqrt{5}}{2}$`, "2", 0},
		{"[0,1)", "1", 0},
		{"1 000", "1000", 1},
		{"1000,99", "1000.99", 1},
		{"#### 72", "72", 1},
		{"The answer is 1000.", "1 000", 1},
		{"It is 1000.99.", "1000,99", 1},
		{`\boxed{0.75}`, `\frac{3}{4}`, 1},
		{`\boxed{5}`, "x = 5", 1},
	} {
		if got, err := (Numeric{}).Score(ctx, Sample{Completion: c.completion, Label: c.label}); err != nil || got != c.want {
			t.Errorf("Numeric(%q, %q) = %v, %v; want %v", c.completion, c.label, got, err, c.want)
		}
	}
}

// Numeric's label must be one number with a value.
func TestNumericLabels(t *testing.T) {
	for _, bad := range []string{"one", "x = y", "1/0", "[0,1)", `\{1, 2\}`, "x > 3", `\text{cm}`, `\infty`, "1_000"} {
		if _, err := (Numeric{}).Score(context.Background(), Sample{Completion: "1", Label: bad}); err == nil || !strings.Contains(err.Error(), "Label") {
			t.Errorf("label %q: %v, want an error naming the Label", bad, err)
		}
	}
}
