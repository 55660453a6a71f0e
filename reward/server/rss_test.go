//go:build linux

package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evolve-go/evolve/reward/server"
)

// rssChildEnv makes this test binary the server of TestPeakRSS.
const rssChildEnv = "EVOLVE_REWARD_SERVER_CHILD"

// TestRSSChild is the server process of TestPeakRSS: it prints its
// address and serves until its standard input closes.
func TestRSSChild(t *testing.T) {
	if os.Getenv(rssChildEnv) != "1" {
		t.Skip("the server process of TestPeakRSS")
	}
	srv, ln := newListening(t, server.Config{Reward: lastNumber, MaxBodyBytes: 1 << 20, MaxInFlight: 8})
	fmt.Println(ln.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	if err := srv.Serve(ctx, ln); err != nil {
		t.Fatal(err)
	}
}

// peakRSS reads the peak resident set size of process pid (VmHWM), in
// KiB.
func peakRSS(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// startChild starts this test binary as the server of TestPeakRSS and
// returns it and its address; closing stdin stops it.
func startChild(t *testing.T) (cmd *exec.Cmd, stdin io.WriteCloser, addr string) {
	t.Helper()
	cmd = exec.Command(os.Args[0], "-test.run=^TestRSSChild$")
	cmd.Env = append(os.Environ(), rssChildEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("server process: %v", err)
	}
	go io.Copy(io.Discard, stdout)
	return cmd, stdin, strings.TrimSpace(line)
}

// TestPeakRSS runs the server in a process of its own (MaxBodyBytes
// 1 MiB, MaxInFlight 8) and, all at once, sends it the load test (2,000
// four-sample requests from 64 clients), 32 bodies of 3 MiB (each
// answered 413) and holds up to 1,000 idle connections; the server's
// peak RSS must stay under 128 MiB.
func TestPeakRSS(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("peak RSS is measured without -short and -race")
	}
	cmd, stdin, addr := startChild(t)
	url := "http://" + addr + "/get_reward"
	openIdle(t, addr, idleBudget(1000), slowloris)
	var wg sync.WaitGroup
	big := `{"query": ["` + strings.Repeat("x", 3<<20) + `"]}`
	var tooLarge [32]int
	for i := range tooLarge {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(url, "application/json", strings.NewReader(big))
			if err == nil {
				tooLarge[i] = resp.StatusCode
				resp.Body.Close()
			}
		}()
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res := runLoad(ctx, &http.Client{Transport: tr}, url, 64, 2000)
	wg.Wait()
	peak, err := peakRSS(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	stdin.Close()
	for _, f := range res.failures {
		t.Error(f)
	}
	for i, code := range tooLarge {
		if code != http.StatusRequestEntityTooLarge {
			t.Errorf("oversized body %d: status %d, want 413", i, code)
		}
	}
	t.Logf("server peak RSS %.1f MiB after %d requests in %v, 32 bodies of 3 MiB and %d idle connections",
		float64(peak)/1024, res.ok, res.elapsed.Round(time.Millisecond), idleBudget(1000))
	if peak > 128<<10 {
		t.Errorf("server peak RSS %d KiB, want under 128 MiB", peak)
	}
}
