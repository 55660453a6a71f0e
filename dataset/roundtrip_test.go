package dataset_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/evolve-go/evolve/dataset"
)

// randomString draws valid UTF-8 with the characters JSON escapes: quotes,
// backslashes, control characters, non-ASCII, U+FFFD and U+2028.
func randomString(rng *rand.Rand) string {
	const pieces = "a b \" \\ \n \r \t \x00 \x1f \x7f é 日 \uFFFD \u2028 😀 < > & / {} [] :, "
	parts := strings.Fields(pieces)
	parts = append(parts, " ", "")
	var b strings.Builder
	for range rng.IntN(12) {
		b.WriteString(parts[rng.IntN(len(parts))])
	}
	return b.String()
}

// randomText draws a Text of the given format: a string, or 1–3 messages.
func randomText(rng *rand.Rand, isChat bool) dataset.Text {
	if !isChat {
		return dataset.Plain(randomString(rng))
	}
	msgs := make([]dataset.Message, 1+rng.IntN(3))
	for i := range msgs {
		msgs[i] = dataset.Message{Role: randomString(rng), Content: randomString(rng)}
	}
	return dataset.Chat(msgs...)
}

// randomPreferences draws n records of one format, all with a prompt or
// none, as one file holds them.
func randomPreferences(n int, seed uint64, isChat, withPrompt bool) []dataset.Preference {
	rng := rand.New(rand.NewPCG(seed, 1))
	recs := make([]dataset.Preference, n)
	for i := range recs {
		recs[i] = dataset.Preference{Chosen: randomText(rng, isChat), Rejected: randomText(rng, isChat)}
		if withPrompt {
			recs[i].Prompt = randomText(rng, isChat)
		}
	}
	return recs
}

// roundTrip writes recs and reads them back.
func roundTrip[T dataset.Record](t *testing.T, recs []T) {
	t.Helper()
	var buf bytes.Buffer
	if err := dataset.WriteAll(&buf, recs); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(buf.Bytes(), []byte("\n")); n != len(recs) {
		t.Fatalf("%d lines for %d records", n, len(recs))
	}
	got, err := dataset.ReadAll[T](&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, recs) {
		t.Fatalf("round trip changed records")
	}
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	const n = 250
	for _, isChat := range []bool{false, true} {
		roundTrip(t, randomPreferences(n, 3, isChat, true))
		roundTrip(t, randomPreferences(n, 4, isChat, false))
		unpaired := make([]dataset.Unpaired, n)
		prompts := make([]dataset.PromptOnly, n)
		pcs := make([]dataset.PromptCompletion, n)
		lms := make([]dataset.LanguageModeling, n)
		for i := range n {
			unpaired[i] = dataset.Unpaired{Prompt: randomText(rng, isChat), Completion: randomText(rng, isChat), Label: rng.IntN(2) == 0}
			prompts[i] = dataset.PromptOnly{Prompt: randomText(rng, isChat)}
			pcs[i] = dataset.PromptCompletion{Prompt: randomText(rng, isChat), Completion: randomText(rng, isChat)}
			lms[i] = dataset.LanguageModeling{Text: randomText(rng, isChat)}
		}
		roundTrip(t, unpaired)
		roundTrip(t, prompts)
		roundTrip(t, pcs)
		roundTrip(t, lms)
	}
}

// TestStringEncoding checks the writer's strings against encoding/json:
// they decode to the same string, and invalid UTF-8 becomes U+FFFD.
func TestStringEncoding(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for range 2000 {
		s := randomString(rng)
		b, err := json.Marshal(dataset.Plain(s))
		var back string
		if err != nil || json.Unmarshal(b, &back) != nil || back != s {
			t.Fatalf("%q encoded as %s (%v), decodes to %q", s, b, err, back)
		}
	}
	b, _ := json.Marshal(dataset.Plain("a\xffb\xe6\x97"))
	if string(b) != `"a\ufffdb\ufffd\ufffd"` {
		t.Errorf("invalid UTF-8 written as %s", b)
	}
	var back dataset.Text
	if err := json.Unmarshal(b, &back); err != nil || back.Text() != "a\uFFFDb\uFFFD\uFFFD" || !utf8.ValidString(back.Text()) {
		t.Errorf("read back %q, %v", back.Text(), err)
	}
}

// A Text is a field of a caller's own struct: a file with extra columns.
func TestTextInStruct(t *testing.T) {
	type row struct {
		Prompt   dataset.Text `json:"prompt"`
		System   dataset.Text `json:"system,omitzero"`
		Solution string       `json:"solution"`
	}
	in := `{"prompt":[{"role":"user","content":"1+1?"}],"solution":"2"}`
	var r row
	if err := json.Unmarshal([]byte(in), &r); err != nil {
		t.Fatal(err)
	}
	if !r.Prompt.IsChat() || r.Prompt.Messages()[0].Content != "1+1?" || !r.System.IsZero() {
		t.Fatalf("decoded %+v", r)
	}
	out, err := json.Marshal(r)
	if err != nil || string(out) != in {
		t.Errorf("encoded %s, %v; want %s", out, err, in)
	}
	for bad, want := range map[string]string{
		`{"prompt":3}`:                 "dataset: the Text is a number, want a string or a list of messages",
		`{"prompt":[]}`:                "dataset: the Text is an empty list of messages",
		`{"prompt":[{"role":"user"}]}`: `dataset: the Text[0]: "content" is missing`,
	} {
		if err := json.Unmarshal([]byte(bad), &r); err == nil || err.Error() != want {
			t.Errorf("%s: got %v, want %s", bad, err, want)
		}
	}
	if _, err := json.Marshal(struct{ P dataset.Text }{}); err == nil || !strings.Contains(err.Error(), "the Text is absent") {
		t.Errorf("an absent Text without omitzero: %v", err)
	}
}

// A record's UnmarshalJSON checks as the Reader does and leaves the record
// as it was on error.
func TestRecordUnmarshalJSON(t *testing.T) {
	p := dataset.Preference{Chosen: dataset.Plain("kept"), Rejected: dataset.Plain("kept")}
	before := p
	err := json.Unmarshal([]byte(`{"prompt": "p", "chosen": "c"}`), &p)
	if err == nil || err.Error() != `dataset: "rejected" is missing` || !reflect.DeepEqual(p, before) {
		t.Errorf("got %v and %+v", err, p)
	}
	if err := json.Unmarshal([]byte(`{"prompt": "p", "chosen": "c", "rejected": "r", "score": 0.5}`), &p); err != nil || p.Prompt.Text() != "p" {
		t.Errorf("got %v and %+v", err, p)
	}
}
