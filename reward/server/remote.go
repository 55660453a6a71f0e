package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/evolve-go/evolve/internal/httpretry"
	"github.com/evolve-go/evolve/reward"
)

// Remote is a reward.Reward backed by a remote reward model that speaks
// the OpenRLHF protocol: a Server of this package, OpenRLHF's own
// serve_rm, or any compatible service. It implements reward.BatchScorer,
// so reward.Scorer sends a whole batch in one request (or several, see
// WithMaxBatch).
//
// Each sample is sent as query = Prompt + Completion, prompts = Prompt,
// labels = Label, and, when any sample has one, metas = Meta (which must
// then encode as JSON). The answer's "rewards" are the scores. A Server
// of this package also reports per-sample failures; Remote maps them back:
// a sample flagged in extra_logs.reward_skipped gets an error wrapping
// reward.ErrSkip, one flagged in extra_logs.reward_error an error with the
// server's message, both with a NaN score.
//
// Retries, with jittered exponential backoff (see WithBackoff), honouring
// a Retry-After header (seconds, fractions allowed, or an HTTP date; at
// most 30 s, since scoring holds up a training step) and always bounded
// by the context, follow the same rule as policy/openai's Client: a
// request is repeated when the server cannot have scored it or answered
// that it failed; one whose answer was lost is repeated only when the
// reward is declared idempotent (unlike completions, it is not by
// default).
//
//   - Not sent: a connection that fails before the whole request is
//     written (refused, reset, DNS or TLS failure) is retried; the server
//     cannot have scored a request it has not read.
//   - Declined: an answer of 408, 409, 429 or 5xx is retried; the server
//     answered that the request failed (a Server of this package: it was
//     busy, or the request timed out and its scores were dropped).
//   - Unanswered: when the whole request was written but no complete
//     answer came back (the connection dropped, the attempt timed out,
//     the answer was cut short), the server may have scored the batch.
//     It is retried only with WithIdempotent(true).
//   - Answered: any other answer is final. A 413 splits the batch in
//     halves, each sent on its own (a single sample the server finds too
//     large gets an error of its own); other 4xx, and a 200 that is not
//     the expected JSON, fail the batch.
//
// A Remote is safe for concurrent use.
type Remote struct {
	url        string
	client     *http.Client
	clientSet  bool
	retries    int
	backoff    time.Duration
	token      string
	idempotent bool
	maxBatch   int
}

// RemoteOption configures a Remote.
type RemoteOption func(*Remote)

// WithHTTPClient sets the HTTP client (for TLS settings, proxies, a
// transport of your own). Default: a client with a 3-minute timeout per
// attempt.
func WithHTTPClient(c *http.Client) RemoteOption {
	return func(r *Remote) { r.client, r.clientSet = c, true }
}

// WithRetries sets how many times a failed request is retried. Default 4;
// 0 disables retries.
func WithRetries(n int) RemoteOption { return func(r *Remote) { r.retries = n } }

// WithBackoff sets the wait before the first retry; it doubles with each
// further retry, up to 10 s (or d, when d is longer). Each wait is drawn
// uniformly from the upper half of that, [w/2, w], so that clients
// turned away together (a busy server's 503) do not return together.
// Default 250 ms.
func WithBackoff(d time.Duration) RemoteOption { return func(r *Remote) { r.backoff = d } }

// WithToken sends "Authorization: Bearer token" with every request, for a
// Server with Config.Token. Default: no Authorization header.
func WithToken(token string) RemoteOption { return func(r *Remote) { r.token = token } }

// WithIdempotent declares whether scoring a batch twice is harmless, so
// that a request whose answer was lost after the server received it is
// repeated (see Remote). A pure function of the sample, such as a
// verifier, is idempotent; a reward that bills (an LLM judge on a paid
// API), counts or remembers what it scored is not. Default false: such a
// request fails the batch instead.
func WithIdempotent(on bool) RemoteOption { return func(r *Remote) { r.idempotent = on } }

// WithMaxBatch sets the most samples sent in one request; a larger batch
// is sent as several requests, one after another. Default 0: the whole
// batch in one request (a 413 still splits it, see Remote).
func WithMaxBatch(n int) RemoteOption { return func(r *Remote) { r.maxBatch = n } }

// NewRemote returns a Remote that posts to rawURL, the full endpoint URL
// (for example "http://127.0.0.1:5000/get_reward").
func NewRemote(rawURL string, opts ...RemoteOption) (*Remote, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("server: remote URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server: remote URL %q is not an http(s) URL with a host", rawURL)
	}
	r := &Remote{url: rawURL, retries: 4, backoff: 250 * time.Millisecond}
	for _, o := range opts {
		o(r)
	}
	switch {
	case r.clientSet && r.client == nil:
		return nil, errors.New("server: WithHTTPClient(nil)")
	case r.retries < 0:
		return nil, fmt.Errorf("server: WithRetries(%d) is negative", r.retries)
	case r.backoff < 0:
		return nil, fmt.Errorf("server: WithBackoff(%v) is negative", r.backoff)
	case r.maxBatch < 0:
		return nil, fmt.Errorf("server: WithMaxBatch(%d) is negative", r.maxBatch)
	}
	if r.client == nil {
		r.client = &http.Client{Timeout: DefaultRequestTimeout}
	}
	return r, nil
}

// Score scores one sample with a request of one.
func (r *Remote) Score(ctx context.Context, s reward.Sample) (float64, error) {
	dst := []float64{math.NaN()}
	errs := []error{nil}
	if err := r.ScoreBatch(ctx, []reward.Sample{s}, dst, errs); err != nil {
		return math.NaN(), err
	}
	return dst[0], errs[0]
}

// ScoreBatch scores samples, in requests of at most WithMaxBatch samples
// (retried and split as documented on Remote). It writes one score per
// sample into dst and, when errs is non-nil, a per-sample error into
// errs. The returned error fails the whole batch: a transport failure
// after the retries, an answer that is not 200, or one that does not hold
// one finite reward per sample.
func (r *Remote) ScoreBatch(ctx context.Context, samples []reward.Sample, dst []float64, errs []error) error {
	if len(dst) != len(samples) {
		return fmt.Errorf("server: Remote.ScoreBatch: len(dst) = %d, want %d", len(dst), len(samples))
	}
	if errs != nil && len(errs) != len(samples) {
		return fmt.Errorf("server: Remote.ScoreBatch: len(errs) = %d, want %d", len(errs), len(samples))
	}
	if errs == nil {
		errs = make([]error, len(samples))
	}
	step := len(samples)
	if r.maxBatch > 0 {
		step = r.maxBatch
	}
	for lo := 0; lo < len(samples); lo += step {
		hi := min(lo+step, len(samples))
		if err := r.scoreSplit(ctx, samples[lo:hi], dst[lo:hi], errs[lo:hi]); err != nil {
			return err
		}
	}
	return nil
}

// scoreSplit scores samples with one request; when the server answers
// 413 it scores each half on its own, and a single sample too large for
// the server gets the 413 as its error.
func (r *Remote) scoreSplit(ctx context.Context, samples []reward.Sample, dst []float64, errs []error) error {
	err := r.scoreOnce(ctx, samples, dst, errs)
	var se *statusError
	if !errors.As(err, &se) || se.code != http.StatusRequestEntityTooLarge {
		return err
	}
	if len(samples) == 1 {
		dst[0], errs[0] = math.NaN(), err
		return nil
	}
	h := len(samples) / 2
	if err := r.scoreSplit(ctx, samples[:h], dst[:h], errs[:h]); err != nil {
		return err
	}
	return r.scoreSplit(ctx, samples[h:], dst[h:], errs[h:])
}

// scoreOnce scores samples with one request (retried as documented on
// Remote).
func (r *Remote) scoreOnce(ctx context.Context, samples []reward.Sample, dst []float64, errs []error) error {
	body, err := encodeRequest(samples)
	if err != nil {
		return err
	}
	resp, err := r.post(ctx, body)
	if err != nil {
		return err
	}
	if len(resp.Rewards) != len(samples) {
		return fmt.Errorf("server: Remote: %d rewards for %d samples", len(resp.Rewards), len(samples))
	}
	skipped, failed, msgs := resp.flags(LogSkipped), resp.flags(LogError), resp.messages()
	for i, p := range resp.Rewards {
		var e error
		v := math.NaN()
		if p != nil {
			v = *p
		}
		switch {
		case p == nil:
			e = errors.New("server: Remote: reward is null")
		case flag(skipped, i):
			e = fmt.Errorf("server: Remote: %s: %w", message(msgs, i), reward.ErrSkip)
		case flag(failed, i):
			e = fmt.Errorf("server: Remote: %s", message(msgs, i))
		case math.IsNaN(v) || math.IsInf(v, 0):
			e = fmt.Errorf("server: Remote: reward %v is not finite", v)
		}
		if e != nil {
			v = math.NaN()
		}
		dst[i], errs[i] = v, e
	}
	return nil
}

// encodeRequest is the request body for samples.
func encodeRequest(samples []reward.Sample) ([]byte, error) {
	req := Request{
		Query:   make([]string, len(samples)),
		Prompts: make([]Text, len(samples)),
		Labels:  make([]Text, len(samples)),
	}
	for i, s := range samples {
		req.Query[i] = s.Prompt + s.Completion
		req.Prompts[i] = Text(s.Prompt)
		req.Labels[i] = Text(s.Label)
		if s.Meta != nil && req.Metas == nil {
			req.Metas = make([]map[string]any, len(samples))
		}
	}
	if req.Metas != nil {
		for i, s := range samples {
			req.Metas[i] = s.Meta
		}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("server: Remote: encoding the request: %w", err)
	}
	return body, nil
}

// remoteResponse is Response as a client reads it: a null reward (None
// from a Python server) stays distinguishable from 0.
// Only "rewards" must have its documented shape; extra_logs and errors
// are read when they have the shape a Server sends and ignored otherwise.
type remoteResponse struct {
	Rewards   []*float64                 `json:"rewards"`
	ExtraLogs map[string]json.RawMessage `json:"extra_logs"`
	Errors    json.RawMessage            `json:"errors"`
}

// flags decodes the per-sample flag list under key, nil if absent or of
// another shape.
func (r *remoteResponse) flags(key string) []float64 {
	var xs []float64
	if json.Unmarshal(r.ExtraLogs[key], &xs) != nil {
		return nil
	}
	return xs
}

// messages decodes the per-sample error messages, nil if absent or of
// another shape.
func (r *remoteResponse) messages() []string {
	var xs []string
	if json.Unmarshal(r.Errors, &xs) != nil {
		return nil
	}
	return xs
}

// flag reports whether a per-sample flag list marks sample i.
func flag(xs []float64, i int) bool { return i < len(xs) && xs[i] != 0 }

// message is the server's error for sample i, or a generic one.
func message(msgs []string, i int) string {
	if i < len(msgs) && msgs[i] != "" {
		return msgs[i]
	}
	return "the remote reward failed"
}

// maxBackoff caps the exponential backoff between attempts (raised to
// WithBackoff's wait when that is longer).
const maxBackoff = 10 * time.Second

// maxRetryAfter caps the wait a Retry-After header asks for: scoring sits
// on a training step's critical path, and a Server of this package asks
// for 1 s; a server asking for longer is retried after 30 s.
const maxRetryAfter = 30 * time.Second

// post sends body, retrying as documented on Remote, and decodes the
// answer.
func (r *Remote) post(ctx context.Context, body []byte) (*remoteResponse, error) {
	p := httpretry.Policy{Retries: r.retries, Base: r.backoff, Max: max(maxBackoff, r.backoff)}
	var resp remoteResponse
	err := p.Do(ctx, func() (time.Duration, bool, error) { return r.try(ctx, body, &resp) })
	if _, ok := err.(*httpretry.Error); ok {
		return nil, fmt.Errorf("server: Remote: %w", err)
	}
	if err != nil {
		return nil, err
	}
	return &resp, nil
}

// maxAnswerBytes bounds the answer Remote reads.
const maxAnswerBytes = 64 << 20

// statusError is an answer other than 200.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return "server: Remote: " + e.msg }

// try makes one attempt and decodes the answer into out; on failure it
// reports whether the attempt is repeated (see Remote for the rule) and
// after how long the server asks.
func (r *Remote) try(ctx context.Context, body []byte, out *remoteResponse) (after time.Duration, retry bool, err error) {
	tctx, sent := httpretry.TrackSent(ctx)
	hreq, err := http.NewRequestWithContext(tctx, http.MethodPost, r.url, bytes.NewReader(body))
	if err != nil {
		return 0, false, fmt.Errorf("server: Remote: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	if r.token != "" {
		hreq.Header.Set("Authorization", "Bearer "+r.token)
	}
	hresp, err := r.client.Do(hreq)
	if err != nil {
		retry, err := r.lost(sent(), err)
		return 0, retry, err
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hresp.Body, maxAnswerBytes+1))
	if err != nil {
		retry, err := r.lost(true, fmt.Errorf("reading the answer: %w", err))
		return 0, retry, err
	}
	if len(data) > maxAnswerBytes {
		return 0, false, fmt.Errorf("server: Remote: the answer exceeds %d bytes", maxAnswerBytes)
	}
	if hresp.StatusCode != http.StatusOK {
		after = httpretry.RetryAfter(hresp.Header.Get("Retry-After"), time.Now(), maxRetryAfter)
		return after, httpretry.Retryable(hresp.StatusCode), &statusError{hresp.StatusCode, hresp.Status + ": " + answerMessage(data)}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return 0, false, fmt.Errorf("server: Remote: the answer is not the expected JSON: %w", err)
	}
	if out.Rewards == nil {
		return 0, false, errors.New(`server: Remote: the answer has no "rewards"`)
	}
	return 0, false, nil
}

// lost is the outcome of an attempt that got no complete answer: whether
// it is repeated (see Remote), and its error, saying why it is not when
// the server may have scored the batch.
func (r *Remote) lost(sent bool, err error) (retry bool, _ error) {
	if !httpretry.Unanswered(sent, r.idempotent) {
		return false, fmt.Errorf("server: Remote: %w (the request was sent, so the server may have scored it: not repeated, see WithIdempotent)", err)
	}
	return true, fmt.Errorf("server: Remote: %w", err)
}

// answerMessage is the error message of an answer body: the "error" of an
// ErrorResponse, else the body's start.
func answerMessage(data []byte) string {
	var e ErrorResponse
	msg := string(bytes.TrimSpace(data))
	if json.Unmarshal(data, &e) == nil && e.Error != "" {
		msg = e.Error
	}
	if len(msg) > 512 {
		msg = msg[:512] + "…"
	}
	return msg
}
