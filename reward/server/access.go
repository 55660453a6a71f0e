package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
)

// access holds who may use a Server and how it is reached: the bearer
// token (kept as its SHA-256, so that comparing takes the same time
// whatever the length of the token sent) and the TLS configuration.
type access struct {
	token    [sha256.Size]byte
	hasToken bool
	tls      *tls.Config
}

// newAccess checks and loads Config.Token, CertFile and KeyFile.
func newAccess(cfg Config) (access, error) {
	var a access
	for i := 0; i < len(cfg.Token); i++ {
		if c := cfg.Token[i]; c <= ' ' || c > '~' {
			return a, fmt.Errorf("server: Config.Token has a byte 0x%02x at %d; it must be printable ASCII without spaces", c, i)
		}
	}
	if cfg.Token != "" {
		a.token, a.hasToken = sha256.Sum256([]byte(cfg.Token)), true
	}
	switch {
	case cfg.CertFile == "" && cfg.KeyFile == "":
		return a, nil
	case cfg.CertFile == "":
		return a, errors.New("server: Config.KeyFile is set without Config.CertFile")
	case cfg.KeyFile == "":
		return a, errors.New("server: Config.CertFile is set without Config.KeyFile")
	}
	cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
	if err != nil {
		return a, fmt.Errorf("server: Config.CertFile %q, KeyFile %q: %w", cfg.CertFile, cfg.KeyFile, err)
	}
	a.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	return a, nil
}

// authorized reports whether r carries the bearer token, or no token is
// required. The scheme is case-insensitive (RFC 9110 §11.1).
func (a *access) authorized(r *http.Request) bool {
	if !a.hasToken {
		return true
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	match := subtle.ConstantTimeCompare(got[:], a.token[:]) == 1
	return match && strings.EqualFold(scheme, "Bearer")
}

// loopbackAddr is the address ListenAndServe listens on for addr: "" is
// DefaultAddr, and an address without a host (":5000") gets the loopback
// host, so that a reward is exposed beyond the machine only when an
// address says so.
func loopbackAddr(addr string) string {
	if addr == "" {
		return DefaultAddr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host != "" {
		return addr
	}
	return net.JoinHostPort("127.0.0.1", port)
}

// isLocal reports whether a listener's address is reachable only from
// this machine: a loopback TCP address or a Unix socket.
func isLocal(a net.Addr) bool {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	}
	return false
}

// warnExposed warns, through Config.Logger or slog.Default(), when the
// server listens beyond loopback without a token, or with a token but
// without TLS (the token then crosses the network in clear text).
func (s *Server) warnExposed(a net.Addr) {
	if isLocal(a) {
		return
	}
	log := s.cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	switch {
	case !s.access.hasToken:
		log.Warn("reward server listens beyond loopback without a token: anyone who can reach it can use the reward (set Config.Token)", "addr", a.String())
	case s.access.tls == nil:
		log.Warn("reward server listens beyond loopback without TLS: the token crosses the network in clear text (set Config.CertFile and KeyFile)", "addr", a.String())
	}
}
