// Package server serves any reward.Reward over HTTP with the remote
// reward-model protocol of OpenRLHF, so a reward design written in Go
// plugs into OpenRLHF's distributed training unchanged:
//
//	--remote_rm_url http://host:5000/get_reward
//
// The protocol: OpenRLHF posts
//
//	{"query": ["<prompt><response>", ...], "prompts": ["<prompt>", ...], "labels": ["<answer>", ...]}
//
// where each query is the whole decoded sequence, the prompt followed by
// the response with special tokens kept, and the server answers
//
//	{"rewards": [r0, ...], "scores": [r0, ...], "extra_logs": {"reward_error": [0, ...], ...}}
//
// with one finite float per query. Each sample the reward sees has the
// prompt, the response cut out of the query (SplitResponse) and the label.
//
// A sample whose reward fails gets Config.FailureScore (OpenRLHF cannot
// take NaN) and is flagged in extra_logs and the "errors" list; a request
// that is malformed gets a 4xx answer and a request that cannot be served
// (timeout, overload, shutdown) a 503, both with a JSON {"error": "..."}
// body. See Server.ServeHTTP for the details.
//
// Access: ListenAndServe listens on loopback unless an address names
// another interface; Config.Token asks every reward request for a bearer
// token (off by default, since OpenRLHF sends none) and Config.CertFile
// and KeyFile serve TLS. Serve warns when it listens beyond loopback
// without them.
//
// Remote is the other side: a reward.Reward that scores through any server
// speaking the protocol, so a Go training loop can use a reward served
// elsewhere (another machine, OpenRLHF's Python serve_rm).
package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/evolve-go/evolve/reward"
)

// Defaults for the zero values of Config.
const (
	// DefaultPath is where the reward endpoint is served, the path
	// OpenRLHF's own reward-model server uses.
	DefaultPath = "/get_reward"
	// DefaultMaxBodyBytes is the largest request body accepted (32 MiB).
	DefaultMaxBodyBytes = 32 << 20
	// DefaultRequestTimeout bounds each request. OpenRLHF's client gives
	// up after 180 s and retries, so a longer answer would be wasted.
	DefaultRequestTimeout = 3 * time.Minute
	// DefaultShutdownTimeout is how long Serve waits for in-flight
	// requests when its context ends.
	DefaultShutdownTimeout = 30 * time.Second
	// DefaultAddr is where ListenAndServe listens when given "": the
	// loopback interface, port 5000.
	DefaultAddr = "127.0.0.1:5000"
)

// Config configures a Server. The zero value of every field except Reward
// is usable; negative durations and counts are errors.
type Config struct {
	// Reward scores the samples. Required.
	Reward reward.Reward
	// Path is the reward endpoint. Default (""): DefaultPath. The health
	// check is always at /healthz.
	Path string
	// Parallelism is the number of samples of one request scored at once
	// (reward.Scorer.Parallelism). Default (0): runtime.GOMAXPROCS(0).
	Parallelism int
	// MaxInFlight is the number of requests scored at once; further
	// requests wait for a slot until their timeout, then get a 503. The
	// server's total concurrency is at most MaxInFlight × Parallelism:
	// a request answered at a deadline while Score calls of a reward that
	// ignores its context are still running keeps its slot until they
	// return (reward.Scorer.ScoreAllSettled), so a stuck reward makes the
	// server answer 503 rather than pile up goroutines.
	// Default (0): 4 × GOMAXPROCS, which keeps CPU-bound verifiers busy
	// (recent OpenRLHF sends one sample per request); raise it for
	// rewards that wait on I/O. A slot is taken before the body is read,
	// so that at most MaxInFlight bodies are in memory, and a client that
	// stalls in the middle of its body holds one until RequestTimeout:
	// where clients are not trusted, set Token, which is checked first.
	MaxInFlight int
	// SampleTimeout bounds each sample's Score call
	// (reward.Scorer.Timeout); a sample past it gets FailureScore at the
	// deadline, even from a reward that ignores its context. Default (0):
	// none, only RequestTimeout applies.
	SampleTimeout time.Duration
	// RequestTimeout bounds a request from its arrival to its answer,
	// including the wait for a slot and reading the body; it holds even
	// for a reward that ignores its context. Default (0):
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// MaxBodyBytes is the largest request body; a larger one gets a 413.
	// Default (0): DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// FailureScore is the reward sent for a sample whose reward failed or
	// was skipped (reward.ErrSkip), since OpenRLHF cannot take NaN.
	// Default: 0. It must be finite.
	FailureScore float64
	// ShutdownTimeout is how long Serve and ListenAndServe let in-flight
	// requests finish after their context ends (and DrainGrace has
	// passed), before cancelling them. Default (0): DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
	// DrainGrace is how long Serve goes on listening after its context
	// ends, serving requests as usual while /healthz answers 503
	// "shutting down", so that a load balancer or orchestrator polling the
	// health check stops sending traffic before the listener closes; set
	// it a little above the polling period. Default (0): none, the
	// listener closes at once, and a client then sees connections refused
	// rather than the "shutting down" answer. Negative is an error.
	DrainGrace time.Duration
	// Token, when set, is the bearer token every request to the reward
	// endpoint must carry ("Authorization: Bearer <Token>"); a request
	// without it or with another gets a 401 before its body is read. The
	// comparison takes the same time whatever the token sent. /healthz
	// needs no token. Default (""): no authentication, since OpenRLHF
	// sends no Authorization header; serve on a loopback address
	// (ListenAndServe's default) or behind a proxy that authenticates.
	// It must be printable ASCII without spaces.
	Token string
	// CertFile and KeyFile, when set, are the PEM files of the
	// certificate (chain) and private key that Serve and ListenAndServe
	// answer TLS with (HTTP/2 and HTTP/1.1, TLS 1.2 or later). New loads
	// them and reports a missing, unreadable or mismatched pair. Set both
	// or neither. Default (""): plain HTTP.
	CertFile, KeyFile string
	// Logger receives one line per request that fails as a whole and per
	// sample error. Default (nil): no logging, except the warning Serve
	// gives when it listens beyond loopback without a token or TLS,
	// which then goes to slog.Default().
	Logger *slog.Logger
}

// Server is an http.Handler serving a reward with the OpenRLHF
// remote reward-model protocol. It is safe for concurrent use.
type Server struct {
	cfg      Config
	scorer   reward.Scorer
	slots    chan struct{}
	draining atomic.Bool
	access   access

	requests, rejected, failed, samples, sampleErrs, skipped atomic.Uint64
	inFlight                                                 atomic.Int64
}

// Stats are counters since the server was created.
type Stats struct {
	// Requests counts reward requests answered with 200.
	Requests uint64
	// Rejected counts requests answered with a 4xx (malformed, too large,
	// wrong method).
	Rejected uint64
	// Failed counts reward requests answered with a 503 (timeout,
	// overload, cancellation).
	Failed uint64
	// Samples counts samples scored in answered requests; SampleErrors
	// and Skipped count those that got FailureScore.
	Samples, SampleErrors, Skipped uint64
	// InFlight is the number of requests holding a slot now.
	InFlight int64
}

// New returns a Server for cfg, or an error naming the invalid field.
func New(cfg Config) (*Server, error) {
	if cfg.Reward == nil {
		return nil, errors.New("server: Config.Reward is nil")
	}
	switch {
	case cfg.Parallelism < 0:
		return nil, fmt.Errorf("server: Config.Parallelism is negative (%d)", cfg.Parallelism)
	case cfg.MaxInFlight < 0:
		return nil, fmt.Errorf("server: Config.MaxInFlight is negative (%d)", cfg.MaxInFlight)
	case cfg.SampleTimeout < 0:
		return nil, fmt.Errorf("server: Config.SampleTimeout is negative (%v)", cfg.SampleTimeout)
	case cfg.RequestTimeout < 0:
		return nil, fmt.Errorf("server: Config.RequestTimeout is negative (%v)", cfg.RequestTimeout)
	case cfg.MaxBodyBytes < 0:
		return nil, fmt.Errorf("server: Config.MaxBodyBytes is negative (%d)", cfg.MaxBodyBytes)
	case cfg.ShutdownTimeout < 0:
		return nil, fmt.Errorf("server: Config.ShutdownTimeout is negative (%v)", cfg.ShutdownTimeout)
	case cfg.DrainGrace < 0:
		return nil, fmt.Errorf("server: Config.DrainGrace is negative (%v)", cfg.DrainGrace)
	case math.IsNaN(cfg.FailureScore) || math.IsInf(cfg.FailureScore, 0):
		return nil, fmt.Errorf("server: Config.FailureScore is not finite (%v)", cfg.FailureScore)
	case cfg.Path != "" && cfg.Path[0] != '/':
		return nil, fmt.Errorf("server: Config.Path %q does not start with /", cfg.Path)
	case cfg.Path == "/healthz":
		return nil, errors.New("server: Config.Path /healthz is taken by the health check")
	}
	if cfg.Path == "" {
		cfg.Path = DefaultPath
	}
	if cfg.MaxInFlight == 0 {
		cfg.MaxInFlight = 4 * runtime.GOMAXPROCS(0)
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.ShutdownTimeout == 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	acc, err := newAccess(cfg)
	if err != nil {
		return nil, err
	}
	return &Server{
		cfg:    cfg,
		scorer: reward.Scorer{Reward: cfg.Reward, Parallelism: cfg.Parallelism, Timeout: cfg.SampleTimeout},
		slots:  make(chan struct{}, cfg.MaxInFlight),
		access: acc,
	}, nil
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	return Stats{
		Requests:     s.requests.Load(),
		Rejected:     s.rejected.Load(),
		Failed:       s.failed.Load(),
		Samples:      s.samples.Load(),
		SampleErrors: s.sampleErrs.Load(),
		Skipped:      s.skipped.Load(),
		InFlight:     s.inFlight.Load(),
	}
}

// ServeHTTP serves two endpoints:
//
// GET /healthz answers 200 {"status":"ok"}, or 503
// {"status":"shutting down"} once Serve's context has ended (observable
// for Config.DrainGrace, while Serve still listens, and on connections
// kept open during the shutdown).
//
// POST Config.Path (default /get_reward) scores a Request and answers 200
// with a Response. Per sample: the reward sees Prompt = prompts[i],
// Completion = SplitResponse(query[i], prompts[i]) (the whole query when
// there are no prompts), Label = labels[i] and Meta = metas[i]. A sample
// whose reward returns an error, panics, times out or returns a
// non-finite score gets FailureScore and a 1 in extra_logs.reward_error;
// one that returns reward.ErrSkip gets FailureScore and a 1 in
// extra_logs.reward_skipped; in both cases "errors"[i] says why. The
// other samples are unaffected.
//
// Whole-request failures, each with a JSON {"error": "..."} body and
// none calling the reward:
//
//   - 401 with WWW-Authenticate when Config.Token is set and the request
//     does not carry it (checked first, before anything is read);
//   - 405 for a method other than POST (GET or HEAD on /healthz);
//   - 413 for a body over MaxBodyBytes, answered before the body is read
//     when its Content-Length says so, and after reading on and
//     discarding the rest (up to 4 × MaxBodyBytes in all), so that a
//     client that writes its whole body before reading gets the answer;
//   - 408 when the body does not arrive before the request deadline;
//   - 400 for a body that is not UTF-8 (encoding/json would silently
//     replace the bad bytes), invalid JSON, JSON nested deeper than
//     encoding/json's limit (10,000), trailing data, a missing "query",
//     or "prompts", "labels" or "metas" whose length differs from
//     "query";
//   - 503 with Retry-After when no slot frees up before RequestTimeout, or
//     the request is cancelled or times out while it is scored;
//   - 404 for any other path.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case s.cfg.Path:
		s.serveReward(w, r)
	case "/healthz":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			s.writeError(w, http.StatusMethodNotAllowed, "method %s not allowed on /healthz", r.Method)
			return
		}
		if s.draining.Load() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "shutting down"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	default:
		s.writeError(w, http.StatusNotFound, "no endpoint %s (the reward endpoint is POST %s)", r.URL.Path, s.cfg.Path)
	}
}

// serveReward handles one reward request.
func (s *Server) serveReward(w http.ResponseWriter, r *http.Request) {
	if !s.access.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="reward"`)
		s.writeError(w, http.StatusUnauthorized, "missing or wrong bearer token (Authorization: Bearer <token>)")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		s.writeError(w, http.StatusMethodNotAllowed, "method %s not allowed on %s, use POST", r.Method, s.cfg.Path)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	defer cancel()
	if dl, ok := ctx.Deadline(); ok {
		// Bound the body read by the request deadline; not every
		// ResponseWriter supports it, which only loses this bound.
		_ = http.NewResponseController(w).SetReadDeadline(dl)
	}
	if r.ContentLength > s.cfg.MaxBodyBytes {
		// Known to be too large: answer without taking a slot.
		s.linger(w, r, 0)
		s.writeError(w, http.StatusRequestEntityTooLarge, "request body too large: %d bytes, the limit is %d", r.ContentLength, s.cfg.MaxBodyBytes)
		return
	}
	// Take a slot before reading the body, so at most MaxInFlight bodies
	// are in memory at once.
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		w.Header().Set("Retry-After", "1")
		s.writeError(w, http.StatusServiceUnavailable, "server busy: no scoring slot free within the request timeout (%v)", s.cfg.RequestTimeout)
		return
	}
	s.inFlight.Add(1)
	var settled <-chan struct{} = closedChan
	defer func() { s.release(settled) }()

	req, status, err := s.decode(w, r)
	if err != nil {
		s.writeError(w, status, "%v", err)
		return
	}
	samples, mismatch := buildSamples(req)
	scores, errs, settled, err := s.scorer.ScoreAllSettled(ctx, samples)
	if err != nil {
		w.Header().Set("Retry-After", "1")
		s.writeError(w, http.StatusServiceUnavailable, "request not scored: %v", err)
		return
	}
	s.respond(w, scores, errs, mismatch)
}

// release gives a request's slot back once every Score call it started
// has returned (settled): calls abandoned at a deadline keep it until
// they return.
func (s *Server) release(settled <-chan struct{}) {
	free := func() {
		s.inFlight.Add(-1)
		<-s.slots
	}
	select {
	case <-settled:
		free()
	default:
		go func() {
			<-settled
			free()
		}()
	}
}

// respond answers 200 with the scores, FailureScore for the samples
// whose reward failed or was skipped, and counts them.
func (s *Server) respond(w http.ResponseWriter, scores []float64, errs []error, mismatch []float64) {
	resp := Response{
		Rewards: scores,
		Scores:  scores,
		ExtraLogs: map[string][]float64{
			LogError:          make([]float64, len(scores)),
			LogSkipped:        make([]float64, len(scores)),
			LogPromptMismatch: mismatch,
		},
	}
	var nerr, nskip uint64
	for i, e := range errs {
		if e == nil {
			continue
		}
		if resp.Errors == nil {
			resp.Errors = make([]string, len(scores))
		}
		resp.Errors[i] = e.Error()
		scores[i] = s.cfg.FailureScore
		if errors.Is(e, reward.ErrSkip) {
			resp.ExtraLogs[LogSkipped][i] = 1
			nskip++
		} else {
			resp.ExtraLogs[LogError][i] = 1
			nerr++
			if s.cfg.Logger != nil {
				s.cfg.Logger.Warn("reward failed", "sample", i, "err", e)
			}
		}
	}
	s.requests.Add(1)
	s.samples.Add(uint64(len(scores)))
	s.sampleErrs.Add(nerr)
	s.skipped.Add(nskip)
	writeJSON(w, http.StatusOK, resp)
}

// closedChan is a closed channel: a request that scored nothing has
// nothing to wait for.
var closedChan = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

// decode reads and validates the request body; on failure it returns the
// HTTP status to answer with.
func (s *Server) decode(w http.ResponseWriter, r *http.Request) (*Request, int, error) {
	body, status, err := s.readBody(w, r)
	if err != nil {
		return nil, status, err
	}
	if at := invalidUTF8(body); at >= 0 {
		return nil, http.StatusBadRequest, fmt.Errorf("invalid request body: not UTF-8 (byte %d)", at)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var req Request
	if err := dec.Decode(&req); err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("invalid request body: %w", err)
	}
	if err := dec.Decode(new(json.RawMessage)); err != io.EOF {
		if err == nil {
			return nil, http.StatusBadRequest, errors.New("invalid request body: data after the JSON object")
		}
		return nil, http.StatusBadRequest, fmt.Errorf("invalid request body after the JSON object: %w", err)
	}
	if req.Query == nil {
		return nil, http.StatusBadRequest, errors.New(`missing "query": want {"query": [...], "prompts": [...], "labels": [...]}`)
	}
	n := len(req.Query)
	if req.Prompts != nil && len(req.Prompts) != n {
		return nil, http.StatusBadRequest, fmt.Errorf(`"prompts" has %d entries, "query" has %d`, len(req.Prompts), n)
	}
	if req.Labels != nil && len(req.Labels) != n {
		return nil, http.StatusBadRequest, fmt.Errorf(`"labels" has %d entries, "query" has %d`, len(req.Labels), n)
	}
	if req.Metas != nil && len(req.Metas) != n {
		return nil, http.StatusBadRequest, fmt.Errorf(`"metas" has %d entries, "query" has %d`, len(req.Metas), n)
	}
	return &req, 0, nil
}

// buildSamples turns a validated request into reward samples and the
// prompt_mismatch flags.
func buildSamples(req *Request) ([]reward.Sample, []float64) {
	samples := make([]reward.Sample, len(req.Query))
	mismatch := make([]float64, len(req.Query))
	for i, q := range req.Query {
		smp := reward.Sample{Completion: q}
		if req.Prompts != nil {
			smp.Prompt = string(req.Prompts[i])
			resp, ok := SplitResponse(q, smp.Prompt)
			smp.Completion = resp
			if !ok {
				mismatch[i] = 1
			}
		}
		if req.Labels != nil {
			smp.Label = string(req.Labels[i])
		}
		if req.Metas != nil {
			smp.Meta = req.Metas[i]
		}
		samples[i] = smp
	}
	return samples, mismatch
}

// writeError answers with status and a JSON error body, and counts it.
func (s *Server) writeError(w http.ResponseWriter, status int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if status >= 500 {
		s.failed.Add(1)
	} else {
		s.rejected.Add(1)
	}
	if s.cfg.Logger != nil {
		s.cfg.Logger.Info("request failed", "status", status, "err", msg)
	}
	writeJSON(w, status, ErrorResponse{Error: msg})
}

// writeJSON answers with status and v encoded as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only non-finite floats could fail here, and the server never
		// sends them; answer honestly if it happens anyway.
		status = http.StatusInternalServerError
		b, _ = json.Marshal(ErrorResponse{Error: "encoding the response: " + err.Error()})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// ListenAndServe listens on addr with Listen and calls Serve.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := Listen(addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Listen listens on the TCP address addr, loopback unless addr says
// otherwise: an address without a host (":5000") listens on 127.0.0.1
// only, and "" means DefaultAddr. To serve other machines, name the
// interface ("0.0.0.0:5000", "[::]:5000", a host's address), and set
// Config.Token (and a certificate) unless the network is trusted.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", loopbackAddr(addr))
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	return ln, nil
}

// Serve serves HTTP on ln until ctx ends, then shuts down gracefully: it
// reports "shutting down" on /healthz at once, goes on serving for
// DrainGrace, then stops accepting connections and waits up to
// ShutdownTimeout for in-flight requests to finish before cancelling the
// rest. It returns nil after a clean shutdown, the
// listener's error if serving fails, or the shutdown error when requests
// had to be cancelled. ln is closed on return.
//
// With Config.CertFile and KeyFile it answers TLS on ln. When ln listens
// beyond loopback without Config.Token, or with a token but without TLS,
// it logs a warning. A client must send its request headers within 30 s
// of connecting (idle connections are closed after 2 minutes), so that
// connections opened and left idle cannot hold the server.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.warnExposed(ln.Addr())
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return base },
		TLSConfig:         s.access.tls,
	}
	if s.cfg.Logger != nil {
		hs.ErrorLog = slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn)
	}
	errc := make(chan error, 1)
	go func() {
		if hs.TLSConfig != nil {
			errc <- hs.ServeTLS(ln, "", "")
			return
		}
		errc <- hs.Serve(ln)
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	s.draining.Store(true)
	if s.cfg.DrainGrace > 0 {
		grace := time.NewTimer(s.cfg.DrainGrace)
		select {
		case err := <-errc:
			grace.Stop()
			return fmt.Errorf("server: %w", err)
		case <-grace.C:
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	if err != nil {
		cancelBase() // cancel the requests still running
		hs.Close()
		err = fmt.Errorf("server: shutdown after %v: %w", s.cfg.ShutdownTimeout, err)
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = fmt.Errorf("server: %w", serr)
	}
	return err
}
