// Package httpretry is the retry rule of the module's HTTP clients
// (policy/openai's Client and reward/server's Remote): which answers are
// repeated, how long to wait before a repeat, and whether a request that
// got no answer may have reached the server.
//
// A request is repeated when the server cannot have done its work or
// answered that it failed; one whose answer was lost is repeated only
// when doing it twice is harmless:
//
//   - Not sent: an attempt that failed before the whole request was
//     written (TrackSent) is repeated.
//   - Declined: a Retryable status is repeated, after the server's
//     RetryAfter when that is longer than the backoff.
//   - Unanswered: an attempt whose request was written but whose answer
//     did not come back in full is repeated only when idempotent
//     (Unanswered).
//   - Answered: any other answer is final.
package httpretry

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Retryable reports whether an answer with status code is repeated: the
// server answered that the request failed for a reason that may pass
// (RFC 9110): 408 Request Timeout, 409 Conflict (a lock held by another
// request), 429 Too Many Requests (RFC 6585) and every 5xx.
func Retryable(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusConflict ||
		code == http.StatusTooManyRequests || code >= 500
}

// Unanswered reports whether an attempt that got no complete answer is
// repeated: always when the request was not sent in full (the server
// cannot have done it), and otherwise only when idempotent (the server
// may have done it, and doing it twice must be harmless).
func Unanswered(sent, idempotent bool) bool { return !sent || idempotent }

// TrackSent returns ctx with an httptrace.ClientTrace that records
// whether the whole request was written, and a function that reports it;
// use the context for one request only. A request not written in full
// cannot have reached the server's handler.
func TrackSent(ctx context.Context) (context.Context, func() bool) {
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) { wrote.Store(i.Err == nil) }}
	return httptrace.WithClientTrace(ctx, trace), wrote.Load
}

// RetryAfter is the wait a Retry-After header value h asks for (RFC 9110
// §10.2.3): delay-seconds, fractions accepted, or an HTTP date counted
// from now. It is 0 when h is empty, unusable, not positive or in the
// past, and at most limit: a date far ahead (Fri, 31 Dec 9999) would
// otherwise ask for centuries.
func RetryAfter(h string, now time.Time, limit time.Duration) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(h, 64); err == nil {
		if s <= 0 || math.IsNaN(s) {
			return 0
		}
		return time.Duration(min(s, limit.Seconds()) * float64(time.Second))
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d, limit)
		}
	}
	return 0
}

// Policy is how often and after how long a failed attempt is repeated.
type Policy struct {
	// Retries is the number of attempts after the first.
	Retries int
	// Base and Max bound the exponential backoff (see Backoff); Max
	// should be at least Base.
	Base, Max time.Duration
}

// Backoff is the wait before retry k (from 0): a uniformly jittered
// duration in [d/2, d] with d = min(Base·2^k, Max), 0 when d ≤ 0. The
// jitter spreads the retries of concurrent callers that failed together
// (a busy server's 503s); it touches nothing a training run reproduces,
// so the global source is used.
func (p Policy) Backoff(k int) time.Duration {
	d := p.Max
	if k < 63 && p.Base <= p.Max>>k { // Base·2^k ≤ Max, without overflow
		d = p.Base << k
	}
	if d <= 0 {
		return 0
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// Do makes attempts until one succeeds or fails for good (retry false),
// the retries run out or ctx ends. An attempt returns its error, whether
// the failure is repeated, and how long the server asked to wait (0 for
// none); retry k waits max(after, Backoff(k)).
//
// Do returns nil after a success, and the attempt's error when it is
// final, when no retry was allowed (Retries 0), or when it already holds
// the end of ctx. When it gives up on a failure it would have repeated —
// the retries ran out, or ctx ended before the next attempt — it returns
// an *Error.
func (p Policy) Do(ctx context.Context, attempt func() (after time.Duration, retry bool, err error)) error {
	for k := 0; ; k++ {
		after, retry, err := attempt()
		switch {
		case err == nil || !retry:
			return err
		case ctx.Err() != nil && errors.Is(err, ctx.Err()):
			return err
		case k >= p.Retries && k == 0:
			return err
		case k >= p.Retries:
			return &Error{Attempts: k + 1, Err: err}
		case !sleep(ctx, max(after, p.Backoff(k))):
			return &Error{Attempts: k + 1, Err: err, Ctx: ctx.Err()}
		}
	}
}

// sleep waits d or until ctx ends, and reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	return ctx.Err() == nil
}

// Error is a failure that Do stopped repeating: the retries ran out, or
// the context ended (Ctx) before the next attempt.
type Error struct {
	// Attempts is the number of attempts made.
	Attempts int
	// Err is the last attempt's error.
	Err error
	// Ctx is the context's error when it ended before the next attempt,
	// else nil.
	Ctx error
}

func (e *Error) Error() string {
	if e.Ctx != nil {
		return fmt.Sprintf("%v (last error: %v)", e.Ctx, e.Err)
	}
	return fmt.Sprintf("giving up after %d attempts: %v", e.Attempts, e.Err)
}

// Unwrap returns the last attempt's error and, when the context ended,
// the context's.
func (e *Error) Unwrap() []error {
	if e.Ctx != nil {
		return []error{e.Ctx, e.Err}
	}
	return []error{e.Err}
}
