package process

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"go.uber.org/goleak"
)

// listenEnv turns the test binary into a helper program that listens on
// the address the variable holds until SIGTERM.
const listenEnv = "OTELKIT_PROCESS_TEST_LISTEN"

func TestMain(m *testing.M) {
	if addr := os.Getenv(listenEnv); addr != "" {
		os.Exit(listen(addr))
	}
	goleak.VerifyTestMain(m)
}

func listen(addr string) int {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Println(err) // "… bind: address already in use"
		return 1
	}
	fmt.Println("listening on", addr)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	<-term
	_ = l.Close()
	return 0
}
