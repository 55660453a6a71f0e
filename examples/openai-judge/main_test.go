package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// fake is an OpenAI-compatible server that answers with the JSON shapes
// of one real server: "vllm", "llama.cpp" or "ollama". The policy's
// completion j of a prompt is good for even j and poor for odd j (from
// the choice index when the server honours n, from the seed otherwise:
// Generate seeds completion j of prompt i with Seed + i·N + j under
// -split-n, and the tests use Seed 0 and N 2). The judge rates a good
// answer 8 and a poor one 3, and prefers the good one of a pair.
type fake struct {
	kind string
	mu   sync.Mutex
	reqs []request
}

// request is what the fake received.
type request struct {
	path, auth string
	body       map[string]any
}

const (
	good = " A well-explained answer: blue light scatters most."
	poor = " No idea."
)

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, request{path: r.URL.Path, auth: r.Header.Get("Authorization"), body: body})
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	var reply any
	switch r.URL.Path {
	case "/v1/completions":
		reply = f.completion(w, body)
	case "/v1/chat/completions":
		reply = f.chat(judgeReply(body))
	default:
		w.WriteHeader(http.StatusNotFound)
		reply = map[string]any{"error": map[string]any{"message": "not found", "type": "not_found_error", "code": 404}}
	}
	if reply != nil {
		json.NewEncoder(w).Encode(reply)
	}
}

// completion answers POST /v1/completions; nil when it wrote an error.
func (f *fake) completion(w http.ResponseWriter, body map[string]any) any {
	n, _ := body["n"].(float64)
	seed, _ := body["seed"].(float64)
	model, _ := body["model"].(string)
	if n == 0 {
		n = 1
	}
	switch f.kind {
	case "vllm":
		var choices []any
		for k := range int(n) {
			choices = append(choices, map[string]any{"index": k, "text": answer(k), "logprobs": vllmLogProbs(answer(k)),
				"finish_reason": "stop", "stop_reason": nil, "prompt_logprobs": nil})
		}
		return map[string]any{"id": "cmpl-7f1c", "object": "text_completion", "created": 1735142223, "model": model,
			"choices": choices, "usage": map[string]any{"prompt_tokens": 14, "total_tokens": 26, "completion_tokens": 12}}
	case "llama.cpp":
		if n != 1 {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": 400,
				"message": "Only one completion choice is allowed", "type": "invalid_request_error"}})
			return nil
		}
		text := answer(int(seed))
		return map[string]any{"choices": []any{map[string]any{"text": text, "index": 0, "logprobs": llamaLogProbs(text),
			"finish_reason": "stop"}}, "created": 1735142223, "model": "gpt-3.5-turbo", "system_fingerprint": "b6188-21c17b5b",
			"object": "text_completion", "usage": map[string]any{"completion_tokens": 12, "prompt_tokens": 14, "total_tokens": 26},
			"id": "chatcmpl-Yq0aL", "timings": map[string]any{"prompt_n": 14, "predicted_n": 12}}
	}
	// Ollama ignores n and sends no log-probs on /v1/completions.
	return map[string]any{"id": "cmpl-123", "object": "text_completion", "created": 1735142223, "model": model,
		"system_fingerprint": "fp_ollama", "choices": []any{map[string]any{"text": answer(int(seed)), "index": 0, "finish_reason": "stop"}},
		"usage": map[string]any{"prompt_tokens": 14, "completion_tokens": 12, "total_tokens": 26}}
}

// chat wraps a judge's reply in the server's /v1/chat/completions shape.
func (f *fake) chat(content string) any {
	usage := map[string]any{"prompt_tokens": 300, "completion_tokens": 20, "total_tokens": 320}
	switch f.kind {
	case "vllm":
		return map[string]any{"id": "chatcmpl-9b2e", "object": "chat.completion", "created": 1735142223, "model": "judge",
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "reasoning_content": nil,
				"content": content, "tool_calls": []any{}}, "logprobs": nil, "finish_reason": "stop", "stop_reason": nil}},
			"usage": usage, "prompt_logprobs": nil}
	case "llama.cpp":
		return map[string]any{"choices": []any{map[string]any{"finish_reason": "stop", "index": 0,
			"message": map[string]any{"role": "assistant", "content": content}}}, "created": 1735142223, "model": "gpt-3.5-turbo",
			"system_fingerprint": "b6188-21c17b5b", "object": "chat.completion", "usage": usage, "id": "chatcmpl-Zr1bM"}
	}
	return map[string]any{"id": "chatcmpl-456", "object": "chat.completion", "created": 1735142223, "model": "judge",
		"system_fingerprint": "fp_ollama", "choices": []any{map[string]any{"index": 0,
			"message": map[string]any{"role": "assistant", "content": content}, "finish_reason": "stop"}}, "usage": usage}
}

func answer(k int) string {
	if k%2 == 0 {
		return good
	}
	return poor
}

// vllmLogProbs is vLLM's logprobs object of a completion: one token per
// word, each with log-prob −0.5.
func vllmLogProbs(text string) map[string]any {
	words := strings.SplitAfter(text, " ")
	lp := make([]float64, len(words))
	top := make([]any, len(words))
	offs := make([]int, len(words))
	for i, w := range words {
		lp[i], top[i] = -0.5, map[string]float64{w: -0.5}
		if i > 0 {
			offs[i] = offs[i-1] + len(words[i-1])
		}
	}
	return map[string]any{"text_offset": offs, "token_logprobs": lp, "tokens": words, "top_logprobs": top}
}

// llamaLogProbs is the llama.cpp server's logprobs object: a content list
// of tokens with ids and bytes.
func llamaLogProbs(text string) map[string]any {
	var content []any
	for i, w := range strings.SplitAfter(text, " ") {
		b := make([]int, len(w))
		for k := range len(w) {
			b[k] = int(w[k])
		}
		content = append(content, map[string]any{"id": 1000 + i, "token": w, "bytes": b, "logprob": -0.5,
			"top_logprobs": []any{map[string]any{"id": 1000 + i, "token": w, "bytes": b, "logprob": -0.5}}})
	}
	return map[string]any{"content": content}
}

// judgeReply plays the judge on the user message of a chat request.
func judgeReply(body map[string]any) string {
	msgs, _ := body["messages"].([]any)
	if len(msgs) == 0 {
		return "no message"
	}
	m, _ := msgs[len(msgs)-1].(map[string]any)
	prompt, _ := m["content"].(string)
	if a, rest, ok := strings.Cut(prompt, "[Response A]\n"); ok && a != "" {
		first, _, _ := strings.Cut(rest, "[Response B]")
		if strings.Contains(first, "well-explained") {
			return "Response A explains the cause. [[A]]"
		}
		return "Response B explains the cause. [[B]]"
	}
	_, resp, _ := strings.Cut(prompt, "[Response]\n")
	resp, _, _ = strings.Cut(resp, "After a short explanation")
	if strings.Contains(resp, "well-explained") {
		return "Accurate and clear.\nRating: [[8]]"
	}
	return "Unhelpful.\nRating: [[3]]"
}

var (
	ratingRE = regexp.MustCompile(`(?m)^  \[([AB])\] rating (\d+)/10, (log p = -?[0-9.]+ over \d+ tokens|no log-probs), stop$`)
	pairRE   = regexp.MustCompile(`(?m)^  pairwise, both orders: P\(A better than B\) = (\S+)$`)
)

// The example against each server's shapes: every good answer rated 8,
// every poor one 3, the good one preferred in both orders; the requests
// carry the flags.
func TestServers(t *testing.T) {
	for _, c := range []struct {
		kind    string
		args    []string
		logp    bool
		genReqs int
		n       float64
	}{
		{"vllm", []string{"-model", "Qwen/Qwen2.5-1.5B-Instruct"}, true, 3, 2},
		{"llama.cpp", []string{"-split-n"}, true, 6, 1},
		{"ollama", []string{"-model", "qwen2.5:1.5b", "-split-n"}, false, 6, 1},
	} {
		t.Run(c.kind, func(t *testing.T) {
			f := &fake{kind: c.kind}
			srv := httptest.NewServer(f)
			defer srv.Close()
			var out bytes.Buffer
			args := append([]string{"-base-url", srv.URL + "/v1", "-api-key", "sk-test"}, c.args...)
			if err := run(context.Background(), &out, args); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if testing.Verbose() {
				t.Logf("output:\n%s", out.String())
			}
			checkOutput(t, out.String(), c.logp)
			checkRequests(t, f.reqs, c.genReqs, c.n)
		})
	}
}

// checkOutput checks the ratings and verdicts of the three prompts.
func checkOutput(t *testing.T, out string, logp bool) {
	t.Helper()
	ratings := ratingRE.FindAllStringSubmatch(out, -1)
	pairs := pairRE.FindAllStringSubmatch(out, -1)
	if len(ratings) != 6 || len(pairs) != 3 {
		t.Fatalf("%d rating and %d pairwise lines, want 6 and 3:\n%s", len(ratings), len(pairs), out)
	}
	for _, m := range ratings {
		want := map[string]string{"A": "8", "B": "3"}[m[1]]
		if m[2] != want || strings.HasPrefix(m[3], "log p") != logp {
			t.Errorf("line %q: want rating %s and log-probs %v", m[0], want, logp)
		}
	}
	for _, m := range pairs {
		if m[1] != "1" {
			t.Errorf("line %q: want P = 1", m[0])
		}
	}
}

// checkRequests checks the generation requests (n, seed, model, key) and
// that the judge went to the chat endpoint greedily.
func checkRequests(t *testing.T, reqs []request, genReqs int, n float64) {
	t.Helper()
	gen, judge := 0, 0
	for _, r := range reqs {
		if r.auth != "Bearer sk-test" {
			t.Errorf("%s: Authorization %q", r.path, r.auth)
		}
		switch r.path {
		case "/v1/completions":
			gen++
			if r.body["n"] != n && !(n == 1 && r.body["n"] == nil) || r.body["logprobs"] != 1.0 || r.body["temperature"] != 0.8 {
				t.Errorf("generation request %v", r.body)
			}
			if p, _ := r.body["prompt"].(string); !strings.HasPrefix(p, "Question: ") || !strings.HasSuffix(p, "\nAnswer:") {
				t.Errorf("prompt %q", p)
			}
		case "/v1/chat/completions":
			judge++
			if r.body["temperature"] != 0.0 || r.body["max_tokens"] != 512.0 {
				t.Errorf("judge request %v", r.body)
			}
		}
	}
	// Per prompt: one rating per completion and two orders of one pair.
	if gen != genReqs || judge != 3*(2+2) {
		t.Errorf("%d generation and %d judge requests, want %d and 12", gen, judge, genReqs)
	}
}

// Without -split-n, the llama.cpp server refuses n = 2 and Ollama answers
// with one choice: the error says what to do.
func TestSplitNHint(t *testing.T) {
	for _, kind := range []string{"llama.cpp", "ollama"} {
		srv := httptest.NewServer(&fake{kind: kind})
		err := run(context.Background(), &bytes.Buffer{}, []string{"-base-url", srv.URL + "/v1"})
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), "rerun with -split-n") {
			t.Errorf("%s without -split-n: %v", kind, err)
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-n", "1"}, {"-max-tokens", "0"}, {"-judge-max-tokens", "0"}, {"-temperature", "-1"},
		{"-temperature", "NaN"}, {"-timeout", "0s"}, {"-base-url", ""}, {"stray"}, {"-nope"},
	} {
		if err := run(context.Background(), &bytes.Buffer{}, args); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
