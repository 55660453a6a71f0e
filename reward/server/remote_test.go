package server_test

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/reward/server"
)

func newRemote(t *testing.T, url string, opts ...server.RemoteOption) *server.Remote {
	t.Helper()
	r, err := server.NewRemote(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRemoteRoundTrip(t *testing.T) {
	rec := &recorder{}
	srv, ts := newServer(t, server.Config{Reward: rec})
	remote := newRemote(t, ts.URL+"/get_reward")
	samples := []reward.Sample{
		{Prompt: "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n", Completion: "It is 4<|im_end|>", Label: "4", Meta: map[string]any{"task": "add"}},
		{Prompt: "Q: 6*7? A:", Completion: " 48", Label: "42"},
		{Completion: "no prompt 7", Label: "7"},
	}
	sc := reward.Scorer{Reward: remote}
	scores, errs, err := sc.ScoreAll(context.Background(), samples)
	if err != nil {
		t.Fatal(err)
	}
	if !equal(scores, []float64{1, 0, 1}) || errs[0] != nil || errs[1] != nil || errs[2] != nil {
		t.Errorf("scores %v errs %v", scores, errs)
	}
	if st := srv.Stats(); st.Requests != 1 || st.Samples != 3 {
		t.Errorf("the batch was not sent as one request: %+v", st)
	}
	seen := rec.samples()
	for _, want := range samples {
		got, ok := seen[want.Completion]
		if !ok || got.Prompt != want.Prompt || got.Label != want.Label || got.Meta["task"] != want.Meta["task"] {
			t.Errorf("server saw %+v, want %+v", got, want)
		}
	}
	v, err := remote.Score(context.Background(), samples[1])
	if v != 0 || err != nil {
		t.Errorf("Score = %v, %v", v, err)
	}
}

func TestRemotePerSampleFailures(t *testing.T) {
	_, ts := newServer(t, server.Config{Reward: failing(0.25)})
	remote := newRemote(t, ts.URL+"/get_reward")
	dst := make([]float64, 3)
	errs := make([]error, 3)
	err := remote.ScoreBatch(context.Background(), []reward.Sample{{Completion: "ok"}, {Completion: "boom"}, {Completion: "n/a"}}, dst, errs)
	if err != nil {
		t.Fatal(err)
	}
	if dst[0] != 0.25 || errs[0] != nil {
		t.Errorf("sample 0: %v, %v", dst[0], errs[0])
	}
	if !math.IsNaN(dst[1]) || errs[1] == nil || !strings.Contains(errs[1].Error(), "verifier crashed") || errors.Is(errs[1], reward.ErrSkip) {
		t.Errorf("sample 1: %v, %v", dst[1], errs[1])
	}
	if !math.IsNaN(dst[2]) || !errors.Is(errs[2], reward.ErrSkip) {
		t.Errorf("sample 2: %v, %v", dst[2], errs[2])
	}
}

// flaky answers with failStatus for the first n attempts, then like
// OpenRLHF's serve_rm.
func flaky(n int64, failStatus int, attempts *atomic.Int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if attempts.Add(1) <= n {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(failStatus)
			io.WriteString(w, `{"error": "try later"}`)
			return
		}
		io.WriteString(w, `{"rewards": [0.3], "scores": [0.3], "extra_logs": {"dummy_scores": [0.3], "note": ["text"]}}`)
	}
}

func TestRemoteRetries(t *testing.T) {
	ctx := context.Background()
	s := reward.Sample{Completion: "x"}
	for _, tc := range []struct {
		name     string
		fails    int64
		status   int
		attempts int64
		ok       bool
		msg      string
	}{
		{"recovers from 503", 2, 503, 3, true, ""},
		{"recovers from 429", 1, 429, 2, true, ""},
		{"no retry on 400", 5, 400, 1, false, "400 Bad Request: try later"},
		{"gives up after retries", 100, 500, 4, false, "500 Internal Server Error: try later"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var attempts atomic.Int64
			ts := httptest.NewServer(flaky(tc.fails, tc.status, &attempts))
			defer ts.Close()
			remote := newRemote(t, ts.URL, server.WithRetries(3), server.WithBackoff(time.Millisecond))
			v, err := remote.Score(ctx, s)
			if tc.ok && (err != nil || v != 0.3) {
				t.Errorf("Score = %v, %v; want 0.3", v, err)
			}
			if !tc.ok && (err == nil || !strings.Contains(err.Error(), tc.msg)) {
				t.Errorf("Score error %v, want one containing %q", err, tc.msg)
			}
			if n := attempts.Load(); n != tc.attempts {
				t.Errorf("%d attempts, want %d", n, tc.attempts)
			}
		})
	}
	// Cancellation during the backoff ends the retries.
	var attempts atomic.Int64
	ts := httptest.NewServer(flaky(100, 503, &attempts))
	defer ts.Close()
	remote := newRemote(t, ts.URL, server.WithBackoff(time.Hour))
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := remote.Score(cctx, s); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Score error %v, want one wrapping the deadline", err)
	}
}

// TestRemoteRetryAfter checks that Remote waits as a 503's Retry-After
// asks, in seconds with a fraction or as an HTTP date, rather than its
// 1 ms backoff.
func TestRemoteRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name    string
		header  func() string
		timeout time.Duration
		ok      bool
		wait    time.Duration // the least time the call takes
	}{
		{"0.3 s", func() string { return "0.3" }, 10 * time.Second, true, 300 * time.Millisecond},
		// Capped at 30 s, still longer than the context.
		{"an hour ahead, context 300ms", func() string { return time.Now().Add(time.Hour).UTC().Format(http.TimeFormat) },
			300 * time.Millisecond, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var attempts atomic.Int64
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				if attempts.Add(1) == 1 {
					w.Header().Set("Retry-After", tc.header())
					w.WriteHeader(503)
					return
				}
				io.WriteString(w, `{"rewards": [0.3]}`)
			}))
			defer ts.Close()
			ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
			defer cancel()
			start := time.Now()
			_, err := newRemote(t, ts.URL, server.WithBackoff(time.Millisecond)).Score(ctx, reward.Sample{})
			elapsed := time.Since(start)
			if tc.ok && (err != nil || attempts.Load() != 2 || elapsed < tc.wait) {
				t.Errorf("%v after %d attempts and %v; want success after 2 attempts and %v", err, attempts.Load(), elapsed, tc.wait)
			}
			if !tc.ok && (!errors.Is(err, context.DeadlineExceeded) || attempts.Load() != 1) {
				t.Errorf("%v after %d attempts; want the context's deadline after 1", err, attempts.Load())
			}
		})
	}
}

func TestRemoteBadAnswers(t *testing.T) {
	for _, tc := range []struct{ name, body, msg string }{
		{"not JSON", `<html>`, "not the expected JSON"},
		{"no rewards", `{"scores": [1]}`, `no "rewards"`},
		{"wrong count", `{"rewards": [1, 2]}`, "2 rewards for 1 samples"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, tc.body) }))
			defer ts.Close()
			_, err := newRemote(t, ts.URL).Score(context.Background(), reward.Sample{})
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v, want one containing %q", err, tc.msg)
			}
		})
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"rewards": [null, 1]}`)
	}))
	defer ts.Close()
	dst, errs := make([]float64, 2), make([]error, 2)
	if err := newRemote(t, ts.URL).ScoreBatch(context.Background(), make([]reward.Sample, 2), dst, errs); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(dst[0]) || errs[0] == nil || dst[1] != 1 || errs[1] != nil {
		t.Errorf("null reward: %v %v", dst, errs)
	}
	if err := newRemote(t, ts.URL).ScoreBatch(context.Background(), make([]reward.Sample, 2), dst[:1], nil); err == nil {
		t.Error("short dst accepted")
	}
	bad := []reward.Sample{{Meta: map[string]any{"f": func() {}}}}
	if err := newRemote(t, ts.URL).ScoreBatch(context.Background(), bad, dst[:1], nil); err == nil || !strings.Contains(err.Error(), "encoding the request") {
		t.Errorf("unencodable meta: %v", err)
	}
}

func TestNewRemoteValidates(t *testing.T) {
	for _, tc := range []struct {
		url  string
		opts []server.RemoteOption
	}{
		{"127.0.0.1:5000/get_reward", nil},
		{"ftp://host/x", nil},
		{"http://", nil},
		{"http://h/x", []server.RemoteOption{server.WithRetries(-1)}},
		{"http://h/x", []server.RemoteOption{server.WithBackoff(-time.Second)}},
		{"http://h/x", []server.RemoteOption{server.WithHTTPClient(nil)}},
	} {
		if _, err := server.NewRemote(tc.url, tc.opts...); err == nil {
			t.Errorf("NewRemote(%q) accepted", tc.url)
		}
	}
}
