package reward

import (
	"strings"
	"testing"
)

func TestLastNumberWindows(t *testing.T) {
	long := strings.Repeat("Reasoning goes on and on without numbers. ", 50)
	cases := []string{
		"7 " + long,
		long + "answer 9",
		long + `so \frac{` + strings.Repeat("x ", 200) + `3}{4} done`,
		`\frac{` + strings.Repeat("w", 600) + `}{4}` + long,
		long + "1,234,567" + long,
		"-" + strings.Repeat("q", 300) + "5",
		strings.Repeat("{", 300) + "8" + strings.Repeat("a", 300),
		strings.Repeat("ü", 400) + "3" + strings.Repeat("ü", 400),
	}
	for _, c := range cases {
		got, gok := LastNumber(c)
		want, wok := lastNumberFull(c)
		if got != want || gok != wok {
			t.Errorf("LastNumber = %q, %v; one scan gives %q, %v (text %.60q…)", got, gok, want, wok, c)
		}
	}
	if got, _ := LastNumber(long + `so \frac{` + strings.Repeat("x ", 200) + `3}{4} done`); !strings.HasPrefix(got, `\frac{`) {
		t.Errorf("fraction across windows: %.40q", got)
	}
}

// lastNumberFull is LastNumber's reference: one scan over the whole text.
func lastNumberFull(text string) (string, bool) { return lastNumberIn(text, 0, len(text)) }
