package dataset_test

import (
	"bytes"
	"errors"
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
