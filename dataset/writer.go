package dataset

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Writer writes records as JSONL: one compact JSON object a line, with
// exactly the record type's TRL columns in the order of the package
// documentation ("prompt", "chosen", "rejected"; "prompt", "completion",
// "label"), messages as {"role", "content"}. Strings are written as UTF-8,
// with invalid bytes replaced by U+FFFD as encoding/json does.
//
// A file keeps one type a column, as Hugging Face datasets (through which
// TRL and OpenRLHF load JSONL) requires: every record a Writer writes has
// the columns and the format of the first one — a Preference writer writes
// a prompt in all records or in none.
//
// Writes are buffered: call Flush when done, and check its error.
type Writer[T Record] struct {
	w      *bufio.Writer
	buf    []byte
	shapes []shape // the last record's columns, reused
	first  []shape // the first record's columns; nil before it
}

// NewWriter returns a Writer that writes to w.
func NewWriter[T Record](w io.Writer) *Writer[T] {
	return &Writer[T]{w: bufio.NewWriterSize(w, 64<<10)}
}

// Write writes rec as one line. A record the readers would refuse (a
// missing field, an empty conversation, mixed formats) or one unlike the
// first is an error and writes nothing; the Writer stays usable.
func (w *Writer[T]) Write(rec T) error {
	line, err := w.encode(rec)
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	_, err = w.w.Write(line)
	return err
}

// encode returns rec's line, newline included, valid until the next call.
func (w *Writer[T]) encode(rec T) ([]byte, error) {
	e := encoder{b: w.buf[:0], shapes: w.shapes[:0]}
	err := e.record(any(&rec).(record))
	w.buf, w.shapes = e.b, e.shapes
	if err != nil {
		return nil, err
	}
	if w.first == nil {
		w.first = append([]shape(nil), e.shapes...)
	} else if err := sameShapes(e.shapes, w.first); err != nil {
		return nil, err
	}
	w.buf = append(e.b, '\n')
	return w.buf, nil
}

// sameShapes checks a record's columns against the first record's.
func sameShapes(got, first []shape) error {
	for i, c := range got {
		if f := first[i]; c != f {
			return fmt.Errorf("%q is %s, but %q is %s in the file's first record: a column keeps one type in a file",
				c.key, c.form, f.key, f.form)
		}
	}
	return nil
}

// Flush writes any buffered data to the underlying writer.
func (w *Writer[T]) Flush() error { return w.w.Flush() }

// WriteAll writes recs to w and flushes; an invalid record stops it with an
// error naming its index, after the records before it were written.
func WriteAll[T Record](w io.Writer, recs []T) error {
	wr := NewWriter[T](w)
	for i, rec := range recs {
		line, err := wr.encode(rec)
		if err != nil {
			return errors.Join(fmt.Errorf("dataset: record %d: %w", i, err), wr.Flush())
		}
		if _, err := wr.w.Write(line); err != nil {
			return err
		}
	}
	return wr.Flush()
}

// encoder appends one record's JSON object; the first error sticks.
type encoder struct {
	b      []byte
	f      forms
	shapes []shape // the Text columns written or left out, in order
	err    error
}

// shape is a Text column's key and format, absent included.
type shape struct {
	key  string
	form form
}

func (e *encoder) record(r record) error {
	e.b = append(e.b, '{')
	r.encode(e)
	e.b = append(e.b, '}')
	return e.err
}

func (e *encoder) key(k string) {
	if len(e.b) > 0 && e.b[len(e.b)-1] != '{' {
		e.b = append(e.b, ',')
	}
	e.b = appendString(e.b, k)
	e.b = append(e.b, ':')
}

func (e *encoder) text(k string, t Text, required bool) {
	if e.err != nil {
		return
	}
	e.shapes = append(e.shapes, shape{k, t.form})
	if e.err = e.f.check(k, t, required); e.err != nil || t.IsZero() {
		return
	}
	e.key(k)
	e.b = appendText(e.b, t)
}

func (e *encoder) boolean(k string, v bool) {
	e.key(k)
	if v {
		e.b = append(e.b, "true"...)
	} else {
		e.b = append(e.b, "false"...)
	}
}

// appendText appends a present Text: a string or a list of messages.
func appendText(b []byte, t Text) []byte {
	if !t.IsChat() {
		return appendString(b, t.text)
	}
	b = append(b, '[')
	for i, m := range t.messages {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"role":`...)
		b = appendString(b, m.Role)
		b = append(b, `,"content":`...)
		b = appendString(b, m.Content)
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendString appends s as a JSON string: quotes, backslashes and control
// characters escaped, invalid UTF-8 replaced by U+FFFD, the rest verbatim.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	valid := utf8.ValidString(s)
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		for i < len(s) && plainByte[s[i]] && (valid || s[i] < utf8.RuneSelf) {
			i++
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c >= utf8.RuneSelf { // only when s is not valid UTF-8
			if _, size := utf8.DecodeRuneInString(s[i:]); size > 1 {
				i += size
				continue
			}
		}
		b = append(b, s[start:i]...)
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default: // an invalid byte
			b = append(b, `\ufffd`...)
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
