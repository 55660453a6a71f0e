package selfplay

import (
	"bytes"
	"math"
	"testing"

	"github.com/evolve-go/evolve/dataset"
	"github.com/evolve-go/evolve/policy"
)

// A batch written as TRL datasets gives exactly TRL's JSON lines, and they
// read back.
func TestBatchDatasets(t *testing.T) {
	b, err := newBatch("solver", []string{"2+2?", "capital of France?"},
		[][]policy.Completion{{{Text: "4"}, {Text: "5"}, {Text: "four"}}, {{Prompt: 1, Text: "Paris"}, {Prompt: 1, Text: "Lyon"}}},
		[]float64{1, 0, math.NaN(), 0.5, 0.5})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := dataset.WriteAll(&buf, b.Preferences()); err != nil {
		t.Fatal(err)
	}
	if want := `{"prompt":"2+2?","chosen":"4","rejected":"5"}` + "\n"; buf.String() != want {
		t.Errorf("preferences:\n%s\nwant\n%s", buf.String(), want)
	}
	buf.Reset()
	if err := dataset.WriteAll(&buf, b.Unpaired()); err != nil {
		t.Fatal(err)
	}
	// Group 0: mean 0.5 over the scored two; group 1 ties: left out.
	want := `{"prompt":"2+2?","completion":"4","label":true}` + "\n" + `{"prompt":"2+2?","completion":"5","label":false}` + "\n"
	if buf.String() != want {
		t.Errorf("unpaired:\n%s\nwant\n%s", buf.String(), want)
	}
	back, err := dataset.ReadAll[dataset.Unpaired](&buf)
	if err != nil || len(back) != 2 || !back[0].Label || back[1].Completion.Text() != "5" {
		t.Errorf("read back %+v, %v", back, err)
	}
	if p := b.PromptOnly(); len(p) != 2 || p[1].Prompt.Text() != "capital of France?" {
		t.Errorf("prompt-only %+v", p)
	}
}
