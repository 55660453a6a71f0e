package server_test

// The two clients a training run depends on for hours, Remote and
// policy/openai's Client, face the same faults from the servers they
// call; one harness tests both.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evolve-go/evolve/policy/openai"
	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/reward/server"
)

// leakCheck returns a function that reports how many goroutines started
// since leakCheck was called are still running after up to 5 s, failing
// t (with the stacks) if any are.
func leakCheck(t *testing.T) func() int {
	t.Helper()
	before := runtime.NumGoroutine()
	return func() int {
		t.Helper()
		n := runtime.NumGoroutine()
		for deadline := time.Now().Add(5 * time.Second); n > before && time.Now().Before(deadline); n = runtime.NumGoroutine() {
			time.Sleep(10 * time.Millisecond)
		}
		if n > before {
			buf := make([]byte, 1<<20)
			t.Errorf("%d goroutines leaked:\n%s", n-before, buf[:runtime.Stack(buf, true)])
			return n - before
		}
		return 0
	}
}

// A fault is what the test server does with one attempt instead of
// answering it; good is the real backend.
type fault func(w http.ResponseWriter, r *http.Request, good http.Handler)

// status answers code, with a Retry-After header when retryAfter > 0.
func status(code, retryAfter int) fault {
	return func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		io.Copy(io.Discard, r.Body)
		if retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		io.WriteString(w, `{"error": "injected fault"}`)
	}
}

// doneThen lets the backend do the work, then answers with the first
// keep bytes of its answer (of n) and, when drop, closes the connection
// before the rest; without drop the Content-Length is keep, so the
// answer is complete but its JSON truncated.
func doneThen(drop bool, keep func(n int) int) fault {
	return func(w http.ResponseWriter, r *http.Request, good http.Handler) {
		rec := httptest.NewRecorder()
		good.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		k := keep(len(body))
		if drop {
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		} else {
			w.Header().Set("Content-Length", strconv.Itoa(k))
		}
		w.WriteHeader(rec.Code)
		w.Write(body[:k])
		if drop {
			hangUp(w)
		}
	}
}

// hangUp closes the connection of w, after what was written to it.
func hangUp(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
	}
}

var (
	cutAnswer = doneThen(true, func(n int) int { return n / 2 }) // work done, answer cut
	truncJSON = doneThen(false, func(n int) int { return n / 2 })
)

// lostAnswer lets the backend do the work, then hangs up without a word.
func lostAnswer(w http.ResponseWriter, r *http.Request, good http.Handler) {
	good.ServeHTTP(httptest.NewRecorder(), r)
	hangUp(w)
}

// stall reads the request and holds the attempt until the client gives
// up (the server notices only once the body is read).
func stall(w http.ResponseWriter, r *http.Request, _ http.Handler) {
	io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

// faulty serves the faults in order, one per attempt, then good; it
// counts the attempts.
type faulty struct {
	faults   []fault
	good     http.Handler
	attempts atomic.Int64
}

func (f *faulty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if k := int(f.attempts.Add(1)) - 1; k < len(f.faults) {
		f.faults[k](w, r, f.good)
		return
	}
	f.good.ServeHTTP(w, r)
}

// A client under test: its backend (which counts the work it does), and
// newCall, which builds a client and returns a call through it that
// checks the answer.
type client struct {
	name    string
	backend func(t *testing.T) (http.Handler, *atomic.Int64)
	newCall func(hc *http.Client, url string, idempotent bool) func(ctx context.Context) error
}

var clients = []client{
	{
		name: "Remote",
		backend: func(t *testing.T) (http.Handler, *atomic.Int64) {
			rew := &counting{}
			srv, err := server.New(server.Config{Reward: rew})
			if err != nil {
				t.Fatal(err)
			}
			return srv, &rew.calls
		},
		newCall: func(hc *http.Client, url string, idempotent bool) func(ctx context.Context) error {
			r, err := server.NewRemote(url+"/get_reward", server.WithHTTPClient(hc), server.WithRetries(3),
				server.WithBackoff(time.Millisecond), server.WithIdempotent(idempotent))
			return func(ctx context.Context) error {
				if err != nil {
					return err
				}
				v, err := r.Score(ctx, reward.Sample{Completion: "x"})
				if err == nil && v != 1 {
					err = fmt.Errorf("score %v, want 1", v)
				}
				return err
			}
		},
	},
	{
		name: "openai.Client",
		backend: func(t *testing.T) (http.Handler, *atomic.Int64) {
			var n atomic.Int64
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				n.Add(1)
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":" fine","finish_reason":"stop"}]}`)
			}), &n
		},
		newCall: func(hc *http.Client, url string, idempotent bool) func(ctx context.Context) error {
			c := openai.New(openai.WithBaseURL(url+"/v1"), openai.WithHTTPClient(hc), openai.WithMaxRetries(3),
				openai.WithBackoff(time.Millisecond, time.Millisecond), openai.WithIdempotent(idempotent))
			return func(ctx context.Context) error {
				got, err := c.Complete(ctx, "p")
				if err == nil && got != " fine" {
					err = fmt.Errorf("completion %q", got)
				}
				return err
			}
		},
	},
}

// TestClientsUnderFaults runs each client against servers that fail its
// first attempts and checks the outcome, the number of attempts and how
// often the work was done: retries stay within the context, a request
// the server may have done is repeated only by an idempotent client, and
// no goroutine outlives the call.
func TestClientsUnderFaults(t *testing.T) {
	cases := []struct {
		name       string
		faults     []fault
		idempotent bool
		timeout    time.Duration
		ok         bool
		attempts   int64
		work       int64
	}{
		{"503 then ok", []fault{status(503, 0)}, false, 0, true, 2, 1},
		{"500, 429 then ok", []fault{status(500, 0), status(429, 0)}, false, 0, true, 3, 1},
		{"429 Retry-After 1 then ok", []fault{status(429, 1)}, false, 0, true, 2, 1},
		{"400 is final", []fault{status(400, 0)}, true, 0, false, 1, 0},
		{"503 Retry-After 30, context 300ms", []fault{status(503, 30)}, true, 300 * time.Millisecond, false, 1, 0},
		{"always 503", []fault{status(503, 0), status(503, 0), status(503, 0), status(503, 0)}, true, 0, false, 4, 0},
		{"stall, context 300ms", []fault{stall}, true, 300 * time.Millisecond, false, 1, 0},
		{"answer lost, not idempotent", []fault{lostAnswer}, false, 0, false, 1, 1},
		{"answer lost, idempotent", []fault{lostAnswer}, true, 0, true, 2, 2},
		{"answer cut mid-body, not idempotent", []fault{cutAnswer}, false, 0, false, 1, 1},
		{"answer cut mid-body, idempotent", []fault{cutAnswer}, true, 0, true, 2, 2},
		{"truncated JSON is final", []fault{truncJSON}, true, 0, false, 1, 1},
	}
	var leaked int
	for _, cl := range clients {
		for _, tc := range cases {
			t.Run(cl.name+"/"+tc.name, func(t *testing.T) {
				check := leakCheck(t)
				good, work := cl.backend(t)
				f := &faulty{faults: tc.faults, good: good}
				ts := httptest.NewServer(f)
				tr := &http.Transport{}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				if tc.timeout > 0 {
					ctx, cancel = context.WithTimeout(context.Background(), tc.timeout)
				}
				start := time.Now()
				err := cl.newCall(&http.Client{Transport: tr}, ts.URL, tc.idempotent)(ctx)
				elapsed := time.Since(start)
				cancel()
				ts.Close()
				tr.CloseIdleConnections()
				if (err == nil) != tc.ok || f.attempts.Load() != tc.attempts || work.Load() != tc.work {
					t.Errorf("error %v after %d attempts, work done %d times; want ok %v, %d attempts, %d times",
						err, f.attempts.Load(), work.Load(), tc.ok, tc.attempts, tc.work)
				}
				if tc.timeout > 0 && (!errors.Is(err, context.DeadlineExceeded) || elapsed > tc.timeout+5*time.Second) {
					t.Errorf("error %v after %v, want the context's deadline within %v", err, elapsed, tc.timeout)
				}
				leaked += check()
			})
		}
	}
	t.Logf("%d clients × %d faults: %d goroutines leaked", len(clients), len(cases), leaked)
}

// TestClientsUnreachable checks that a server that refuses connections
// (nothing sent) is retried within the retry count or the context, with
// no goroutine left behind.
func TestClientsUnreachable(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close()
	for _, cl := range clients {
		t.Run(cl.name, func(t *testing.T) {
			check := leakCheck(t)
			tr := &http.Transport{}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := cl.newCall(&http.Client{Transport: tr}, url, false)(ctx)
			tr.CloseIdleConnections()
			if err == nil || !strings.Contains(err.Error(), "refused") {
				t.Errorf("error %v, want connection refused", err)
			}
			check()
		})
	}
}

// TestRemoteSplitsBatches checks that Remote splits a batch larger than
// the server's body limit (413) and by WithMaxBatch, scoring every sample
// once, and that a single sample over the limit gets an error of its own.
func TestRemoteSplitsBatches(t *testing.T) {
	rew := &counting{}
	srv, ts := newServer(t, server.Config{Reward: rew, MaxBodyBytes: 4 << 10})
	samples := make([]reward.Sample, 100)
	for i := range samples {
		samples[i] = reward.Sample{Prompt: strings.Repeat("p", 40), Completion: fmt.Sprint(i), Label: "x"}
	}
	samples[37].Completion = strings.Repeat("y", 8<<10)
	dst, errs := make([]float64, len(samples)), make([]error, len(samples))
	if err := newRemote(t, ts.URL+"/get_reward").ScoreBatch(context.Background(), samples, dst, errs); err != nil {
		t.Fatal(err)
	}
	for i := range samples {
		if want := i != 37; (errs[i] == nil) != want || want && dst[i] != 1 {
			t.Errorf("sample %d: %v, %v", i, dst[i], errs[i])
		}
	}
	if errs[37] == nil || !strings.Contains(errs[37].Error(), "413") {
		t.Errorf("oversized sample: %v, want a 413", errs[37])
	}
	st := srv.Stats()
	if rew.calls.Load() != 99 || st.Samples != 99 {
		t.Errorf("reward called %d times, %d samples scored; want 99", rew.calls.Load(), st.Samples)
	}
	t.Logf("100 samples, one of them 8 KiB, a 4 KiB limit: %d requests scored, %d answered 413", st.Requests, st.Rejected)

	before := st.Requests
	remote := newRemote(t, ts.URL+"/get_reward", server.WithMaxBatch(8))
	if err := remote.ScoreBatch(context.Background(), samples[:20], dst[:20], errs[:20]); err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().Requests - before; n != 3 {
		t.Errorf("20 samples with WithMaxBatch(8): %d requests, want 3", n)
	}
	if _, err := server.NewRemote(ts.URL, server.WithMaxBatch(-1)); err == nil {
		t.Error("WithMaxBatch(-1) accepted")
	}
}

// TestClientsConcurrentUse uses one Remote and one openai.Client from 16
// goroutines at once (run with -race to check that they are safe for
// concurrent use, as documented) and checks every answer.
func TestClientsConcurrentUse(t *testing.T) {
	for _, cl := range clients {
		t.Run(cl.name, func(t *testing.T) {
			good, work := cl.backend(t)
			ts := newHTTPServer(t, good)
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			call := cl.newCall(&http.Client{Transport: tr}, ts.URL, false)
			errc := make(chan error, 16)
			for range 16 {
				go func() {
					var err error
					for k := 0; k < 8 && err == nil; k++ {
						err = call(context.Background())
					}
					errc <- err
				}()
			}
			for range 16 {
				if err := <-errc; err != nil {
					t.Error(err)
				}
			}
			if n := work.Load(); n != 16*8 {
				t.Errorf("%d calls served, want %d", n, 16*8)
			}
		})
	}
}
