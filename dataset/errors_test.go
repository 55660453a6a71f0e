package dataset_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/dataset"
)

// good is a valid line for every record type: the others ignore the
// columns they do not have.
const good = `{"text": "t", "prompt": "p", "completion": "c", "label": true, "chosen": "c", "rejected": "r"}`

// readErr reads in as records of type T with a limit of 11000 bytes a line
// and returns the first error.
func readErr[T dataset.Record](in string) error {
	r := dataset.NewReader[T](strings.NewReader(in))
	r.MaxLineSize = 11000
	for {
		if _, err := r.Read(); err != nil {
			return err
		}
	}
}

func TestLineErrors(t *testing.T) {
	pref := readErr[dataset.Preference]
	unpaired := readErr[dataset.Unpaired]
	lm := readErr[dataset.LanguageModeling]
	po := readErr[dataset.PromptOnly]
	msg := func(s string) string {
		return `{"prompt": [{"role": "user", "content": "q"}], "chosen": [` + s + `], "rejected": [{"role": "a", "content": "r"}]}`
	}
	for _, c := range []struct {
		read func(string) error
		line string // preceded by a good line and a blank one: it is line 3
		want string
	}{
		{pref, `{"prompt": "p", "chosen": "c", "rejected": }`, "invalid JSON at byte 44: unexpected '}'"},
		{pref, `{"prompt": "p", "chosen": "c"`, "invalid JSON: unexpected end of line"},
		{pref, `{"prompt": "p"} {"chosen": "c"}`, "invalid JSON at byte 17: unexpected '{'"},
		{pref, "{\"prompt\": \"a\tb\"}", "invalid JSON at byte 14: unexpected '\\t'"},
		{pref, `{"prompt": "a\xb"}`, "invalid JSON at byte 15: unexpected 'x'"},
		{pref, `{"prompt": "a\u12g4"}`, "invalid JSON at byte 18: unexpected 'g'"},
		{pref, `{"x": 01, "prompt": "a"}`, "invalid JSON at byte 8: unexpected '1'"},
		{pref, `{"x": -.5, "prompt": "a"}`, "invalid JSON at byte 8: unexpected '.'"},
		{pref, `{"x": 1.e3, "prompt": "a"}`, "invalid JSON at byte 9: unexpected 'e'"},
		{pref, `{"x": NaN, "prompt": "a"}`, "invalid JSON at byte 7: unexpected 'N'"},
		{pref, `{"x": tru, "prompt": "a"}`, "invalid JSON at byte 10: unexpected ','"},
		{pref, `{"x": [1, 2,], "prompt": "a"}`, "invalid JSON at byte 13: unexpected ']'"},
		{pref, `{"x": 1, }`, "invalid JSON at byte 10: unexpected '}'"},
		{pref, `{'prompt': 'a'}`, "invalid JSON at byte 2: unexpected '\\''"},
		{pref, `{"x": ` + strings.Repeat("[", 10001) + `}`, "invalid JSON at byte 10006: nested deeper than 10000"},
		{pref, `[1, 2]`, "the line is a list, want a JSON object"},
		{pref, `"prompt"`, "the line is a string, want a JSON object"},
		{pref, `null`, "the line is null, want a JSON object"},
		{pref, "{\"prompt\": \"p\xff\", \"chosen\": \"c\", \"rejected\": \"r\"}", "invalid UTF-8"},
		{pref, `{"prompt": "p", "rejected": "r"}`, `"chosen" is missing`},
		{pref, `{"prompt": "p", "chosen": "c", "Rejected": "r"}`, `"rejected" is missing`},
		{pref, `{"prompt": "p", "chosen": 7, "rejected": "r"}`, `"chosen" is a number, want a string or a list of messages`},
		{pref, `{"prompt": null, "chosen": "c", "rejected": "r"}`, `"prompt" is null, want a string or a list of messages`},
		{pref, `{"prompt": {"a": 1}, "chosen": "c", "rejected": "r"}`, `"prompt" is an object, want a string or a list of messages`},
		{pref, `{"prompt": [], "chosen": "c", "rejected": "r"}`, `"prompt" is an empty list of messages`},
		{pref, `{"prompt": "p", "chosen": [{"role": "a", "content": "c"}], "rejected": "r"}`, `"chosen" is a list of messages but "prompt" is a string: a record has one format`},
		{pref, msg(`"c"`), `"chosen"[0] is a string, want a message {"role", "content"}`},
		{pref, msg(`{"role": "a"}`), `"chosen"[0]: "content" is missing`},
		{pref, msg(`{"role": "a", "content": "c"}, {"content": "c"}`), `"chosen"[1]: "role" is missing`},
		{pref, msg(`{"role": 1, "content": "c"}`), `"chosen"[0]: "role" is a number, want a string`},
		{pref, msg(`{"role": "a", "content": [{"type": "text"}]}`), `"chosen"[0]: "content" is a list, want a string`},
		{pref, `{"prompt": "` + strings.Repeat("x", 11000) + `"}`, "longer than Reader.MaxLineSize (11000 bytes)"},
		{unpaired, `{"prompt": "p", "completion": "c"}`, `"label" is missing`},
		{unpaired, `{"prompt": "p", "completion": "c", "label": 1}`, `"label" is a number, want a boolean`},
		{unpaired, `{"prompt": "p", "completion": "c", "label": "true"}`, `"label" is a string, want a boolean`},
		{unpaired, `{"completion": "c", "label": true}`, `"prompt" is missing`},
		{unpaired, `{"prompt": [{"role": "u", "content": "p"}], "completion": "c", "label": true}`, `"completion" is a string but "prompt" is a list of messages: a record has one format`},
		{po, `{"Prompt": "p"}`, `"prompt" is missing`},
		{lm, `{"text": "t", "messages": [{"role": "u", "content": "c"}]}`, `the line has both "text" and "messages"`},
		{lm, `{"text": [{"role": "u", "content": "c"}]}`, `"text" is a list, want a string`},
		{lm, `{"messages": "t"}`, `"messages" is a string, want a list of messages`},
		{lm, `{"content": "t"}`, `"text" is missing`},
	} {
		in := good + "\n\n" + c.line + "\n" + good + "\n"
		err := c.read(in)
		var lerr *dataset.LineError
		if !errors.As(err, &lerr) || lerr.Line != 3 || err.Error() != "dataset: line 3: "+c.want {
			t.Errorf("%.80s:\n got %v\nwant dataset: line 3: %s", c.line, err, c.want)
		}
	}
}
