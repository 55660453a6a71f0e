package dataset

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Preference is a record of TRL's preference type: a prompt with a chosen
// and a rejected completion, {"prompt", "chosen", "rejected"}. Prompt may
// be absent (the zero Text): TRL's implicit prompt, where Chosen and
// Rejected each hold the whole sequence, prompt included.
type Preference struct {
	Prompt, Chosen, Rejected Text
}

// Unpaired is a record of TRL's unpaired preference type (KTO's data): one
// completion and whether it is desirable, {"prompt", "completion",
// "label"}, "label" a JSON boolean.
type Unpaired struct {
	Prompt, Completion Text
	Label              bool
}

// PromptOnly is a record of TRL's prompt-only type (GRPO's and RLOO's
// data), {"prompt"}.
type PromptOnly struct {
	Prompt Text
}

// PromptCompletion is a record of TRL's prompt-completion type,
// {"prompt", "completion"}.
type PromptCompletion struct {
	Prompt, Completion Text
}

// LanguageModeling is a record of TRL's language-modeling type: a whole
// sequence, {"text": "..."} in the standard format and
// {"messages": [...]} in the conversational one.
type LanguageModeling struct {
	Text Text
}

// Record is the set of record types a Reader reads and a Writer writes.
type Record interface {
	Preference | Unpaired | PromptOnly | PromptCompletion | LanguageModeling
}

// record is what every Record's pointer implements.
type record interface {
	decode(o object) error
	encode(e *encoder)
}

// column is one Text column of a record type.
type column struct {
	key      string
	text     *Text
	required bool
}

// decodeColumns decodes the columns in order, checked together.
func decodeColumns(o object, cols ...column) (err error) {
	var f forms
	for _, c := range cols {
		if *c.text, err = o.text(&f, c.key, c.required); err != nil {
			return err
		}
	}
	return nil
}

func (e *encoder) columns(cols ...column) {
	for _, c := range cols {
		e.text(c.key, *c.text, c.required)
	}
}

func (p *Preference) columns() []column {
	return []column{{"prompt", &p.Prompt, false}, {"chosen", &p.Chosen, true}, {"rejected", &p.Rejected, true}}
}

func (p *Preference) decode(o object) error { return decodeColumns(o, p.columns()...) }
func (p *Preference) encode(e *encoder)     { e.columns(p.columns()...) }

func (u *Unpaired) columns() []column {
	return []column{{"prompt", &u.Prompt, true}, {"completion", &u.Completion, true}}
}

func (u *Unpaired) decode(o object) (err error) {
	if err = decodeColumns(o, u.columns()...); err == nil {
		u.Label, err = o.boolean("label")
	}
	return err
}

func (u *Unpaired) encode(e *encoder) {
	e.columns(u.columns()...)
	e.boolean("label", u.Label)
}

func (p *PromptOnly) decode(o object) error {
	return decodeColumns(o, column{"prompt", &p.Prompt, true})
}
func (p *PromptOnly) encode(e *encoder) { e.text("prompt", p.Prompt, true) }

func (p *PromptCompletion) columns() []column {
	return []column{{"prompt", &p.Prompt, true}, {"completion", &p.Completion, true}}
}

func (p *PromptCompletion) decode(o object) error { return decodeColumns(o, p.columns()...) }
func (p *PromptCompletion) encode(e *encoder)     { e.columns(p.columns()...) }

// decode takes "text" (a string) or "messages" (a list of messages), not
// both.
func (l *LanguageModeling) decode(o object) (err error) {
	text, hasText := o.get("text")
	messages, hasMessages := o.get("messages")
	switch {
	case hasText && hasMessages:
		return errors.New(`the line has both "text" and "messages"`)
	case hasMessages && kind(messages) != "a list":
		return fmt.Errorf(`"messages" is %s, want a list of messages`, kind(messages))
	case hasMessages:
		l.Text, err = o.text(&forms{}, "messages", true)
	case hasText && kind(text) != "a string":
		return fmt.Errorf(`"text" is %s, want a string`, kind(text))
	default:
		l.Text, err = o.text(&forms{}, "text", true)
	}
	return err
}

func (l *LanguageModeling) encode(e *encoder) {
	if l.Text.IsChat() {
		e.text("messages", l.Text, true)
		return
	}
	e.text("text", l.Text, true)
}

// MarshalJSON encodes p as TRL's JSON object; a record that Writer.Write
// would refuse is an error.
func (p Preference) MarshalJSON() ([]byte, error) { return marshal(&p) }

// UnmarshalJSON decodes TRL's JSON object, checked as Reader.Read checks a
// line; on error the record is left as it was.
func (p *Preference) UnmarshalJSON(b []byte) error { return unmarshal(p, b) }

// MarshalJSON encodes u as TRL's JSON object; a record that Writer.Write
// would refuse is an error.
func (u Unpaired) MarshalJSON() ([]byte, error) { return marshal(&u) }

// UnmarshalJSON decodes TRL's JSON object, checked as Reader.Read checks a
// line; on error the record is left as it was.
func (u *Unpaired) UnmarshalJSON(b []byte) error { return unmarshal(u, b) }

// MarshalJSON encodes p as TRL's JSON object; a record that Writer.Write
// would refuse is an error.
func (p PromptOnly) MarshalJSON() ([]byte, error) { return marshal(&p) }

// UnmarshalJSON decodes TRL's JSON object, checked as Reader.Read checks a
// line; on error the record is left as it was.
func (p *PromptOnly) UnmarshalJSON(b []byte) error { return unmarshal(p, b) }

// MarshalJSON encodes p as TRL's JSON object; a record that Writer.Write
// would refuse is an error.
func (p PromptCompletion) MarshalJSON() ([]byte, error) { return marshal(&p) }

// UnmarshalJSON decodes TRL's JSON object, checked as Reader.Read checks a
// line; on error the record is left as it was.
func (p *PromptCompletion) UnmarshalJSON(b []byte) error { return unmarshal(p, b) }

// MarshalJSON encodes l as TRL's JSON object; a record that Writer.Write
// would refuse is an error.
func (l LanguageModeling) MarshalJSON() ([]byte, error) { return marshal(&l) }

// UnmarshalJSON decodes TRL's JSON object, checked as Reader.Read checks a
// line; on error the record is left as it was.
func (l *LanguageModeling) UnmarshalJSON(b []byte) error { return unmarshal(l, b) }

func marshal(r record) ([]byte, error) {
	var e encoder
	if err := e.record(r); err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	return e.b, nil
}

func unmarshal[T Record](dst *T, b []byte) error {
	var v T
	if _, err := decodeRecord(any(&v).(record), b, nil); err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	*dst = v
	return nil
}

// decodeRecord decodes one line into r; on error r may be partly set.
func decodeRecord(r record, line []byte, scratch object) (object, error) {
	if !utf8.Valid(line) {
		return scratch, errors.New("invalid UTF-8")
	}
	o, err := parseObject(line, scratch[:0])
	if err != nil {
		return scratch, err
	}
	return o, r.decode(o)
}

// text decodes the field key, checked against the record's other fields.
func (o object) text(f *forms, key string, required bool) (Text, error) {
	var t Text
	if v, ok := o.get(key); ok {
		var err error
		if t, err = decodeText(key, v); err != nil {
			return Text{}, err
		}
	}
	return t, f.check(key, t, required)
}

func (o object) str(key string) (string, error) {
	v, ok := o.get(key)
	if !ok {
		return "", fmt.Errorf("%q is missing", key)
	}
	if k := kind(v); k != "a string" {
		return "", fmt.Errorf("%q is %s, want a string", key, k)
	}
	return unquote(v), nil
}

func (o object) boolean(key string) (bool, error) {
	v, ok := o.get(key)
	if !ok {
		return false, fmt.Errorf("%q is missing", key)
	}
	if k := kind(v); k != "a boolean" {
		return false, fmt.Errorf("%q is %s, want a boolean", key, k)
	}
	return v[0] == 't', nil
}
