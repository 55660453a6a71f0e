// Command reward-server serves a verifiable math reward over HTTP with
// OpenRLHF's remote reward-model protocol, so an OpenRLHF run trains
// against it with
//
//	--reward.remote_url http://127.0.0.1:5000/get_reward
//
// (--remote_rm_url before OpenRLHF 0.10.2; the README has a whole
// command line, training on DAPO-Math-17k, whose "Answer: X" lines the
// verifier reads).
//
// The reward is the math verifier of package reward (reward.Math: the
// answer after the last </think>, in a box, a final-answer sentence, a
// math span or plain text, compared with the label by value: numbers,
// fractions, expressions, sets, tuples, intervals, matrices, equations
// and inequalities), plus the open-r1 repetition penalty: 1 for a
// correct answer, 0 for a wrong one, down to −1 for degenerate
// repetition. A trainer sends the gold answer of each sample as its label,
// in LaTeX or plain text ("42", "\frac{3}{4}", "(-\infty, 1]", "x = 2"). At start it prints a rewardtest report of
// that design on a few hand-written cases (-check=false skips it); it
// shuts down gracefully on SIGINT or SIGTERM, letting requests in flight
// finish.
//
//	go run ./examples/reward-server [-addr 127.0.0.1:5000] [-failure-score 0] [-sample-timeout 10s] [-drain-grace 0]
//	    [-token-file FILE] [-tls-cert cert.pem -tls-key key.pem]
//
// It listens on loopback unless -addr names another interface
// (-addr 0.0.0.0:5000); then give it a token (-token-file, whose first
// line is the token, so that it stays out of the process list) and
// a certificate, or keep the network trusted. OpenRLHF sends no token.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/reward/rewardtest"
	"github.com/evolve-go/evolve/reward/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "reward-server:", err)
		os.Exit(1)
	}
}

// mathReward is the served design: correctness plus a repetition penalty.
func mathReward() reward.Reward {
	return reward.Weighted{
		{Name: "correct", Reward: reward.Math{}, Weight: 1},
		{Name: "repetition", Reward: reward.Repetition{}, Weight: 1},
	}
}

// checkSuite is the startup conformance check of mathReward.
func checkSuite(r reward.Reward) rewardtest.Suite {
	q := func(s string) string { return "<|im_start|>user\n" + s + "<|im_end|>\n<|im_start|>assistant\n" }
	return rewardtest.Suite{
		Name:   "math after </think> + repetition penalty",
		Reward: r,
		Cases: []rewardtest.Case{
			{Name: "sum", Sample: reward.Sample{Prompt: q("What is 17 + 25?"), Completion: "<think>17 + 25 = 42</think>\nThe answer is \\boxed{42}.", Label: "42"}, Correct: true},
			{Name: "sum-wrong", Sample: reward.Sample{Prompt: q("What is 17 + 25?"), Completion: "<think>17 + 25 = 32</think>\nThe answer is \\boxed{32}.", Label: "42"}},
			{Name: "half", Sample: reward.Sample{Prompt: q("What is one half as a decimal?"), Completion: "One half is 1/2, which is 0.5 as a decimal.", Label: "0.5"}, Correct: true},
			{Name: "half-wrong", Sample: reward.Sample{Prompt: q("What is one half as a decimal?"), Completion: "It is 0.25.", Label: "0.5"}},
			{Name: "interval", Sample: reward.Sample{Prompt: q("Solve x^2 < 4."), Completion: "<think>|x| < 2</think>\nSo $x \\in \\boxed{(-2, 2)}$.", Label: "-2 < x < 2"}, Correct: true},
			{Name: "interval-wrong", Sample: reward.Sample{Prompt: q("Solve x^2 < 4."), Completion: "So $x \\in \\boxed{[-2, 2]}$.", Label: "-2 < x < 2"}},
		},
		Lo: -1, Hi: 1,
		Rankings: []rewardtest.Ranking{{
			Name: "sum", Label: "42",
			Completions: []string{strings.Repeat("I think I think I think ", 20), "The answer is 32.", "The answer is \\boxed{42}."},
			Strict:      true,
		}},
		Margin:    0.5,
		Threshold: 0.5,
		MinAUC:    1,
	}
}

// run parses flags, optionally prints the conformance report, and serves
// until ctx ends.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("reward-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", server.DefaultAddr, "address to listen on (a host-less :PORT means loopback)")
	tokenFile := fs.String("token-file", "", "file holding the bearer token clients must send (empty: no token)")
	cert := fs.String("tls-cert", "", "PEM certificate (chain) to serve TLS with, with -tls-key")
	key := fs.String("tls-key", "", "PEM private key of -tls-cert")
	failure := fs.Float64("failure-score", 0, "reward sent for a sample whose reward fails or is not applicable")
	inFlight := fs.Int("max-in-flight", 0, "requests scored at once (0: 4 × GOMAXPROCS)")
	sampleTimeout := fs.Duration("sample-timeout", 10*time.Second, "time limit per sample (0: none)")
	drain := fs.Duration("drain-grace", 0, "on shutdown, keep serving this long while /healthz answers 503 (0: close at once)")
	check := fs.Bool("check", true, "print a rewardtest report of the reward before serving")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	r := mathReward()
	if *check {
		suite := checkSuite(r)
		if err := suite.Report(ctx, stderr); err != nil {
			fmt.Fprintln(stderr, "warning: the reward failed some checks; serving it anyway")
		}
	}
	token, err := readToken(*tokenFile)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv, err := server.New(server.Config{
		Reward:        r,
		FailureScore:  *failure,
		MaxInFlight:   *inFlight,
		SampleTimeout: *sampleTimeout,
		DrainGrace:    *drain,
		Token:         token,
		CertFile:      *cert,
		KeyFile:       *key,
		Logger:        log,
	})
	if err != nil {
		return err
	}
	ln, err := server.Listen(*addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	if *cert != "" {
		base = "https://" + ln.Addr().String()
	}
	log.Info("serving", "url", base+server.DefaultPath, "health", base+"/healthz", "token", token != "")
	err = srv.Serve(ctx, ln)
	st := srv.Stats()
	log.Info("stopped", "requests", st.Requests, "samples", st.Samples, "sample_errors", st.SampleErrors, "rejected", st.Rejected)
	return err
}

// readToken returns the first line of the token file, "" for no file.
func readToken(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	token := strings.TrimSpace(line)
	if token == "" {
		return "", fmt.Errorf("-token-file %s: the first line is empty", path)
	}
	return token, nil
}
