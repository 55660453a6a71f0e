package dataset_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/dataset"
)

// write writes rec alone and returns the output or the error.
func write[T dataset.Record](rec T) (string, error) {
	var buf bytes.Buffer
	w := dataset.NewWriter[T](&buf)
	if err := w.Write(rec); err != nil {
		return "", err
	}
	return buf.String(), w.Flush()
}

func TestWriterRefuses(t *testing.T) {
	p, c := plain("p"), chat(user("q"))
	for _, tc := range []struct {
		err  func() error
		want string
	}{
		{func() error { _, err := write(dataset.Preference{Prompt: p, Rejected: p}); return err }, `"chosen" is missing`},
		{func() error { _, err := write(dataset.Preference{Chosen: p}); return err }, `"rejected" is missing`},
		{func() error { _, err := write(dataset.Preference{Prompt: p, Chosen: c, Rejected: c}); return err },
			`"chosen" is a list of messages but "prompt" is a string: a record has one format`},
		{func() error { _, err := write(dataset.Preference{Chosen: c, Rejected: p}); return err },
			`"rejected" is a string but "chosen" is a list of messages: a record has one format`},
		{func() error { _, err := write(dataset.Preference{Prompt: chat(), Chosen: c, Rejected: c}); return err }, `"prompt" is an empty list of messages`},
		{func() error { _, err := write(dataset.Unpaired{Completion: p, Label: true}); return err }, `"prompt" is missing`},
		{func() error { _, err := write(dataset.PromptOnly{}); return err }, `"prompt" is missing`},
		{func() error { _, err := write(dataset.PromptCompletion{Prompt: p}); return err }, `"completion" is missing`},
		{func() error { _, err := write(dataset.LanguageModeling{}); return err }, `"text" is missing`},
		{func() error { _, err := write(dataset.LanguageModeling{Text: chat()}); return err }, `"messages" is an empty list of messages`},
	} {
		if err := tc.err(); err == nil || err.Error() != "dataset: "+tc.want {
			t.Errorf("got %v, want dataset: %s", err, tc.want)
		}
	}
}

func TestWriterKeepsGoing(t *testing.T) {
	var buf bytes.Buffer
	w := dataset.NewWriter[dataset.PromptOnly](&buf)
	if err := w.Write(dataset.PromptOnly{}); err == nil {
		t.Fatal("wrote an absent prompt")
	}
	if err := w.Write(dataset.PromptOnly{Prompt: plain("")}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil || buf.String() != "{\"prompt\":\"\"}\n" {
		t.Errorf("wrote %q, %v", buf.String(), err)
	}

	recs := []dataset.PromptOnly{{Prompt: plain("a")}, {}}
	buf.Reset()
	err := dataset.WriteAll(&buf, recs)
	if err == nil || err.Error() != `dataset: record 1: "prompt" is missing` || buf.String() != "{\"prompt\":\"a\"}\n" {
		t.Errorf("WriteAll: %v", err)
	}

	boom := errors.New("boom")
	w = dataset.NewWriter[dataset.PromptOnly](errWriter{boom})
	if err := w.Write(recs[0]); err != nil {
		t.Fatal(err) // buffered
	}
	if err := w.Flush(); err != boom {
		t.Errorf("Flush: %v, want the writer's error", err)
	}
}

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

// A Writer keeps each column's type from the first record it writes, as
// Hugging Face datasets needs to load the file.
func TestWriterOneShape(t *testing.T) {
	p, c := plain("p"), chat(user("q"))
	var buf bytes.Buffer
	w := dataset.NewWriter[dataset.Preference](&buf)
	for _, tc := range []struct {
		rec  dataset.Preference
		want string // the end of the error, "" for none
	}{
		{dataset.Preference{Prompt: c, Chosen: p, Rejected: p}, "a record has one format"}, // refused: not the first
		{dataset.Preference{Chosen: p, Rejected: p}, ""},
		{dataset.Preference{Prompt: p, Chosen: p, Rejected: p}, `dataset: "prompt" is a string, but "prompt" is absent in the file's first record: a column keeps one type in a file`},
		{dataset.Preference{Chosen: c, Rejected: c}, `dataset: "chosen" is a list of messages, but "chosen" is a string in the file's first record: a column keeps one type in a file`},
		{dataset.Preference{Chosen: plain("x"), Rejected: plain("y")}, ""},
	} {
		err := w.Write(tc.rec)
		if (err == nil) != (tc.want == "") || err != nil && !strings.HasSuffix(err.Error(), tc.want) {
			t.Errorf("got %v, want %s", err, tc.want)
		}
	}
	w.Flush()
	if want := "{\"chosen\":\"p\",\"rejected\":\"p\"}\n{\"chosen\":\"x\",\"rejected\":\"y\"}\n"; buf.String() != want {
		t.Errorf("wrote %q, want %q", buf.String(), want)
	}
	lm := dataset.NewWriter[dataset.LanguageModeling](&buf)
	if err := lm.Write(dataset.LanguageModeling{Text: p}); err != nil {
		t.Fatal(err)
	}
	err := lm.Write(dataset.LanguageModeling{Text: c})
	if err == nil || err.Error() != `dataset: "messages" is a list of messages, but "text" is a string in the file's first record: a column keeps one type in a file` {
		t.Errorf("language modeling: %v", err)
	}
}
