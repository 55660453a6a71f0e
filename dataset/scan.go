package dataset

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of arrays and objects, as encoding/json does.
const maxDepth = 10000

// field is one member of a JSON object: its key, quotes included, and its
// value, both as they are in the input.
type field struct{ key, val []byte }

// is reports whether the key is k, matched exactly as Python matches keys
// (escapes decoded, case kept).
func (f field) is(k string) bool {
	if bytes.IndexByte(f.key, '\\') < 0 {
		return len(f.key) == len(k)+2 && string(f.key[1:len(f.key)-1]) == k
	}
	return unquote(f.key) == k
}

// object is an object's members in input order; a repeated key takes its
// last value, as in Python and encoding/json.
type object []field

func (o object) get(k string) ([]byte, bool) {
	for i := len(o) - 1; i >= 0; i-- {
		if o[i].is(k) {
			return o[i].val, true
		}
	}
	return nil, false
}

// scanner checks JSON syntax (RFC 8259) in one pass over valid UTF-8 and
// collects the members of the object or the elements of the array it is
// asked for.
type scanner struct {
	b     []byte
	i     int
	depth int
}

// parseObject checks that b is one JSON object (with surrounding
// whitespace) and appends its members to dst.
func parseObject(b []byte, dst object) (object, error) {
	s := scanner{b: b}
	s.ws()
	if s.peek() != '{' {
		v, err := s.value()
		if err == nil {
			err = s.end()
		}
		if err == nil {
			err = fmt.Errorf("the line is %s, want a JSON object", kind(v))
		}
		return nil, err
	}
	if err := s.object(&dst); err != nil {
		return nil, err
	}
	return dst, s.end()
}

// members appends the members of a checked object to dst.
func members(v []byte, dst object) object {
	s := scanner{b: v}
	s.object(&dst) // v was checked: no error
	return dst
}

// elements appends the elements of a checked array to dst.
func elements(v []byte, dst [][]byte) [][]byte {
	s := scanner{b: v}
	s.array(&dst) // v was checked: no error
	return dst
}

// checkValue checks that v is one JSON value.
func checkValue(v []byte) error {
	s := scanner{b: v}
	if _, err := s.value(); err != nil {
		return err
	}
	return s.end()
}

func (s *scanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

func (s *scanner) end() error {
	if s.ws(); s.i < len(s.b) {
		return s.unexpected()
	}
	return nil
}

func (s *scanner) unexpected() error {
	if s.i >= len(s.b) {
		return fmt.Errorf("invalid JSON: unexpected end of line")
	}
	r, _ := utf8.DecodeRune(s.b[s.i:])
	return fmt.Errorf("invalid JSON at byte %d: unexpected %q", s.i+1, r)
}

// expect consumes c or fails.
func (s *scanner) expect(c byte) error {
	if s.ws(); s.peek() != c {
		return s.unexpected()
	}
	s.i++
	return nil
}

// value consumes one value, with the whitespace before it, and returns it.
func (s *scanner) value() ([]byte, error) {
	s.ws()
	start := s.i
	var err error
	switch c := s.peek(); {
	case c == '"':
		err = s.str()
	case c == '{':
		err = s.object(nil)
	case c == '[':
		err = s.array(nil)
	case c == 't':
		err = s.literal("true")
	case c == 'f':
		err = s.literal("false")
	case c == 'n':
		err = s.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		err = s.number()
	default:
		err = s.unexpected()
	}
	return s.b[start:s.i], err
}

// open consumes the opening byte of an object or array, one more level of
// nesting, and reports whether the closing byte follows at once.
func (s *scanner) open(closing byte) (empty bool, err error) {
	if s.depth++; s.depth > maxDepth {
		return false, fmt.Errorf("invalid JSON at byte %d: nested deeper than %d", s.i+1, maxDepth)
	}
	s.i++
	if s.ws(); s.peek() == closing {
		s.i++
		s.depth--
		return true, nil
	}
	return false, nil
}

// object consumes an object, appending its members to dst when not nil.
func (s *scanner) object(dst *object) error {
	if empty, err := s.open('}'); empty || err != nil {
		return err
	}
	for {
		if s.ws(); s.peek() != '"' {
			return s.unexpected()
		}
		k := s.i
		if err := s.str(); err != nil {
			return err
		}
		key := s.b[k:s.i]
		if err := s.expect(':'); err != nil {
			return err
		}
		v, err := s.value()
		if err != nil {
			return err
		}
		if dst != nil {
			*dst = append(*dst, field{key, v})
		}
		if done, err := s.next('}'); done || err != nil {
			return err
		}
	}
}

// array consumes an array, appending its elements to dst when not nil.
func (s *scanner) array(dst *[][]byte) error {
	if empty, err := s.open(']'); empty || err != nil {
		return err
	}
	for {
		v, err := s.value()
		if err != nil {
			return err
		}
		if dst != nil {
			*dst = append(*dst, v)
		}
		if done, err := s.next(']'); done || err != nil {
			return err
		}
	}
}

// next consumes the comma after a member or element, or the closing byte.
func (s *scanner) next(closing byte) (done bool, err error) {
	switch s.ws(); s.peek() {
	case ',':
		s.i++
		return false, nil
	case closing:
		s.i++
		s.depth--
		return true, nil
	}
	return true, s.unexpected()
}

// str consumes a string: no raw control characters, only JSON's escapes.
func (s *scanner) str() error {
	s.i++
	for s.i < len(s.b) {
		for s.i < len(s.b) && plainByte[s.b[s.i]] {
			s.i++
		}
		switch c := s.peek(); {
		case s.i >= len(s.b):
			return s.unexpected()
		case c == '"':
			s.i++
			return nil
		case c == '\\':
			if err := s.escape(); err != nil {
				return err
			}
		default: // a control character
			return s.unexpected()
		}
	}
	return s.unexpected()
}

// plainByte tells the bytes a JSON string holds as they are: all but
// control characters, quotes and backslashes.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// escape consumes one escape sequence, at its backslash.
func (s *scanner) escape() error {
	s.i++
	switch s.peek() {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.i++
		return nil
	case 'u':
		s.i++
		for range 4 {
			if c := s.peek(); !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return s.unexpected()
			}
			s.i++
		}
		return nil
	}
	return s.unexpected()
}

func (s *scanner) literal(word string) error {
	for i := range len(word) {
		if s.peek() != word[i] {
			return s.unexpected()
		}
		s.i++
	}
	return nil
}

// number consumes -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s *scanner) number() error {
	if s.peek() == '-' {
		s.i++
	}
	if s.peek() == '0' {
		s.i++
	} else if err := s.digits(); err != nil {
		return err
	}
	if s.peek() == '.' {
		s.i++
		if err := s.digits(); err != nil {
			return err
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		if s.i++; s.peek() == '+' || s.peek() == '-' {
			s.i++
		}
		return s.digits()
	}
	return nil
}

// digits consumes one or more decimal digits.
func (s *scanner) digits() error {
	start := s.i
	for '0' <= s.peek() && s.peek() <= '9' {
		s.i++
	}
	if s.i == start {
		return s.unexpected()
	}
	return nil
}

// unquote decodes a checked JSON string, quotes included; a lone UTF-16
// surrogate becomes U+FFFD, as in encoding/json.
func unquote(q []byte) string {
	q = q[1 : len(q)-1]
	if bytes.IndexByte(q, '\\') < 0 {
		return string(q)
	}
	var b strings.Builder
	b.Grow(len(q))
	for len(q) > 0 {
		i := bytes.IndexByte(q, '\\')
		if i < 0 {
			b.Write(q)
			break
		}
		b.Write(q[:i])
		q = q[i+writeEscape(&b, q[i:]):]
	}
	return b.String()
}

// writeEscape decodes the checked escape at the start of q, writes it and
// returns how many bytes it took.
func writeEscape(b *strings.Builder, q []byte) int {
	switch q[1] {
	case 'u':
		r := hex4(q[2:])
		if !utf16.IsSurrogate(r) {
			b.WriteRune(r)
			return 6
		}
		if len(q) >= 12 && q[6] == '\\' && q[7] == 'u' {
			if dec := utf16.DecodeRune(r, hex4(q[8:])); dec != unicode.ReplacementChar {
				b.WriteRune(dec)
				return 12
			}
		}
		b.WriteRune(unicode.ReplacementChar)
		return 6
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	default: // " \ /
		b.WriteByte(q[1])
	}
	return 2
}

// hex4 decodes the four hex digits at the start of q, checked by the
// scanner's escape.
func hex4(q []byte) rune {
	var r rune
	for _, c := range q[:4] {
		switch {
		case c <= '9':
			c -= '0'
		case c >= 'a':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}
