package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/reward/server"
)

// lastNumber is a cheap verifiable reward: 1 when the last
// whitespace-separated field of the completion equals the label.
var lastNumber = reward.Func(func(_ context.Context, s reward.Sample) (float64, error) {
	f := strings.Fields(strings.TrimSuffix(s.Completion, "<|im_end|>"))
	if len(f) > 0 && f[len(f)-1] == s.Label {
		return 1, nil
	}
	return 0, nil
})

// loadBody is a four-sample OpenRLHF request whose rewards are 1, 0, 1, 0.
func loadBody(i int) string {
	var q, p, l []string
	for k := 0; k < 4; k++ {
		a, b := i+k, 2*k+1
		prompt := fmt.Sprintf("<|im_start|>user\nWhat is %d+%d?<|im_end|>\n<|im_start|>assistant\n", a, b)
		ans := a + b
		if k%2 == 1 {
			ans++
		}
		q = append(q, fmt.Sprintf("%sAdding gives %d<|im_end|>", prompt, ans))
		p = append(p, prompt)
		l = append(l, fmt.Sprint(a+b))
	}
	b, _ := json.Marshal(map[string][]string{"query": q, "prompts": p, "labels": l})
	return string(b)
}

// heapKiB returns the live heap after a collection, in KiB.
func heapKiB() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc >> 10
}

// TestLoad sends 2,000 requests from 64 concurrent clients over loopback
// (bounded to 10 s) and checks that every answer is right, nothing is left
// in flight and the live heap does not grow with the request count.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	const clients, total = 64, 2000
	srv, ts := newServer(t, server.Config{Reward: lastNumber})
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	bodies := make([]string, 16)
	for i := range bodies {
		bodies[i] = loadBody(i)
	}

	before := heapKiB()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var next, ok atomic.Int64
	var mu sync.Mutex
	var failures []string
	failf := func(format string, args ...any) {
		mu.Lock()
		if len(failures) < 10 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
		mu.Unlock()
	}
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(clients)
	for c := 0; c < clients; c++ {
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= total {
					return
				}
				req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/get_reward", strings.NewReader(bodies[i%len(bodies)]))
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
						failf("request %d: %v", i, err)
					}
					return
				}
				var got server.Response
				err = json.NewDecoder(resp.Body).Decode(&got)
				resp.Body.Close()
				switch {
				case resp.StatusCode != 200 || err != nil:
					failf("request %d: status %d, %v", i, resp.StatusCode, err)
				case !equal(got.Rewards, []float64{1, 0, 1, 0}) || !equal(got.ExtraLogs[server.LogError], []float64{0, 0, 0, 0}):
					failf("request %d: rewards %v, extra_logs %v", i, got.Rewards, got.ExtraLogs)
				default:
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	tr.CloseIdleConnections()
	after := heapKiB()

	n := ok.Load()
	t.Logf("%d/%d requests (%d samples) from %d clients in %v: %.0f requests/s, %.0f samples/s; live heap %d KiB before, %d KiB after",
		n, total, 4*n, clients, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), float64(4*n)/elapsed.Seconds(), before, after)
	for _, f := range failures {
		t.Error(f)
	}
	if n == 0 {
		t.Fatal("no request succeeded")
	}
	if n < total && ctx.Err() == nil {
		t.Errorf("only %d of %d requests succeeded", n, total)
	}
	st := srv.Stats()
	if st.Requests != uint64(n) || st.Samples != uint64(4*n) || st.SampleErrors != 0 || st.Rejected != 0 {
		t.Errorf("stats %+v after %d good requests", st, n)
	}
	// The live heap may hold connection buffers, but nothing that grows
	// with the number of requests.
	if after > before+32<<10 {
		t.Errorf("live heap grew from %d KiB to %d KiB", before, after)
	}
	deadline := time.Now().Add(5 * time.Second)
	for srv.Stats().InFlight != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := srv.Stats().InFlight; n != 0 {
		t.Errorf("%d requests still in flight", n)
	}
}

// BenchmarkServer measures four-sample OpenRLHF requests over loopback
// from 8 × GOMAXPROCS concurrent clients.
func BenchmarkServer(b *testing.B) {
	srv, err := server.New(server.Config{Reward: lastNumber})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 256}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	body := loadBody(7)
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(ts.URL+"/get_reward", "application/json", strings.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			var got server.Response
			err = json.NewDecoder(resp.Body).Decode(&got)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || len(got.Rewards) != 4 {
				b.Errorf("status %d, %v", resp.StatusCode, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
