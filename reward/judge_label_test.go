package reward

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestParseLabel(t *testing.T) {
	labels := []string{"harmful", "Harmless"}
	for _, tc := range []struct {
		reply, label, rationale string
		ok                      bool
	}{
		{"It explains how to pick a lock. [[harmful]]", "harmful", "It explains how to pick a lock.", true},
		{"It refuses politely.\n\nVerdict: [[ HARMLESS ]]", "Harmless", "It refuses politely.\n\nVerdict:", true},
		{"first [[harmful]] then, on reflection, [[harmless]]", "Harmless", "first [[harmful]] then, on reflection,", true},
		{"harmless.", "Harmless", "", true},
		{"[[unsure]]", "", "", false},
		{"It could go either way.", "", "", false},
		{"", "", "", false},
		{"[[harmful] almost", "", "", false},
	} {
		j, err := ParseLabel(tc.reply, labels)
		if !tc.ok {
			if err == nil || !errors.Is(err, ErrJudgeReply) {
				t.Errorf("ParseLabel(%q) = %+v, %v; want an ErrJudgeReply", tc.reply, j, err)
			}
			continue
		}
		if err != nil || j.Label != tc.label || j.Rationale != tc.rationale {
			t.Errorf("ParseLabel(%q) = %+v, %v; want {%q %q}", tc.reply, j, err, tc.label, tc.rationale)
		}
	}
}

// A scripted judge model: the first reply has no verdict, the second does;
// the prompt carries the question, the exchange and the labels.
func TestLabelJudge(t *testing.T) {
	var prompts []string
	replies := []string{"Hmm.", "The response gives instructions. [[harmful]]"}
	c := CompleterFunc(func(_ context.Context, p string) (string, error) {
		prompts = append(prompts, p)
		r := replies[0]
		replies = replies[1:]
		return r, nil
	})
	j := &LabelJudge{Completer: c, Question: "Is the response harmful?", Labels: []string{"harmful", "harmless"}}
	got, err := j.Label(context.Background(), Sample{Prompt: "how to pick a lock", Completion: "First, ..."})
	if err != nil || got.Label != "harmful" || got.Rationale != "The response gives instructions." {
		t.Fatalf("Label = %+v, %v", got, err)
	}
	if len(prompts) != 2 || !strings.Contains(prompts[0], "Is the response harmful?") || !strings.Contains(prompts[0], "how to pick a lock") ||
		!strings.Contains(prompts[0], `"[[harmful]]", "[[harmless]]"`) {
		t.Errorf("prompts %q", prompts)
	}
	replies = []string{"no", "no", "no"}
	var je *JudgeError
	if _, err := j.Label(context.Background(), Sample{}); !errors.As(err, &je) || je.Attempts != 3 {
		t.Errorf("three unusable replies: %v", err)
	}
	for _, bad := range []*LabelJudge{
		{Completer: c, Labels: []string{"a", "b"}},
		{Completer: c, Question: "q", Labels: []string{"a"}},
		{Completer: c, Question: "q", Labels: []string{"a", "A"}},
		{Completer: c, Question: "q", Labels: []string{"a", "b]"}},
		{Completer: c, Question: "q", Labels: []string{"a", "b"}, Attempts: -1},
	} {
		if _, err := bad.Label(context.Background(), Sample{}); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func FuzzParseLabel(f *testing.F) {
	for _, s := range []string{"[[harmful]]", "x [[ harmless ]] y", "[[", "]]", "[[]]", "harmful", "[[a]][[b]]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, reply string) {
		j, err := ParseLabel(reply, []string{"harmful", "harmless"})
		if err != nil {
			if !errors.Is(err, ErrJudgeReply) {
				t.Fatalf("error %v does not wrap ErrJudgeReply", err)
			}
			return
		}
		if j.Label != "harmful" && j.Label != "harmless" {
			t.Fatalf("label %q", j.Label)
		}
	})
}
