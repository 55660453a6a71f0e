package server

import (
	"net"
	"testing"
)

func TestLoopbackAddr(t *testing.T) {
	for in, want := range map[string]string{
		"":               DefaultAddr,
		":5000":          "127.0.0.1:5000",
		":0":             "127.0.0.1:0",
		"0.0.0.0:5000":   "0.0.0.0:5000",
		"[::]:5000":      "[::]:5000",
		"10.1.2.3:80":    "10.1.2.3:80",
		"localhost:5000": "localhost:5000",
		"no-port":        "no-port", // net.Listen reports it
	} {
		if got := loopbackAddr(in); got != want {
			t.Errorf("loopbackAddr(%q) = %q, want %q", in, got, want)
		}
	}
	for a, local := range map[net.Addr]bool{
		&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}: true,
		&net.TCPAddr{IP: net.IPv6loopback}:       true,
		&net.TCPAddr{IP: net.IPv4zero}:           false,
		&net.TCPAddr{IP: net.IPv4(10, 0, 0, 1)}:  false,
		&net.UnixAddr{Name: "/tmp/rm.sock"}:      true,
	} {
		if isLocal(a) != local {
			t.Errorf("isLocal(%v) = %v", a, !local)
		}
	}
}
