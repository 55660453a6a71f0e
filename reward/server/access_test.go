package server_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evolve-go/evolve/reward"
	"github.com/evolve-go/evolve/reward/server"
)

// TestToken checks the bearer token: a request without it or with
// another gets a 401 and never reaches the reward; the scheme is
// case-insensitive; /healthz needs none; Remote sends it with WithToken
// and does not retry a 401.
func TestToken(t *testing.T) {
	rew := &counting{}
	_, ts := newServer(t, server.Config{Reward: rew, Token: "s3cret-token"})
	url := ts.URL + "/get_reward"
	for _, tc := range []struct {
		auth   string
		status int
	}{
		{"", 401},
		{"Bearer wrong", 401},
		{"Bearer s3cret-tok", 401},
		{"Bearer s3cret-token-and-more", 401},
		{"Basic s3cret-token", 401},
		{"s3cret-token", 401},
		{"Bearer s3cret-token", 200},
		{"bearer  s3cret-token ", 200},
	} {
		before := rew.calls.Load()
		req, _ := http.NewRequest("POST", url, strings.NewReader(`{"query": ["a"]}`))
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		called := rew.calls.Load() - before
		if resp.StatusCode != tc.status || (tc.status == 401) != (called == 0) {
			t.Errorf("Authorization %q: %d, reward called %d times; want %d", tc.auth, resp.StatusCode, called, tc.status)
		}
		if tc.status == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("401 without WWW-Authenticate: Bearer: %v", resp.Header)
		}
	}
	if r, err := http.Get(ts.URL + "/healthz"); err != nil || r.StatusCode != 200 {
		t.Errorf("healthz without a token: %v %v", r, err)
	}
	v, err := newRemote(t, url, server.WithToken("s3cret-token")).Score(context.Background(), reward.Sample{})
	if v != 1 || err != nil {
		t.Errorf("Remote with the token: %v, %v", v, err)
	}
	var attempts atomic.Int64
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		ts.Config.Handler.ServeHTTP(w, r)
	})
	cts := newHTTPServer(t, counted)
	_, err = newRemote(t, cts.URL+"/get_reward", server.WithBackoff(time.Millisecond)).Score(context.Background(), reward.Sample{})
	if err == nil || !strings.Contains(err.Error(), "401") || attempts.Load() != 1 {
		t.Errorf("Remote without the token: %v after %d attempts, want a 401 after 1", err, attempts.Load())
	}
	for _, bad := range []string{"has space", "tab\t", "é"} {
		if _, err := server.New(server.Config{Reward: rew, Token: bad}); err == nil || !strings.Contains(err.Error(), "Config.Token") {
			t.Errorf("Token %q: %v", bad, err)
		}
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1 and its key
// into dir and returns the paths and a pool that trusts it.
func writeCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "reward test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	write := func(path, kind string, b []byte) {
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(certFile, "CERTIFICATE", der)
	write(keyFile, "EC PRIVATE KEY", kb)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// serveOn runs srv.Serve on ln until the test ends and returns its URL
// prefix for scheme.
func serveOn(t *testing.T, srv *server.Server, ln net.Listener, scheme string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return scheme + "://" + ln.Addr().String()
}

// TestTLS serves over TLS from a certificate pair: a Remote that trusts
// the certificate scores through it (over HTTP/2), plain HTTP gets no
// answer, and New reports bad pairs.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := writeCert(t, dir)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil)) // the plain-HTTP attempt logs a TLS error
	srv, ln := newListening(t, server.Config{Reward: &counting{}, CertFile: certFile, KeyFile: keyFile, MaxBodyBytes: 4 << 10, Logger: quiet})
	url := serveOn(t, srv, ln, "https")
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	remote := newRemote(t, url+"/get_reward", server.WithHTTPClient(&http.Client{Transport: tr}))
	if v, err := remote.Score(context.Background(), reward.Sample{Completion: "x"}); v != 1 || err != nil {
		t.Errorf("Score over TLS: %v, %v", v, err)
	}
	resp, err := (&http.Client{Transport: tr}).Get(url + "/healthz")
	if err != nil || resp.ProtoMajor != 2 {
		t.Errorf("healthz over TLS: %v, %v; want HTTP/2", resp, err)
	} else {
		resp.Body.Close()
	}
	// A body over the limit, of unknown length, gets its 413 over HTTP/2.
	big := io.MultiReader(strings.NewReader(`{"query": ["`), strings.NewReader(strings.Repeat("x", 1<<20)))
	if resp, err := (&http.Client{Transport: tr}).Post(url+"/get_reward", "application/json", big); err != nil || resp.StatusCode != 413 {
		t.Errorf("oversized body over HTTP/2: %v, %v; want a 413", resp, err)
	} else {
		resp.Body.Close()
	}
	if r, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil && r.StatusCode == 200 {
		t.Error("plain HTTP answered 200 by a TLS server")
	}
	other, _, _ := writeCert(t, t.TempDir())
	for _, tc := range []struct{ cert, key, msg string }{
		{certFile, "", "CertFile is set without"},
		{"", keyFile, "KeyFile is set without"},
		{certFile, filepath.Join(dir, "missing.pem"), "missing.pem"},
		{other, keyFile, "private key does not match"},
	} {
		_, err := server.New(server.Config{Reward: &counting{}, CertFile: tc.cert, KeyFile: tc.key})
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("CertFile %q KeyFile %q: %v, want an error containing %q", tc.cert, tc.key, err, tc.msg)
		}
	}
}

// exposed is a loopback listener that reports another address, to test
// what Serve does on a public one without listening on one.
type exposed struct {
	net.Listener
	addr net.Addr
}

func (e exposed) Addr() net.Addr { return e.addr }

// TestExposedWarning checks that Serve warns when it listens beyond
// loopback without a token, or with a token but without TLS, and is
// silent on loopback.
func TestExposedWarning(t *testing.T) {
	public := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 5000}
	for _, tc := range []struct {
		name  string
		token string
		addr  net.Addr
		warn  string
	}{
		{"public, no token", "", public, "without a token"},
		{"public, token, no TLS", "t", public, "without TLS"},
		{"loopback, no token", "", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			srv, ln := newListening(t, server.Config{Reward: &counting{}, Token: tc.token, Logger: log})
			var l net.Listener = ln
			if tc.addr != nil {
				l = exposed{ln, tc.addr}
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := srv.Serve(ctx, l); err != nil {
				t.Fatal(err)
			}
			got := logs.String()
			if tc.warn == "" && strings.Contains(got, "WARN") || tc.warn != "" && !strings.Contains(got, tc.warn) {
				t.Errorf("log %q, want a warning containing %q", got, tc.warn)
			}
		})
	}
}

func TestListenLoopbackByDefault(t *testing.T) {
	ln, err := server.Listen(":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if a := ln.Addr().(*net.TCPAddr); !a.IP.IsLoopback() || a.Port == 0 {
		t.Errorf("Listen(\":0\") listens on %v, want loopback", a)
	}
}
