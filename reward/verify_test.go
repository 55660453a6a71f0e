package reward

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestExtractBoxed(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{`so \boxed{42}.`, "42", true},
		{`\boxed{1} then \boxed{\frac{1}{2}}`, `\frac{1}{2}`, true},
		{`\boxed{a{b{c}}d}`, "a{b{c}}d", true},
		{`\boxed {7}`, "7", true},
		{`\fbox{9}`, "9", true},
		{`\boxed{3} and \fbox{4}`, "4", true},
		{`\boxed{unclosed`, "", false},
		{`\boxed{2} then \boxed{unclosed`, "2", true},
		{`\boxed{1} \boxed{a{b}`, "1", true},
		{`} \boxed{x}} {`, "x", true},
		{`\boxed{\boxed{5}}`, "5", true},
		{`no box`, "", false},
		{`\boxed`, "", false},
		{``, "", false},
	}
	for _, c := range cases {
		got, ok := ExtractBoxed(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ExtractBoxed(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestExtractAnswer(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{`The answer is \boxed{\dfrac{3}{4}}.`, `\dfrac{3}{4}`, true},
		{"First 12 then 7.", "7", true},
		{"It costs $1,234.50 in total.", "1,234.50", true},
		{"x = -3", "-3", true},
		{"x = −3", "-3", true},
		{"5-3", "3", true},
		{"5 - 3", "3", true},
		{"so -3", "-3", true},
		{"(-3)", "-3", true},
		{"loss of -$5", "-5", true},
		{"points (1,2,3)", "3", true},
		{"12,34", "34", true},
		{"we get 1.5e3 joules", "1.5e3", true},
		{"about 50% of them", "50%", true},
		{"ratio 3/4", "3/4", true},
		{`so \frac{1}{8}`, `\frac{1}{8}`, true},
		{`so -\frac{1}{8}`, `-\frac{1}{8}`, true},
		{`so \frac34`, `\frac34`, true},
		{"total: 1,000,000, done", "1,000,000", true},
		{"no digits here", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		got, ok := ExtractAnswer(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ExtractAnswer(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestParseNumber(t *testing.T) {
	cases := []struct {
		in   string
		want float64
	}{
		{"42", 42},
		{" 42. ", 42},
		{"+7", 7},
		{"-7", -7},
		{"−7", -7},
		{"--7", 7},
		{"1,234", 1234},
		{"1,234,567.25", 1234567.25},
		{"1{,}234", 1234},
		{`1\,234`, 1234},
		{"$12.50", 12.5},
		{`\$12`, 12},
		{"-$5", -5},
		{"1.5e3", 1500},
		{"2E-2", 0.02},
		{`1.5\times10^{3}`, 1500},
		{`2 \cdot 10^{-1}`, 0.2},
		{"3/4", 0.75},
		{"-3 / 4", -0.75},
		{`\frac{3}{4}`, 0.75},
		{`\dfrac{-3}{4}`, -0.75},
		{`-\tfrac{1}{2}`, -0.5},
		{`\frac34`, 0.75},
		{`\frac{1,000}{4}`, 250},
		{`\boxed{\frac{1}{2}}`, 0.5},
		{"50%", 50},
		{`12.5\%`, 12.5},
		{"$3$", 3},
		{`\(3\)`, 3},
		{`\text{5}`, 5},
		{".5", 0.5},
		{"=4", 4},
		{"x = 5", 5},
		{"a_{n}=-2", -2},
		{`\boxed{y = \frac{1}{2}}`, 0.5},
		{`5\text{ cm}`, 5},
		{`12 \mbox{apples}`, 12},
		{`30^\circ`, 30},
		{`30^{\circ}`, 30},
		{"45°", 45},
	}
	for _, c := range cases {
		got, err := ParseNumber(c.in)
		if err != nil || math.Abs(got-c.want) > 1e-12*math.Max(1, math.Abs(c.want)) {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "abc", "1,23", "12,3456", "1/0", "inf", "NaN", "0x1p3", "1e999", "1..2", `\frac{1}`, `\frac{1}{0}`, "1_000", "3 apples", "50%/2", "-", "1,2.3,4", "x = y", `\text{cm}`, "xy = 3", "°"} {
		if v, err := ParseNumber(bad); err == nil {
			t.Errorf("ParseNumber(%q) = %v, want an error", bad, v)
		}
	}
}

func TestNumericEqual(t *testing.T) {
	cases := []struct {
		a, b string
		tol  float64
		want bool
	}{
		{"0.75", `\frac{3}{4}`, 1e-9, true},
		{"1,234", "1234", 0, true},
		{"50%", "0.5", 1e-9, true},
		{"0.5", "50%", 1e-9, true},
		{"50%", "50", 1e-9, true},
		{"50%", "50%", 0, true},
		{"0.333333", "1/3", 1e-6, true},
		{"0.333", "1/3", 1e-6, false},
		{"1000001", "1000000", 1e-6, true}, // relative for large numbers
		{"1000002", "1000000", 1e-6, false},
		{"-2", "2", 1e-6, false},
	}
	for _, c := range cases {
		got, err := NumericEqual(c.a, c.b, c.tol)
		if err != nil || got != c.want {
			t.Errorf("NumericEqual(%q, %q, %g) = %v, %v; want %v", c.a, c.b, c.tol, got, err, c.want)
		}
	}
	if _, err := NumericEqual("x", "1", 0); err == nil || !strings.HasPrefix(err.Error(), "got") {
		t.Errorf("bad got: %v", err)
	}
	if _, err := NumericEqual("1", "y", 0); err == nil || !strings.HasPrefix(err.Error(), "want") {
		t.Errorf("bad want: %v", err)
	}
	if _, err := NumericEqual("1", "1", -1); err == nil {
		t.Error("negative tolerance accepted")
	}
}

func TestNumeric(t *testing.T) {
	ctx := context.Background()
	n := Numeric{}
	cases := []struct {
		completion, label string
		want              float64
	}{
		{`... so the answer is \boxed{\frac{1}{2}}`, "0.5", 1},
		{"She pays $1,234.", "1234", 1},
		{"Result: 41", "42", 0},
		{"I don't know", "42", 0},
		{`\boxed{x+1}`, "42", 0},
		{"It rose 25%.", "0.25", 1},
	}
	for _, c := range cases {
		got, err := n.Score(ctx, Sample{Completion: c.completion, Label: c.label})
		if err != nil || got != c.want {
			t.Errorf("Numeric(%q, %q) = %v, %v; want %v", c.completion, c.label, got, err, c.want)
		}
	}
	if _, err := n.Score(ctx, Sample{Completion: "1"}); !errors.Is(err, ErrSkip) {
		t.Errorf("no label: %v", err)
	}
	if _, err := n.Score(ctx, Sample{Completion: "1", Label: "one"}); err == nil || !strings.Contains(err.Error(), "Label") {
		t.Errorf("bad label: %v", err)
	}
	if _, err := (Numeric{Tolerance: math.NaN()}).Score(ctx, Sample{Completion: "1", Label: "1"}); err == nil || !strings.Contains(err.Error(), "Tolerance") {
		t.Errorf("NaN tolerance: %v", err)
	}
	tagged := Numeric{Extract: TagExtractor("answer")}
	if got, _ := tagged.Score(ctx, Sample{Completion: "<answer> 7 </answer> 8", Label: "7"}); got != 1 {
		t.Errorf("TagExtractor: %v", got)
	}
}

func TestExactMatch(t *testing.T) {
	ctx := context.Background()
	e := ExactMatch{}
	for _, c := range []struct {
		completion, label string
		want              float64
	}{
		{"  Paris. ", "paris", 1},
		{"New\n  York", "new york", 1},
		{"Lyon", "Paris", 0},
		{"   ", "Paris", 0},
	} {
		if got, err := e.Score(ctx, Sample{Completion: c.completion, Label: c.label}); err != nil || got != c.want {
			t.Errorf("ExactMatch(%q, %q) = %v, %v", c.completion, c.label, got, err)
		}
	}
	if _, err := e.Score(ctx, Sample{Completion: "x"}); !errors.Is(err, ErrSkip) {
		t.Errorf("no label: %v", err)
	}
	tag := ExactMatch{Extract: TagExtractor("answer")}
	if got, _ := tag.Score(ctx, Sample{Completion: "<think>hmm</think><answer>Paris</answer>", Label: "Paris"}); got != 1 {
		t.Errorf("tagged ExactMatch = %v", got)
	}
	if got, _ := tag.Score(ctx, Sample{Completion: "Paris", Label: "Paris"}); got != 0 {
		t.Errorf("missing tag should score 0, got %v", got)
	}
}

func TestTagFormat(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		in   string
		want float64
	}{
		{"<think>\nstep\n</think>\n<answer>\n4\n</answer>", 1},
		{"  <think></think><answer>4</answer>\n", 1},
		{"<answer>4</answer><think>x</think>", 0},
		{"<think>x</think>", 0},
		{"<think>x</think><answer>4</answer> trailing", 0},
		{"lead <think>x</think><answer>4</answer>", 0},
		{"<think>x<think>y</think><answer>4</answer>", 0},
		{"<think>x</think><answer>4</answer><answer>5</answer>", 0},
		{"<think>x</think><answer>4", 0},
		{"", 0},
	}
	for _, c := range cases {
		if got, err := ThinkAnswerFormat.Score(ctx, Sample{Completion: c.in}); err != nil || got != c.want {
			t.Errorf("ThinkAnswerFormat(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	if _, err := (TagFormat{}).Score(ctx, Sample{}); err == nil {
		t.Error("empty Tags accepted")
	}
	if _, err := (TagFormat{Tags: []string{"ok", "b<d"}}).Score(ctx, Sample{}); err == nil || !strings.Contains(err.Error(), "Tags[1]") {
		t.Errorf("bad tag: %v", err)
	}
}

func TestRegex(t *testing.T) {
	ctx := context.Background()
	r := Regex{Pattern: `^Answer: \d+$`}
	if got, _ := r.Score(ctx, Sample{Completion: "Answer: 12"}); got != 1 {
		t.Errorf("match = %v", got)
	}
	if got, _ := r.Score(ctx, Sample{Completion: "Answer: x"}); got != 0 {
		t.Errorf("no match = %v", got)
	}
	if _, err := (Regex{Pattern: "("}).Score(ctx, Sample{}); err == nil || !strings.Contains(err.Error(), "Pattern") {
		t.Errorf("bad pattern: %v", err)
	}
}

func TestNewRegex(t *testing.T) {
	ctx := context.Background()
	if _, err := NewRegex("("); err == nil || !strings.Contains(err.Error(), "Pattern") {
		t.Errorf("NewRegex bad pattern: %v", err)
	}
	r, err := NewRegex(`^Answer: \d+$`)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := r.Score(ctx, Sample{Completion: "Answer: 12"}); err != nil || got != 1 {
		t.Errorf("match = %v, %v", got, err)
	}
	if got, _ := r.Score(ctx, Sample{Completion: "Answer: x"}); got != 0 {
		t.Errorf("no match = %v", got)
	}
	// The compiled pattern is used: scoring allocates nothing.
	if n := testing.AllocsPerRun(100, func() { _, _ = r.Score(ctx, Sample{Completion: "Answer: 12"}) }); n != 0 {
		t.Errorf("Score allocates %v times per call", n)
	}
	// Changing Pattern after NewRegex takes effect.
	r.Pattern = `^x$`
	if got, _ := r.Score(ctx, Sample{Completion: "Answer: 12"}); got != 0 {
		t.Errorf("changed Pattern ignored: %v", got)
	}
}

func TestJSONObject(t *testing.T) {
	ctx := context.Background()
	j := JSONObject{Required: []string{"name", "age"}}
	cases := []struct {
		in   string
		want float64
	}{
		{`{"name": "a", "age": 3}`, 1},
		{"```json\n{\"name\": \"a\", \"age\": null}\n```", 1},
		{"```\n{\"name\": 1, \"age\": 2, \"x\": 3}\n```", 1},
		{`{"name": "a"}`, 0},
		{`{"name": "a", "age": 3} extra`, 0},
		{`{"name": "a", "age": 3}{}`, 0},
		{`{"name": "a", "age": 3}}`, 0},
		{`{"name": "a", "age": 3}]`, 0},
		{"{\"name\": \"a\", \"age\": 3}\n}", 0},
		{"```json\n{\"name\": \"a\", \"age\": 3}}\n```", 0},
		{"{\"name\": \"a\", \"age\": 3}\n\t ", 1},
		{`["name", "age"]`, 0},
		{`null`, 0},
		{`{"name": `, 0},
		{``, 0},
	}
	for _, c := range cases {
		if got, err := j.Score(ctx, Sample{Completion: c.in}); err != nil || got != c.want {
			t.Errorf("JSONObject(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	if got, _ := (JSONObject{}).Score(ctx, Sample{Completion: "{}"}); got != 1 {
		t.Errorf("empty object, no required keys = %v", got)
	}
}

// An R1-style reward: correctness counts only when the format is right.
func ExampleGate() {
	r := Gate{
		Format: ThinkAnswerFormat,
		Then:   Numeric{Extract: TagExtractor("answer")},
		Fail:   -1,
	}
	for _, c := range []string{
		"<think>2+2</think><answer>4</answer>",
		"<think>2+2</think><answer>5</answer>",
		"4",
	} {
		v, _ := r.Score(context.Background(), Sample{Completion: c, Label: "4"})
		fmt.Println(v)
	}
	// Output:
	// 1
	// 0
	// -1
}

func ExampleParseNumber() {
	for _, s := range []string{`\dfrac{3}{4}`, "$1,234.50", "-1.5e3", "12.5%"} {
		v, err := ParseNumber(s)
		fmt.Println(v, err)
	}
	// Output:
	// 0.75 <nil>
	// 1234.5 <nil>
	// -1500 <nil>
	// 12.5 <nil>
}

func ExampleExtractAnswer() {
	a, _ := ExtractAnswer(`We find x = \boxed{\frac{1}{2}}.`)
	b, _ := ExtractAnswer("So she has 3 apples and pays $1,250.")
	fmt.Println(a)
	fmt.Println(b)
	// Output:
	// \frac{1}{2}
	// 1,250
}
