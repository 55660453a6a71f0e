package reward

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// hostileMathSamples are inputs built to exhaust a verifier: deep
// nesting, huge exponents, megabyte completions, and runs of plain
// numbers each of which starts an expression that ends where the run
// does.
func hostileMathSamples() map[string]Sample {
	nested := strings.Repeat("{", 100000) + "1" + strings.Repeat("}", 100000)
	return map[string]Sample{
		"nested-gold":       {Completion: `\boxed{1}`, Label: nested},
		"nested-completion": {Completion: `\boxed{` + nested + `}`, Label: "1"},
		"tower":             {Completion: `\boxed{10^{10^{10}}}`, Label: `10^{10^{10}}+1`},
		"tower-gold":        {Completion: `\boxed{2}`, Label: `10^{10^{10}}`},
		"megabyte":          {Completion: strings.Repeat("We add 12 and 30 to get 42, then check $x=1$. ", 1<<20/46) + `\boxed{41}`, Label: "42"},
		"megabyte-boxes":    {Completion: strings.Repeat(`\boxed{`, 1<<20/7), Label: "1"},
		"megabyte-dollars":  {Completion: strings.Repeat("$1 $", 1<<18), Label: "2"},
		"megabyte-answers":  {Completion: strings.Repeat("The final answer is 1. Answer: 1 ", 1<<15), Label: "2"},
		"long-answer":       {Completion: `\boxed{` + strings.Repeat("x+", 3000) + "1}", Label: "1"},
		"parens":            {Completion: `\boxed{` + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000) + "}", Label: "1"},
		"minus-signs":       {Completion: `\boxed{` + strings.Repeat("-", 4001) + "1}", Label: "1"},
		"factorial":         {Completion: `\boxed{100000!}`, Label: `100000!+1`},
		"big-matrix":        {Completion: `\boxed{` + bigMatrix(40) + bigMatrix(40) + `}`, Label: "1"},
		"wide-sum":          {Completion: `\boxed{\sum_{k=1}^{1000000} k}`, Label: "1"},
		"huge-exponent":     {Completion: "The answer is 1e999999999.", Label: "1e99999999"},
		"huge-decimal":      {Completion: `\boxed{0.` + strings.Repeat("3", 4000) + `}`, Label: `\frac{1}{3}+1`},
		"power-tower":       {Completion: `\boxed{2^{2^{2^{2^{2^{2}}}}}}`, Label: `2^{2^{2^{2^{2^{2}}}}}+1`},
		"many-variables":    {Completion: `\boxed{` + manyVariables(200) + `}`, Label: manyVariables(200) + "+1"},
		"spaced-numbers":    {Completion: strings.Repeat("1 ", 1<<12), Label: "2"},
		"spaced-sums":       {Completion: strings.Repeat(" 1+1.", 1<<12) + "x", Label: "3"},
	}
}

func bigMatrix(n int) string {
	var b strings.Builder
	b.WriteString(`\begin{pmatrix}`)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if j > 0 {
				b.WriteString("&")
			}
			b.WriteString("x")
		}
		b.WriteString(`\\`)
	}
	b.WriteString(`\end{pmatrix}`)
	return b.String()
}

func manyVariables(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString("+")
		}
		b.WriteString("x_{" + strings.Repeat("1", i%7+1) + "}^{" + strings.Repeat("9", i%3+1) + "}")
	}
	return b.String()
}

// Every hostile input gets a verdict (0: none of them is a correct
// answer) or an error, quickly, and never a panic.
func TestMathHostileInputs(t *testing.T) {
	for name, s := range hostileMathSamples() {
		start := time.Now()
		v, err := Math{}.Score(context.Background(), s)
		took := time.Since(start)
		if err == nil && v != 0 {
			t.Errorf("%s: scored %v", name, v)
		}
		if took > 3*time.Second {
			t.Errorf("%s: took %v", name, took)
		}
		t.Logf("%s: %v, %v in %v", name, v, err, took)
	}
}

// The work budget turns an expensive verification into ErrMathBudget,
// which Score turns into 0.
func TestMathBudget(t *testing.T) {
	m := Math{Budget: 50}
	gold, pred := `x^2+2x+1`, `\boxed{(x+1)^2}`
	if _, err := m.Verify(context.Background(), gold, pred); !errors.Is(err, ErrMathBudget) {
		t.Errorf("Verify with a tiny budget: %v, want ErrMathBudget", err)
	}
	if v, err := m.Score(context.Background(), Sample{Completion: pred, Label: gold}); v != 0 || err != nil {
		t.Errorf("Score with a tiny budget = %v, %v; want 0, nil", v, err)
	}
	if v, err := (Math{}).Score(context.Background(), Sample{Completion: pred, Label: gold}); v != 1 || err != nil {
		t.Errorf("Score with the default budget = %v, %v; want 1, nil", v, err)
	}
}
