package dataset_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/evolve-go/evolve/dataset"
)

func user(s string) dataset.Message      { return dataset.Message{Role: "user", Content: s} }
func assistant(s string) dataset.Message { return dataset.Message{Role: "assistant", Content: s} }

var (
	plain = dataset.Plain
	chat  = dataset.Chat
	sky   = user("What color is the sky?")
)

// checkGolden reads testdata/trl/file into records of type T, compares them
// with want, and checks that writing want gives the file's bytes, line by
// line through json.Marshal too.
func checkGolden[T dataset.Record](t *testing.T, file string, want []T) {
	t.Helper()
	data, err := os.ReadFile("testdata/trl/" + file)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dataset.ReadAll[T](bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: read\n%#v\nwant\n%#v", file, got, want)
	}
	var buf bytes.Buffer
	if err := dataset.WriteAll(&buf, want); err != nil {
		t.Fatal(err)
	}
	if buf.String() != string(data) {
		t.Errorf("%s: wrote\n%s\nwant\n%s", file, buf.Bytes(), data)
	}
	buf.Reset()
	enc := json.NewEncoder(&buf) // encoding/json escapes <, > and & unless told not to
	enc.SetEscapeHTML(false)
	for i, rec := range want {
		if err := enc.Encode(rec); err != nil {
			t.Fatalf("%s: record %d: %v", file, i, err)
		}
	}
	if buf.String() != string(data) {
		t.Errorf("%s: encoding/json wrote\n%s\nwant\n%s", file, buf.Bytes(), data)
	}
}

func TestGoldenPreference(t *testing.T) {
	checkGolden(t, "preference.standard.jsonl", []dataset.Preference{
		{Prompt: plain("The sky is"), Chosen: plain(" blue."), Rejected: plain(" green.")},
		{Prompt: plain("Say \"hi\"\\n\ttab \x01 é 日本 <b>&"), Chosen: plain(""), Rejected: plain("x\ny")},
	})
	checkGolden(t, "preference.conversational.jsonl", []dataset.Preference{
		{Prompt: chat(sky), Chosen: chat(assistant("It is blue.")), Rejected: chat(assistant("It is green."))},
	})
	checkGolden(t, "preference_implicit.standard.jsonl", []dataset.Preference{
		{Chosen: plain("The sky is blue."), Rejected: plain("The sky is green.")},
	})
	checkGolden(t, "preference_implicit.conversational.jsonl", []dataset.Preference{
		{Chosen: chat(sky, assistant("It is blue.")), Rejected: chat(sky, assistant("It is green."))},
	})
}

func TestGoldenUnpaired(t *testing.T) {
	checkGolden(t, "unpaired.standard.jsonl", []dataset.Unpaired{{Prompt: plain("The sky is"), Completion: plain(" blue."), Label: true}})
	checkGolden(t, "unpaired.conversational.jsonl", []dataset.Unpaired{{Prompt: chat(sky), Completion: chat(assistant("It is green."))}})
}

func TestGoldenPromptOnly(t *testing.T) {
	checkGolden(t, "prompt_only.standard.jsonl", []dataset.PromptOnly{{Prompt: plain("The sky is")}})
	checkGolden(t, "prompt_only.conversational.jsonl", []dataset.PromptOnly{{Prompt: chat(sky)}})
}

func TestGoldenPromptCompletion(t *testing.T) {
	checkGolden(t, "prompt_completion.standard.jsonl", []dataset.PromptCompletion{{Prompt: plain("The sky is"), Completion: plain(" blue.")}})
	checkGolden(t, "prompt_completion.conversational.jsonl", []dataset.PromptCompletion{{Prompt: chat(sky), Completion: chat(assistant("It is blue."))}})
}

func TestGoldenLanguageModeling(t *testing.T) {
	checkGolden(t, "language_modeling.standard.jsonl", []dataset.LanguageModeling{{Text: plain("The sky is blue.")}})
	checkGolden(t, "language_modeling.conversational.jsonl", []dataset.LanguageModeling{{Text: chat(sky, assistant("It is blue."))}})
}

// TestTRLColumns checks written lines with encoding/json alone: exactly the
// type's columns, each a string or a list of objects with exactly string
// "role" and "content", "label" a boolean.
func TestTRLColumns(t *testing.T) {
	for _, c := range []struct{ isChat, withPrompt bool }{{false, true}, {true, true}, {false, false}, {true, false}} {
		var buf bytes.Buffer
		if err := dataset.WriteAll(&buf, randomPreferences(100, 1, c.isChat, c.withPrompt)); err != nil {
			t.Fatal(err)
		}
		want := []string{"chosen", "prompt", "rejected"}
		if !c.withPrompt {
			want = []string{"chosen", "rejected"}
		}
		for i, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
			var o map[string]any
			if err := json.Unmarshal([]byte(line), &o); err != nil {
				t.Fatalf("line %d: %v", i+1, err)
			}
			if keys := sortedKeys(o); !reflect.DeepEqual(keys, want) {
				t.Fatalf("line %d: columns %v, want %v", i+1, keys, want)
			}
			for k, v := range o {
				if err := checkTRLText(v, c.isChat); err != "" {
					t.Fatalf("line %d: %q %s", i+1, k, err)
				}
			}
		}
	}
	var u map[string]any
	b, _ := json.Marshal(dataset.Unpaired{Prompt: plain("p"), Completion: plain("c")})
	if err := json.Unmarshal(b, &u); err != nil || !reflect.DeepEqual(u, map[string]any{"prompt": "p", "completion": "c", "label": false}) {
		t.Errorf("unpaired record = %s (%v)", b, err)
	}
}

func checkTRLText(v any, isChat bool) string {
	if !isChat {
		if _, ok := v.(string); !ok {
			return "is not a string"
		}
		return ""
	}
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return "is not a non-empty list"
	}
	for _, m := range list {
		m, ok := m.(map[string]any)
		if !ok || len(m) != 2 {
			return "holds something other than {role, content}"
		}
		if _, ok := m["role"].(string); !ok {
			return "has a message without a string role"
		}
		if _, ok := m["content"].(string); !ok {
			return "has a message without a string content"
		}
	}
	return ""
}

func sortedKeys(o map[string]any) []string {
	return slices.Sorted(maps.Keys(o))
}
