package httpretry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRetryable checks the status rule against RFC 9110's meaning of
// each status: repeated are those where the server says the request
// failed for a reason that may pass (a timeout, a conflicting lock, a rate
// limit, a server-side failure); not those that say the request itself is
// wrong or refused, nor successes and redirects.
func TestRetryable(t *testing.T) {
	for _, tc := range []struct {
		code int
		want bool
	}{
		{200, false}, {204, false}, {301, false}, {304, false},
		{400, false}, // malformed: the same request fails again
		{401, false}, {403, false}, {404, false}, {405, false},
		{408, true}, // Request Timeout: "the client MAY repeat that request"
		{409, true}, // Conflict: the resource's state (a lock) may change
		{410, false}, {413, false}, {415, false}, {422, false},
		{429, true}, // Too Many Requests (RFC 6585): wait and repeat
		{500, true}, {502, true}, {503, true}, {504, true}, {599, true},
	} {
		if got := Retryable(tc.code); got != tc.want {
			t.Errorf("Retryable(%d) = %v, want %v", tc.code, got, tc.want)
		}
	}
}

func TestUnanswered(t *testing.T) {
	for _, tc := range []struct{ sent, idempotent, want bool }{
		{false, false, true}, // never reached the server
		{false, true, true},
		{true, false, false}, // may have been done: not twice
		{true, true, true},
	} {
		if got := Unanswered(tc.sent, tc.idempotent); got != tc.want {
			t.Errorf("Unanswered(sent %v, idempotent %v) = %v", tc.sent, tc.idempotent, got)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	// Friday 2 January 2026, 03:04:05 UTC; the dates below are 90 s later
	// (03:05:35) in RFC 9110's three formats.
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		h     string
		limit time.Duration
		want  time.Duration
	}{
		{"120", time.Hour, 2 * time.Minute},
		{"0.25", time.Hour, 250 * time.Millisecond},
		{" 7 ", time.Hour, 7 * time.Second},
		{"Fri, 02 Jan 2026 03:05:35 GMT", time.Hour, 90 * time.Second},
		{"Friday, 02-Jan-26 03:05:35 GMT", time.Hour, 90 * time.Second},
		{"Fri Jan  2 03:05:35 2026", time.Hour, 90 * time.Second},
		// At most the limit.
		{"120", 30 * time.Second, 30 * time.Second},
		{"86400.5", 24 * time.Hour, 24 * time.Hour},
		{"Fri, 02 Jan 2026 03:05:35 GMT", 30 * time.Second, 30 * time.Second},
		{"Fri, 31 Dec 9999 23:59:59 GMT", 24 * time.Hour, 24 * time.Hour},
		// No wait: absent, unusable, not positive, now or past.
		{"", time.Hour, 0},
		{"soon", time.Hour, 0},
		{"0", time.Hour, 0},
		{"-3", time.Hour, 0},
		{"NaN", time.Hour, 0},
		{"Fri, 02 Jan 2026 03:04:05 GMT", time.Hour, 0},
		{"Fri, 02 Jan 2026 03:02:35 GMT", time.Hour, 0},
	} {
		if got := RetryAfter(tc.h, now, tc.limit); got != tc.want {
			t.Errorf("RetryAfter(%q, limit %v) = %v, want %v", tc.h, tc.limit, got, tc.want)
		}
	}
}

// FuzzRetryAfter checks that any Retry-After header gives a wait between
// 0 and the limit, that the limit only clips it, and that whole seconds
// are read as such (testdata/fuzz holds an HTTP date that once gave 292
// years).
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "0.5", "-3", "NaN", "Inf", "1e400", "Wed, 21 Oct 2015 07:28:00 GMT",
		"Monday, 02-Jan-06 15:04:05 MST", " 7 ", "", "+5", "99999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, h string) {
		day := RetryAfter(h, now, 24*time.Hour)
		if day < 0 || day > 24*time.Hour {
			t.Fatalf("RetryAfter(%q, 24h) = %v", h, day)
		}
		if d := RetryAfter(h, now, 30*time.Second); d != min(day, 30*time.Second) {
			t.Fatalf("RetryAfter(%q): %v with a 30 s limit, %v with 24 h", h, d, day)
		}
		if n, err := strconv.Atoi(strings.TrimSpace(h)); err == nil {
			want := 24 * time.Hour
			switch {
			case n <= 0:
				want = 0
			case n < 24*3600:
				want = time.Duration(n) * time.Second
			}
			if day != want {
				t.Fatalf("RetryAfter(%q, 24h) = %v, want %v", h, day, want)
			}
		}
	})
}

func TestBackoff(t *testing.T) {
	const ms = time.Millisecond
	for _, tc := range []struct {
		p    Policy
		k    int
		want time.Duration // d; the wait is in [d/2, d]
	}{
		{Policy{Base: 10 * ms, Max: 40 * ms}, 0, 10 * ms},
		{Policy{Base: 10 * ms, Max: 40 * ms}, 1, 20 * ms},
		{Policy{Base: 10 * ms, Max: 40 * ms}, 2, 40 * ms},
		{Policy{Base: 10 * ms, Max: 40 * ms}, 3, 40 * ms},
		{Policy{Base: 10 * ms, Max: 40 * ms}, 1000, 40 * ms},
		{Policy{Base: 250 * ms, Max: 10 * time.Second}, 5, 8 * time.Second},
		{Policy{Base: 250 * ms, Max: 10 * time.Second}, 6, 10 * time.Second},
		// (2^40+1) ns · 2^24 = 2^64 + 2^24 ns wraps to 16.8 ms in int64.
		{Policy{Base: 1<<40 + 1, Max: time.Hour}, 24, time.Hour},
		{Policy{Base: 0, Max: time.Second}, 3, 0},
	} {
		for range 50 {
			if got := tc.p.Backoff(tc.k); got < tc.want/2 || got > tc.want {
				t.Fatalf("%+v.Backoff(%d) = %v, want in [%v, %v]", tc.p, tc.k, got, tc.want/2, tc.want)
			}
		}
	}
	// Jittered: 200 draws in [0.5 s, 1 s] all on one side of 0.75 s
	// happen with probability 2·2^-200.
	lo, hi := false, false
	for range 200 {
		d := Policy{Base: time.Second, Max: time.Second}.Backoff(0)
		lo, hi = lo || d < 750*ms, hi || d > 750*ms
	}
	if !lo || !hi {
		t.Errorf("200 waits of Backoff(0) with Base 1 s all on one side of 750 ms: no jitter")
	}
}

// script is an attempt function that fails with the given errors, in
// order (retried), then succeeds; it counts its calls.
type script struct {
	errs  []error
	after time.Duration
	calls int
}

func (s *script) attempt() (time.Duration, bool, error) {
	s.calls++
	if s.calls <= len(s.errs) {
		return s.after, true, s.errs[s.calls-1]
	}
	return 0, false, nil
}

func TestDo(t *testing.T) {
	ctx := context.Background()
	p := Policy{Retries: 3, Base: time.Millisecond, Max: time.Millisecond}
	e1, e2, e3, e4 := errors.New("e1"), errors.New("e2"), errors.New("e3"), errors.New("e4")

	s := &script{errs: []error{e1, e2}}
	if err := p.Do(ctx, s.attempt); err != nil || s.calls != 3 {
		t.Errorf("two failures then success: %v after %d calls, want nil after 3", err, s.calls)
	}

	s = &script{errs: []error{e1, e2, e3, e4, e4}}
	err := p.Do(ctx, s.attempt)
	var re *Error
	if !errors.As(err, &re) || re.Attempts != 4 || re.Err != e4 || re.Ctx != nil || s.calls != 4 ||
		err.Error() != "giving up after 4 attempts: e4" {
		t.Errorf("always failing: %v after %d calls, want giving up after 4", err, s.calls)
	}

	s = &script{errs: []error{e1}}
	if err := (Policy{}).Do(ctx, s.attempt); err != e1 || s.calls != 1 {
		t.Errorf("Retries 0: %v after %d calls, want e1 as is after 1", err, s.calls)
	}

	calls := 0
	final := func() (time.Duration, bool, error) {
		calls++
		if calls == 1 {
			return 0, true, e1
		}
		return 0, false, e2
	}
	if err := p.Do(ctx, final); err != e2 || calls != 2 {
		t.Errorf("final error: %v after %d calls, want e2 as is after 2", err, calls)
	}
}

func TestDoWaits(t *testing.T) {
	p := Policy{Retries: 3, Base: time.Millisecond, Max: time.Millisecond}
	e := errors.New("busy")

	// The server's wait, when longer than the backoff.
	s := &script{errs: []error{e}, after: 100 * time.Millisecond}
	start := time.Now()
	if err := p.Do(context.Background(), s.attempt); err != nil || time.Since(start) < 100*time.Millisecond {
		t.Errorf("Retry-After 100 ms: %v after %v", err, time.Since(start))
	}

	// The context ends during the wait.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	s = &script{errs: []error{e}, after: time.Hour}
	err := p.Do(ctx, s.attempt)
	var re *Error
	if !errors.As(err, &re) || re.Attempts != 1 || !errors.Is(err, e) || !errors.Is(err, context.DeadlineExceeded) || s.calls != 1 ||
		err.Error() != "context deadline exceeded (last error: busy)" {
		t.Errorf("context ends while waiting: %v after %d calls", err, s.calls)
	}

	// An attempt that failed because the context ended is returned as is.
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	ce := fmt.Errorf("dial: %w", context.Canceled)
	s = &script{errs: []error{ce}}
	if err := p.Do(cctx, s.attempt); err != ce || s.calls != 1 {
		t.Errorf("attempt ended by the context: %v after %d calls, want it as is after 1", err, s.calls)
	}
}

// failingBody is a request body that fails after a few bytes.
type failingBody struct{ n int }

func (b *failingBody) Read(p []byte) (int, error) {
	if b.n > 0 {
		b.n--
		p[0] = 'x'
		return 1, nil
	}
	return 0, errors.New("disk gone")
}

func TestTrackSent(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.Copy(io.Discard, r.Body) }))
	defer ts.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for _, tc := range []struct {
		name string
		url  string
		body io.Reader
		want bool
	}{
		{"answered", ts.URL, strings.NewReader("{}"), true},
		{"refused", closed.URL, strings.NewReader("{}"), false},
		{"body fails mid-write", ts.URL, &failingBody{n: 3}, false},
	} {
		ctx, sent := TrackSent(context.Background())
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, tc.url, tc.body)
		if err != nil {
			t.Fatal(err)
		}
		if resp, err := ts.Client().Do(req); err == nil {
			resp.Body.Close()
		}
		if sent() != tc.want {
			t.Errorf("%s: sent %v, want %v", tc.name, sent(), tc.want)
		}
	}
}
