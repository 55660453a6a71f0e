package reward

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
)

var extractSeeds = []string{
	`\boxed{\frac{1}{2}}`, `\boxed{a{b}c}`, `\boxed{`, `\boxed{}}`, `}{\boxed`,
	"x = -3", "1,234,567.89", "1,2,3", "12,34", "1.5e3", "50%", `12\%`, "3/4",
	`\dfrac{3}{4}`, `\frac34`, `-\tfrac{1}{2}`, "$1,234.", "−7", "5-3", "",
	`\boxed{\boxed{\boxed{1}}}`, "1e", "1e+", ".5.", "/", "0/0", `\frac{}{}`,
}

func FuzzExtractAnswer(f *testing.F) {
	for _, s := range extractSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := ExtractAnswer(s)
		if !ok && a != "" {
			t.Fatalf("ExtractAnswer(%q) = %q with ok=false", s, a)
		}
		if b, bok := ExtractBoxed(s); bok && !strings.Contains(s, b) {
			t.Fatalf("ExtractBoxed(%q) = %q is not part of the input", s, b)
		}
		if n, nok := LastNumber(s); nok {
			if n == "" {
				t.Fatalf("LastNumber(%q) returned an empty token", s)
			}
			if !strings.Contains(s, strings.TrimPrefix(n, "-")) {
				t.Fatalf("LastNumber(%q) = %q is not part of the input", s, n)
			}
		}
		// Whatever comes out, parsing it must not panic and must be finite.
		if ok {
			if v, err := ParseNumber(a); err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
				t.Fatalf("ParseNumber(%q) = %v without error", a, v)
			}
		}
	})
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range extractSeeds {
		f.Add(s, 0.0)
	}
	f.Add("", 1.25)
	f.Add("", -3e-7)
	f.Add("", 1e300)
	f.Fuzz(func(t *testing.T, s string, x float64) {
		if v, err := ParseNumber(s); err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
			t.Fatalf("ParseNumber(%q) = %v without error", s, v)
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return
		}
		// Every finite float64 written in Go's shortest form parses back exactly.
		for _, txt := range []string{strconv.FormatFloat(x, 'f', -1, 64), strconv.FormatFloat(x, 'e', -1, 64)} {
			v, err := ParseNumber(txt)
			if err != nil || v != x {
				t.Fatalf("ParseNumber(%q) = %v, %v; want %v", txt, v, err, x)
			}
			if got, ok := LastNumber("the answer is " + txt + "."); !ok {
				t.Fatalf("LastNumber missed %q", txt)
			} else if v, err := ParseNumber(got); err != nil || v != x {
				t.Fatalf("LastNumber(%q) = %q parses to %v, %v; want %v", txt, got, v, err, x)
			}
		}
	})
}

func FuzzFormats(f *testing.F) {
	for _, s := range []string{
		"<think>a</think><answer>b</answer>", "<think><answer></think></answer>", "<answer>",
		"</answer><answer>", "```json\n{\"a\":1}\n```", "```", "``````", `{"a":1} {"b":2}`, "{", "\"\\u00\"",
		`\boxed{ Paris. }`, "  ", "\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ctx := context.Background()
		if a, ok := ExtractTag(s, "answer"); ok && !strings.Contains(s, a) {
			t.Fatalf("ExtractTag(%q) = %q is not part of the input", s, a)
		}
		for _, r := range []Reward{ThinkAnswerFormat, JSONObject{Required: []string{"a"}}, Regex{Pattern: `^\d+$`}, ExactMatch{}, Numeric{}} {
			v, err := r.Score(ctx, Sample{Completion: s, Label: "1"})
			if err != nil || (v != 0 && v != 1) {
				t.Fatalf("%T on %q = %v, %v; want 0 or 1", r, s, v, err)
			}
		}
		// JSONObject scores 1 exactly when the extracted text is valid JSON
		// and an object with the required key.
		txt := jsonObjectText(s)
		var obj map[string]any
		want := 0.0
		if json.Valid([]byte(txt)) && json.Unmarshal([]byte(txt), &obj) == nil && obj != nil {
			if _, ok := obj["a"]; ok {
				want = 1
			}
		}
		if got, _ := (JSONObject{Required: []string{"a"}}).Score(ctx, Sample{Completion: s}); got != want {
			t.Fatalf("JSONObject on %q (object text %q) = %v; json.Valid says %v", s, txt, got, want)
		}
		if n := NormalizeText(s); NormalizeText(n) != n {
			t.Fatalf("NormalizeText is not idempotent on %q", s)
		}
		if a, ok := CanonicalAnswer(s); ok && a == "" {
			t.Fatalf("CanonicalAnswer(%q) is empty with ok", s)
		}
	})
}

// LastNumber scans windows from the end; it must agree with one scan over
// the whole text.
func FuzzLastNumberWindows(f *testing.F) {
	for _, s := range extractSeeds {
		f.Add(s, uint16(0))
	}
	f.Add(`x \frac{1 a b c}{2} y`, uint16(300))
	f.Add("a 1,234 b", uint16(255))
	f.Fuzz(func(t *testing.T, s string, pad uint16) {
		// Padding pushes the interesting part across window boundaries.
		for _, text := range []string{s, s + strings.Repeat("z", int(pad)%600), strings.Repeat("q", int(pad)%600) + s} {
			got, gok := LastNumber(text)
			want, wok := lastNumberFull(text)
			if got != want || gok != wok {
				t.Fatalf("LastNumber(%q) = %q, %v; one scan gives %q, %v", text, got, gok, want, wok)
			}
		}
	})
}
