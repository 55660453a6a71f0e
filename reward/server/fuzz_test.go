package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/reward/server"
)

// FuzzRequestBody posts arbitrary bodies to the reward endpoint (with a
// 4 KiB limit): the answer is a 200 with one finite reward per query, or a
// 400 or 413 with a JSON error and the reward never called; the reward
// only ever sees valid UTF-8.
func FuzzRequestBody(f *testing.F) {
	for _, s := range []string{openRLHFBody, loadBody(1),
		`{"query": []}`, `{"query": ["a"], "labels": [null, 1]}`, `{"query": ["a"], "metas": [{"k": [[[1]]]}]}`,
		`{"query": ["q"], "prompts": ["q"], "labels": [42]}`, "{\"query\": [\"\xff\"]}", `{"query": ["a"]} x`,
		`{"query": ["` + strings.Repeat("x", 5000) + `"]}`, `[[[[[[`, ``, `null`} {
		f.Add([]byte(s))
	}
	var calls, badText atomic.Int64
	rew := reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
		calls.Add(1)
		if !utf8.ValidString(s.Prompt) || !utf8.ValidString(s.Completion) || !utf8.ValidString(s.Label) {
			badText.Add(1)
		}
		return float64(len(s.Completion) % 3), nil
	})
	srv, err := server.New(server.Config{Reward: rew, MaxBodyBytes: 4 << 10})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		calls.Store(0)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("POST", "/get_reward", bytes.NewReader(body)))
		switch rec.Code {
		case 200:
			var req struct{ Query []json.RawMessage }
			var resp server.Response
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || json.Unmarshal(body, &req) != nil {
				t.Fatalf("200 with %s for %q", rec.Body, body)
			}
			if len(resp.Rewards) != len(req.Query) || calls.Load() != int64(len(req.Query)) {
				t.Fatalf("%d rewards, %d calls for %d queries", len(resp.Rewards), calls.Load(), len(req.Query))
			}
			for _, v := range resp.Rewards {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("reward %v", v)
				}
			}
		case 400, 413:
			var e server.ErrorResponse
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" || calls.Load() != 0 {
				t.Fatalf("%d: %s, reward called %d times", rec.Code, rec.Body, calls.Load())
			}
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if badText.Load() != 0 {
			t.Fatalf("the reward saw invalid UTF-8 from %q", body)
		}
	})
}

// roundTrip is an http.RoundTripper that answers every request with one
// 200 body, with no network.
type roundTrip []byte

func (b roundTrip) RoundTrip(r *http.Request) (*http.Response, error) {
	io.Copy(io.Discard, r.Body)
	r.Body.Close()
	return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{}, Request: r,
		Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b))}, nil
}

// FuzzRemoteAnswer gives Remote arbitrary answers to a batch of three:
// it returns an error for the batch, or for each sample a finite score
// with no error or NaN with one, never a panic.
func FuzzRemoteAnswer(f *testing.F) {
	for _, s := range []string{
		`{"rewards": [1, 0, 0.5]}`,
		`{"rewards": [1, null, 2], "extra_logs": {"reward_error": [0, 0, 1], "reward_skipped": [1, 0, 0]}, "errors": ["a", "", "b"]}`,
		`{"rewards": [1, 2, 3], "extra_logs": {"reward_error": "x"}, "errors": 7}`,
		`{"rewards": [1e999, 1, 1]}`, `{"rewards": [1, 2]}`, `{"rewards": null}`, `{"rewards": [1, 2, 3`, `[]`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, answer []byte) {
		r, err := server.NewRemote("http://reward.invalid/get_reward", server.WithRetries(0),
			server.WithHTTPClient(&http.Client{Transport: roundTrip(answer)}))
		if err != nil {
			t.Fatal(err)
		}
		dst, errs := make([]float64, 3), make([]error, 3)
		if r.ScoreBatch(context.Background(), make([]reward.Sample, 3), dst, errs) != nil {
			return
		}
		for i, v := range dst {
			finite := !math.IsNaN(v) && !math.IsInf(v, 0)
			if finite != (errs[i] == nil) {
				t.Fatalf("sample %d: %v, %v", i, v, errs[i])
			}
		}
	})
}
