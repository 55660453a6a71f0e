package reward

import (
	"sort"
	"strings"
)

// mspan is a LaTeX math span of a completion.
type mspan struct {
	start, end int    // the span with its delimiters
	content    string // between the delimiters
}

// mathText indexes a completion for extraction: its math spans, the
// regions no plain number is read from, and its boxes.
type mathText struct {
	s       string
	spans   []mspan  // candidates, by start
	regions [][2]int // math spans and short multi-line $…$ pairs, by start
}

// maxRegion is the longest multi-line $…$ or \(…\) pair taken as a math
// region (not a span: Math-Verify reads those on one line only) so that
// the numbers in it are not read as plain numbers.
const maxRegion = 200

func newMathText(s string) *mathText {
	t := &mathText{s: s}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '$':
			i = t.dollar(i)
		case '\\':
			i = t.backslash(i)
		case '[':
			t.bracketSpan(i)
		}
	}
	return t
}

func (t *mathText) add(start, end int, content string, candidate bool) {
	if candidate && strings.TrimSpace(content) != "" {
		t.spans = append(t.spans, mspan{start, end, content})
	}
	t.regions = append(t.regions, [2]int{start, end})
}

// dollar reads $…$ or $$…$$ at i and returns the index to continue from.
func (t *mathText) dollar(i int) int {
	s := t.s
	if i > 0 && s[i-1] == '\\' {
		return i
	}
	if strings.HasPrefix(s[i:], "$$") {
		j := indexUnescaped(s, "$$", i+2)
		if j < 0 {
			return i + 1
		}
		t.add(i, j+2, s[i+2:j], true)
		return j + 1
	}
	if i > 0 && isDigit(s[i-1]) {
		return i
	}
	j := indexUnescaped(s, "$", i+1)
	if j < 0 || j == i+1 {
		return i
	}
	oneLine := !strings.Contains(s[i:j], "\n")
	if !oneLine && j-i > maxRegion {
		return i
	}
	t.add(i, j+1, s[i+1:j], oneLine)
	return j
}

// backslash reads \(…\) or \[…\] at i.
func (t *mathText) backslash(i int) int {
	s := t.s
	if i+1 >= len(s) {
		return i
	}
	var closer string
	switch s[i+1] {
	case '(':
		closer = `\)`
	case '[':
		closer = `\]`
	default:
		return t.bareFraction(i)
	}
	j := strings.Index(s[i+2:], closer)
	if j < 0 {
		return i + 1
	}
	j += i + 2
	oneLine := closer == `\]` || !strings.Contains(s[i:j], "\n")
	if !oneLine && j-i > maxRegion {
		return i + 1
	}
	t.add(i, j+2, s[i+2:j], oneLine)
	return j + 1
}

// bareFraction reads a \frac{a}{b} of two plain numbers outside any
// span (Math-Verify reads those without delimiters) and returns the
// index to continue from.
func (t *mathText) bareFraction(i int) int {
	s := t.s
	if !strings.HasPrefix(s[i:], `\frac{`) || t.inRegion(i) {
		return i + 1
	}
	j := i + len(`\frac{`)
	a := j
	for j < len(s) && (isDigit(s[j]) || s[j] == '-' || s[j] == '.') {
		j++
	}
	if j == a || !strings.HasPrefix(s[j:], "}{") {
		return i + 1
	}
	j += 2
	b := j
	for j < len(s) && (isDigit(s[j]) || s[j] == '-' || s[j] == '.') {
		j++
	}
	if j == b || j >= len(s) || s[j] != '}' {
		return i + 1
	}
	start := i
	if i > 0 && s[i-1] == '-' {
		start--
	}
	t.spans = append(t.spans, mspan{start, j + 1, s[start : j+1]})
	return j
}

// bracketSpan reads " [ … ] " (a display line written without its
// backslash) at i: one line, spaces around, no nested brackets.
func (t *mathText) bracketSpan(i int) {
	s := t.s
	if i == 0 || !isSpaceByte(s[i-1]) || t.inRegion(i) {
		return
	}
	j := strings.IndexAny(s[i+1:], "[]\n")
	if j < 0 || s[i+1+j] != ']' {
		return
	}
	j += i + 1
	if j+1 < len(s) && !isSpaceByte(s[j+1]) || strings.TrimSpace(s[i+1:j]) == "" {
		return
	}
	t.spans = append(t.spans, mspan{i, j + 1, s[i : j+1]})
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// indexUnescaped returns the index of the first sub in s[from:] not
// preceded by a backslash, or −1.
func indexUnescaped(s, sub string, from int) int {
	for from <= len(s) {
		j := strings.Index(s[from:], sub)
		if j < 0 {
			return -1
		}
		j += from
		if j == 0 || s[j-1] != '\\' {
			return j
		}
		from = j + 1
	}
	return -1
}

// inRegion reports whether i lies inside a math region.
func (t *mathText) inRegion(i int) bool {
	k := sort.Search(len(t.regions), func(k int) bool { return t.regions[k][1] > i })
	return k < len(t.regions) && t.regions[k][0] <= i
}

// spanGroup returns the spans from index k on that are joined by "and",
// "or" or commas (at most 6, as Math-Verify; see groupLen): their text
// joined by commas with a following percent sign or word kept, and where
// the group ends.
func (t *mathText) spanGroup(k int) (text string, end int) {
	parts := make([]string, t.groupLen(k))
	for i, sp := range t.spans[k : k+len(parts)] {
		part := sp.content
		e, pct := percentAfter(t.s, sp.end)
		if pct {
			part += `\%`
		}
		if strings.HasPrefix(sp.content, "[") && strings.HasSuffix(sp.content, "]") && strings.Count(sp.content, ",") != 1 {
			part = strings.TrimSuffix(strings.TrimPrefix(part, "["), "]")
		}
		parts[i], end = part, e
	}
	return strings.Join(parts, ","), end
}

// joined reports whether span k, ending at end, joins the next span.
func (t *mathText) joined(k, end int) bool {
	return k+1 < len(t.spans) && t.spans[k+1].start >= end && joiner(t.s[end:t.spans[k+1].start])
}

// groupLen returns how many spans the group starting at span k holds.
func (t *mathText) groupLen(k int) int {
	n := 1
	for ; n < 6; n++ {
		end, _ := percentAfter(t.s, t.spans[k+n-1].end)
		if !t.joined(k+n-1, end) {
			break
		}
	}
	return n
}

// joiner reports whether the text between two spans joins them: a comma,
// "and" or "or", with spaces.
func joiner(gap string) bool {
	g := strings.TrimSpace(gap)
	g = strings.TrimSpace(strings.TrimPrefix(g, ","))
	return g == "" && strings.Contains(gap, ",") || strings.EqualFold(g, "and") || strings.EqualFold(g, "or")
}

// percentAfter reports whether a percent sign or word follows s[i:]
// (after spaces and closing delimiters) and where it ends.
func percentAfter(s string, i int) (int, bool) {
	j := i
	for j < len(s) && s[j] == ' ' {
		j++
	}
	for _, p := range []string{`\%`, "%", "percentage", "percent", "pct"} {
		if len(s)-j >= len(p) && strings.EqualFold(s[j:j+len(p)], p) {
			end := j + len(p)
			if len(p) > 2 && end < len(s) && isLetter(s[end]) {
				continue
			}
			return end, true
		}
	}
	return i, false
}

// mbox is a closed \boxed{…} or \fbox{…}: where the command starts and
// the positions of its braces.
type mbox struct{ start, open, close int }

// findBoxes returns the closed boxes of s ordered by start, in one pass:
// a stack holds only the boxes still open, each with its brace depth.
func findBoxes(s string) []mbox {
	if !strings.Contains(s, `\boxed`) && !strings.Contains(s, `\fbox`) {
		return nil
	}
	type frame struct{ start, open, depth int }
	var open []frame
	var boxes []mbox
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
			if b := boxCommandBefore(s, i); b >= 0 {
				open = append(open, frame{b, i, depth})
			}
		case '}':
			if depth == 0 {
				continue
			}
			if n := len(open); n > 0 && open[n-1].depth == depth {
				boxes = append(boxes, mbox{open[n-1].start, open[n-1].open, i})
				open = open[:n-1]
			}
			depth--
		}
	}
	sort.Slice(boxes, func(i, j int) bool { return boxes[i].start < boxes[j].start })
	return boxes
}

// boxCommandBefore returns where \boxed or \fbox starts when it directly
// precedes the brace at i (spaces allowed), or −1.
func boxCommandBefore(s string, i int) int {
	j := i
	for j > 0 && s[j-1] == ' ' {
		j--
	}
	for _, cmd := range []string{`\boxed`, `\fbox`} {
		if strings.HasSuffix(s[:j], cmd) {
			return j - len(cmd)
		}
	}
	return -1
}

// boxGroup returns the content of the last box and of the boxes before
// it that belong with it (Math-Verify's rule: less than 10 bytes apart,
// or less than 70 with another content and "and", "or", a comma or a
// semicolon between), joined by commas in text order.
func boxGroup(s string, boxes []mbox) (text string, end int, ok bool) {
	if len(boxes) == 0 {
		return "", 0, false
	}
	last := boxes[len(boxes)-1]
	cur, contents := last, []string{boxContent(s, last)}
	for k := len(boxes) - 2; k >= 0 && len(contents) < 32; k-- {
		b := boxes[k]
		if b.close > cur.start {
			continue // encloses or overlaps the later box
		}
		gap, content := s[b.close+1:cur.start], boxContent(s, b)
		prev := contents[len(contents)-1]
		if len(gap) >= 10 && (content == prev || len(gap) >= 70 || !hasSeparator(gap)) {
			break
		}
		if content != prev {
			contents = append(contents, content)
		}
		cur = b
	}
	for i, j := 0, len(contents)-1; i < j; i, j = i+1, j-1 {
		contents[i], contents[j] = contents[j], contents[i]
	}
	text, end = strings.Join(contents, ","), last.close+1
	if strings.Trim(text, ", ") == "" {
		return "", 0, false
	}
	if pe, ok := percentAfter(s, skipClosers(s, end)); ok {
		text, end = text+`\%`, pe
	}
	return text, end, true
}

func boxContent(s string, b mbox) string { return strings.TrimSpace(s[b.open+1 : b.close]) }

// skipClosers skips spaces and closing math delimiters.
func skipClosers(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == ' ' || s[i] == '$':
			i++
		case strings.HasPrefix(s[i:], `\)`) || strings.HasPrefix(s[i:], `\]`):
			i += 2
		default:
			return i
		}
	}
	return i
}

// hasSeparator reports whether gap holds "and" or "or" as a word, a
// comma or a semicolon.
func hasSeparator(gap string) bool {
	if strings.ContainsAny(gap, ",;") {
		return true
	}
	for _, w := range strings.FieldsFunc(gap, func(r rune) bool { return r >= 0x80 || !isLetter(byte(r)) }) {
		if w == "and" || w == "or" {
			return true
		}
	}
	return false
}
