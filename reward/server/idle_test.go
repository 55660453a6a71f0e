//go:build unix

package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/evolve-go/evolve/internal/parallel"
	"github.com/evolve-go/evolve/reward/server"
)

// idleBudget is how many connections a test may open to a server in the
// same process (two descriptors each), at most want: what the open-file
// limit leaves after a margin of 256. (Go raises the soft limit to the
// hard one at start-up.)
func idleBudget(want int) int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return min(want, 400)
	}
	return max(0, min(want, (int(min(lim.Cur, 1<<20))-256)/2))
}

// slowloris is what idle connection i sends before it stalls: nothing
// for half of them, half a request header for the others.
func slowloris(i int) string {
	if i%2 == 1 {
		return "POST /get_reward HTTP/1.1\r\nHost: x\r\nContent-Le"
	}
	return ""
}

// openIdle opens n connections to addr that each send start(i) and
// stall.
func openIdle(t *testing.T, addr string, n int, start func(i int) string) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, 0, n)
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for i := range n {
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Fatalf("idle connection %d: %v", i, err)
		}
		conns = append(conns, c)
		if _, err := io.WriteString(c, start(i)); err != nil {
			t.Fatalf("idle connection %d: %v", i, err)
		}
	}
	return conns
}

// stillOpen counts the connections the server has not closed: a read
// that waits 1 ms times out on those, on 64 goroutines.
func stillOpen(conns []net.Conn) int {
	var n atomic.Int64
	parallel.Do(context.Background(), len(conns), 64, func(_ context.Context, i int) error {
		c := conns[i]
		c.SetReadDeadline(time.Now().Add(time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); errors.Is(err, os.ErrDeadlineExceeded) {
			n.Add(1)
		}
		return nil
	})
	return int(n.Load())
}

// TestIdleConnections holds up to 4,000 connections open to the server,
// idle or stalled in the middle of a request header, and checks that a
// real client is served within its 10 s timeout meanwhile, and that the
// idle connections were all still held when it was.
func TestIdleConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("idle-connection test skipped in -short mode")
	}
	n := idleBudget(4000)
	if n < 100 {
		t.Skipf("the open-file limit allows only %d connections", n)
	}
	srv, ln := newListening(t, server.Config{Reward: lastNumber})
	url := serveOn(t, srv, ln, "http")
	conns := openIdle(t, ln.Addr().String(), n, slowloris)

	latency := realClient(t, url, "")
	held := stillOpen(conns)
	if held != n {
		t.Errorf("%d of %d idle connections still open", held, n)
	}
	t.Logf("%d idle connections held (half of them stalled mid-header): a real request answered in %v", held, latency.Round(time.Microsecond))
}

// realClient posts a four-sample request with a 10 s timeout (and the
// bearer token, if any), checks the answer and returns its latency.
func realClient(t *testing.T, url, token string) time.Duration {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Timeout: 10 * time.Second, Transport: tr}
	req, _ := http.NewRequest("POST", url+"/get_reward", strings.NewReader(loadBody(3)))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := client.Do(req)
	latency := time.Since(start)
	if err != nil {
		t.Fatalf("real client not served: %v", err)
	}
	var got server.Response
	err = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || !equal(got.Rewards, []float64{1, 0, 1, 0}) {
		t.Fatalf("real client: %d %+v %v", resp.StatusCode, got, err)
	}
	return latency
}

// TestStalledBodies: a request that stalls in the middle of its body
// holds a scoring slot until RequestTimeout, but with Config.Token a
// request without the token is refused before its body is read or a slot
// taken, so 100 of them stalled mid-body (against MaxInFlight 2) do not
// delay a client that has the token.
func TestStalledBodies(t *testing.T) {
	srv, ln := newListening(t, server.Config{Reward: lastNumber, Token: "t0ken", MaxInFlight: 2})
	url := serveOn(t, srv, ln, "http")
	openIdle(t, ln.Addr().String(), idleBudget(100), func(int) string {
		return "POST /get_reward HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"query\": [\""
	})
	latency := realClient(t, url, "t0ken")
	t.Logf("100 requests without the token stalled mid-body: a real request answered in %v", latency.Round(time.Microsecond))
}
