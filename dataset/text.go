package dataset

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Message is one turn of a conversation, {"role": "user", "content": "..."};
// roles are TRL's and the chat template's ("system", "user", "assistant",
// ...), not checked here.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// form is a Text's format, or its absence.
type form uint8

const (
	absent form = iota
	plain
	chat
)

func (f form) String() string { return [...]string{"absent", "a string", "a list of messages"}[f] }

// Text is one field of a record in either of TRL's formats: a plain string
// (standard) or a list of messages (conversational). Make one with Plain or
// Chat. The zero Text is absent — the field is not in the record, which is
// how a Preference has an implicit prompt — while Plain("") is present and
// empty.
//
// Text implements json.Marshaler and json.Unmarshaler, so it can be a field
// of a caller's own struct (for a file with extra columns); with the
// omitzero option an absent Text is left out.
type Text struct {
	text     string
	messages []Message
	form     form
}

// Plain returns a standard-format Text: the string s.
func Plain(s string) Text { return Text{text: s, form: plain} }

// Chat returns a conversational Text: the messages, which it keeps (it does
// not copy them). A record with an empty conversation cannot be written.
func Chat(messages ...Message) Text { return Text{messages: messages, form: chat} }

// IsZero reports whether t is absent.
func (t Text) IsZero() bool { return t.form == absent }

// IsChat reports whether t is a list of messages (the conversational format).
func (t Text) IsChat() bool { return t.form == chat }

// Text returns the string of a standard-format Text, "" otherwise.
func (t Text) Text() string { return t.text }

// Messages returns the messages of a conversational Text (the Text's own
// slice, not a copy), nil otherwise.
func (t Text) Messages() []Message { return t.messages }

// MarshalJSON encodes t as a JSON string or a list of messages; an absent
// Text or an empty conversation is an error.
func (t Text) MarshalJSON() ([]byte, error) {
	switch {
	case t.IsZero():
		return nil, errors.New("dataset: the Text is absent (a struct field's omitzero option leaves it out)")
	case t.IsChat() && len(t.messages) == 0:
		return nil, errors.New("dataset: the Text is an empty list of messages")
	}
	return appendText(nil, t), nil
}

// UnmarshalJSON decodes a JSON string or a non-empty list of messages;
// JSON null leaves t unchanged.
func (t *Text) UnmarshalJSON(data []byte) error {
	data = bytes.TrimLeft(data, " \t\r\n")
	err := checkValue(data)
	if err == nil && !utf8.Valid(data) {
		err = errors.New("invalid UTF-8")
	}
	if err == nil && kind(data) == "null" {
		return nil
	}
	var v Text
	if err == nil {
		v, err = decodeText("", data)
	}
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	*t = v
	return nil
}

// decodeText decodes the checked value v of the field key: a JSON string
// or a non-empty list of messages.
func decodeText(key string, v []byte) (Text, error) {
	switch kind(v) {
	case "a string":
		return Plain(unquote(v)), nil
	case "a list":
		m, err := decodeMessages(key, v)
		return Chat(m...), err
	}
	return Text{}, fmt.Errorf("%s is %s, want a string or a list of messages", subject(key), kind(v))
}

// subject names the field key in an error: quoted, or "the Text" for a
// Text decoded on its own.
func subject(key string) string {
	if key == "" {
		return "the Text"
	}
	return strconv.Quote(key)
}

func decodeMessages(key string, v []byte) ([]Message, error) {
	items := elements(v, nil)
	if len(items) == 0 {
		return nil, fmt.Errorf("%s is an empty list of messages", subject(key))
	}
	msgs := make([]Message, len(items))
	var o object
	for i, item := range items {
		if k := kind(item); k != "an object" {
			return nil, fmt.Errorf("%s[%d] is %s, want a message {\"role\", \"content\"}", subject(key), i, k)
		}
		var err error
		o = members(item, o[:0])
		if msgs[i].Role, err = o.str("role"); err == nil {
			msgs[i].Content, err = o.str("content")
		}
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", subject(key), i, err)
		}
	}
	return msgs, nil
}

// kind names the JSON type of the value v, which starts with its first
// byte, for error messages.
func kind(v []byte) string {
	if len(v) == 0 {
		return "empty"
	}
	switch v[0] {
	case '"':
		return "a string"
	case '[':
		return "a list"
	case '{':
		return "an object"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// forms checks that the fields of one record share a format and that the
// required ones are present, in the same words when reading and writing.
type forms struct {
	plainKey, chatKey string // the first field seen in each format
}

func (f *forms) check(key string, t Text, required bool) error {
	switch {
	case t.form == absent && required:
		return fmt.Errorf("%q is missing", key)
	case t.form == chat && len(t.messages) == 0:
		return fmt.Errorf("%q is an empty list of messages", key)
	case t.form == chat && f.plainKey != "":
		return fmt.Errorf("%q is a list of messages but %q is a string: a record has one format", key, f.plainKey)
	case t.form == plain && f.chatKey != "":
		return fmt.Errorf("%q is a string but %q is a list of messages: a record has one format", key, f.chatKey)
	case t.form == chat && f.chatKey == "":
		f.chatKey = key
	case t.form == plain && f.plainKey == "":
		f.plainKey = key
	}
	return nil
}
