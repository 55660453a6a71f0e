package reward_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evolve-go/evolve/policy/openai"
	"github.com/evolve-go/evolve/reward"
)

// The OpenAI-compatible client is a judge model as it stands.
var (
	_ reward.Completer = (*openai.Client)(nil)
	_ reward.Completer = openai.ChatCompleter{}
)

// judgeServer speaks the OpenAI protocol and answers as a judge model
// would: the reply is chosen by answer(prompt). The first failFirst
// requests get a 503 like a vLLM server still loading.
func judgeServer(t *testing.T, failFirst int32, answer func(prompt string) string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		if n <= failFirst {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}`)
			return
		}
		var body struct {
			Prompt   string `json:"prompt"`
			Messages []struct {
				Role, Content string
			} `json:"messages"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"object":"error","message":%q,"type":"BadRequestError","code":400}`, err.Error())
			return
		}
		switch r.URL.Path {
		case "/v1/completions":
			out, _ := json.Marshal(map[string]any{"object": "text_completion", "choices": []any{
				map[string]any{"index": 0, "text": answer(body.Prompt), "finish_reason": "stop", "logprobs": nil}}})
			w.Write(out)
		case "/v1/chat/completions":
			last := body.Messages[len(body.Messages)-1].Content
			out, _ := json.Marshal(map[string]any{"object": "chat.completion", "choices": []any{
				map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": answer(last)}, "finish_reason": "stop"}}})
			w.Write(out)
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error":{"message":"not found","type":"invalid_request_error"}}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func client(srv *httptest.Server) *openai.Client {
	return openai.New(openai.WithBaseURL(srv.URL+"/v1"), openai.WithBackoff(time.Millisecond, 5*time.Millisecond), openai.WithTemperature(0.7))
}

func TestJudgesOverOpenAIProtocol(t *testing.T) {
	srv, calls := judgeServer(t, 1, func(p string) string {
		switch {
		case strings.Contains(p, "[Response A]\nParis"):
			return "A is correct. [[A]]"
		case strings.Contains(p, "[Response A]\nLyon"):
			return "B is correct. [[B]]"
		case strings.Contains(p, "[Response 1]"):
			return "Principles: accuracy (weight 1).\nCritique: ...\nFinal Scores: \\boxed{9, 2}"
		case strings.Contains(p, "[Response]\nParis"):
			return "Accurate and concise.\nRating: [[10]]"
		}
		return "Rating: [[1]]"
	})
	c := client(srv)
	ctx := context.Background()
	s := reward.Sample{Prompt: "Capital of France?", Completion: "Paris", Label: "Lyon"}

	// Pointwise over /completions, after a 503 retried by the client.
	got, err := (&reward.PointwiseJudge{Completer: c}).Score(ctx, s)
	if err != nil || got != 1 {
		t.Fatalf("pointwise = %v, %v", got, err)
	}
	if calls.Load() != 2 {
		t.Errorf("calls = %d, want 2 (one 503, one success)", calls.Load())
	}

	// Pairwise over /chat/completions, both orders.
	pj := &reward.PairwiseJudge{Completer: openai.ChatCompleter{Client: c, System: "You are a fair judge."}}
	got, err = pj.Score(ctx, s)
	if err != nil || got != 1 {
		t.Fatalf("pairwise = %v, %v", got, err)
	}

	// GRM with k = 4 sampled judgements.
	before := calls.Load()
	g := &reward.GRMJudge{Completer: c, K: 4}
	best, res, err := g.Best(ctx, s.Prompt, []string{"Paris", "Lyon"})
	if err != nil || best != 0 || res.Scores[0] != 36 || res.Scores[1] != 8 || res.Counted != 4 {
		t.Fatalf("grm = %d, %+v, %v", best, res, err)
	}
	if n := calls.Load() - before; n != 4 {
		t.Errorf("grm made %d requests, want 4", n)
	}
}

func TestJudgeSurfacesClientErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"choices":[{"index":0,"text":"Rating: [[`) // truncated reply
	}))
	defer srv.Close()
	_, err := (&reward.PointwiseJudge{Completer: client(srv)}).Score(context.Background(), reward.Sample{Completion: "x"})
	var de *openai.DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v", err)
	}

	srv2, _ := judgeServer(t, 100, nil) // always 503
	c := openai.New(openai.WithBaseURL(srv2.URL+"/v1"), openai.WithBackoff(time.Millisecond, time.Millisecond), openai.WithMaxRetries(2))
	_, err = (&reward.GRMJudge{Completer: c, K: 2}).Judge(context.Background(), "q", []string{"a"})
	var ae *openai.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 503 {
		t.Fatalf("err = %v", err)
	}
}
