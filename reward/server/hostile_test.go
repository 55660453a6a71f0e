package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/reward/server"
)

// counting is a reward that counts its calls and scores 1.
type counting struct{ calls atomic.Int64 }

func (c *counting) Score(context.Context, reward.Sample) (float64, error) {
	c.calls.Add(1)
	return 1, nil
}

// sendAllThenRead sends a request the way Python's requests and curl do:
// the whole body first, then it reads the answer. chunked sends the body
// without a Content-Length. It returns the answer and the error of
// writing the body, which must be nil for the client to see the answer.
func sendAllThenRead(t *testing.T, addr, body string, chunked bool) (*http.Response, error) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	w := bufio.NewWriter(c)
	fmt.Fprintf(w, "POST /get_reward HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n", addr)
	if chunked {
		fmt.Fprintf(w, "Transfer-Encoding: chunked\r\n\r\n")
		for rest := body; len(rest) > 0; {
			n := min(len(rest), 1<<20)
			fmt.Fprintf(w, "%x\r\n%s\r\n", n, rest[:n])
			rest = rest[n:]
		}
		fmt.Fprintf(w, "0\r\n\r\n")
	} else {
		fmt.Fprintf(w, "Content-Length: %d\r\n\r\n%s", len(body), body)
	}
	werr := w.Flush()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer (writing the body: %v): %v", werr, err)
	}
	return resp, werr
}

// TestHostileBodies sends requests that must each get a 4xx with a JSON
// error, without the reward being called: a 64 MiB body (twice the
// default limit) from a Go client and from clients that write their whole
// body before reading, with and without a Content-Length; JSON nested
// 100,000 deep; invalid UTF-8; more labels than queries.
func TestHostileBodies(t *testing.T) {
	rew := &counting{}
	srv, ts := newServer(t, server.Config{Reward: rew})
	addr := ts.Listener.Addr().String()
	big := `{"query": ["` + strings.Repeat("x", 64<<20) + `"]}`
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	cases := []struct {
		name, body string
		send       func(body string) (*http.Response, error)
		status     int
		msg        string
	}{
		{"64 MiB, Go client", big, nil, 413, "too large"},
		{"64 MiB, body first", big, func(b string) (*http.Response, error) { return sendAllThenRead(t, addr, b, false) }, 413, "too large"},
		{"64 MiB chunked, body first", big, func(b string) (*http.Response, error) { return sendAllThenRead(t, addr, b, true) }, 413, "too large"},
		{"nested 100k deep in query", `{"query": ` + deep + `}`, nil, 400, "exceeded max depth"},
		{"nested 100k deep in metas", `{"query": ["a"], "metas": [{"x": ` + deep + `}]}`, nil, 400, "exceeded max depth"},
		{"invalid UTF-8", "{\"query\": [\"caf\xe9\"]}", nil, 400, "not UTF-8 (byte 15)"},
		{"more labels than queries", `{"query": ["a"], "labels": ["1", "2"]}`, nil, 400, `"labels" has 2 entries, "query" has 1`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			send := tc.send
			if send == nil {
				send = func(b string) (*http.Response, error) {
					return http.Post(ts.URL+"/get_reward", "application/json", strings.NewReader(b))
				}
			}
			resp, err := send(tc.body)
			if err != nil {
				t.Fatalf("sending: %v", err)
			}
			defer resp.Body.Close()
			var e server.ErrorResponse
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				t.Fatalf("%s: error answer is not JSON: %v", resp.Status, err)
			}
			if resp.StatusCode != tc.status || !strings.Contains(e.Error, tc.msg) {
				t.Errorf("got %d %q, want %d containing %q", resp.StatusCode, e.Error, tc.status, tc.msg)
			}
		})
	}
	if n := rew.calls.Load(); n != 0 {
		t.Errorf("the reward was called %d times", n)
	}
	if st := srv.Stats(); st.Rejected != uint64(len(cases)) || st.Requests != 0 {
		t.Errorf("stats %+v", st)
	}
}
