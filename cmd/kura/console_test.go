package main

import (
	"net"
	"testing"
)

func TestBrowsableAddrNamesLocalhostForEveryInterface(t *testing.T) {
	for _, c := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 9001}, "localhost:9001"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 9001}, "localhost:9001"},
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9001}, "127.0.0.1:9001"},
		{&net.TCPAddr{IP: net.ParseIP("::1"), Port: 9001}, "[::1]:9001"},
		{&net.UnixAddr{Name: "/run/kura.sock", Net: "unix"}, "/run/kura.sock"},
	} {
		if got := browsableAddr(c.addr); got != c.want {
			t.Errorf("browsableAddr(%v) = %q, want %q", c.addr, got, c.want)
		}
	}
}
