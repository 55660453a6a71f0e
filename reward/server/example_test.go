package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/reward/server"
)

// Serving an exact-match reward and posting what OpenRLHF posts: the
// reward sees the response cut out of the query; the second label has no
// answer in its response, and the third sample is skipped as not
// applicable (no label), so it gets the failure score and a flag.
func Example() {
	exact := reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		if s.Label == "" {
			return 0, reward.ErrSkip
		}
		if strings.TrimSpace(strings.TrimSuffix(s.Completion, "</s>")) == s.Label {
			return 1, nil
		}
		return 0, nil
	})
	srv, err := server.New(server.Config{Reward: exact})
	if err != nil {
		panic(err)
	}
	ts := httptest.NewServer(srv) // in production: srv.ListenAndServe(ctx, ":5000")
	defer ts.Close()

	body := `{"query": ["Q: 2+2? A: 4</s>", "Q: 6*7? A: 48</s>", "Q: hi? A: hello</s>"],
	          "prompts": ["Q: 2+2? A:", "Q: 6*7? A:", "Q: hi? A:"],
	          "labels": ["4", "42", null]}`
	resp, err := http.Post(ts.URL+"/get_reward", "application/json", strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status)
	fmt.Print(string(out))
	// Output:
	// 200 OK
	// {"rewards":[1,0,0],"scores":[1,0,0],"extra_logs":{"prompt_mismatch":[0,0,0],"reward_error":[0,0,0],"reward_skipped":[0,0,1]},"errors":["","","reward: samples[2]: reward: not applicable"]}
}

// A Go program scoring through a remote reward service with Remote; here
// the service is a Server in the same process.
func ExampleRemote() {
	exact := reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		if strings.TrimSpace(s.Completion) == s.Label {
			return 1, nil
		}
		return 0, nil
	})
	srv, err := server.New(server.Config{Reward: exact})
	if err != nil {
		panic(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	remote, err := server.NewRemote(ts.URL + "/get_reward")
	if err != nil {
		panic(err)
	}
	scores, errs, err := reward.ScoreAll(context.Background(), remote, []reward.Sample{
		{Prompt: "Q: 2+2? A:", Completion: " 4", Label: "4"},
		{Prompt: "Q: 6*7? A:", Completion: " 48", Label: "42"},
	})
	fmt.Println(scores, errs, err)
	// Output: [1 0] [<nil> <nil>] <nil>
}

func ExampleSplitResponse() {
	resp, found := server.SplitResponse("<s>[INST] 2+2? [/INST] 4</s>", "[INST] 2+2? [/INST]")
	fmt.Printf("%q %v\n", resp, found)
	resp, found = server.SplitResponse("truncated prompt 4", "a long truncated prompt")
	fmt.Printf("%q %v\n", resp, found)
	// Output:
	// " 4</s>" true
	// "truncated prompt 4" false
}

// A Server that asks for a bearer token, and a Remote that sends it; a
// request without the token is refused before the reward sees it.
func ExampleConfig_token() {
	one := reward.Func(func(context.Context, reward.Sample) (float64, error) { return 1, nil })
	srv, err := server.New(server.Config{Reward: one, Token: "change-me"})
	if err != nil {
		panic(err)
	}
	ts := httptest.NewServer(srv) // in production: srv.ListenAndServe(ctx, "0.0.0.0:5000") with CertFile and KeyFile
	defer ts.Close()

	remote, _ := server.NewRemote(ts.URL+"/get_reward", server.WithToken("change-me"))
	fmt.Println(remote.Score(context.Background(), reward.Sample{Completion: "x"}))
	resp, err := http.Post(ts.URL+"/get_reward", "application/json", strings.NewReader(`{"query": ["x"]}`))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output:
	// 1 <nil>
	// 401 Unauthorized
}
