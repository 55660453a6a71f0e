package server_test

import (
	"context"
	"encoding/json"
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

// loadResult is the outcome of runLoad.
type loadResult struct {
	ok       int64         // requests answered correctly
	failures []string      // why the others failed (at most 10 listed), and any shortfall
	elapsed  time.Duration // wall time of the run
}

// runLoad sends total four-sample requests (loadBody) to url from clients
// concurrent clients until all are sent or ctx ends. Every request must
// succeed: any error, wrong answer or request left unsent when ctx ends
// is a failure.
func runLoad(ctx context.Context, client *http.Client, url string, clients, total int) loadResult {
	bodies := make([]string, 16)
	for i := range bodies {
		bodies[i] = loadBody(i)
	}
	var next, ok, failed atomic.Int64
	var mu sync.Mutex
	var failures []string
	failf := func(format string, args ...any) {
		failed.Add(1)
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
				req, _ := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(bodies[i%len(bodies)]))
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					failf("request %d: %v", i, err)
					continue
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
	r := loadResult{ok: ok.Load(), failures: failures, elapsed: time.Since(start)}
	if r.ok != int64(total) {
		r.failures = append(r.failures, fmt.Sprintf("%d of %d requests succeeded (%d failed, %d not sent) in %v: %v",
			r.ok, total, failed.Load(), int64(total)-r.ok-failed.Load(), r.elapsed.Round(time.Millisecond), ctx.Err()))
	}
	return r
}

// TestLoad sends 2,000 requests from 64 concurrent clients over loopback
// and checks that every one is answered correctly within a generous
// minute, nothing is left in flight and the live heap does not grow with
// the request count.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped in -short mode")
	}
	const clients, total = 64, 2000
	srv, ts := newServer(t, server.Config{Reward: lastNumber})
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	before := heapKiB()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res := runLoad(ctx, client, ts.URL+"/get_reward", clients, total)
	tr.CloseIdleConnections()
	after := heapKiB()

	n := res.ok
	t.Logf("%d/%d requests (%d samples) from %d clients in %v: %.0f requests/s, %.0f samples/s; live heap %d KiB before, %d KiB after",
		n, total, 4*n, clients, res.elapsed.Round(time.Millisecond), float64(n)/res.elapsed.Seconds(), float64(4*n)/res.elapsed.Seconds(), before, after)
	for _, f := range res.failures {
		t.Error(f)
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
	if n := settle(srv); n != 0 {
		t.Errorf("%d requests still in flight", n)
	}
}

// The load driver must report a server that stalls part-way: the requests
// cut off at its deadline and those never sent are failures.
func TestLoadDetectsStall(t *testing.T) {
	srv, err := server.New(server.Config{Reward: lastNumber})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	var served atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1) > 20 {
			select { // stall
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		srv.ServeHTTP(w, r)
	}))
	defer ts.Close()
	defer close(release)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res := runLoad(ctx, &http.Client{Transport: tr}, ts.URL+"/get_reward", 4, 100)
	if res.ok != 20 || len(res.failures) == 0 {
		t.Fatalf("stalled server: %d requests ok, failures %q; want 20 ok and the stall reported", res.ok, res.failures)
	}
	if last := res.failures[len(res.failures)-1]; !strings.Contains(last, "20 of 100 requests succeeded") {
		t.Errorf("shortfall not reported: %q", last)
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
