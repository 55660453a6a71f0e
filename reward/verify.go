package reward

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// Extractor pulls the final answer out of a completion; ok is false when
// the completion holds no parseable answer.
type Extractor func(text string) (answer string, ok bool)

// Whole is the identity Extractor: the whole text is the answer (ok is
// false only for blank text).
func Whole(text string) (string, bool) { return text, strings.TrimSpace(text) != "" }

// NormalizeText canonicalises a short answer for exact matching: Unicode
// lower-case, surrounding whitespace removed, inner runs of whitespace
// collapsed to one space, and trailing sentence punctuation (. , ; : !)
// removed.
func NormalizeText(s string) string {
	s = strings.Join(strings.Fields(strings.ToLower(s)), " ")
	return strings.TrimRight(s, ".,;:! ")
}

// ExactMatch scores 1 when the extracted answer equals the label after
// NormalizeText on both sides, else 0. A sample without a Label is not
// applicable (ErrSkip); an unparseable completion scores 0.
type ExactMatch struct {
	// Extract pulls the answer out of the completion. Default Whole.
	Extract Extractor
}

// Score compares the answer with s.Label.
func (e ExactMatch) Score(_ context.Context, s Sample) (float64, error) {
	if s.Label == "" {
		return math.NaN(), ErrSkip
	}
	ex := e.Extract
	if ex == nil {
		ex = Whole
	}
	a, ok := ex(s.Completion)
	if !ok {
		return 0, nil
	}
	if NormalizeText(a) == NormalizeText(s.Label) {
		return 1, nil
	}
	return 0, nil
}

// ExtractBoxed returns the content of the last \boxed{…} (or \fbox{…}) in
// text, honouring nested braces: "\boxed{\frac{1}{2}}" gives "\frac{1}{2}".
// A box whose braces never close is passed over in favour of an earlier
// one; ok is false when no box closes. It runs in time linear in len(text).
func ExtractBoxed(text string) (string, bool) {
	boxes := findBoxes(text)
	if len(boxes) == 0 {
		return "", false
	}
	b := boxes[len(boxes)-1]
	return text[b.open+1 : b.close], true
}

// braced reads "{…}" (after optional spaces) with nested braces and returns
// the inside.
func braced(s string) (string, bool) {
	i := 0
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i >= len(s) || s[i] != '{' {
		return "", false
	}
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return s[i+1 : j], true
			}
		}
	}
	return "", false
}

// ExtractTag returns the content of the last <tag>…</tag> in text, trimmed
// of surrounding whitespace.
func ExtractTag(text, tag string) (string, bool) {
	openTag, closeTag := "<"+tag+">", "</"+tag+">"
	end := strings.LastIndex(text, closeTag)
	if end < 0 {
		return "", false
	}
	start := strings.LastIndex(text[:end], openTag)
	if start < 0 {
		return "", false
	}
	return strings.TrimSpace(text[start+len(openTag) : end]), true
}

// TagExtractor returns an Extractor for ExtractTag(text, tag).
func TagExtractor(tag string) Extractor {
	return func(text string) (string, bool) { return ExtractTag(text, tag) }
}

// numberToken finds number-like tokens in free text: LaTeX fractions, and
// decimals with optional thousands commas, exponent, "/denominator" and
// percent sign.
var numberToken = regexp.MustCompile(`\\[dt]?frac\s*\{[^{}]*\}\s*\{[^{}]*\}|\\[dt]?frac\s*\d\s*\d|(?:\d[\d,]*(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?(?:\s*/\s*\d+(?:\.\d+)?)?(?:\s*\\?%)?`)

// ExtractAnswer extracts a final answer from a completion: the content of
// the last \boxed{…} when there is one (nested braces allowed), otherwise
// the last number in the text. A number may carry a sign ("-3", "−3"; a
// minus directly after a digit, letter or closing bracket, or with spaces
// on both sides, is read as subtraction, not a sign), thousands separators ("1,234" — groups of exactly three digits;
// "1,2,3" is a list whose last number is 3), a decimal part, an exponent
// ("1.5e3"), a fraction bar ("3/4"), a percent sign, or be a LaTeX
// fraction ("\frac{3}{4}", "\dfrac", "\tfrac", "\frac34"). ok is false when
// neither a box nor a number is found.
func ExtractAnswer(text string) (string, bool) {
	if b, ok := ExtractBoxed(text); ok {
		return strings.TrimSpace(b), true
	}
	return LastNumber(text)
}

// LastNumber returns the last number-like token of text (see
// ExtractAnswer), with its sign.
func LastNumber(text string) (string, bool) {
	// Scan windows from the end, each starting at a character no number
	// token can contain, so that a window's tokens are exactly the text's
	// tokens there; this keeps the regexp off the (often long) reasoning
	// that precedes the final number.
	hi := len(text)
	for {
		lo := safeStart(text, hi-64)
		if tok, ok := lastNumberIn(text, lo, hi); ok {
			return tok, true
		}
		if lo == 0 {
			return "", false
		}
		hi = lo
	}
}

// lastNumberIn returns the last number token inside text[lo:hi].
func lastNumberIn(text string, lo, hi int) (string, bool) {
	locs := numberToken.FindAllStringIndex(text[lo:hi], -1)
	if len(locs) == 0 {
		return "", false
	}
	a, b := lo+locs[len(locs)-1][0], lo+locs[len(locs)-1][1]
	tok := text[a:b]
	if tok[0] >= '0' && tok[0] <= '9' || tok[0] == '.' {
		// Drop trailing commas, then keep only the last part of a comma
		// list; both leave a suffix of text[a:b].
		trimmed := strings.TrimRight(tok, ",")
		b -= len(tok) - len(trimmed)
		tok = splitCommaList(trimmed)
		a = b - len(tok)
	}
	if signBefore(text[:a]) {
		tok = "-" + tok
	}
	return tok, true
}

// safeStart returns the largest i ≤ p such that no number token can
// contain text[i-1] — an ASCII letter or punctuation mark that numberToken
// never matches, not inside an open brace (a \frac argument) — or 0.
func safeStart(text string, p int) int {
	if p > len(text) {
		p = len(text)
	}
	for i := p; i > 0; i-- {
		if !safeByte(text[i-1]) {
			continue
		}
		// Inside "{…" with no brace in between, it may belong to a \frac
		// argument: every position back to that '{' is then unsafe too.
		q := strings.LastIndexAny(text[:i-1], "{}")
		if q >= 0 && text[q] == '{' {
			i = q + 1
			continue
		}
		return i
	}
	return 0
}

func safeByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		// Letters of exponents and of \frac, \dfrac, \tfrac are not safe.
		return !strings.ContainsRune("eEfracdt", rune(c))
	case c < 0x80:
		return strings.IndexByte("()[]:;=!?\"'<>|&#@^_*~`$", c) >= 0
	}
	return false
}

// splitCommaList keeps a token's thousands commas when they are valid
// groups and otherwise returns its last comma-separated part; trailing
// commas are dropped.
func splitCommaList(tok string) string {
	tok = strings.TrimRight(tok, ",")
	intEnd := strings.IndexFunc(tok, func(r rune) bool { return r != ',' && (r < '0' || r > '9') })
	if intEnd < 0 {
		intEnd = len(tok)
	}
	ip, rest := tok[:intEnd], tok[intEnd:]
	if !strings.Contains(ip, ",") || validThousands(ip) {
		return tok
	}
	return ip[strings.LastIndexByte(ip, ',')+1:] + rest
}

func validThousands(s string) bool {
	parts := strings.Split(s, ",")
	if len(parts[0]) < 1 || len(parts[0]) > 3 {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) != 3 {
			return false
		}
	}
	return true
}

// signBefore reports whether the text just before a number ends with a
// minus sign used as a sign (after skipping a currency "$"): a minus at
// the start, after a non-word character ("= -3", "(-3"), or separated from
// a preceding word by a space but attached to the number ("so -3"). A
// minus right after a digit, letter or closing bracket ("5-3"), or with
// spaces on both sides ("5 - 3"), is subtraction.
func signBefore(prefix string) bool {
	p := strings.TrimSuffix(prefix, `\$`)
	p = strings.TrimSuffix(p, "$")
	attached := !strings.HasSuffix(p, " ")
	p = strings.TrimRight(p, " ")
	var rest string
	switch {
	case strings.HasSuffix(p, "-"):
		rest = p[:len(p)-1]
	case strings.HasSuffix(p, "−"):
		rest = p[:len(p)-len("−")]
	default:
		return false
	}
	spaced := strings.HasSuffix(rest, " ")
	rest = strings.TrimRight(rest, " ")
	if rest == "" {
		return true
	}
	last := rest[len(rest)-1]
	isWord := last >= '0' && last <= '9' || last >= 'a' && last <= 'z' || last >= 'A' && last <= 'Z' || last == ')' || last == '}' || last == ']'
	return !isWord || spaced && attached
}

var (
	plainDecimal = regexp.MustCompile(`^(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$`)
	timesTen     = regexp.MustCompile(`^(.*?)\s*\\(?:times|cdot)\s*10\s*\^\s*\{?\s*([-+−]?\s*\d+)\s*\}?$`)
)

// ParseNumber parses a numeric answer as ExtractAnswer returns it, or as a
// reference label is usually written: optional "\boxed{…}", math
// delimiters ($…$, \(…\), \[…\]), "\text{…}", currency "$", a sign
// (-, +, −), thousands separators ("1,234", "1{,}234", "1\,234"), decimals,
// exponents ("1.5e3", "1.5\times10^{3}"), fractions ("3/4", "\frac{3}{4}",
// "\dfrac", "\tfrac", "\frac34"), a percent sign ("50%" is 50; see
// NumericEqual for how percentages compare), a trailing period, a leading
// assignment ("x = 5", "a_{n} = 5") and a trailing unit ("5\text{ cm}",
// "30^\circ", "30°"). The error says why the text is not a number; a non-finite result (division
// by zero, overflow) is an error.
func ParseNumber(s string) (float64, error) {
	v, _, err := parseNumber(s)
	return v, err
}

func parseNumber(s string) (v float64, percent bool, err error) {
	v, percent, err = parseNum(s, 0)
	if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
		return 0, false, fmt.Errorf("reward: number %q is not finite", s)
	}
	return v, percent, err
}

func parseNum(s string, depth int) (float64, bool, error) {
	orig := s
	if depth > 8 {
		return 0, false, fmt.Errorf("reward: number %q is nested too deeply", orig)
	}
	s = strings.TrimSpace(s)
	if b, ok := ExtractBoxed(s); ok {
		s = b
	}
	s = cleanNumber(s)
	percent := false
	if t, ok := cutSuffix(s, `\%`, "%"); ok {
		s, percent = strings.TrimSpace(t), true
	}
	neg := false
	for len(s) > 0 {
		switch {
		case strings.HasPrefix(s, "-"):
			neg, s = !neg, s[1:]
		case strings.HasPrefix(s, "−"):
			neg, s = !neg, s[len("−"):]
		case strings.HasPrefix(s, "+"):
			s = s[1:]
		default:
			goto signed
		}
		s = strings.TrimSpace(cleanNumber(s))
	}
signed:
	if s == "" {
		return 0, false, fmt.Errorf("reward: %q is not a number", orig)
	}
	v, err := parseUnsigned(s, depth)
	if err != nil {
		return 0, false, fmt.Errorf("reward: %q is not a number: %w", orig, err)
	}
	if neg {
		v = -v
	}
	return v, percent, nil
}

func cutSuffix(s string, suffixes ...string) (string, bool) {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return s[:len(s)-len(x)], true
		}
	}
	return s, false
}

// numberNoise deletes LaTeX spacing, \left/\right, currency signs and
// no-break spaces, and rewrites the LaTeX thousands separator "{,}".
var numberNoise = strings.NewReplacer(`\!`, "", `\,`, "", `\;`, "", `\ `, "", "{,}", ",", `\left`, "", `\right`, "", `\$`, "", "$", "", "\u00a0", "")

var (
	// assignment is a leading "x =" or "a_{n} =" in an answer.
	assignment = regexp.MustCompile(`^[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?\s*=\s*`)
	// unitSuffix is a trailing unit or degree sign: "\text{ cm}", "^\circ",
	// "^{\circ}", "°".
	unitSuffix = regexp.MustCompile(`\s*(?:\\(?:text|mbox|mathrm)\s*\{[^{}]*\}|\^\s*\{?\s*\\circ\s*\}?|°)$`)
)

// cleanNumber removes LaTeX spacing, math delimiters, \text wrappers,
// currency signs, trailing periods, a leading "x =" and a trailing unit.
func cleanNumber(s string) string {
	// Each pass peels one layer of delimiters; real answers need a few, so
	// the number of passes is capped to keep hostile inputs linear.
	for pass := 0; pass < 16; pass++ {
		prev := s
		s = strings.TrimSpace(s)
		for _, p := range [][2]string{{`\(`, `\)`}, {`\[`, `\]`}, {"$$", "$$"}, {"$", "$"}} {
			if len(s) >= len(p[0])+len(p[1]) && strings.HasPrefix(s, p[0]) && strings.HasSuffix(s, p[1]) {
				s = s[len(p[0]) : len(s)-len(p[1])]
			}
		}
		for _, w := range []string{`\text`, `\textbf`, `\mathrm`, `\mathbf`} {
			if strings.HasPrefix(s, w) {
				if in, ok := braced(s[len(w):]); ok && len(s) == len(w)+len(in)+2 {
					s = in
				}
			}
		}
		s = numberNoise.Replace(s)
		s = strings.TrimSpace(s)
		s = strings.TrimRight(s, ".")
		s = strings.TrimLeft(s, "=")
		if m := assignment.FindStringIndex(s); m != nil {
			s = s[m[1]:]
		}
		// The suffix check keeps the regexp off texts that cannot match.
		if strings.HasSuffix(s, "}") || strings.HasSuffix(s, "°") || strings.HasSuffix(s, `\circ`) {
			if m := unitSuffix.FindStringIndex(s); m != nil && m[0] > 0 {
				s = s[:m[0]]
			}
		}
		if s == prev {
			return s
		}
	}
	return s
}

func parseUnsigned(s string, depth int) (float64, error) {
	// LaTeX fractions.
	for _, cmd := range []string{`\dfrac`, `\tfrac`, `\frac`} {
		if !strings.HasPrefix(s, cmd) {
			continue
		}
		rest := strings.TrimSpace(s[len(cmd):])
		num, rest, ok := fracArg(rest)
		if !ok {
			return 0, errors.New("bad \\frac numerator")
		}
		den, rest, ok := fracArg(strings.TrimSpace(rest))
		if !ok || strings.TrimSpace(rest) != "" {
			return 0, errors.New("bad \\frac denominator")
		}
		return divide(num, den, depth)
	}
	// a \times 10^{b}
	if m := timesTen.FindStringSubmatch(s); m != nil {
		mant, _, err := parseNum(m[1], depth+1)
		if err != nil {
			return 0, err
		}
		e, err := strconv.Atoi(strings.ReplaceAll(strings.ReplaceAll(m[2], " ", ""), "−", "-"))
		if err != nil || e > 400 || e < -400 {
			return 0, errors.New("bad exponent")
		}
		return mant * math.Pow(10, float64(e)), nil
	}
	// a/b
	if i := strings.IndexByte(s, '/'); i >= 0 {
		return divide(s[:i], s[i+1:], depth)
	}
	// Thousands separators.
	if strings.Contains(s, ",") {
		ip := s
		if i := strings.IndexAny(s, ".eE"); i >= 0 {
			ip = s[:i]
		}
		if strings.ContainsAny(s[len(ip):], ",") || !validThousands(ip) {
			return 0, errors.New("commas are not thousands separators")
		}
		s = strings.ReplaceAll(s, ",", "")
	}
	if !plainDecimal.MatchString(s) {
		return 0, errors.New("unrecognised form")
	}
	return strconv.ParseFloat(s, 64)
}

// fracArg reads one \frac argument: "{…}" or a single digit.
func fracArg(s string) (arg, rest string, ok bool) {
	if strings.HasPrefix(s, "{") {
		in, ok := braced(s)
		if !ok {
			return "", "", false
		}
		return in, s[len(in)+2:], true
	}
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		return s[:1], s[1:], true
	}
	return "", "", false
}

func divide(a, b string, depth int) (float64, error) {
	x, pa, err := parseNum(a, depth+1)
	if err != nil {
		return 0, err
	}
	y, pb, err := parseNum(b, depth+1)
	if err != nil {
		return 0, err
	}
	if pa || pb {
		return 0, errors.New("percent inside a fraction")
	}
	if y == 0 {
		return 0, errors.New("division by zero")
	}
	return x / y, nil
}

// NumericEqual reports whether two numeric answers are equal within
// tolerance: |a − b| ≤ tol · max(1, |b|) (absolute near zero, relative for
// large numbers). When exactly one side carries a percent sign, the
// percentage also matches its fraction ("50%" equals "50" and "0.5").
// An error says which side did not parse.
func NumericEqual(got, want string, tol float64) (bool, error) {
	if math.IsNaN(tol) || math.IsInf(tol, 0) || tol < 0 {
		return false, fmt.Errorf("reward: NumericEqual tolerance is %v, want finite and ≥ 0", tol)
	}
	a, pa, err := parseNumber(got)
	if err != nil {
		return false, fmt.Errorf("got: %w", err)
	}
	b, pb, err := parseNumber(want)
	if err != nil {
		return false, fmt.Errorf("want: %w", err)
	}
	near := func(x, y float64) bool { return math.Abs(x-y) <= tol*math.Max(1, math.Abs(y)) }
	if near(a, b) {
		return true, nil
	}
	switch {
	case pa && !pb:
		return near(a/100, b), nil
	case pb && !pa:
		return near(a, b/100), nil
	}
	return false, nil
}

// Numeric is Math for numeric labels: the Label must be one number, as
// Math reads it ("1,234", "1 000", "\frac{3}{4}", "25\%", "x = 5";
// otherwise Score returns an error), and the
// completion is verified by Math with this Extract and Tolerance, so it
// gets Math's extraction (a number inside a word or a formula is never
// the answer) and equivalence (exact rationals, decimals to 6 places,
// 25% is 0.25). A sample without a Label is not applicable (ErrSkip); a
// completion without a parseable answer scores 0.
//
// References: the answer normalisation of Hendrycks et al.'s MATH
// (\boxed{} extraction) and of the GSM8K "last number" convention, as
// Math-Verify reads them.
type Numeric struct {
	// Extract pulls the answer out of the completion; it is then parsed
	// whole, like a label. Default (nil): Math's extraction.
	Extract Extractor
	// Tolerance is Math.Tolerance, the relative tolerance of values that
	// are not exact (irrational constants). Default (0): 1e-6. Negative
	// or non-finite is an error.
	Tolerance float64
}

// Score verifies the completion against s.Label.
func (n Numeric) Score(ctx context.Context, s Sample) (float64, error) {
	tol := n.Tolerance
	if math.IsNaN(tol) || math.IsInf(tol, 0) || tol < 0 {
		return math.NaN(), fmt.Errorf("reward: Numeric.Tolerance is %v, want finite and ≥ 0", tol)
	}
	if tol == 0 {
		tol = 1e-6
	}
	if s.Label == "" {
		return math.NaN(), ErrSkip
	}
	if err := numericLabel(ctx, s.Label); err != nil {
		return math.NaN(), fmt.Errorf("reward: Numeric: Label: %w", err)
	}
	return Math{Extract: n.Extract, Tolerance: tol}.Score(ctx, s)
}

// Regex scores 1 when the completion matches Pattern (RE2 syntax, as
// regexp.MatchString; anchor it with ^…$ for a whole-text match), else 0.
// An invalid pattern is an error.
//
// Build it with NewRegex, which compiles the pattern once and reports a
// bad pattern at construction. A Regex written as a literal
// (Regex{Pattern: p}) still works but compiles Pattern on every Score
// call; nothing is cached between calls, so memory does not grow with
// the number of distinct patterns.
type Regex struct {
	// Pattern is the regular expression. The empty pattern matches every
	// completion.
	Pattern string

	re *regexp.Regexp // compiled Pattern, set by NewRegex
}

// NewRegex returns a Regex for pattern, compiled once; the error says why
// a pattern does not compile.
func NewRegex(pattern string) (Regex, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return Regex{}, fmt.Errorf("reward: Regex.Pattern: %w", err)
	}
	return Regex{Pattern: pattern, re: re}, nil
}

// Score matches the completion.
func (r Regex) Score(_ context.Context, s Sample) (float64, error) {
	re := r.re
	if re == nil || re.String() != r.Pattern {
		// A literal, or Pattern changed after NewRegex.
		var err error
		if re, err = regexp.Compile(r.Pattern); err != nil {
			return math.NaN(), fmt.Errorf("reward: Regex.Pattern: %w", err)
		}
	}
	if re.MatchString(s.Completion) {
		return 1, nil
	}
	return 0, nil
}

// TagFormat scores 1 when the completion consists of exactly the given
// XML-style blocks, in order, each once, with only whitespace around and
// between them — <think>…</think><answer>…</answer> for
// ThinkAnswerFormat — and 0 otherwise. Block contents are free (an empty
// block is allowed) but may not contain any of the tags themselves.
//
// References: DeepSeek-R1's format reward; open-r1 format_reward.
type TagFormat struct {
	// Tags are the block names in order. Required.
	Tags []string
}

// ThinkAnswerFormat is the R1 format reward: <think>…</think> followed by
// <answer>…</answer>.
var ThinkAnswerFormat = TagFormat{Tags: []string{"think", "answer"}}

// Score checks the block structure.
func (f TagFormat) Score(_ context.Context, s Sample) (float64, error) {
	if len(f.Tags) == 0 {
		return math.NaN(), errors.New("reward: TagFormat.Tags is empty")
	}
	for i, t := range f.Tags {
		if t == "" || strings.ContainsAny(t, "<>/ \t\n") {
			return math.NaN(), fmt.Errorf("reward: TagFormat.Tags[%d] = %q is not a tag name", i, t)
		}
	}
	if matchesTags(s.Completion, f.Tags) {
		return 1, nil
	}
	return 0, nil
}

func matchesTags(text string, tags []string) bool {
	rest := text
	for _, t := range tags {
		openTag, closeTag := "<"+t+">", "</"+t+">"
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if !strings.HasPrefix(rest, openTag) {
			return false
		}
		rest = rest[len(openTag):]
		end := strings.Index(rest, closeTag)
		if end < 0 {
			return false
		}
		body := rest[:end]
		for _, u := range tags {
			if strings.Contains(body, "<"+u+">") || strings.Contains(body, "</"+u+">") {
				return false
			}
		}
		rest = rest[end+len(closeTag):]
	}
	return strings.TrimSpace(rest) == ""
}

// JSONObject scores 1 when the completion is a JSON object holding every
// key of Required (top level), else 0. Surrounding whitespace and one
// Markdown code fence (```json … ``` or ``` … ```) around the object are
// allowed; trailing data after the object is not.
type JSONObject struct {
	// Required lists the keys that must be present. Default none: any
	// valid object scores 1.
	Required []string
}

// Score checks the completion.
func (j JSONObject) Score(_ context.Context, s Sample) (float64, error) {
	obj, ok := parseJSONObject(jsonObjectText(s.Completion))
	if !ok {
		return 0, nil
	}
	for _, k := range j.Required {
		if _, ok := obj[k]; !ok {
			return 0, nil
		}
	}
	return 1, nil
}

// jsonObjectText returns the completion without surrounding whitespace and
// without one Markdown code fence around it: the text that JSONObject
// requires to be exactly one JSON object.
func jsonObjectText(completion string) string {
	text := strings.TrimSpace(completion)
	if strings.HasPrefix(text, "```") && strings.HasSuffix(text, "```") && len(text) >= 6 {
		text = text[3 : len(text)-3]
		if nl := strings.IndexByte(text, '\n'); nl >= 0 && !strings.ContainsAny(text[:nl], "{[\"") {
			text = text[nl+1:] // language tag line
		}
		text = strings.TrimSpace(text)
	}
	return text
}

// parseJSONObject decodes text as one JSON object; ok is false when text
// is not valid JSON, is valid JSON of another kind, or has anything but
// whitespace after the object (another value, or a stray '}' or ']').
func parseJSONObject(text string) (obj map[string]json.RawMessage, ok bool) {
	dec := json.NewDecoder(strings.NewReader(text))
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, false
	}
	if strings.TrimSpace(text[dec.InputOffset():]) != "" {
		return nil, false // trailing data
	}
	return obj, true
}
