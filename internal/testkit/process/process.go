package process

import (
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Spec says how to run one program.
type Spec struct {
	// Name is the program's name in messages: "collector", "Jaeger".
	Name string
	// Ports is how many free 127.0.0.1 ports Run picks for the program.
	Ports int
	// Command returns the command that runs the program on addrs, the
	// addresses ("127.0.0.1:PORT") Run picked. dir is a directory of the
	// test's for configuration files and output; it stays the same for
	// Start after Stop. Command is called for every start.
	Command func(dir string, addrs []string) (*exec.Cmd, error)
	// Ready returns the addresses that must accept connections before the
	// program counts as started. Nil means all of them.
	Ready func(addrs []string) []string
	// StartTimeout bounds the wait for the Ready addresses (default 30s);
	// StopTimeout the wait for the program to exit after SIGTERM before it
	// is killed (default 10s).
	StartTimeout, StopTimeout time.Duration
}

// Process is a program started by Run.
type Process struct {
	spec    Spec
	dir     string
	addrs   []string
	output  *tailBuffer
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd has exited; nil before the first start
	waitErr error         // set before exited is closed
}

// startAttempts is how many times Run tries when a port it picked was taken
// by someone else before the program could bind it.
const startAttempts = 3

// ErrPortTaken is in the error of a start that failed because a port was
// already in use.
var ErrPortTaken = errors.New("port already in use")

// Run starts the program spec describes on free loopback ports, waits until
// it is ready and registers its stop with tb.Cleanup. A program that exits
// early, is not ready within the start timeout, or cannot be started fails
// the test with its output; so does one that has to be killed at the end.
func Run(tb testing.TB, spec Spec) *Process {
	tb.Helper()
	if spec.StartTimeout <= 0 {
		spec.StartTimeout = 30 * time.Second
	}
	if spec.StopTimeout <= 0 {
		spec.StopTimeout = 10 * time.Second
	}
	var err error
	for range startAttempts {
		var p *Process
		if p, err = run(tb, spec); err == nil {
			return p
		}
		if !errors.Is(err, ErrPortTaken) {
			break
		}
	}
	tb.Fatalf("start %s: %v", spec.Name, err)
	return nil
}

func run(tb testing.TB, spec Spec) (*Process, error) {
	addrs, err := FreeAddrs(spec.Ports)
	if err != nil {
		return nil, err
	}
	p := &Process{spec: spec, dir: tb.TempDir(), addrs: addrs, output: &tailBuffer{max: 256 << 10}}
	if err := p.Start(); err != nil {
		return nil, err
	}
	tb.Cleanup(func() {
		if err := p.Stop(); err != nil {
			tb.Errorf("%v\n%s output:\n%s", err, spec.Name, p.Output())
		}
	})
	return p, nil
}

// Addrs returns the loopback addresses ("127.0.0.1:PORT") the program was
// given, in the order Spec.Command received them.
func (p *Process) Addrs() []string { return p.addrs }

// Dir returns the directory Spec.Command was given.
func (p *Process) Dir() string { return p.dir }

// Output returns what the program has written to its standard output and
// error so far, over all its starts (at most the last 256 KiB).
func (p *Process) Output() string { return p.output.String() }

// Start starts the program again, on the same addresses, after Stop, and
// waits until it is ready. If it is not, Start stops it and returns an
// error that carries its output.
func (p *Process) Start() error {
	if p.Running() {
		return fmt.Errorf("%s is still running", p.spec.Name)
	}
	cmd, err := p.spec.Command(p.dir, p.addrs)
	if err != nil {
		return err
	}
	if err := p.launch(cmd); err != nil {
		return fmt.Errorf("start %s %s: %w", p.spec.Name, cmd.Path, err)
	}
	ready := p.addrs
	if p.spec.Ready != nil {
		ready = p.spec.Ready(p.addrs)
	}
	if err := p.waitListening(ready); err != nil {
		_ = p.Stop()
		out := p.Output()
		if strings.Contains(out, "address already in use") {
			err = fmt.Errorf("%w: %v", ErrPortTaken, err)
		}
		return fmt.Errorf("%w\n%s output:\n%s", err, p.spec.Name, out)
	}
	return nil
}

// Running reports whether the program is running: started and not exited.
func (p *Process) Running() bool {
	if p.exited == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// launch starts cmd with its output going to p.output and reaps it in the
// background; p.exited is closed once it has exited.
func (p *Process) launch(cmd *exec.Cmd) error {
	cmd.Stdout = p.output
	cmd.Stderr = p.output
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	p.cmd, p.exited, p.waitErr = cmd, exited, nil
	go func() {
		p.waitErr = cmd.Wait()
		close(exited)
	}()
	return nil
}

// waitListening polls addrs until each accepts a TCP connection, the
// program exits, or the start timeout passes.
func (p *Process) waitListening(addrs []string) error {
	deadline := time.Now().Add(p.spec.StartTimeout)
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
			return fmt.Errorf("%s exited before accepting connections: %v", p.spec.Name, p.waitErr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not accept connections on %s within %s",
				p.spec.Name, strings.Join(pending, ", "), p.spec.StartTimeout)
		}
	}
}

// Stop sends SIGTERM, waits up to the stop timeout and then kills the
// program. It reports an error if the program had to be killed or exited
// with an error after SIGTERM. Stopping a stopped program does nothing.
func (p *Process) Stop() error {
	if !p.Running() {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		var ee *exec.ExitError
		if p.waitErr != nil && !errors.As(p.waitErr, &ee) {
			return fmt.Errorf("%s: %w", p.spec.Name, p.waitErr)
		}
		if ee != nil && !ee.Exited() {
			return nil // killed by our SIGTERM before it installed its handler
		}
		if p.waitErr != nil {
			return fmt.Errorf("%s exited after SIGTERM: %w", p.spec.Name, p.waitErr)
		}
		return nil
	case <-time.After(p.spec.StopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("%s did not stop within %s of SIGTERM; killed it", p.spec.Name, p.spec.StopTimeout)
	}
}
