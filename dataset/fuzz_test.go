package dataset_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/evolve-go/evolve/dataset"
)

// The fuzzers check the reader against a reference decoder built on
// encoding/json alone: the same lines accepted, the same records, every
// error a *LineError naming a line that exists, reading the whole input the
// same as reading its lines one by one, and every record written back and
// read again unchanged.

func FuzzReadPreference(f *testing.F) {
	fuzzRead(f, func(o refObject) (dataset.Preference, bool) {
		t, ok := o.texts("prompt?", "chosen", "rejected")
		return dataset.Preference{Prompt: t[0], Chosen: t[1], Rejected: t[2]}, ok
	})
}

func FuzzReadUnpaired(f *testing.F) {
	fuzzRead(f, func(o refObject) (dataset.Unpaired, bool) {
		t, ok := o.texts("prompt", "completion")
		label, isBool := o.boolean("label")
		return dataset.Unpaired{Prompt: t[0], Completion: t[1], Label: label}, ok && isBool
	})
}

func FuzzReadPromptCompletion(f *testing.F) {
	fuzzRead(f, func(o refObject) (dataset.PromptCompletion, bool) {
		t, ok := o.texts("prompt", "completion")
		return dataset.PromptCompletion{Prompt: t[0], Completion: t[1]}, ok
	})
}

func FuzzReadPromptOnly(f *testing.F) {
	fuzzRead(f, func(o refObject) (dataset.PromptOnly, bool) {
		t, ok := o.texts("prompt")
		return dataset.PromptOnly{Prompt: t[0]}, ok
	})
}

func FuzzReadLanguageModeling(f *testing.F) {
	fuzzRead(f, func(o refObject) (dataset.LanguageModeling, bool) {
		_, hasText := o.m["text"]
		_, hasMessages := o.m["messages"]
		t, ok := o.texts("text")
		if hasMessages {
			t, ok = o.texts("messages")
		}
		return dataset.LanguageModeling{Text: t[0]}, ok && !(hasText && hasMessages) && t[0].IsChat() == hasMessages
	})
}

// fuzzRead adds the seeds and runs the checks for records of type T, with
// ref the reference decoder of one line's object.
func fuzzRead[T dataset.Record](f *testing.F, ref func(refObject) (T, bool)) {
	files, err := filepath.Glob(filepath.Join("testdata", "trl", "*.jsonl"))
	if err != nil || len(files) == 0 {
		f.Fatal("no files in testdata/trl", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(good + "\r\n\n" + `{"prompt": "a\ud83d\ude00\ud800", "chosen": [], "x": [1e400, {"a": -0.5E+3}]}` + "\n" + good))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := strings.Split(string(data), "\n")
		var want []result[T]
		for i, line := range lines {
			if strings.Trim(line, " \t\r") == "" {
				continue
			}
			rec, ok := refLine(strings.TrimSuffix(line, "\r"), ref)
			want = append(want, result[T]{i + 1, rec, ok})
		}
		got := readResults[T](t, data, len(lines))
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("read\n%+v\nreference\n%+v", got, want)
		}
		for _, r := range got {
			if r.ok {
				checkRewrite(t, r.rec, ref)
			}
		}
	})
}

// result is what reading one non-blank line gives: a record or a refusal.
type result[T any] struct {
	line int
	rec  T
	ok   bool
}

// readResults reads data through a Reader, one result a non-blank line.
func readResults[T dataset.Record](t *testing.T, data []byte, lines int) []result[T] {
	r := dataset.NewReader[T](bytes.NewReader(data))
	var got []result[T]
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return got
		}
		var lerr *dataset.LineError
		if err != nil && (!errors.As(err, &lerr) || lerr.Line != r.Line() || lerr.Line < 1 || lerr.Line > lines) {
			t.Fatalf("error %v at line %d of %d", err, r.Line(), lines)
		}
		got = append(got, result[T]{r.Line(), rec, err == nil})
	}
}

// checkRewrite writes rec, reads it back, and checks the written line with
// the reference too.
func checkRewrite[T dataset.Record](t *testing.T, rec T, ref func(refObject) (T, bool)) {
	var buf bytes.Buffer
	if err := dataset.WriteAll(&buf, []T{rec}); err != nil {
		t.Fatalf("writing %+v: %v", rec, err)
	}
	back, err := dataset.ReadAll[T](bytes.NewReader(buf.Bytes()))
	if err != nil || len(back) != 1 || !reflect.DeepEqual(back[0], rec) {
		t.Fatalf("%+v written as %s read back as %+v, %v", rec, buf.Bytes(), back, err)
	}
	line := strings.TrimSuffix(buf.String(), "\n")
	if refRec, ok := refLine(line, ref); !ok || !reflect.DeepEqual(refRec, rec) || strings.Contains(line, "\n") {
		t.Fatalf("%+v written as %s, which encoding/json reads as %+v, %v", rec, line, refRec, ok)
	}
}

// refObject is a line decoded by encoding/json.
type refObject struct {
	m map[string]json.RawMessage
}

// refLine decodes one line with encoding/json and ref; ok is false where
// the reader must refuse the line.
func refLine[T any](line string, ref func(refObject) (T, bool)) (T, bool) {
	var zero T
	trimmed := strings.TrimLeft(line, " \t\r\n")
	if !utf8.ValidString(line) || !json.Valid([]byte(line)) || !strings.HasPrefix(trimmed, "{") {
		return zero, false
	}
	var o refObject
	if err := json.Unmarshal([]byte(line), &o.m); err != nil {
		return zero, false
	}
	rec, ok := ref(o)
	if !ok {
		return zero, false
	}
	return rec, true
}

// texts decodes the named fields ("name?" when it may be absent): each a
// string or a non-empty list of {"role": string, "content": string}, all in
// one format.
func (o refObject) texts(keys ...string) ([]dataset.Text, bool) {
	out := make([]dataset.Text, len(keys))
	formats := map[bool]bool{}
	for i, k := range keys {
		raw, ok := o.m[strings.TrimSuffix(k, "?")]
		if !ok {
			if !strings.HasSuffix(k, "?") {
				return out, false
			}
			continue
		}
		if out[i], ok = refText(raw); !ok {
			return out, false
		}
		formats[out[i].IsChat()] = true
	}
	return out, len(formats) < 2
}

func refText(raw json.RawMessage) (dataset.Text, bool) {
	if s, ok := refString(raw); ok {
		return dataset.Plain(s), true
	}
	var items []map[string]json.RawMessage
	if raw[0] != '[' || json.Unmarshal(raw, &items) != nil || len(items) == 0 {
		return dataset.Text{}, false
	}
	msgs := make([]dataset.Message, len(items))
	for i, item := range items {
		role, rok := refString(item["role"])
		content, cok := refString(item["content"])
		if item == nil || !rok || !cok {
			return dataset.Text{}, false
		}
		msgs[i] = dataset.Message{Role: role, Content: content}
	}
	return dataset.Chat(msgs...), true
}

func refString(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func (o refObject) boolean(k string) (bool, bool) {
	var b bool
	raw := o.m[k]
	if len(raw) == 0 || raw[0] != 't' && raw[0] != 'f' || json.Unmarshal(raw, &b) != nil {
		return false, false
	}
	return b, true
}
