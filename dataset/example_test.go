package dataset_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/evolve-go/evolve/dataset"
)

// Preference pairs written as DPOTrainer reads them: a file in the
// standard format, then one in the conversational format. A file keeps one
// format: the first writer refuses a conversational record.
func ExampleWriter() {
	w := dataset.NewWriter[dataset.Preference](os.Stdout)
	recs := []dataset.Preference{
		{Prompt: dataset.Plain("The sky is"), Chosen: dataset.Plain(" blue."), Rejected: dataset.Plain(" green.")},
		{Prompt: dataset.Plain("Grass is"), Chosen: dataset.Plain(" green."), Rejected: dataset.Plain(" blue.")},
	}
	for _, rec := range recs {
		if err := w.Write(rec); err != nil {
			panic(err)
		}
	}
	if err := w.Flush(); err != nil {
		panic(err)
	}
	conversation := dataset.Preference{
		Prompt:   dataset.Chat(dataset.Message{Role: "user", Content: "What color is the sky?"}),
		Chosen:   dataset.Chat(dataset.Message{Role: "assistant", Content: "It is blue."}),
		Rejected: dataset.Chat(dataset.Message{Role: "assistant", Content: "It is green."}),
	}
	if err := w.Write(conversation); err != nil {
		fmt.Println(err)
	}
	if err := dataset.WriteAll(os.Stdout, []dataset.Preference{conversation}); err != nil {
		panic(err)
	}
	// Output:
	// {"prompt":"The sky is","chosen":" blue.","rejected":" green."}
	// {"prompt":"Grass is","chosen":" green.","rejected":" blue."}
	// dataset: "prompt" is a list of messages, but "prompt" is a string in the file's first record: a column keeps one type in a file
	// {"prompt":[{"role":"user","content":"What color is the sky?"}],"chosen":[{"role":"assistant","content":"It is blue."}],"rejected":[{"role":"assistant","content":"It is green."}]}
}

// Unpaired records (KTO's data) read one at a time; a bad line is reported
// with its number and reading goes on.
func ExampleReader() {
	in := `{"prompt": "2+2=", "completion": "4", "label": true}
{"prompt": "2+2=", "completion": "5", "label": "no"}

{"prompt": [{"role": "user", "content": "2+2?"}], "completion": [{"role": "assistant", "content": "4"}], "label": true, "source": "gsm"}
`
	r := dataset.NewReader[dataset.Unpaired](strings.NewReader(in))
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var lerr *dataset.LineError
		if errors.As(err, &lerr) {
			fmt.Println(err)
			continue
		}
		if rec.Prompt.IsChat() {
			fmt.Println(r.Line(), rec.Prompt.Messages()[0].Content, rec.Completion.Messages()[0].Content, rec.Label)
		} else {
			fmt.Println(r.Line(), rec.Prompt.Text(), rec.Completion.Text(), rec.Label)
		}
	}
	// Output:
	// 1 2+2= 4 true
	// dataset: line 2: "label" is a string, want a boolean
	// 4 2+2? 4 true
}

// A PromptOnly reader takes the prompts of any of TRL's files: here a
// preference file, as GRPO would sample from it.
func ExampleReadAll() {
	in := `{"prompt": "The sky is", "chosen": " blue.", "rejected": " green."}
{"prompt": "Grass is", "chosen": " green.", "rejected": " blue."}`
	prompts, err := dataset.ReadAll[dataset.PromptOnly](strings.NewReader(in))
	if err != nil {
		panic(err)
	}
	for _, p := range prompts {
		fmt.Printf("%q\n", p.Prompt.Text())
	}
	// Output:
	// "The sky is"
	// "Grass is"
}
