package reward

import (
	"context"
	"fmt"
	"testing"
)

// Typical answers: a short worked solution ending in a boxed or stated
// answer, verified against its label.
var (
	benchNumbers = []Sample{
		{Completion: "Mia baked 36/3 = 12 muffins a tray, so 12 * 5 = 60 in all.\n#### 60", Label: "60"},
		{Completion: `We add the two parts: $12 + 30 = 42$. So the answer is \boxed{42}.`, Label: "42"},
		{Completion: "Each costs $3.50, so 4 of them cost $14.00. The answer is 14.", Label: "14"},
		{Completion: `The probability is $\frac{1}{2}\cdot\frac{1}{3}$, so \boxed{\frac{1}{6}}.`, Label: `\frac{1}{6}`},
		{Completion: "She earns 1,250 dollars a week. The answer is 1,250.", Label: "1250"},
		{Completion: `Thus the sum is $\boxed{0.75}$.`, Label: "3/4"},
	}
	benchExpressions = []Sample{
		{Completion: `Expanding, we get $\boxed{x^2+2x+1}$.`, Label: `(x+1)^2`},
		{Completion: `The roots are $x = \boxed{1 \pm \sqrt{19}}$.`, Label: `1 \pm \sqrt{19}`},
		{Completion: `So the solution set is $\boxed{(-\infty, 1) \cup (1, \infty)}$.`, Label: `\mathbb{R} \setminus \{1\}`},
		{Completion: `Hence $\boxed{\frac{\sqrt{3}}{3}}$.`, Label: `\frac{1}{\sqrt{3}}`},
		{Completion: `By sum-to-product, this is $\boxed{2 \cos a \sin b}$.`, Label: `2 \sin b \cos a`},
		{Completion: `The line is $\boxed{y = -\frac{1}{2}x + \frac{3}{4}}$.`, Label: `2x+4y-3=0`},
	}
)

// BenchmarkMath reports verifications per second on one core for
// numeric and for symbolic answers.
func BenchmarkMath(b *testing.B) {
	for _, set := range []struct {
		name    string
		samples []Sample
	}{{"numbers", benchNumbers}, {"expressions", benchExpressions}} {
		b.Run(set.name, func(b *testing.B) {
			m := Math{}
			ctx := context.Background()
			for _, s := range set.samples {
				if v, err := m.Score(ctx, s); v != 1 || err != nil {
					b.Fatalf("%q: %v, %v", s.Completion, v, err)
				}
			}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				s := set.samples[i%len(set.samples)]
				if _, err := m.Score(ctx, s); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
		})
	}
}

// BenchmarkMathHostile measures the worst inputs of the safety tests.
func BenchmarkMathHostile(b *testing.B) {
	for name, s := range hostileMathSamples() {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				_, _ = Math{}.Score(context.Background(), s)
			}
		})
	}
	_ = fmt.Sprint
}
