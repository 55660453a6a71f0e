package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/evolve-go/evolve/internal/httpretry"
)

// Defaults of the options.
const (
	// DefaultBaseURL is where vLLM's OpenAI-compatible server listens by
	// default.
	DefaultBaseURL = "http://localhost:8000/v1"
	// DefaultMaxRetries is the number of retries after the first attempt.
	DefaultMaxRetries = 3
	// DefaultBackoffBase and DefaultBackoffMax bound the exponential
	// backoff between attempts (openai-go uses 0.5 s and 8 s; servers
	// that are loading a model need longer).
	DefaultBackoffBase = 500 * time.Millisecond
	DefaultBackoffMax  = 30 * time.Second
	// DefaultTimeout bounds each attempt (long generations need minutes).
	DefaultTimeout = 10 * time.Minute
	// DefaultConcurrency is the number of requests Generate keeps in
	// flight.
	DefaultConcurrency = 8
	// MaxResponseBytes bounds the size of a reply body.
	MaxResponseBytes = 64 << 20
)

// Client talks to one OpenAI-compatible server. It is safe for concurrent
// use. The zero value is not usable; call New.
type Client struct {
	baseURL     string
	apiKey      string
	model       string
	http        *http.Client
	maxRetries  int
	backoffBase time.Duration
	backoffMax  time.Duration
	timeout     time.Duration
	concurrency int
	headers     http.Header
	tokenIDs    bool
	splitN      bool
	idempotent  bool

	// Defaults of Complete and ChatComplete.
	temperature *float64
	maxTokens   int
	stop        []string
}

// Option configures a Client.
type Option func(*Client)

// WithBaseURL sets the server's base URL, up to and including the /v1
// prefix (default DefaultBaseURL; llama.cpp listens on
// http://localhost:8080/v1, Ollama on http://localhost:11434/v1). A
// trailing slash is removed.
func WithBaseURL(u string) Option {
	return func(c *Client) { c.baseURL = strings.TrimRight(u, "/") }
}

// WithAPIKey sends "Authorization: Bearer key" (default: no header).
func WithAPIKey(key string) Option { return func(c *Client) { c.apiKey = key } }

// WithModel sets the model name sent with every request (default "",
// omitted: vLLM then serves its only model, llama.cpp ignores the field).
func WithModel(m string) Option { return func(c *Client) { c.model = m } }

// WithHTTPClient sets the http.Client (default: a new http.Client with no
// timeout of its own; WithTimeout bounds each attempt). nil keeps the
// default.
func WithHTTPClient(h *http.Client) Option {
	return func(c *Client) {
		if h != nil {
			c.http = h
		}
	}
}

// WithMaxRetries sets how many times a failed attempt is retried (default
// DefaultMaxRetries; 0 disables retries; negative values mean 0).
func WithMaxRetries(n int) Option {
	return func(c *Client) { c.maxRetries = max(n, 0) }
}

// WithBackoff sets the backoff between attempts: attempt k (from 0) waits
// a uniformly jittered duration in [d/2, d] with d = min(base·2^k, max),
// or the server's Retry-After when that is longer. Defaults
// DefaultBackoffBase and DefaultBackoffMax; non-positive values keep the
// default, and max below base is raised to base.
func WithBackoff(base, max time.Duration) Option {
	return func(c *Client) {
		if base > 0 {
			c.backoffBase = base
		}
		if max > 0 {
			c.backoffMax = max
		}
		if c.backoffMax < c.backoffBase {
			c.backoffMax = c.backoffBase
		}
	}
}

// WithTimeout bounds each attempt (default DefaultTimeout; 0 or negative:
// no per-attempt bound, the context alone bounds the call). An attempt
// that times out is retried while the caller's context allows.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) { c.timeout = max(d, 0) }
}

// WithConcurrency sets how many requests Generate keeps in flight (one
// request per prompt; default DefaultConcurrency; values below 1 mean 1).
func WithConcurrency(n int) Option {
	return func(c *Client) { c.concurrency = max(n, 1) }
}

// WithHeader adds a header to every request.
func WithHeader(key, value string) Option {
	return func(c *Client) { c.headers.Add(key, value) }
}

// WithTokenIDs makes Generate ask vLLM for token ids
// (return_tokens_as_token_ids), so that Completion.Tokens is filled
// (default false; llama.cpp reports ids without it, OpenAI never does).
func WithTokenIDs(on bool) Option { return func(c *Client) { c.tokenIDs = on } }

// WithSplitN makes Generate send N requests with n = 1 per prompt instead
// of one request with n = N, for servers that ignore n (default false:
// vLLM and OpenAI honour n).
func WithSplitN(on bool) Option { return func(c *Client) { c.splitN = on } }

// WithIdempotent declares whether the server may do a request's work
// twice, so that a request whose answer was lost after the server
// received it (the connection dropped, the attempt timed out, the reply
// was cut short) is repeated; see the package documentation for the whole
// rule. Default true: a completion changes nothing on the server, so a
// repeat costs its compute and the caller still sees one answer. Turn it
// off where a repeat costs what matters (a paid API billing per token).
func WithIdempotent(on bool) Option { return func(c *Client) { c.idempotent = on } }

// WithTemperature sets the sampling temperature of Complete and
// ChatComplete (default: not sent, the server's default, 1 on vLLM and
// OpenAI). Judges that sample several verdicts need a positive one;
// 0 is greedy. Generate uses its request's temperature instead.
func WithTemperature(t float64) Option {
	return func(c *Client) { c.temperature = &t }
}

// WithMaxTokens sets max_tokens for Complete and ChatComplete (default 0:
// not sent, the server's default).
func WithMaxTokens(n int) Option { return func(c *Client) { c.maxTokens = max(n, 0) } }

// WithStop sets the stop strings of Complete and ChatComplete (default
// none).
func WithStop(stop ...string) Option {
	return func(c *Client) { c.stop = append([]string(nil), stop...) }
}

// New returns a Client configured by opts (see the options for defaults).
func New(opts ...Option) *Client {
	c := &Client{
		baseURL:     DefaultBaseURL,
		http:        &http.Client{},
		maxRetries:  DefaultMaxRetries,
		backoffBase: DefaultBackoffBase,
		backoffMax:  DefaultBackoffMax,
		timeout:     DefaultTimeout,
		concurrency: DefaultConcurrency,
		headers:     http.Header{},
		idempotent:  true,
	}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	return c
}

// policy is the client's retry policy.
func (c *Client) policy() httpretry.Policy {
	return httpretry.Policy{Retries: c.maxRetries, Base: c.backoffBase, Max: c.backoffMax}
}

// maxRetryAfter caps the wait a Retry-After header asks for: a paid API's
// rate limit may legitimately ask for minutes, so the server is obeyed
// up to a day, and the caller's context bounds the call.
const maxRetryAfter = 24 * time.Hour

// retryAfter is the wait a Retry-After header asks for (seconds,
// fractions accepted, or an HTTP date), 0 when absent or unusable, and at
// most maxRetryAfter.
func retryAfter(h string, now time.Time) time.Duration {
	return httpretry.RetryAfter(h, now, maxRetryAfter)
}

// post sends body as JSON to path and decodes a 2xx reply into out,
// retrying as documented on the package.
func (c *Client) post(ctx context.Context, path string, body, out any) error {
	payload, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrInvalidRequest, path, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("openai: POST %s: %w", path, err)
	}
	err = c.policy().Do(ctx, func() (time.Duration, bool, error) {
		return c.try(ctx, path, payload, out)
	})
	if _, ok := err.(*httpretry.Error); ok {
		return fmt.Errorf("openai: POST %s: %w", path, err)
	}
	return err
}

// try makes one attempt and decodes a 2xx reply into out; on failure it
// reports whether the attempt is repeated and after how long the server
// asks (see the package documentation for the rule).
func (c *Client) try(ctx context.Context, path string, payload []byte, out any) (after time.Duration, retry bool, err error) {
	status, hdr, respBody, sent, err := c.once(ctx, path, payload)
	switch {
	case err != nil:
		var de *DecodeError
		switch {
		case errors.As(err, &de):
			return 0, false, de
		case errors.Is(err, ErrInvalidRequest):
			return 0, false, fmt.Errorf("openai: POST %s: %w", path, err)
		case ctx.Err() != nil:
			return 0, false, fmt.Errorf("openai: POST %s: %w", path, ctx.Err())
		case !httpretry.Unanswered(sent, c.idempotent):
			return 0, false, fmt.Errorf("openai: POST %s: %w (the request was sent, so the server may have done it: not repeated, see WithIdempotent)", path, err)
		}
		return 0, true, fmt.Errorf("openai: POST %s: %w", path, err)
	case status >= 200 && status < 300:
		return 0, false, decodeReply(path, status, respBody, out)
	}
	apiErr, _ := parseErrorBody(status, respBody)
	return retryAfter(hdr.Get("Retry-After"), time.Now()), httpretry.Retryable(status), apiErr
}

// once makes one attempt. A non-nil error is a transport failure (no
// status, or a body cut short); sent reports whether the whole request
// had been written by then, so that the server may have received it.
func (c *Client) once(ctx context.Context, path string, payload []byte) (status int, hdr http.Header, body []byte, sent bool, err error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	ctx, wrote := httpretry.TrackSent(ctx)
	status, hdr, body, err = c.attempt(ctx, path, payload)
	return status, hdr, body, wrote(), err
}

// attempt sends one request and reads its reply.
func (c *Client) attempt(ctx context.Context, path string, payload []byte) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+path, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	for k, vs := range c.headers {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("reading reply (HTTP %d): %w", resp.StatusCode, err)
	}
	if len(b) > MaxResponseBytes {
		return resp.StatusCode, resp.Header, nil, &DecodeError{Endpoint: path, StatusCode: resp.StatusCode, Err: errors.New("reply exceeds MaxResponseBytes")}
	}
	return resp.StatusCode, resp.Header, b, nil
}

// decodeReply decodes a 2xx body into out. A 2xx body that is an error
// object (some servers do that) becomes an *APIError.
func decodeReply(path string, status int, body []byte, out any) error {
	if e, ok := parseErrorBody(status, body); ok {
		var probe struct {
			Choices json.RawMessage `json:"choices"`
		}
		if json.Unmarshal(body, &probe) == nil && len(probe.Choices) == 0 {
			return e
		}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &DecodeError{Endpoint: path, StatusCode: status, Body: keepBody(body), Err: err}
	}
	return nil
}
