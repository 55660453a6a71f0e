package dataset

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxLineSize is the longest line a Reader accepts when its
// MaxLineSize is 0: 64 MiB, far above any record of text a model trains on
// and small enough that one bad line cannot exhaust memory.
const DefaultMaxLineSize = 64 << 20

// ErrTooLong is the error of a *LineError for a line longer than
// Reader.MaxLineSize.
var ErrTooLong = errors.New("longer than Reader.MaxLineSize")

// LineError is an error in one line of the input: Line counts from 1 and
// counts blank lines; Err says what is wrong, naming the field
// (dataset: line 7: "chosen" is missing).
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("dataset: line %d: %v", e.Line, e.Err) }

func (e *LineError) Unwrap() error { return e.Err }

// Reader reads records of type T from JSONL, one line at a time: memory
// holds one line (in a 64 KiB buffer, or in a buffer as long as the
// longest line read when lines are longer), never the file. Lines end in
// "\n" or "\r\n"; the last one may have no newline; blank lines are
// skipped. What a line must hold is in the package documentation.
type Reader[T Record] struct {
	// MaxLineSize is the longest line, in bytes without its line ending,
	// that Read accepts; 0 means DefaultMaxLineSize. A longer line is
	// reported (ErrTooLong) and skipped without being held in memory.
	MaxLineSize int

	r    *bufio.Reader
	line int    // the number of the last line read
	long []byte // a line that did not fit in r's buffer
	obj  object // the last line's members, reused
	err  error  // the underlying reader's error, returned again
}

// NewReader returns a Reader that reads from r.
func NewReader[T Record](r io.Reader) *Reader[T] {
	return &Reader[T]{r: bufio.NewReaderSize(r, 64<<10)}
}

// Read returns the next record, or io.EOF after the last one. A line that
// is not a valid record gives a *LineError, and the next Read goes on with
// the next line; an error of the underlying reader is returned as it is,
// by this Read and every later one.
func (r *Reader[T]) Read() (T, error) {
	var zero T
	max := r.MaxLineSize
	if max == 0 {
		max = DefaultMaxLineSize
	}
	if max < 0 {
		return zero, fmt.Errorf("dataset: Reader.MaxLineSize is %d, want ≥ 0", max)
	}
	for r.err == nil {
		line, err := r.next(max)
		switch {
		case err == ErrTooLong:
			return zero, &LineError{Line: r.line, Err: fmt.Errorf("%w (%d bytes)", err, max)}
		case err != nil:
			r.err = err
		case len(bytes.TrimLeft(line, " \t\r")) > 0:
			var rec T
			if r.obj, err = decodeRecord(any(&rec).(record), line, r.obj); err != nil {
				return zero, &LineError{Line: r.line, Err: err}
			}
			return rec, nil
		}
	}
	return zero, r.err
}

// Line returns the number of the line the last Read read, from 1.
func (r *Reader[T]) Line() int { return r.line }

// next returns the next line without its line ending, valid until the next
// call; a line longer than max bytes is read through and dropped.
func (r *Reader[T]) next(max int) ([]byte, error) {
	r.long = r.long[:0]
	tooLong := false
	for {
		frag, err := r.r.ReadSlice('\n')
		if !tooLong && len(r.long)+len(frag)-2 > max { // 2: room for "\r\n"
			tooLong, r.long = true, r.long[:0]
		}
		if !tooLong && (err == bufio.ErrBufferFull || len(r.long) > 0) {
			r.long = append(r.long, frag...)
			frag = r.long
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(frag) == 0 && !tooLong:
			return nil, io.EOF
		case err != nil && err != io.EOF:
			return nil, err
		}
		r.line++
		line := bytes.TrimSuffix(bytes.TrimSuffix(frag, []byte("\n")), []byte("\r"))
		if tooLong || len(line) > max {
			return nil, ErrTooLong
		}
		return line, nil
	}
}

// ReadAll reads records from r until the end; it stops at the first error,
// returning it with the records read before.
func ReadAll[T Record](r io.Reader) ([]T, error) {
	rd := NewReader[T](r)
	var recs []T
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return recs, err
		}
		recs = append(recs, rec)
	}
}
