package openai_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/evolve-go/evolve/policy"
	"github.com/evolve-go/evolve/policy/openai"
)

// A stand-in for a vLLM server: two sampled completions with their
// log-probs.
func fakeVLLM() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"object":"text_completion","choices":[
 {"index":0,"text":" 4","logprobs":{"tokens":[" 4"],"token_logprobs":[-0.05]},"finish_reason":"stop"},
 {"index":1,"text":" four","logprobs":{"tokens":[" four"],"token_logprobs":[-3.1]},"finish_reason":"stop"}]}`)
	}))
}

func ExampleClient_Generate() {
	srv := fakeVLLM()
	defer srv.Close()

	c := openai.New(openai.WithBaseURL(srv.URL+"/v1"), openai.WithModel("Qwen/Qwen2.5-0.5B-Instruct"))
	groups, err := c.Generate(context.Background(), policy.GenerateRequest{
		Prompts:     []string{"2+2 ="},
		N:           2,
		MaxTokens:   4,
		Temperature: 1,
		Seed:        7,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range groups[0] {
		fmt.Printf("%q %v %s\n", c.Text, c.LogProbs, c.FinishReason)
	}
	// Output:
	// " 4" [-0.05] stop
	// " four" [-3.1] stop
}

func ExampleClient_Complete() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"choices":[{"index":0,"text":"Score: 8/10","finish_reason":"stop"}]}`)
	}))
	defer srv.Close()

	c := openai.New(openai.WithBaseURL(srv.URL), openai.WithTemperature(0), openai.WithMaxTokens(64))
	reply, err := c.Complete(context.Background(), "Rate this answer from 1 to 10: ...")
	fmt.Println(reply, err)
	// Output: Score: 8/10 <nil>
}
