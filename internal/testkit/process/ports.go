package process

import (
	"context"
	"fmt"
	"net"
	"testing"
)

// FreeAddrs returns n distinct loopback addresses ("127.0.0.1:PORT") whose
// ports were free a moment ago: it listens on port 0 n times, then releases
// the ports for a program to bind. Another process may take one in between;
// Run tries again when that happens.
func FreeAddrs(n int) ([]string, error) {
	addrs := make([]string, 0, n)
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	lc := net.ListenConfig{}
	for range n {
		l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free loopback port: %w", err)
		}
		ls = append(ls, l)
		addrs = append(addrs, l.Addr().String())
	}
	return addrs, nil
}

// FreeAddr returns one address as FreeAddrs does, failing tb if there is
// none.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	addrs, err := FreeAddrs(1)
	if err != nil {
		tb.Fatal(err)
	}
	return addrs[0]
}
