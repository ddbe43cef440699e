package jaeger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is a started program whose output is kept and whose exit is
// observed in the background.
type process struct {
	cmd     *exec.Cmd
	output  *tailBuffer
	exited  chan struct{} // closed when the process has exited
	waitErr error         // set before exited is closed
}

// launch starts cmd with its stdout and stderr kept (the last 256 KiB) and
// reaps it in the background.
func launch(cmd *exec.Cmd) (*process, error) {
	p := &process{cmd: cmd, output: &tailBuffer{max: 256 << 10}, exited: make(chan struct{})}
	cmd.Stdout = p.output
	cmd.Stderr = p.output
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// waitListening polls addrs until each accepts a TCP connection, the process
// exits, or timeout passes.
func (p *process) waitListening(timeout time.Duration, addrs ...string) error {
	deadline := time.Now().Add(timeout)
	pending := addrs
	for {
		var still []string
		for _, addr := range pending {
			conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
			if err != nil {
				still = append(still, addr)
				continue
			}
			_ = conn.Close()
		}
		pending = still
		if len(pending) == 0 {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("exited before accepting connections: %v", p.waitErr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("did not accept connections on %s within %s", strings.Join(pending, ", "), timeout)
		}
	}
}

// stop sends SIGTERM, waits up to timeout and then kills the process. It
// reports an error if the process had to be killed or exited with an error
// after SIGTERM.
func (p *process) stop(timeout time.Duration) error {
	select {
	case <-p.exited:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		var ee *exec.ExitError
		if p.waitErr != nil && !errors.As(p.waitErr, &ee) {
			return p.waitErr
		}
		if ee != nil && !ee.Exited() {
			return nil // killed by our SIGTERM before it installed its handler
		}
		if p.waitErr != nil {
			return fmt.Errorf("exited after SIGTERM: %w", p.waitErr)
		}
		return nil
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("did not stop within %s of SIGTERM; killed it", timeout)
	}
}

// freePorts reserves n distinct loopback ports by listening on port 0, then
// releases them for the program to bind. Start retries if another process
// takes one in between.
func freePorts(n int) ([]string, error) {
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

// tailBuffer is a concurrency-safe writer that keeps the last max bytes.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if len(p) > t.max {
		p = p[len(p)-t.max:]
	}
	if over := t.buf.Len() + len(p) - t.max; over > 0 {
		t.buf.Next(over)
	}
	t.buf.Write(p)
	return n, nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
