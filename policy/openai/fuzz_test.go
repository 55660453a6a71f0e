package openai

import (
	"math"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeCompletion feeds arbitrary reply bodies through the reply
// parsers: decoding must return a value or a typed error, never panic, and
// converted completions must line up with the choices.
func FuzzDecodeCompletion(f *testing.F) {
	for _, s := range []string{vllmCompletionN2, llamacppCompletion,
		`{"choices":[]}`, `{"choices":[{"index":5,"text":"a"},{"index":5,"text":"b"}]}`,
		`{"choices":[{"logprobs":{"tokens":["token_id:1"],"token_logprobs":[null]}}]}`,
		`{"choices":[{"logprobs":{"content":[{"id":3,"token":"a","logprob":-1}]}}]}`,
		`{"error":{"message":"x","code":400}}`, `{"object":"error","message":"m","code":"c"}`,
		`{"choices":[{"text":"ab`, `null`, `[]`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var resp CompletionResponse
		if err := decodeReply("/completions", 200, body, &resp); err == nil {
			n := len(resp.Choices)
			if n == 0 {
				return
			}
			cs, err := completionsFromChoices(resp.Choices, 3, n)
			if err != nil {
				t.Fatalf("conversion failed: %v", err)
			}
			if len(cs) != n {
				t.Fatalf("%d completions for %d choices", len(cs), n)
			}
			for _, c := range cs {
				if c.Prompt != 3 {
					t.Fatalf("prompt index %d", c.Prompt)
				}
				for _, lp := range c.LogProbs {
					if math.IsInf(lp, 1) {
						t.Fatalf("+Inf log-prob")
					}
				}
			}
			if _, err := completionsFromChoices(resp.Choices, 0, n+1); err == nil {
				t.Fatal("wrong count accepted")
			}
		}
		var chat ChatCompletionResponse
		_ = decodeReply("/chat/completions", 200, body, &chat)
		e, _ := parseErrorBody(400, body)
		if e.Message == "" || !utf8.ValidString(e.Message) || e.Error() == "" {
			t.Fatalf("error message %q", e.Message)
		}
	})
}
