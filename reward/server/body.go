package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"unicode/utf8"
)

// lingerFactor bounds how much of an oversized body the server reads on
// and discards before it answers 413: lingerFactor × MaxBodyBytes in all.
const lingerFactor = 4

// readBody reads r's body, at most MaxBodyBytes of it. On failure it
// returns the HTTP status to answer with: 413 for a larger body (read on
// by linger), 408 when the body does not arrive before the request
// deadline, 400 for a body cut short.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, error) {
	limit := s.cfg.MaxBodyBytes
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, readStatus(err), fmt.Errorf("invalid request body: %w", err)
	}
	if n > limit {
		s.linger(w, r, n)
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("request body too large: over the limit of %d bytes", limit)
	}
	return buf.Bytes(), 0, nil
}

// linger reads on and discards the rest of an oversized body of which
// read bytes were read, so that a client that sends its whole body before
// it reads the answer (Python's requests, curl) receives the 413 rather
// than a broken connection. It stops at lingerFactor × MaxBodyBytes in
// all, or at the request deadline, and then has the connection closed
// after the answer. A client that asked for "Expect: 100-continue" has
// sent no body and gets the answer at once. HTTP/2 needs none of this: the
// server resets the request's stream, not the connection.
func (s *Server) linger(w http.ResponseWriter, r *http.Request, read int64) {
	if r.ProtoMajor >= 2 {
		return
	}
	rest := lingerFactor*s.cfg.MaxBodyBytes - read
	expect := strings.EqualFold(r.Header.Get("Expect"), "100-continue")
	if expect || r.ContentLength-read > rest {
		w.Header().Set("Connection", "close")
		return
	}
	if _, err := io.CopyN(io.Discard, r.Body, rest); err != io.EOF {
		w.Header().Set("Connection", "close")
	}
}

// readStatus maps a body read error to an HTTP status.
func readStatus(err error) int {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return http.StatusRequestTimeout
	}
	return http.StatusBadRequest
}

// invalidUTF8 returns the offset of the first byte of b that is not part
// of valid UTF-8, or -1. (encoding/json would silently turn such bytes
// into U+FFFD, so that a reward scored text the client never sent.)
func invalidUTF8(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}
