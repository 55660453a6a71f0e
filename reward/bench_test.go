package reward

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func BenchmarkScoreAll(b *testing.B) {
	samples := make([]Sample, 1024)
	for i := range samples {
		samples[i] = Sample{Completion: fmt.Sprintf(`step %d ... so \boxed{%d}`, i, i%7), Label: "3"}
	}
	for _, par := range []int{1, 2} {
		b.Run(fmt.Sprintf("Numeric/par=%d", par), func(b *testing.B) {
			s := Scorer{Reward: Numeric{}, Parallelism: par}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, _, err := s.ScoreAll(context.Background(), samples); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(samples))/b.Elapsed().Seconds(), "samples/s")
		})
	}
}

func BenchmarkExtractAnswer(b *testing.B) {
	text := strings.Repeat("We add 12 and 30 to get 42, then divide by 3/4. ", 20) + `Final: \boxed{\dfrac{3}{4}}`
	plain := strings.Repeat("We add 12 and 30 to get 42, then divide by 3/4. ", 20) + "Final: 1,234.5"
	b.Run("boxed", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			ExtractAnswer(text)
		}
	})
	b.Run("last-number", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			ExtractAnswer(plain)
		}
	})
}

func BenchmarkParseNumber(b *testing.B) {
	in := []string{"42", "1,234.5", `\dfrac{3}{4}`, "-1.5e3", "12.5%"}
	for i := 0; i < b.N; i++ {
		ParseNumber(in[i%len(in)])
	}
}

func BenchmarkEvolRLGroup16(b *testing.B) {
	group := make([]Sample, 16)
	for i := range group {
		group[i] = Sample{Completion: strings.Repeat(fmt.Sprintf("reasoning step %d about the problem ", i%5), 40) + fmt.Sprintf(`\boxed{%d}`, i%3)}
	}
	e := EvolRL{}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := e.ScoreGroup(context.Background(), group); err != nil {
			b.Fatal(err)
		}
	}
}

// A collapsed model repeating an unclosed box: linear, not quadratic.
func BenchmarkExtractBoxedDegenerate(b *testing.B) {
	text := strings.Repeat(`\boxed{`, 20000)
	for i := 0; i < b.N; i++ {
		ExtractAnswer(text)
	}
}

func BenchmarkParseNumberDegenerate(b *testing.B) {
	in := strings.Repeat(`\(`, 5000) + "3" + strings.Repeat(`\)`, 5000) + strings.Repeat(".", 10000)
	for i := 0; i < b.N; i++ {
		ParseNumber(in)
	}
}
