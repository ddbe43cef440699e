package process

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// helper is a Spec that runs the test binary as a program listening on its
// first address.
func helper(ports int) Spec {
	return Spec{
		Name:  "helper",
		Ports: ports,
		Command: func(_ string, addrs []string) (*exec.Cmd, error) {
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), listenEnv+"="+addrs[0])
			return cmd, nil
		},
		Ready: func(addrs []string) []string { return addrs[:1] },
	}
}

func accepts(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

func TestRunStopStartOnTheSamePorts(t *testing.T) {
	p := Run(t, helper(2))
	addrs := p.Addrs()
	if len(addrs) != 2 || addrs[0] == addrs[1] || !strings.HasPrefix(addrs[0], "127.0.0.1:") {
		t.Fatalf("addrs = %v, want two loopback addresses", addrs)
	}
	if !accepts(addrs[0]) {
		t.Fatal("Run returned before the program accepted connections")
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop = %v, want a clean exit after SIGTERM", err)
	}
	if accepts(addrs[0]) {
		t.Error("the port still accepts connections after Stop")
	}
	if err := p.Stop(); err != nil {
		t.Errorf("a second Stop = %v, want nil", err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err == nil || !strings.Contains(err.Error(), "still running") {
		t.Errorf("Start while running = %v, want an error", err)
	}
	if !accepts(addrs[0]) {
		t.Error("no connections after Start")
	}
	if n := strings.Count(p.Output(), "listening on "+addrs[0]); n != 2 {
		t.Errorf("output %q: want the two starts' lines", p.Output())
	}
}

// fatalTB records Fatalf instead of stopping the goroutine.
type fatalTB struct {
	testing.TB
	fatal string
}

func (f *fatalTB) Helper()                        {}
func (f *fatalTB) Fatalf(format string, a ...any) { f.fatal = fmt.Sprintf(format, a...) }

func sh(script string) func(string, []string) (*exec.Cmd, error) {
	return func(string, []string) (*exec.Cmd, error) { return exec.Command("sh", "-c", script), nil }
}

func TestRunFailures(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	t.Run("exits early", func(t *testing.T) {
		tb := &fatalTB{TB: t}
		p := Run(tb, Spec{Name: "quitter", Ports: 1, Command: sh("echo boom; exit 3")})
		for _, want := range []string{"start quitter: quitter exited before accepting connections: exit status 3", "quitter output:\nboom"} {
			if p != nil || !strings.Contains(tb.fatal, want) {
				t.Errorf("Run = %v, fatal %q; want it to contain %q", p, tb.fatal, want)
			}
		}
	})
	t.Run("never listens", func(t *testing.T) {
		tb := &fatalTB{TB: t}
		var addr string
		spec := Spec{Name: "sleeper", Ports: 1, StartTimeout: 300 * time.Millisecond,
			Command: func(_ string, addrs []string) (*exec.Cmd, error) {
				addr = addrs[0]
				return exec.Command("sh", "-c", "exec sleep 30"), nil
			}}
		start := time.Now()
		p := Run(tb, spec)
		if want := "did not accept connections on " + addr + " within 300ms"; p != nil || !strings.Contains(tb.fatal, want) {
			t.Errorf("Run = %v, fatal %q; want it to contain %q", p, tb.fatal, want)
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("Run took %s with a 300ms start timeout; the sleeper was not stopped", d)
		}
	})
	t.Run("port taken", func(t *testing.T) {
		tb := &fatalTB{TB: t}
		starts := 0
		spec := Spec{Name: "unlucky", Ports: 1, Command: func(string, []string) (*exec.Cmd, error) {
			starts++
			return exec.Command("sh", "-c", "echo 'listen tcp: bind: address already in use'; exit 1"), nil
		}}
		if p := Run(tb, spec); p != nil || !strings.Contains(tb.fatal, ErrPortTaken.Error()) {
			t.Errorf("Run = %v, fatal %q; want %q", p, tb.fatal, ErrPortTaken)
		}
		if starts != startAttempts {
			t.Errorf("started %d times, want %d: a taken port is worth new ports", starts, startAttempts)
		}
	})
	t.Run("command fails", func(t *testing.T) {
		tb := &fatalTB{TB: t}
		spec := Spec{Name: "broken", Ports: 1, Command: func(string, []string) (*exec.Cmd, error) {
			return nil, errors.New("no config")
		}}
		if p := Run(tb, spec); p != nil || !strings.Contains(tb.fatal, "no config") {
			t.Errorf("Run = %v, fatal %q", p, tb.fatal)
		}
	})
}

func TestStopKillsAProgramThatIgnoresSIGTERM(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	p := &Process{spec: Spec{Name: "stubborn", StopTimeout: 300 * time.Millisecond}, output: &tailBuffer{max: 1 << 10}}
	if err := p.launch(exec.Command("sh", "-c", `trap "" TERM; echo ready; while :; do sleep 0.05; done`)); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(p.Output(), "ready") { // the trap is set once it prints
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	if err := p.Stop(); err == nil || !strings.Contains(err.Error(), "stubborn did not stop within 300ms of SIGTERM; killed it") {
		t.Errorf("Stop() = %v, want a kill report", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Stop took %s, want about the stop timeout", d)
	}

	p = &Process{spec: Spec{Name: "failing", StopTimeout: time.Second}, output: &tailBuffer{max: 1 << 10}}
	if err := p.launch(exec.Command("sh", "-c", `trap "exit 4" TERM; echo ready; while :; do sleep 0.05; done`)); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(p.Output(), "ready") {
		time.Sleep(10 * time.Millisecond)
	}
	if err := p.Stop(); err == nil || !strings.Contains(err.Error(), "failing exited after SIGTERM: exit status 4") {
		t.Errorf("Stop() = %v, want the exit status", err)
	}
}

func TestTailBufferKeepsTheEnd(t *testing.T) {
	b := &tailBuffer{max: 8}
	for _, s := range []string{"0123", "4567", "89", "abcdefghijkl"} {
		if n, err := b.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if got := b.String(); got != "efghijkl" {
		t.Errorf("kept %q, want the last 8 bytes", got)
	}
	if got := Tail([]byte("0123456789"), 4); got != "…6789" {
		t.Errorf("Tail = %q", got)
	}
	if got := Tail([]byte("0123"), 4); got != "0123" {
		t.Errorf("Tail of a short output = %q", got)
	}
}

func TestFreeAddrsAreDistinctAndFree(t *testing.T) {
	addrs, err := FreeAddrs(5)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, a := range addrs {
		if seen[a] || !strings.HasPrefix(a, "127.0.0.1:") {
			t.Errorf("addresses %v: want 5 distinct loopback addresses", addrs)
		}
		seen[a] = true
		l, err := net.Listen("tcp", a)
		if err != nil {
			t.Errorf("%s is not free: %v", a, err)
			continue
		}
		_ = l.Close()
	}
}
