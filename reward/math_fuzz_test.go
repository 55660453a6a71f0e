package reward

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

var mathSeeds = []string{
	`\frac{1}{2}`, `\frac12`, `\sqrt[3]{8}`, `x^2+2x+1`, `(x+1)^2`, `[0,1)`, `(1,2]`, `\{1,2\}`, `(1,2,3)`,
	`1 \pm \sqrt{19}`, `x \geq 5`, `-2 \le x \le 7`, `x \in [-2,7]`, `\mathbb{R}\setminus\{1\}`,
	`(-\infty,1)\cup(1,\infty)`, `\begin{pmatrix}1 & 2 \\ 3 & 4\end{pmatrix}`, `\text{Evelyn}`, `28\%`,
	`1,234`, `1 000`, `1000,99`, `10^{10^{10}}`, `\sum_{k=1}^{10} k`, `f(x) = 2x+3`, `204_5`, `12:00`,
	`\sin^2 x + \cos^2 x`, `\log_2 8`, `e^{i\pi}`, `|x|`, `\lfloor 2.5 \rfloor`, `5!`, `\binom{5}{2}`,
	`90^\circ`, `15\text{ cm}^2`, `p=5,q=2;p=7,q=2`, `\left( 3, \frac{\pi}{2} \right)`, `{`, `}`, `\`, `^`,
	`\frac{}{}`, `\sqrt`, `\begin{pmatrix}`, `((((`, `|||`, `\left.`, `$`, `\boxed{`, `1/0`, `0^{-1}`,
}

// The parser never panics, respects its limits, and every answer it reads
// equals itself.
func FuzzMathParse(f *testing.F) {
	for _, s := range mathSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w := &mathWork{left: DefaultMathBudget}
		n, err := parseMath(normalizeAnswer(s), w)
		if err != nil {
			return
		}
		n = prepareAnswer(n)
		if !newMathCmp(&mathWork{left: DefaultMathBudget}, 6, 1e-9).equal(n, n) {
			t.Fatalf("%q parses to %s, which does not equal itself", s, canon(n))
		}
	})
}

// Verify never panics, gives the same verdict twice, and fails only for
// a gold without an answer or a spent budget.
func FuzzMathVerify(f *testing.F) {
	for i, s := range mathSeeds {
		f.Add(s, `The answer is $\boxed{`+mathSeeds[(i+1)%len(mathSeeds)]+`}$.`)
		f.Add(s, `\boxed{`+s+`}`)
	}
	f.Add("60", "Mia baked 36/3 = <<36/3=12>>12 muffins a tray.\n#### 60")
	f.Add("14916", `\boxed{12}. Final Answer: The final answer is $14{,}916$. I hope it is correct.`)
	f.Fuzz(func(t *testing.T, gold, completion string) {
		ctx := context.Background()
		got, err := Math{}.Verify(ctx, gold, completion)
		if err != nil && !errors.Is(err, ErrMathBudget) && !strings.Contains(err.Error(), "gold") {
			t.Fatalf("Verify(%q, %q): unexpected error %v", gold, completion, err)
		}
		again, err2 := Math{}.Verify(ctx, gold, completion)
		if again != got || (err == nil) != (err2 == nil) {
			t.Fatalf("Verify(%q, %q) = %v, %v then %v, %v", gold, completion, got, err, again, err2)
		}
	})
}

// Extraction keeps its candidates inside the text and its boxes balanced.
func FuzzMathExtract(f *testing.F) {
	for _, s := range mathSeeds {
		f.Add(`So \boxed{` + s + `} and $` + s + `$ or \(` + s + `\); the answer is ` + s)
	}
	f.Add("Final Answer: The final answer is $14{,}916$. I hope it is correct.")
	f.Add("$$\\boxed{1}$$ \\boxed{2} answer: 3 [ 4 ] \\frac{5}{6}")
	f.Fuzz(func(t *testing.T, s string) {
		text := newMathText(s)
		for src := FromBoxed; src <= FromPlain; src++ {
			for _, c := range text.candidates(src) {
				if c.start < 0 || c.end > len(s) || c.start > c.end || c.num.digits == "" && c.text == "" {
					t.Fatalf("source %d of %q: candidate %+v", src, s, c)
				}
			}
		}
		for _, b := range findBoxes(s) {
			if s[b.open] != '{' || s[b.close] != '}' || strings.Count(s[b.open:b.close+1], "{") != strings.Count(s[b.open:b.close+1], "}") {
				t.Fatalf("box %+v of %q is not balanced", b, s)
			}
		}
	})
}

// Every finite float64, written by strconv as the label and stated in the
// completion, verifies.
func FuzzMathNumber(f *testing.F) {
	for _, x := range []float64{0, 1, -1, 0.5, 1e-7, 123456789, 1e300, -2.5e-300, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return
		}
		for _, fm := range []byte{'f', 'e', 'g'} {
			s := strconv.FormatFloat(x, fm, -1, 64)
			for _, c := range []string{"The answer is " + s + ".", `\boxed{` + s + `}`, "#### " + s} {
				if ok, err := (Math{}).Verify(context.Background(), s, c); !ok || err != nil {
					t.Fatalf("Verify(%q, %q) = %v, %v", s, c, ok, err)
				}
			}
		}
	})
}
