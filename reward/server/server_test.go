package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/reward/server"
)

// recorder is a reward that records the samples it sees and scores 1 when
// the completion, without the end-of-turn token, ends in the label.
type recorder struct {
	mu   sync.Mutex
	seen []reward.Sample
}

func (r *recorder) Score(_ context.Context, s reward.Sample) (float64, error) {
	r.mu.Lock()
	r.seen = append(r.seen, s)
	r.mu.Unlock()
	c := strings.TrimSpace(strings.TrimSuffix(s.Completion, "<|im_end|>"))
	if s.Label != "" && strings.HasSuffix(c, s.Label) {
		return 1, nil
	}
	return 0, nil
}

func (r *recorder) samples() map[string]reward.Sample {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := map[string]reward.Sample{}
	for _, s := range r.seen {
		m[s.Completion] = s
	}
	return m
}

func newServer(t testing.TB, cfg server.Config) (*server.Server, *httptest.Server) {
	t.Helper()
	s, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, newHTTPServer(t, s)
}

// newListening returns a Server for cfg and a loopback listener to serve
// it on.
func newListening(t testing.TB, cfg server.Config) (*server.Server, net.Listener) {
	t.Helper()
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return srv, ln
}

// settle waits up to 5 s for srv to have no request in flight (a slot
// is given back once the reward calls of its request have returned,
// which may be just after the answer) and returns the number left.
func settle(srv *server.Server) int64 {
	deadline := time.Now().Add(5 * time.Second)
	for srv.Stats().InFlight != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	return srv.Stats().InFlight
}

// newHTTPServer serves h until the test ends.
func newHTTPServer(t testing.TB, h http.Handler) *httptest.Server {
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

// post sends body to url and decodes the JSON answer into out.
func post(t testing.TB, url, body string, out any) *http.Response {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json (body %s)", ct, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("answer is not JSON: %v: %s", err, b)
		}
	}
	return resp
}

// postAsync sends body to url on another goroutine and delivers the
// answer's status, 0 when the request failed.
func postAsync(t testing.TB, url, body string) <-chan int {
	status := make(chan int, 1)
	go func() {
		r, err := http.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			t.Error(err)
			status <- 0
			return
		}
		r.Body.Close()
		status <- r.StatusCode
	}()
	return status
}

// failing scores "boom" with an error, "n/a" with reward.ErrSkip, "panic"
// with a panic, and anything else ok.
func failing(ok float64) reward.Reward {
	return reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		switch s.Completion {
		case "boom":
			return 0, errors.New("verifier crashed")
		case "n/a":
			return 0, reward.ErrSkip
		case "panic":
			panic("bad state")
		}
		return ok, nil
	})
}

// openRLHFBody is what OpenRLHF's SingleTurnAgentExecutor posts: the
// decoded observation tokens (chat template and special tokens kept),
// the prompt as given to the engine, and the label column.
const openRLHFBody = `{"query": ["<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n2+2 is 4. The answer is 4<|im_end|>", "<|im_start|>user\nWhat is 6*7?<|im_end|>\n<|im_start|>assistant\nThe answer is 48<|im_end|>"], "prompts": ["<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n", "<|im_start|>user\nWhat is 6*7?<|im_end|>\n<|im_start|>assistant\n"], "labels": ["4", "42"]}`

func TestOpenRLHFRequest(t *testing.T) {
	rec := &recorder{}
	srv, ts := newServer(t, server.Config{Reward: rec})
	var got server.Response
	resp := post(t, ts.URL+"/get_reward", openRLHFBody, &got)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	want := []float64{1, 0}
	if !equal(got.Rewards, want) || !equal(got.Scores, want) {
		t.Errorf("rewards %v scores %v, want %v", got.Rewards, got.Scores, want)
	}
	for _, k := range []string{server.LogError, server.LogSkipped, server.LogPromptMismatch} {
		if !equal(got.ExtraLogs[k], []float64{0, 0}) {
			t.Errorf("extra_logs[%s] = %v, want [0 0]", k, got.ExtraLogs[k])
		}
	}
	if len(got.ExtraLogs) != 3 || got.Errors != nil {
		t.Errorf("extra_logs %v errors %v", got.ExtraLogs, got.Errors)
	}
	s, ok := rec.samples()["2+2 is 4. The answer is 4<|im_end|>"]
	if !ok {
		t.Fatalf("the reward did not see the response cut out of the query: %+v", rec.samples())
	}
	if s.Prompt != "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n" || s.Label != "4" {
		t.Errorf("sample = %+v", s)
	}
	st := srv.Stats()
	if st.Requests != 1 || st.Samples != 2 || st.SampleErrors != 0 || st.InFlight != 0 {
		t.Errorf("stats = %+v", st)
	}
	// The raw answer has exactly the fields OpenRLHF reads.
	r2, err := http.Post(ts.URL+"/get_reward", "application/json", strings.NewReader(openRLHFBody))
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Body.Close()
	var raw map[string]json.RawMessage
	if err := json.NewDecoder(r2.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	if len(raw) != 3 || raw["rewards"] == nil || raw["scores"] == nil || raw["extra_logs"] == nil {
		t.Errorf("answer fields: %v", raw)
	}
}

func TestOlderClientsAndLenientFields(t *testing.T) {
	rec := &recorder{}
	_, ts := newServer(t, server.Config{Reward: rec})
	// Only "query": the whole query is the completion.
	var got server.Response
	post(t, ts.URL+"/get_reward", `{"query": ["Q: 1+1? A: 2"]}`, &got)
	if !equal(got.Rewards, []float64{0}) {
		t.Errorf("rewards %v", got.Rewards)
	}
	if s, ok := rec.samples()["Q: 1+1? A: 2"]; !ok || s.Prompt != "" || s.Label != "" {
		t.Errorf("query-only sample: %+v", rec.samples())
	}
	// Null and numeric labels, metas, a BOS token the prompt lacks, and a
	// truncated prompt.
	body := `{"query": ["<s>Q1 A1", "Q2 A 42", "tail of Q3 A3"], "prompts": ["Q1", "Q2", "head and tail of Q3"], "labels": [null, 42, "A3"], "metas": [{"k": "v"}, null, {}], "extra": true}`
	got = server.Response{}
	resp := post(t, ts.URL+"/get_reward", body, &got)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if !equal(got.Rewards, []float64{0, 1, 1}) {
		t.Errorf("rewards %v, want [0 1 1]", got.Rewards)
	}
	if !equal(got.ExtraLogs[server.LogPromptMismatch], []float64{0, 0, 1}) {
		t.Errorf("prompt_mismatch %v, want [0 0 1]", got.ExtraLogs[server.LogPromptMismatch])
	}
	m := rec.samples()
	if s := m[" A1"]; s.Prompt != "Q1" || s.Label != "" || s.Meta["k"] != "v" {
		t.Errorf("BOS-prefixed sample: %+v", s)
	}
	if s := m[" A 42"]; s.Label != "42" || s.Meta != nil {
		t.Errorf("numeric label sample: %+v", s)
	}
	if _, ok := m["tail of Q3 A3"]; !ok {
		t.Errorf("mismatched prompt: whole query not scored: %v", m)
	}
	// An empty batch is answered with empty lists, not nulls.
	var raw map[string]any
	post(t, ts.URL+"/get_reward", `{"query": [], "prompts": []}`, &raw)
	if r, ok := raw["rewards"].([]any); !ok || len(r) != 0 {
		t.Errorf("empty batch answer: %v", raw)
	}
}

func TestPerSampleFailures(t *testing.T) {
	srv, ts := newServer(t, server.Config{Reward: failing(0.5), FailureScore: -1})
	var got server.Response
	resp := post(t, ts.URL+"/get_reward", `{"query": ["ok", "boom", "n/a", "panic"]}`, &got)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if !equal(got.Rewards, []float64{0.5, -1, -1, -1}) || !equal(got.Scores, got.Rewards) {
		t.Errorf("rewards %v scores %v", got.Rewards, got.Scores)
	}
	if !equal(got.ExtraLogs[server.LogError], []float64{0, 1, 0, 1}) || !equal(got.ExtraLogs[server.LogSkipped], []float64{0, 0, 1, 0}) {
		t.Errorf("extra_logs %v", got.ExtraLogs)
	}
	if len(got.Errors) != 4 || got.Errors[0] != "" || !strings.Contains(got.Errors[1], "verifier crashed") ||
		!strings.Contains(got.Errors[2], "not applicable") || !strings.Contains(got.Errors[3], "bad state") {
		t.Errorf("errors %q", got.Errors)
	}
	if st := srv.Stats(); st.SampleErrors != 2 || st.Skipped != 1 || st.Samples != 4 {
		t.Errorf("stats %+v", st)
	}
}

func TestBadRequests(t *testing.T) {
	srv, ts := newServer(t, server.Config{Reward: &recorder{}, MaxBodyBytes: 1 << 10})
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		msg                      string
	}{
		{"invalid JSON", "POST", "/get_reward", `{"query": [`, 400, "invalid request body"},
		{"not an object", "POST", "/get_reward", `["a"]`, 400, "invalid request body"},
		{"query not strings", "POST", "/get_reward", `{"query": [1]}`, 400, "invalid request body"},
		{"trailing data", "POST", "/get_reward", `{"query": []} {}`, 400, "data after the JSON object"},
		{"missing query", "POST", "/get_reward", `{"prompts": ["p"]}`, 400, `missing "query"`},
		{"prompts length", "POST", "/get_reward", `{"query": ["a", "b"], "prompts": ["a"]}`, 400, `"prompts" has 1 entries, "query" has 2`},
		{"labels length", "POST", "/get_reward", `{"query": ["a"], "labels": ["x", "y"]}`, 400, `"labels" has 2 entries`},
		{"metas length", "POST", "/get_reward", `{"query": ["a"], "metas": []}`, 400, `"metas" has 0 entries`},
		{"too large", "POST", "/get_reward", `{"query": ["` + strings.Repeat("x", 2<<10) + `"]}`, 413, "request body too large"},
		{"wrong method", "GET", "/get_reward", ``, 405, "use POST"},
		{"unknown path", "POST", "/reward", `{"query": []}`, 404, "no endpoint /reward"},
		{"healthz method", "POST", "/healthz", ``, 405, "not allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, ts.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e server.ErrorResponse
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				t.Fatalf("error answer is not JSON: %v", err)
			}
			if resp.StatusCode != tc.status || !strings.Contains(e.Error, tc.msg) {
				t.Errorf("got %d %q, want %d containing %q", resp.StatusCode, e.Error, tc.status, tc.msg)
			}
			if tc.status == 405 && resp.Header.Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
		})
	}
	if st := srv.Stats(); st.Rejected != 12 || st.Requests != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestHealthz(t *testing.T) {
	_, ts := newServer(t, server.Config{Reward: &recorder{}})
	var got map[string]string
	resp := func() *http.Response {
		r, err := http.Get(ts.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		json.NewDecoder(r.Body).Decode(&got)
		return r
	}()
	if resp.StatusCode != 200 || got["status"] != "ok" {
		t.Errorf("healthz: %d %v", resp.StatusCode, got)
	}
}

// blocker is a reward that blocks until released or its context ends.
type blocker struct {
	started chan struct{}
	release chan struct{}
}

func newBlocker() *blocker {
	return &blocker{started: make(chan struct{}, 16), release: make(chan struct{})}
}

func (b *blocker) Score(ctx context.Context, s reward.Sample) (float64, error) {
	b.started <- struct{}{}
	select {
	case <-b.release:
		return 1, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func TestBusy(t *testing.T) {
	started, release := make(chan struct{}, 4), make(chan struct{})
	// A reward that ignores its context: the first request is answered at
	// its deadline, but keeps its slot until the reward returns.
	stubborn := reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		started <- struct{}{}
		<-release
		return 1, nil
	})
	srv, ts := newServer(t, server.Config{Reward: stubborn, MaxInFlight: 1, RequestTimeout: 100 * time.Millisecond})
	start := time.Now()
	done := postAsync(t, ts.URL+"/get_reward", `{"query": ["a"]}`)
	<-started // the first request holds the only slot
	var e server.ErrorResponse
	resp := post(t, ts.URL+"/get_reward", `{"query": ["b"]}`, &e)
	if resp.StatusCode != 503 || !strings.Contains(e.Error, "server busy") || resp.Header.Get("Retry-After") == "" {
		t.Errorf("second request: %d %q", resp.StatusCode, e.Error)
	}
	if code := <-done; code != 503 {
		t.Errorf("first request: %d, want 503 at its deadline", code)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("requests answered after %v with a 100ms RequestTimeout", el)
	}
	if st := srv.Stats(); st.Failed != 2 || st.InFlight != 1 {
		t.Errorf("stats while the reward runs on: %+v, want 2 failed and the slot held", st)
	}
	close(release)
	settle(srv)
	var out server.Response
	if resp := post(t, ts.URL+"/get_reward", `{"query": ["c"]}`, &out); resp.StatusCode != 200 || len(out.Rewards) != 1 || out.Rewards[0] != 1 {
		t.Errorf("request after the reward returned: %d %+v", resp.StatusCode, out)
	}
	if st := srv.Stats(); st.Failed != 2 || st.Requests != 1 || st.InFlight != 0 {
		t.Errorf("stats %+v", st)
	}
}

// SampleTimeout holds for a reward that ignores its context: the sample
// gets FailureScore at its deadline, not when the reward returns.
func TestSampleTimeoutIgnoredContext(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	stubborn := reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		if s.Completion == "slow" {
			select {
			case <-release:
			case <-time.After(2 * time.Second):
			}
		}
		return 1, nil
	})
	_, ts := newServer(t, server.Config{Reward: stubborn, SampleTimeout: 50 * time.Millisecond, FailureScore: -1})
	start := time.Now()
	var out server.Response
	resp := post(t, ts.URL+"/get_reward", `{"query": ["slow", "fast"]}`, &out)
	if el := time.Since(start); el > time.Second {
		t.Errorf("answered after %v with a 50ms SampleTimeout", el)
	}
	if resp.StatusCode != 200 || len(out.Rewards) != 2 || out.Rewards[0] != -1 || out.Rewards[1] != 1 ||
		len(out.Errors) != 2 || !strings.Contains(out.Errors[0], "deadline exceeded") {
		t.Errorf("answer %d %+v", resp.StatusCode, out)
	}
}

func TestRequestTimeout(t *testing.T) {
	b := newBlocker() // never released: the request deadline ends it
	srv, ts := newServer(t, server.Config{Reward: b, RequestTimeout: 50 * time.Millisecond})
	var e server.ErrorResponse
	resp := post(t, ts.URL+"/get_reward", `{"query": ["a", "b"]}`, &e)
	if resp.StatusCode != 503 || !strings.Contains(e.Error, "request not scored") || !strings.Contains(e.Error, "deadline exceeded") {
		t.Errorf("timed-out request: %d %q", resp.StatusCode, e.Error)
	}
	settle(srv)
	if st := srv.Stats(); st.Failed != 1 || st.InFlight != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestSampleTimeout(t *testing.T) {
	r := reward.Func(func(ctx context.Context, s reward.Sample) (float64, error) {
		if s.Completion == "slow" {
			<-ctx.Done()
			return 0, ctx.Err()
		}
		return 1, nil
	})
	_, ts := newServer(t, server.Config{Reward: r, SampleTimeout: 20 * time.Millisecond})
	var got server.Response
	post(t, ts.URL+"/get_reward", `{"query": ["fast", "slow"]}`, &got)
	if !equal(got.Rewards, []float64{1, 0}) || !equal(got.ExtraLogs[server.LogError], []float64{0, 1}) ||
		!strings.Contains(got.Errors[1], "deadline exceeded") {
		t.Errorf("got %+v", got)
	}
}

func TestGracefulShutdown(t *testing.T) {
	b := newBlocker()
	srv, ln := newListening(t, server.Config{Reward: b})
	url := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	answered := postAsync(t, url+"/get_reward", `{"query": ["x"]}`)
	<-b.started
	cancel() // shut down with a request in flight
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v before the in-flight request finished", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(b.release)
	if code := <-answered; code != 200 {
		t.Errorf("in-flight request answered %d, want 200", code)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}

// With DrainGrace, /healthz reports "shutting down" while the server
// still listens and serves, and the listener closes after the grace.
func TestDrainGrace(t *testing.T) {
	srv, ln := newListening(t, server.Config{Reward: &recorder{}, DrainGrace: 300 * time.Millisecond})
	url := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	health := func() (int, string, error) {
		tr := &http.Transport{DisableKeepAlives: true}
		defer tr.CloseIdleConnections()
		r, err := (&http.Client{Transport: tr}).Get(url + "/healthz")
		if err != nil {
			return 0, "", err
		}
		defer r.Body.Close()
		var got map[string]string
		json.NewDecoder(r.Body).Decode(&got)
		return r.StatusCode, got["status"], nil
	}
	if code, st, err := health(); err != nil || code != 200 || st != "ok" {
		t.Fatalf("healthz before shutdown: %d %q %v", code, st, err)
	}
	start := time.Now()
	cancel()
	// Serve notices the end of ctx asynchronously: poll.
	code, st, err := health()
	for err == nil && code == 200 && time.Since(start) < 250*time.Millisecond {
		time.Sleep(time.Millisecond)
		code, st, err = health()
	}
	if err != nil || code != 503 || st != "shutting down" {
		t.Errorf("healthz during the grace: %d %q %v; want 503 shutting down", code, st, err)
	}
	var got server.Response
	if resp := post(t, url+"/get_reward", `{"query": ["x"]}`, &got); resp.StatusCode != 200 {
		t.Errorf("reward request during the grace: %d", resp.StatusCode)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if el := time.Since(start); el < 300*time.Millisecond {
		t.Errorf("Serve returned %v after its context ended, before the 300ms grace", el)
	}
	if _, _, err := health(); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}

func TestShutdownTimeoutCancelsRequests(t *testing.T) {
	b := newBlocker() // never released: only cancellation ends Score
	srv, ln := newListening(t, server.Config{Reward: b, ShutdownTimeout: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	go func() {
		r, err := http.Post("http://"+ln.Addr().String()+"/get_reward", "application/json", strings.NewReader(`{"query": ["x"]}`))
		if err == nil {
			r.Body.Close()
		}
	}()
	<-b.started
	cancel()
	if err := <-served; err == nil || !strings.Contains(err.Error(), "shutdown") {
		t.Errorf("Serve = %v, want a shutdown error", err)
	}
	if n := settle(srv); n != 0 {
		t.Errorf("%d requests still in flight after a forced shutdown", n)
	}
}

func TestListenAndServeBadAddress(t *testing.T) {
	srv, err := server.New(server.Config{Reward: &recorder{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.ListenAndServe(context.Background(), "127.0.0.1:-1"); err == nil {
		t.Error("bad address accepted")
	}
}

func TestNewValidates(t *testing.T) {
	r := &recorder{}
	for _, cfg := range []server.Config{
		{},
		{Reward: r, Parallelism: -1},
		{Reward: r, MaxInFlight: -1},
		{Reward: r, SampleTimeout: -1},
		{Reward: r, RequestTimeout: -1},
		{Reward: r, MaxBodyBytes: -1},
		{Reward: r, ShutdownTimeout: -1},
		{Reward: r, DrainGrace: -1},
		{Reward: r, FailureScore: nan()},
		{Reward: r, Path: "get_reward"},
		{Reward: r, Path: "/healthz"},
	} {
		if _, err := server.New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	if _, err := server.New(server.Config{Reward: r, Path: "/score", FailureScore: -1}); err != nil {
		t.Error(err)
	}
}

func TestSplitResponse(t *testing.T) {
	for _, tc := range []struct {
		query, prompt, want string
		found               bool
	}{
		{"PROMPT answer", "PROMPT", " answer", true},
		{"<s>PROMPT answer", "PROMPT", " answer", true},
		{"PROMPT", "PROMPT", "", true},
		{"anything", "", "anything", true},
		{"MPT answer", "PROMPT", "MPT answer", false},
		{"", "PROMPT", "", false},
	} {
		got, found := server.SplitResponse(tc.query, tc.prompt)
		if got != tc.want || found != tc.found {
			t.Errorf("SplitResponse(%q, %q) = %q, %v; want %q, %v", tc.query, tc.prompt, got, found, tc.want, tc.found)
		}
	}
}

func TestTextUnmarshal(t *testing.T) {
	var v []server.Text
	if err := json.Unmarshal([]byte(`["a\n", null, 3.5, [1, 2], {"x": 1}]`), &v); err != nil {
		t.Fatal(err)
	}
	want := []server.Text{"a\n", "", "3.5", "[1, 2]", `{"x": 1}`}
	for i := range want {
		if v[i] != want[i] {
			t.Errorf("v[%d] = %q, want %q", i, v[i], want[i])
		}
	}
	if err := json.Unmarshal([]byte(`["bad \q"]`), &v); err == nil {
		t.Error("invalid string accepted")
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func nan() float64 { var z float64; return z / z }
