package dataset_test

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/evolve-go/evolve/dataset"
)

// readLines reads all of in, one result a record or error: "N:prompt" or
// "N!error".
func readLines(r *dataset.Reader[dataset.PromptOnly]) []string {
	var out []string
	for {
		rec, err := r.Read()
		switch {
		case err == io.EOF:
			return out
		case err != nil:
			var lerr *dataset.LineError
			if !errors.As(err, &lerr) || errors.Is(err, dataset.ErrTooLong) != strings.Contains(err.Error(), "MaxLineSize") {
				return append(out, "error: "+err.Error())
			}
			out = append(out, strings.TrimPrefix(err.Error(), "dataset: line "))
		default:
			out = append(out, strconv.Itoa(r.Line())+":"+rec.Prompt.Text())
		}
	}
}

func TestReaderLines(t *testing.T) {
	long := strings.Repeat("y", 300<<10) // longer than the Reader's 64 KiB buffer
	in := "{\"prompt\": \"a\"}\r\n" +    // CRLF
		"  \t \r\n" + // blank
		"{\"prompt\": 1}\n" +
		"\n" +
		"{\"prompt\": \"" + long + "\"}\n" +
		"{\"prompt\": \"" + long + long + "\"}\n" + // over the limit: reported, skipped
		" {\"prompt\": \"b\"} \n" +
		"{\"prompt\": \"c\"}" // no final newline
	for name, src := range map[string]io.Reader{
		"whole":    strings.NewReader(in),
		"one byte": iotest.OneByteReader(strings.NewReader(in)),
		"half":     iotest.HalfReader(strings.NewReader(in)),
	} {
		r := dataset.NewReader[dataset.PromptOnly](src)
		r.MaxLineSize = 500 << 10
		got := strings.Join(readLines(r), "|")
		want := `1:a|3: "prompt" is a number, want a string or a list of messages|5:` + long +
			`|6: longer than Reader.MaxLineSize (512000 bytes)|7:b|8:c`
		if got != want {
			t.Errorf("%s: got %.300s", name, got)
		}
	}
}

func TestReaderIOError(t *testing.T) {
	boom := errors.New("boom")
	src := io.MultiReader(strings.NewReader("{\"prompt\": \"a\"}\n{\"prompt\""), iotest.ErrReader(boom))
	r := dataset.NewReader[dataset.PromptOnly](src)
	if rec, err := r.Read(); err != nil || rec.Prompt.Text() != "a" {
		t.Fatalf("first record %v, %v", rec, err)
	}
	for range 2 {
		if _, err := r.Read(); err != boom {
			t.Fatalf("got %v, want the reader's error", err)
		}
	}
	empty := dataset.NewReader[dataset.Preference](strings.NewReader(""))
	if _, err := empty.Read(); err != io.EOF {
		t.Errorf("empty input: %v", err)
	}
	neg := dataset.NewReader[dataset.Preference](strings.NewReader(good))
	neg.MaxLineSize = -1
	if _, err := neg.Read(); err == nil || err.Error() != "dataset: Reader.MaxLineSize is -1, want ≥ 0" {
		t.Errorf("negative MaxLineSize: %v", err)
	}
}

func TestReadAllStops(t *testing.T) {
	recs, err := dataset.ReadAll[dataset.PromptOnly](strings.NewReader("{\"prompt\": \"a\"}\n{}\n{\"prompt\": \"b\"}\n"))
	var lerr *dataset.LineError
	if len(recs) != 1 || !errors.As(err, &lerr) || lerr.Line != 2 {
		t.Errorf("got %d records, %v", len(recs), err)
	}
}
