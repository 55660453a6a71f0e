package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/reward/server"
)

// TestDrainLosesNothing shuts the server down in the middle of a load of
// 16 clients: every request the server accepted is answered 200 and its
// answer reaches its client; the requests that fail are those the server
// never accepted (refused once the listener closes). Each client stops at
// its first failure.
func TestDrainLosesNothing(t *testing.T) {
	slow := reward.Func(func(ctx context.Context, s reward.Sample) (float64, error) {
		time.Sleep(2 * time.Millisecond)
		return lastNumber(ctx, s)
	})
	srv, ln := newListening(t, server.Config{Reward: slow, DrainGrace: 100 * time.Millisecond})
	url := "http://" + ln.Addr().String() + "/get_reward"
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	var received, failed atomic.Int64
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	var wg sync.WaitGroup
	for c := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ok := true; ok; {
				ok = drainClientPost(client, url, loadBody(c))
				if ok {
					received.Add(1)
				}
			}
			failed.Add(1)
		}()
	}
	time.Sleep(300 * time.Millisecond)
	cancel()
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	wg.Wait()
	st := srv.Stats()
	accepted := st.Requests + st.Failed + st.Rejected
	lost := int64(accepted) - received.Load()
	t.Logf("%d requests accepted before and during the shutdown, %d answered and received, %d lost; %d clients refused after the listener closed",
		accepted, received.Load(), lost, failed.Load())
	if lost != 0 || st.Failed != 0 || st.Rejected != 0 || received.Load() == 0 {
		t.Errorf("stats %+v, %d answers received: want every accepted request answered 200 and received", st, received.Load())
	}
}

// drainClientPost posts body and reports whether a correct 200 answer
// came back.
func drainClientPost(client *http.Client, url, body string) bool {
	resp, err := client.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var got server.Response
	err = json.NewDecoder(resp.Body).Decode(&got)
	return err == nil && resp.StatusCode == 200 && equal(got.Rewards, []float64{1, 0, 1, 0})
}
