package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evolve-go/evolve/policy"
)

// reply is one scripted server response.
type reply struct {
	status int
	header map[string]string
	body   string
	delay  time.Duration
}

// scripted serves the replies in order (the last one repeats) and records
// the request bodies.
type scripted struct {
	mu      sync.Mutex
	replies []reply
	calls   int
	bodies  []map[string]any
	paths   []string
	auth    []string
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	s.mu.Lock()
	k := min(s.calls, len(s.replies)-1)
	s.calls++
	s.bodies = append(s.bodies, m)
	s.paths = append(s.paths, r.URL.Path)
	s.auth = append(s.auth, r.Header.Get("Authorization"))
	rep := s.replies[k]
	s.mu.Unlock()
	if rep.delay > 0 {
		select {
		case <-time.After(rep.delay):
		case <-r.Context().Done():
			return
		}
	}
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.status)
	io.WriteString(w, rep.body)
}

func (s *scripted) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func serve(t *testing.T, replies ...reply) (*scripted, *Client) {
	t.Helper()
	s := &scripted{replies: replies}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c := New(WithBaseURL(srv.URL+"/v1/"), WithBackoff(time.Millisecond, 5*time.Millisecond), WithModel("m"))
	return s, c
}

// vLLM's /v1/completions reply with logprobs=1 and n=2.
const vllmCompletionN2 = `{"id":"cmpl-1","object":"text_completion","created":1,"model":"m",
"choices":[
 {"index":1,"text":" world","logprobs":{"text_offset":[5,6],"token_logprobs":[-0.5,-0.25],"tokens":[" wor","ld"],"top_logprobs":[{" wor":-0.5},{"ld":-0.25}]},"finish_reason":"length","stop_reason":null},
 {"index":0,"text":" there","logprobs":{"text_offset":[5],"token_logprobs":[-1.5],"tokens":[" there"],"top_logprobs":[{" there":-1.5}]},"finish_reason":"stop","stop_reason":null}],
"usage":{"prompt_tokens":2,"total_tokens":5,"completion_tokens":3}}`

// llama.cpp server's /v1/completions reply with logprobs (chat shape, ids).
const llamacppCompletion = `{"choices":[{"text":"Hi!","index":0,"logprobs":{"content":[
 {"id":13347,"token":"Hi","bytes":[72,105],"logprob":-0.1,"top_logprobs":[{"id":13347,"token":"Hi","bytes":[72,105],"logprob":-0.1}]},
 {"id":0,"token":"!","bytes":[33],"logprob":-2,"top_logprobs":[]}]},"finish_reason":"stop"}],
"created":1,"model":"gpt-3.5-turbo","system_fingerprint":"b1","object":"text_completion",
"usage":{"completion_tokens":2,"prompt_tokens":3,"total_tokens":5},"id":"chatcmpl-x"}`

func TestGenerateVLLM(t *testing.T) {
	s, c := serve(t, reply{status: 200, body: vllmCompletionN2})
	c = New(WithBaseURL(c.baseURL), WithModel("m"), WithAPIKey("k"))
	got, err := c.Generate(context.Background(), policy.GenerateRequest{Prompts: []string{"hello"}, N: 2, MaxTokens: 8, Seed: 41})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[0]) != 2 {
		t.Fatalf("shape %v", got)
	}
	c0, c1 := got[0][0], got[0][1]
	if c0.Text != " there" || c0.FinishReason != "stop" || len(c0.LogProbs) != 1 || c0.LogProbs[0] != -1.5 {
		t.Errorf("choice 0 = %+v", c0)
	}
	if c1.Text != " world" || c1.FinishReason != "length" || len(c1.LogProbs) != 2 || c1.LogProbs[1] != -0.25 {
		t.Errorf("choice 1 = %+v", c1)
	}
	if c0.Tokens != nil {
		t.Errorf("tokens without ids = %v", c0.Tokens)
	}
	b := s.bodies[0]
	if b["n"] != 2.0 || b["logprobs"] != 1.0 || b["temperature"] != 1.0 || b["max_tokens"] != 8.0 || b["seed"] != 41.0 || b["model"] != "m" || b["prompt"] != "hello" {
		t.Errorf("request body %v", b)
	}
	if _, ok := b["top_p"]; ok {
		t.Errorf("top_p sent though 0: %v", b)
	}
	// Greedy, and only Greedy, sends temperature 0.
	if _, err := c.Generate(context.Background(), policy.GenerateRequest{Prompts: []string{"hello"}, N: 2, Greedy: true, Temperature: 0.7}); err != nil {
		t.Fatal(err)
	}
	if b := s.bodies[1]; b["temperature"] != 0.0 {
		t.Errorf("greedy request body %v, want temperature 0", b)
	}
	if s.paths[0] != "/v1/completions" || s.auth[0] != "Bearer k" {
		t.Errorf("path %q auth %q", s.paths[0], s.auth[0])
	}
}

func TestGenerateLlamaCppTokenIDs(t *testing.T) {
	_, c := serve(t, reply{status: 200, body: llamacppCompletion})
	got, err := c.Generate(context.Background(), policy.GenerateRequest{Prompts: []string{"a", "b"}, Temperature: 0.7, TopP: 0.9, TopK: 20})
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range got {
		if len(g) != 1 || g[0].Prompt != i || g[0].Text != "Hi!" {
			t.Fatalf("prompt %d: %+v", i, g)
		}
		if want := []int{13347, 0}; len(g[0].Tokens) != 2 || g[0].Tokens[0] != want[0] || g[0].Tokens[1] != want[1] {
			t.Errorf("tokens %v", g[0].Tokens)
		}
		if g[0].LogProbs[1] != -2 {
			t.Errorf("logprobs %v", g[0].LogProbs)
		}
	}
}

func TestGenerateVLLMTokenIDsAndNull(t *testing.T) {
	body := `{"choices":[{"index":0,"text":"x","logprobs":{"tokens":["token_id:7","token_id:9"],"token_logprobs":[null,-1]},"finish_reason":"eos"}]}`
	s, c := serve(t, reply{status: 200, body: body})
	c.tokenIDs = true
	got, err := c.Generate(context.Background(), policy.GenerateRequest{Prompts: []string{"p"}})
	if err != nil {
		t.Fatal(err)
	}
	g := got[0][0]
	if len(g.Tokens) != 2 || g.Tokens[0] != 7 || g.Tokens[1] != 9 || !math.IsNaN(g.LogProbs[0]) || g.LogProbs[1] != -1 || g.FinishReason != "stop" {
		t.Errorf("got %+v", g)
	}
	if s.bodies[0]["return_tokens_as_token_ids"] != true {
		t.Errorf("body %v", s.bodies[0])
	}
}

func TestGenerateWrongChoiceCount(t *testing.T) {
	_, c := serve(t, reply{status: 200, body: llamacppCompletion})
	_, err := c.Generate(context.Background(), policy.GenerateRequest{Prompts: []string{"p"}, N: 4})
	var ce *ChoiceCountError
	if !errors.As(err, &ce) || ce.Want != 4 || ce.Got != 1 {
		t.Fatalf("err = %v", err)
	}
}

func TestGenerateInvalid(t *testing.T) {
	c := New(WithBaseURL("http://127.0.0.1:1"))
	for _, r := range []policy.GenerateRequest{
		{Prompts: []string{"p"}, N: -1},
		{Prompts: []string{"p"}, Temperature: math.NaN()},
		{Prompts: []string{"p"}, Temperature: -1},
		{Prompts: []string{"p"}, TopP: 1.5},
		{Prompts: []string{"p"}, TopK: -2},
		{Prompts: []string{"p"}, MaxTokens: -2},
	} {
		if _, err := c.Generate(context.Background(), r); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%+v: err = %v", r, err)
		}
	}
	got, err := c.Generate(context.Background(), policy.GenerateRequest{})
	if err != nil || len(got) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
}

func TestAPIErrorShapes(t *testing.T) {
	cases := []struct {
		name, body         string
		status             int
		msg, typ, code, pm string
	}{
		{"openai", `{"error":{"message":"bad model","type":"invalid_request_error","param":"model","code":"model_not_found"}}`, 404, "bad model", "invalid_request_error", "model_not_found", "model"},
		{"llama.cpp", `{"error":{"code":400,"message":"\"prompt\" must be provided","type":"invalid_request_error"}}`, 400, `"prompt" must be provided`, "invalid_request_error", "400", ""},
		{"vllm-old", `{"object":"error","message":"max_tokens too large","type":"BadRequestError","param":null,"code":400}`, 400, "max_tokens too large", "BadRequestError", "400", ""},
		{"vllm-new", `{"error":{"message":"The model does not exist.","type":"NotFoundError","param":"model","code":404}}`, 404, "The model does not exist.", "NotFoundError", "404", "model"},
		{"ollama-native", `{"error":"model \"x\" not found"}`, 404, `model "x" not found`, "", "", ""},
		{"html", `<html><body>Not Found</body></html>`, 404, "<html><body>Not Found</body></html>", "", "", ""},
		{"empty", ``, 401, "Unauthorized", "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, c := serve(t, reply{status: tc.status, body: tc.body})
			_, err := c.Complete(context.Background(), "p")
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v", err)
			}
			if ae.StatusCode != tc.status || ae.Message != tc.msg || ae.Type != tc.typ || ae.Code != tc.code || ae.Param != tc.pm {
				t.Errorf("got %+v", ae)
			}
			if ae.Error() == "" || string(ae.Body) != tc.body {
				t.Errorf("Error() %q Body %q", ae.Error(), ae.Body)
			}
			if s.count() != 1 {
				t.Errorf("4xx retried: %d calls", s.count())
			}
		})
	}
}

func TestErrorIn200(t *testing.T) {
	_, c := serve(t, reply{status: 200, body: `{"error":{"message":"oops","type":"server_error"}}`})
	_, err := c.Complete(context.Background(), "p")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Message != "oops" {
		t.Fatalf("err = %v", err)
	}
}

func TestRetry429RetryAfter(t *testing.T) {
	s, c := serve(t,
		reply{status: 429, header: map[string]string{"Retry-After": "1"}, body: `{"error":{"message":"slow down","type":"rate_limit","code":429}}`},
		reply{status: 200, body: `{"choices":[{"index":0,"text":"ok","finish_reason":"stop"}]}`},
	)
	start := time.Now()
	got, err := c.Complete(context.Background(), "p")
	if err != nil || got != "ok" {
		t.Fatalf("got %q, %v", got, err)
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Errorf("Retry-After not honoured: waited %v", el)
	}
	if s.count() != 2 {
		t.Errorf("calls = %d", s.count())
	}
}

func TestRetry503ThenSuccessAndChat(t *testing.T) {
	s, c := serve(t,
		reply{status: 503, body: `{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}`},
		reply{status: 502, body: `bad gateway`},
		reply{status: 200, body: `{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Score: 7","reasoning_content":"hmm"},"logprobs":null,"finish_reason":"stop"}]}`},
	)
	got, err := ChatCompleter{Client: c, System: "be fair"}.Complete(context.Background(), "judge this")
	if err != nil || got != "Score: 7" {
		t.Fatalf("got %q, %v", got, err)
	}
	if s.count() != 3 || s.paths[2] != "/v1/chat/completions" {
		t.Errorf("calls %d paths %v", s.count(), s.paths)
	}
	msgs := s.bodies[2]["messages"].([]any)
	if len(msgs) != 2 || msgs[0].(map[string]any)["role"] != "system" || msgs[1].(map[string]any)["content"] != "judge this" {
		t.Errorf("messages %v", msgs)
	}
}

func TestRetryExhausted(t *testing.T) {
	s, c := serve(t, reply{status: 500, body: `{"object":"error","message":"engine dead","type":"InternalServerError","code":500}`})
	c.maxRetries = 2
	_, err := c.Complete(context.Background(), "p")
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 500 || ae.Message != "engine dead" {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "3 attempts") || s.count() != 3 {
		t.Errorf("err %v, calls %d", err, s.count())
	}
}

func TestNoRetries(t *testing.T) {
	s, c := serve(t, reply{status: 503, body: `{}`})
	c = New(WithBaseURL(c.baseURL), WithMaxRetries(0))
	if _, err := c.Complete(context.Background(), "p"); err == nil {
		t.Fatal("no error")
	}
	if s.count() != 1 {
		t.Errorf("calls = %d", s.count())
	}
}

func TestConnectionErrorRetried(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			// Drop the connection mid-reply: promise more than is sent.
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(200)
			io.WriteString(w, `{"choices":`)
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
			return
		}
		io.WriteString(w, `{"choices":[{"index":0,"text":"fine"}]}`)
	}))
	defer srv.Close()
	c := New(WithBaseURL(srv.URL), WithBackoff(time.Millisecond, time.Millisecond))
	got, err := c.Complete(context.Background(), "p")
	if err != nil || got != "fine" || n.Load() != 2 {
		t.Fatalf("got %q, %v after %d calls", got, err, n.Load())
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c := New(WithBaseURL(url), WithBackoff(time.Millisecond, time.Millisecond), WithMaxRetries(1))
	_, err := c.Complete(context.Background(), "p")
	if err == nil || !strings.Contains(err.Error(), "2 attempts") {
		t.Fatalf("err = %v", err)
	}
}

func TestMalformedAndTruncated(t *testing.T) {
	for name, body := range map[string]string{
		"truncated":  `{"choices":[{"index":0,"text":"ab`,
		"malformed":  `{"choices":[{"index":0,"text":12}]}`,
		"not json":   `<html>ok</html>`,
		"wrong type": `{"choices":{"text":"a"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			s, c := serve(t, reply{status: 200, body: body})
			_, err := c.Complete(context.Background(), "p")
			var de *DecodeError
			if !errors.As(err, &de) || de.Endpoint != "/completions" || string(de.Body) != body {
				t.Fatalf("err = %v", err)
			}
			if s.count() != 1 {
				t.Errorf("decode error retried")
			}
		})
	}
}

func TestEmptyChoices(t *testing.T) {
	_, c := serve(t, reply{status: 200, body: `{"choices":[]}`})
	if _, err := c.Complete(context.Background(), "p"); !errors.Is(err, ErrNoChoices) {
		t.Fatalf("err = %v", err)
	}
	_, c = serve(t, reply{status: 200, body: `{"id":"x"}`})
	if _, err := c.ChatComplete(context.Background(), "p"); !errors.Is(err, ErrNoChoices) {
		t.Fatalf("err = %v", err)
	}
	_, c = serve(t, reply{status: 200, body: `{"choices":[{"text":"a"},{"text":"b"}]}`})
	var ce *ChoiceCountError
	if _, err := c.Complete(context.Background(), "p"); !errors.As(err, &ce) {
		t.Fatalf("err = %v", err)
	}
}

func TestSlowReplyPastDeadline(t *testing.T) {
	s, c := serve(t, reply{status: 200, delay: 5 * time.Second, body: `{"choices":[{"text":"late"}]}`})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Complete(ctx, "p")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %v", el)
	}
	if s.count() != 1 {
		t.Errorf("calls = %d", s.count())
	}
}

func TestPerAttemptTimeoutRetried(t *testing.T) {
	s, c := serve(t,
		reply{status: 200, delay: 5 * time.Second, body: `{"choices":[{"text":"late"}]}`},
		reply{status: 200, body: `{"choices":[{"text":"quick"}]}`},
	)
	c.timeout = 30 * time.Millisecond
	got, err := c.Complete(context.Background(), "p")
	if err != nil || got != "quick" || s.count() != 2 {
		t.Fatalf("got %q, %v, calls %d", got, err, s.count())
	}
}

func TestRetryWaitBoundedByContext(t *testing.T) {
	_, c := serve(t, reply{status: 429, header: map[string]string{"Retry-After": "30"}, body: `{}`})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Complete(ctx, "p")
	var ae *APIError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ae) || ae.StatusCode != 429 {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("waited past the deadline")
	}
}

func TestGenerateFirstErrorCancels(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req CompletionRequest
		json.NewDecoder(r.Body).Decode(&req)
		if req.Prompt == "bad" {
			w.WriteHeader(400)
			io.WriteString(w, `{"error":{"message":"prompt too long","type":"invalid_request_error"}}`)
			return
		}
		io.WriteString(w, `{"choices":[{"index":0,"text":"ok","finish_reason":"length"}]}`)
	}))
	defer srv.Close()
	c := New(WithBaseURL(srv.URL), WithConcurrency(2))
	_, err := c.Generate(context.Background(), policy.GenerateRequest{Prompts: []string{"a", "bad", "c", "d"}})
	var ae *APIError
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "prompt 1") {
		t.Fatalf("err = %v", err)
	}
}

func TestRetryAfterParse(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"":                              0,
		"2":                             2 * time.Second,
		"0.5":                           500 * time.Millisecond,
		"-3":                            0,
		"soon":                          0,
		"Fri, 02 Jan 2026 03:04:15 GMT": 10 * time.Second,
		"Fri, 02 Jan 2026 03:04:00 GMT": 0,
		// At most a day (maxRetryAfter).
		"90000":                         24 * time.Hour,
		"Fri, 31 Dec 9999 23:59:59 GMT": 24 * time.Hour,
	} {
		if got := retryAfter(h, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	c := New(WithBackoff(10*time.Millisecond, 40*time.Millisecond))
	for attempt, want := range []time.Duration{10, 20, 40, 40, 40} {
		want *= time.Millisecond
		for range 20 {
			if d := c.policy().Backoff(attempt); d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
	if d := c.policy().Backoff(1000); d > 40*time.Millisecond {
		t.Errorf("overflow: %v", d)
	}
}

func TestNormalizeFinishReason(t *testing.T) {
	for in, want := range map[string]string{"stop": "stop", "eos": "stop", "length": "length", "max_tokens": "length", "abort": "abort", "": ""} {
		if got := NormalizeFinishReason(in); got != want {
			t.Errorf("%q -> %q", in, got)
		}
	}
}

func TestChatLogProbsDecode(t *testing.T) {
	body := `{"choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"logprobs":{"content":[{"token":"Hi","logprob":-0.3,"bytes":[72,105],"top_logprobs":[{"token":"Hi","logprob":-0.3,"bytes":[72,105]},{"token":"Hello","logprob":-1.6,"bytes":null}]}]},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`
	s, c := serve(t, reply{status: 200, body: body})
	resp, err := c.ChatCompletions(context.Background(), ChatCompletionRequest{Messages: []Message{{Role: "user", Content: "hey"}}, LogProbs: true, TopLogProbs: Int(2)})
	if err != nil {
		t.Fatal(err)
	}
	lp := resp.Choices[0].LogProbs
	if lp == nil || len(lp.Content) != 1 || lp.Content[0].LogProb != -0.3 || len(lp.Content[0].TopLogProbs) != 2 || resp.Usage.TotalTokens != 2 {
		t.Errorf("resp %+v", resp)
	}
	if s.bodies[0]["logprobs"] != true || s.bodies[0]["top_logprobs"] != 2.0 {
		t.Errorf("body %v", s.bodies[0])
	}
	if _, err := c.ChatCompletions(context.Background(), ChatCompletionRequest{}); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("empty messages: %v", err)
	}
	if _, err := c.Completions(context.Background(), CompletionRequest{}); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("nil prompt: %v", err)
	}
	if _, err := (ChatCompleter{}).Complete(context.Background(), "x"); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("nil client: %v", err)
	}
}

func TestOptions(t *testing.T) {
	var got http.Header
	var body map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		json.NewDecoder(r.Body).Decode(&body)
		io.WriteString(w, `{"choices":[{"index":0,"text":"ok"}]}`)
	}))
	defer srv.Close()
	hc := &http.Client{Timeout: time.Second}
	c := New(WithBaseURL(srv.URL), WithHTTPClient(hc), WithHTTPClient(nil), WithTimeout(time.Second),
		WithHeader("X-Trace", "1"), WithTokenIDs(true), WithStop("\n\n", "###"), WithMaxTokens(16),
		WithTemperature(0), WithMaxRetries(-4), WithBackoff(-1, 0), WithConcurrency(0), nil)
	if c.http != hc || c.timeout != time.Second || c.maxRetries != 0 || c.backoffBase != DefaultBackoffBase || c.concurrency != 1 {
		t.Fatalf("client %+v", c)
	}
	if _, err := c.Complete(context.Background(), "p"); err != nil {
		t.Fatal(err)
	}
	if got.Get("X-Trace") != "1" || got.Get("Content-Type") != "application/json" || got.Get("Authorization") != "" {
		t.Errorf("headers %v", got)
	}
	if body["temperature"] != 0.0 || body["max_tokens"] != 16.0 || len(body["stop"].([]any)) != 2 {
		t.Errorf("body %v", body)
	}
	if _, ok := body["model"]; ok {
		t.Errorf("empty model sent: %v", body)
	}
	if c := New(WithBackoff(time.Second, time.Millisecond)); c.backoffMax != time.Second {
		t.Errorf("max below base: %v", c.backoffMax)
	}
}

func TestBadBaseURLNotRetried(t *testing.T) {
	c := New(WithBaseURL("http://[::1"), WithBackoff(time.Hour, time.Hour))
	_, err := c.Complete(context.Background(), "p")
	if !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("err = %v", err)
	}
}

func TestErrorMethods(t *testing.T) {
	inner := errors.New("unexpected end of JSON input")
	de := &DecodeError{Endpoint: "/completions", StatusCode: 200, Body: []byte("{"), Err: inner}
	if !errors.Is(de, inner) || !strings.Contains(de.Error(), "malformed") {
		t.Errorf("DecodeError: %v", de)
	}
	if !(&APIError{StatusCode: 429}).Temporary() || (&APIError{StatusCode: 400}).Temporary() {
		t.Error("Temporary")
	}
	big := strings.Repeat("é", maxKeptBody)
	e, ok := parseErrorBody(500, []byte(big))
	if ok || len(e.Body) != maxKeptBody || len(e.Message) > 210 {
		t.Errorf("long body: ok=%v body %d message %d", ok, len(e.Body), len(e.Message))
	}
	if (&ChoiceCountError{Endpoint: "/x", Want: 2, Got: 1}).Error() == "" {
		t.Error("ChoiceCountError")
	}
}

func TestGenerateSplitN(t *testing.T) {
	var seeds sync.Map
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req CompletionRequest
		json.NewDecoder(r.Body).Decode(&req)
		calls.Add(1)
		if req.N != 1 || req.Seed == nil {
			w.WriteHeader(400)
			return
		}
		seeds.Store(*req.Seed, true)
		out, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "text": fmt.Sprintf("%s#%d", req.Prompt, *req.Seed), "finish_reason": "stop",
			"logprobs": map[string]any{"content": []any{map[string]any{"id": 5, "token": "x", "logprob": -0.5}}}}}})
		w.Write(out)
	}))
	defer srv.Close()
	c := New(WithBaseURL(srv.URL), WithSplitN(true), WithConcurrency(3))
	got, err := c.Generate(context.Background(), policy.GenerateRequest{Prompts: []string{"a", "b"}, N: 3, Seed: 100})
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 6 {
		t.Errorf("calls = %d", calls.Load())
	}
	for i, p := range []string{"a", "b"} {
		for j, c := range got[i] {
			if want := fmt.Sprintf("%s#%d", p, 100+3*i+j); c.Text != want || c.Prompt != i || c.LogProbs[0] != -0.5 || c.Tokens[0] != 5 {
				t.Errorf("got[%d][%d] = %+v, want text %q", i, j, c, want)
			}
		}
	}
}
