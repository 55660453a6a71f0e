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

// openIdle opens n connections to addr that each stall: half send
// nothing, half send half a request header (slowloris).
func openIdle(t *testing.T, addr string, n int) []net.Conn {
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
		if i%2 == 1 {
			if _, err := io.WriteString(c, "POST /get_reward HTTP/1.1\r\nHost: x\r\nContent-Le"); err != nil {
				t.Fatalf("idle connection %d: %v", i, err)
			}
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
	conns := openIdle(t, ln.Addr().String(), n)

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Timeout: 10 * time.Second, Transport: tr}
	start := time.Now()
	resp, err := client.Post(url+"/get_reward", "application/json", strings.NewReader(loadBody(3)))
	latency := time.Since(start)
	if err != nil {
		t.Fatalf("real client not served with %d idle connections: %v", n, err)
	}
	var got server.Response
	err = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || !equal(got.Rewards, []float64{1, 0, 1, 0}) {
		t.Fatalf("real client: %d %+v %v", resp.StatusCode, got, err)
	}
	held := stillOpen(conns)
	if held != n {
		t.Errorf("%d of %d idle connections still open", held, n)
	}
	t.Logf("%d idle connections held (half of them stalled mid-header): a real request answered in %v", held, latency.Round(time.Microsecond))
}
