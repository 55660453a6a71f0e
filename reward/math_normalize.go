package reward

import (
	"bytes"
	"strings"
)

// normalizeAnswer rewrites an extracted answer into the form the parser
// reads: sizing commands (\left, \right, \big), spacing and styles
// dropped; \dfrac, \tfrac, \cfrac written \frac; \mathrm, \mathbf,
// \textbf, \mbox and friends written \text; "≤", "<=", "\le" written \leq (and so
// on); degree signs and currency dollars dropped; "{,}" and "\!" between
// digit groups dropped; the words "and" and "or" written as commas;
// "percent", "pct" written \%; a trailing unit removed (see cutUnit).
func normalizeAnswer(s string) string {
	s, _ = normalizeWithUnit(s)
	return s
}

// normalizeWithUnit is normalizeAnswer that also returns the unit it cut.
func normalizeWithUnit(s string) (string, string) {
	s = rewriteCommands(symbolReplacer.Replace(s))
	s = joinThousands(strings.ReplaceAll(s, "$", ""))
	s = rewriteWords(s)
	s, unit := cutUnit(s)
	return trimAnswer(s), unit
}

// trimAnswer removes spaces and sentence punctuation around an answer,
// and a leading "=".
func trimAnswer(s string) string {
	for {
		t := strings.TrimSpace(s)
		t = strings.TrimRight(t, ".,;:")
		t = strings.TrimPrefix(t, "=")
		if t == s {
			return t
		}
		s = t
	}
}

// cmdRewrites maps a command to its replacement; "" deletes it.
var cmdRewrites = map[string]string{
	"left": "", "right": "", "bigl": "", "bigr": "", "Bigl": "", "Bigr": "", "big": "", "Big": "",
	"bigg": "", "Bigg": "", "biggl": "", "biggr": "", "middle": "", "displaystyle": "", "textstyle": "",
	"scriptstyle": "", "limits": "", "nolimits": "", "hline": "", "dots": "", "ldots": "", "cdots": "",
	"vdots": "", "ddots": "", "$": "", "!": "", "mathrm": `\text`, "textnormal": `\text`, "textbf": `\text`,
	"textit": `\text`, "textrm": `\text`, "textsf": `\text`, "texttt": `\text`, "mathit": `\text`,
	"mathsf": `\text`, "mbox": `\text`, "hbox": `\text`, "mathbf": `\text`, "boldsymbol": `\text`, "bm": `\text`,
	"emph": `\text`, "textup": `\text`, "mathnormal": `\text`, "dfrac": `\frac`, "tfrac": `\frac`, "cfrac": `\frac`,
	"dbinom": `\binom`, "tbinom": `\binom`, "le": `\leq`, "ge": `\geq`, "ne": `\neq`, "lt": "<", "gt": ">",
	"leqslant": `\leq`, "geqslant": `\geq`, "quad": " ", "qquad": " ", ",": " ", ";": " ", ":": " ",
	">": " ", " ": " ", "lbrace": `\{`, "rbrace": `\}`, "lbrack": "[", "rbrack": "]", "vert": "|",
	"mid": "|", "degree": "", "circ": "", "rightarrow": `\to`, "infin": `\infty`, "land": ",", "lor": ",",
}

// rewriteCommands applies cmdRewrites in one pass. "\left." and
// "\right." lose their dot; a doubled backslash before a command name
// (an over-escaped "\\frac") is single, outside matrices.
func rewriteCommands(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	matrix := strings.Contains(s, "matrix") || strings.Contains(s, "array")
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		if s[i] != '\\' {
			b = append(b, s[i])
			i++
			continue
		}
		if !matrix && i+2 < len(s) && s[i+1] == '\\' && isLetter(s[i+2]) {
			i++ // "\\frac" → "\frac"
		}
		j := i + 1
		for j < len(s) && isLetter(s[j]) {
			j++
		}
		if j == i+1 && j < len(s) {
			j++
		}
		b, j = rewriteCommand(b, s, i, j)
		i = j
	}
	return string(b)
}

// rewriteCommand appends the rewrite of the command s[i:j] to b and
// returns where to continue.
func rewriteCommand(b []byte, s string, i, j int) ([]byte, int) {
	name := s[i+1 : j]
	if rest, ok := spacePrefix(name); ok { // "\quadx" is "\quad x"
		return append(b, " "+rest...), j
	}
	rep, ok := cmdRewrites[name]
	switch {
	case !ok:
		return append(b, s[i:j]...), j
	case (name == "left" || name == "right") && j < len(s) && s[j] == '.':
		return b, j + 1
	case name == "!":
		return b, skipSpaces(s, j)
	case name == "circ" || name == "degree": // 90^\circ, 90^{\circ}
		if n := len(b); n > 1 && b[n-2] == '^' && b[n-1] == '{' && j < len(s) && s[j] == '}' {
			return b[:n-2], j + 1
		}
		return bytes.TrimSuffix(b, []byte("^")), j
	}
	return append(b, rep...), j
}

// spacePrefix splits a spacing command glued to a letter ("quadx").
func spacePrefix(name string) (string, bool) {
	for _, q := range []string{"qquad", "quad"} {
		if len(name) > len(q) && strings.HasPrefix(name, q) {
			return name[len(q):], true
		}
	}
	return "", false
}

// symbolReplacer rewrites Unicode and ASCII spellings of operators.
var symbolReplacer = strings.NewReplacer(
	"≤", `\leq `, "≥", `\geq `, "≠", `\neq `, "<=", `\leq `, ">=", `\geq `, "!=", `\neq `, "=<", `\leq `,
	"×", `\times `, "·", `\cdot `, "÷", `\div `, "−", "-", "–", "-", "—", "-", "π", `\pi `, "∞", `\infty `,
	"√", `\sqrt `, "∪", `\cup `, "∩", `\cap `, "±", `\pm `, "∓", `\mp `, "∈", `\in `, "∉", `\notin `,
	"∅", `\emptyset `, "≈", `\approx `, "²", "^2", "³", "^3", "°", "", "^{\\circ}", "", "^\\circ", "",
	"\u00a0", " ", "\u2009", " ", "\u202f", " ", "\u2062", "",
)

// wordRewrites maps words (whole, ASCII letters) to their replacement.
var wordRewrites = map[string]string{
	"and": ",", "or": ",", "percent": `\%`, "percentage": `\%`, "pct": `\%`, "infinity": `\infty`,
	"inf": `\infty`, "sqrt": `\sqrt`, "sin": `\sin`, "cos": `\cos`, "tan": `\tan`, "ln": `\ln`, "log": `\log`,
	"exp": `\exp`, "pi": `\pi`,
}

// rewriteWords applies wordRewrites to whole words outside \text{…}
// (\text{and} alone is a comma too).
func rewriteWords(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], `\text`):
			j := skipTextArg(s, i+len(`\text`))
			w := strings.TrimSpace(strings.Trim(strings.TrimSpace(s[i+len(`\text`):j]), "{}"))
			if rep, ok := wordRewrites[w]; ok && (rep == "," || rep == `\%`) {
				b.WriteString(rep)
			} else {
				b.WriteString(s[i:j])
			}
			i = j
		case s[i] == '\\':
			j := i + 1
			for j < len(s) && isLetter(s[j]) {
				j++
			}
			b.WriteString(s[i:max(j, i+1)])
			i = max(j, i+1)
		case isLetter(s[i]):
			j := i
			for j < len(s) && isLetter(s[j]) {
				j++
			}
			if rep, ok := wordRewrites[strings.ToLower(s[i:j])]; ok && (j-i > 3 || strings.ToLower(s[i:j]) == s[i:j]) {
				b.WriteString(" " + rep + " ")
			} else {
				b.WriteString(s[i:j])
			}
			i = j
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}

// skipTextArg returns the end of the braced argument at s[i:] (after
// spaces): i when there is none, len(s) when it never closes.
func skipTextArg(s string, i int) int {
	j := skipSpaces(s, i)
	if j >= len(s) || s[j] != '{' {
		return i
	}
	in, ok := braced(s[j:])
	if !ok {
		return len(s)
	}
	return j + len(in) + 2
}

// joinThousands writes the LaTeX thousands separator "{,}" (also with
// spaces: "14 {, }916") as a plain comma.
func joinThousands(s string) string {
	if !strings.Contains(s, ",") || !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	for rest := s; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(rest)
			return b.String()
		}
		j := skipSpaces(rest, i+1)
		if j < len(rest) && rest[j] == ',' {
			if k := skipSpaces(rest, j+1); k < len(rest) && rest[k] == '}' {
				b.WriteString(strings.TrimRight(rest[:i], " ") + ",")
				rest = rest[k+1:]
				continue
			}
		}
		b.WriteString(rest[:i+1])
		rest = rest[i+1:]
	}
}

func skipSpaces(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}
