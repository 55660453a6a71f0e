package reward

import (
	"strings"
)

// unitWords are the unit names cut from the end of an answer (singular;
// a plural "s" or "es" is allowed). One-letter units are cut only after
// a number and a space ("10 m"), so that "2h" stays 2·h.
var unitWords = map[string]bool{}

func init() {
	for _, u := range strings.Fields("cm mm km m kg g mg lb lbs oz ml l s sec second min minute h hr hour day " +
		"week month year yr ft feet foot inch yd yard mile mph kmh kph meter metre liter litre gallon gal pound " +
		"ounce dollar cent euro yuan rupee rs unit degree deg sq square cubic cu point people person student " +
		"time way mi sqft ton tonne gram kilogram kilometer kilometre centimeter centimetre millimeter") {
		unitWords[u] = true
	}
}

// cutUnit removes up to two trailing units: a \text{…} group (with an
// optional ^2 or ^3) after something else, or a unit word after a
// number, a closing brace or a space ("125 miles", "15 cm^2"). It
// returns the rest and the units cut, normalised.
func cutUnit(s string) (rest, unit string) {
	for pass := 0; pass < 2; pass++ {
		s = strings.TrimRight(s, " .")
		r, u, ok := cutTextUnit(s)
		if !ok {
			r, u, ok = cutWordUnit(s)
		}
		if !ok {
			break
		}
		s, unit = r, strings.TrimSpace(u+" "+unit)
	}
	return s, unit
}

// cutPower removes a trailing ^2, ^3, ^{2} or ^{3} and returns it as
// "^2" or "^3".
func cutPower(s string) (string, string) {
	for _, p := range []string{"^2", "^3", "^{2}", "^{3}"} {
		if strings.HasSuffix(s, p) {
			return strings.TrimRight(s[:len(s)-len(p)], " "), "^" + p[len(p)-1:len(p)]
		}
	}
	return s, ""
}

func cutTextUnit(s string) (rest, unit string, ok bool) {
	t, pow := cutPower(s)
	if !strings.HasSuffix(t, "}") {
		return s, "", false
	}
	i := strings.LastIndex(t, `\text`)
	if i <= 0 || skipTextArg(t, i+len(`\text`)) != len(t) {
		return s, "", false
	}
	rest = strings.TrimSpace(t[:i])
	if rest == "" || strings.HasSuffix(rest, `\text`) {
		return s, "", false
	}
	word := strings.TrimSpace(t[i+len(`\text`):])
	return rest, singular(normalizeWords(word[1:len(word)-1])) + pow, true
}

func cutWordUnit(s string) (rest, unit string, ok bool) {
	t, pow := cutPower(s)
	j := len(t)
	for j > 0 && isLetter(t[j-1]) {
		j--
	}
	word := strings.ToLower(t[j:])
	if word == "" || j == 0 || !isUnit(word) {
		return s, "", false
	}
	before := strings.TrimRight(t[:j], " ")
	spaced := len(before) < j
	if before == "" || strings.HasSuffix(before, `\`) {
		return s, "", false
	}
	last := before[len(before)-1]
	switch {
	case len(word) == 1 && !(spaced && isDigit(last)):
		return s, "", false
	case !isDigit(last) && last != '}' && !spaced:
		return s, "", false
	}
	return before, singular(word) + pow, true
}

// singular drops a plural "s" or "es" from a unit name.
func singular(w string) string {
	for _, suffix := range []string{"es", "s"} {
		if t := strings.TrimSuffix(w, suffix); t != w && unitWords[t] {
			return t
		}
	}
	return w
}

func isUnit(w string) bool {
	return unitWords[w] || unitWords[strings.TrimSuffix(w, "s")] || unitWords[strings.TrimSuffix(w, "es")]
}
