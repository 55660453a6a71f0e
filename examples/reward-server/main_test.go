package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/reward/server"
)

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRewardPassesChecks(t *testing.T) {
	suite := checkSuite(mathReward())
	if _, err := suite.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// start runs the server with args until the returned stop is called,
// and returns its reward URL and its output.
func start(t *testing.T, args ...string) (url string, out *syncBuffer, stop func() error) {
	t.Helper()
	out = &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), out) }()
	stop = func() error {
		cancel()
		return <-done
	}
	urlRe := regexp.MustCompile(`url=(http://\S+/get_reward)`)
	for deadline := time.Now().Add(10 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if m := urlRe.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		stop()
		t.Fatalf("server did not start:\n%s", out.String())
	}
	return url, out, stop
}

func TestServeAndShutdown(t *testing.T) {
	url, out, stop := start(t)
	if !strings.Contains(out.String(), "hacks           PASS") {
		t.Errorf("startup report:\n%s", out.String())
	}
	body := `{"query": ["<|im_start|>user\nWhat is 6*7?<|im_end|>\n<|im_start|>assistant\n<think>6*7=42</think>The answer is \\boxed{42}.<|im_end|>", "<|im_start|>user\nWhat is 6*7?<|im_end|>\n<|im_start|>assistant\n<think>it is 42</think>I give up.<|im_end|>"], "prompts": ["<|im_start|>user\nWhat is 6*7?<|im_end|>\n<|im_start|>assistant\n", "<|im_start|>user\nWhat is 6*7?<|im_end|>\n<|im_start|>assistant\n"], "labels": ["42", "42"]}`
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var got server.Response
	err = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d, %v", resp.StatusCode, err)
	}
	if len(got.Rewards) != 2 || got.Rewards[0] != 1 || got.Rewards[1] != 0 {
		t.Errorf("rewards %v, want [1 0]", got.Rewards)
	}
	if err := stop(); err != nil {
		t.Errorf("run: %v", err)
	}
	if !strings.Contains(out.String(), "msg=stopped requests=1 samples=2") {
		t.Errorf("shutdown log:\n%s", out.String())
	}
}

// A trainer may send gold answers of any kind as labels: numbers,
// fractions, intervals, sets, equations, matrices.
func TestLabelKinds(t *testing.T) {
	r := mathReward()
	for _, c := range []struct {
		completion, label string
		want              float64
	}{
		{"<think>3/4 of it</think>The answer is $\\boxed{0.75}$.", `\frac{3}{4}`, 1},
		{"<think>x</think>So $x \\in \\boxed{(-\\infty, 1]}$.", `x \le 1`, 1},
		{"<think>x</think>So $x \\in \\boxed{(-\\infty, 1)}$.", `x \le 1`, 0},
		{"The roots are $\\boxed{3, -2}$.", `\{-2, 3\}`, 1},
		{"The point is $\\boxed{(3, -2)}$.", `(-2, 3)`, 0},
		{"We get $\\boxed{y = 2x + 1}$.", `y = 1 + 2x`, 1},
		{"$\\boxed{\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}}$", `\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}`, 1},
		{"So $x = \\boxed{1 \\pm \\sqrt{2}}$.", `1+\sqrt{2}, 1-\sqrt{2}`, 1},
		{"It is $\\boxed{\\frac{1+\\sqrt{5}}{2}}$.", "2", 0},
	} {
		got, err := r.Score(context.Background(), reward.Sample{Completion: c.completion, Label: c.label})
		if err != nil || got != c.want {
			t.Errorf("label %q, completion %q: %v, %v; want %v", c.label, c.completion, got, err, c.want)
		}
	}
}

func TestBadFlags(t *testing.T) {
	var out syncBuffer
	if err := run(context.Background(), []string{"-max-in-flight", "-3", "-check=false"}, &out); err == nil {
		t.Error("negative -max-in-flight accepted")
	}
	if err := run(context.Background(), []string{"extra"}, &out); err == nil {
		t.Error("stray argument accepted")
	}
	if err := run(context.Background(), []string{"-addr", "127.0.0.1:-1", "-check=false"}, &out); err == nil {
		t.Error("bad address accepted")
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	for _, args := range [][]string{
		{"-token-file", empty},
		{"-token-file", empty + ".missing"},
		{"-tls-cert", empty + ".missing", "-tls-key", empty + ".missing"},
		{"-tls-cert", empty},
	} {
		if err := run(context.Background(), append(args, "-check=false"), &out); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

func TestTokenFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("  s3cret \nsecond line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	url, _, stop := start(t, "-token-file", file, "-check=false")
	defer stop()
	for auth, want := range map[string]int{"": 401, "Bearer second": 401, "Bearer s3cret": 200} {
		req, _ := http.NewRequest("POST", url, strings.NewReader(`{"query": ["42"], "labels": ["42"]}`))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Authorization %q: %d, want %d", auth, resp.StatusCode, want)
		}
	}
}

// What OpenRLHF (0.10.2 and later) posts for one sample of the README's
// run — a Qwen chat-templated DAPO-Math-17k prompt, the response with its
// special tokens, the dataset's label — and the fields it reads back.
func TestOpenRLHFDapoMath(t *testing.T) {
	srv, err := server.New(server.Config{Reward: mathReward()})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	prompt := "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n" +
		"<|im_start|>user\nSolve the following math problem step by step. The last line of your response should be of " +
		"the form Answer: $Answer (without quotes) where $Answer is the answer to the problem.\n\nWhat is 17 + 17?\n\n" +
		"Remember to put your answer on its own line after \"Answer:\".<|im_end|>\n<|im_start|>assistant\n"
	for _, c := range []struct {
		response string
		want     float64
	}{
		{"17 + 17 = 34.\nAnswer: 34<|im_end|>", 1},
		{"17 + 17 = 35.\nAnswer: 35<|im_end|>", 0},
	} {
		body, _ := json.Marshal(map[string]any{"query": []string{prompt + c.response}, "prompts": []string{prompt}, "labels": []string{"34"}})
		resp, err := http.Post(ts.URL+"/get_reward", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("status %d, %v", resp.StatusCode, err)
		}
		rewards, _ := got["rewards"].([]any)
		scores, _ := got["scores"].([]any)
		if _, ok := got["extra_logs"].(map[string]any); !ok || len(rewards) != 1 || rewards[0] != c.want || len(scores) != 1 {
			t.Errorf("response %q: reply %v, want rewards [%v], scores and extra_logs", c.response, got, c.want)
		}
	}
}
