//go:build linux

package logging_test

import (
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"go.uber.org/zap"

	"github.com/otelkit/otelkit/logging"
)

// openPTY opens a pseudo-terminal (what a terminal emulator gives a
// shell) with the kernel's own interface: the controller /dev/ptmx and
// its terminal /dev/pts/N.
func openPTY(t *testing.T) (controller, term *os.File) {
	t.Helper()
	controller, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	fd := controller.Fd()
	var unlock int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); errno != 0 {
		t.Fatalf("unlock pty: %v", errno)
	}
	var n uint32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); errno != 0 {
		t.Fatalf("pty number: %v", errno)
	}
	term, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pty terminal: %v", err)
	}
	t.Cleanup(func() { _ = term.Close(); _ = controller.Close() })
	return controller, term
}

// onTerminal logs one info and one error line on a pseudo-terminal with
// the format left to its default and env as the environment, and returns
// what the terminal showed.
func onTerminal(t *testing.T, env map[string]string) string {
	t.Helper()
	controller, term := openPTY(t)
	l, err := logging.New(logging.WithOutput(term), logging.WithEnvLookup(envOf(env)), logging.WithoutCaller())
	if err != nil {
		t.Fatal(err)
	}
	l.Zap().Info("order_loaded", zap.String("order_id", "42"))
	l.Zap().Error("payment_failed", zap.String("path", "/x\u202e\x1b[2J"))
	_ = term.Close()
	got := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(controller) // ends with EIO once the terminal is closed
		got <- string(b)
	}()
	select {
	case s := <-got:
		return s
	case <-time.After(10 * time.Second):
		_ = controller.Close()
		t.Fatal("nothing read from the pseudo-terminal")
		return ""
	}
}

// TestConsoleColorsOnTerminal: on a terminal the default format is the
// console, coloured; NO_COLOR (set, not empty) and TERM=dumb turn colours
// off; hostile input stays escaped either way.
func TestConsoleColorsOnTerminal(t *testing.T) {
	out := onTerminal(t, nil)
	for _, want := range []string{"[\x1b[32minfo\x1b[0m  ] \x1b[1morder_loaded\x1b[0m", "\x1b[36morder_id\x1b[0m=\x1b[35m42\x1b[0m", "[\x1b[31merror\x1b[0m ]"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal shows no %q:\n%q", want, out)
		}
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{
		{"NO_COLOR", map[string]string{"NO_COLOR": "1"}},
		{"TERM=dumb", map[string]string{"TERM": "dumb"}},
	} {
		out := onTerminal(t, tc.env)
		if !strings.Contains(out, "[info  ] order_loaded") {
			t.Errorf("%s: not the console format:\n%q", tc.name, out)
		}
		if strings.Contains(out, "\x1b") {
			t.Errorf("%s: colours on:\n%q", tc.name, out)
		}
	}
	// An empty NO_COLOR does not count (no-color.org).
	if out := onTerminal(t, map[string]string{"NO_COLOR": ""}); !strings.Contains(out, "\x1b[32m") {
		t.Errorf("empty NO_COLOR turned colours off:\n%q", out)
	}
	for _, out := range []string{out, onTerminal(t, map[string]string{"NO_COLOR": "1"})} {
		if strings.Contains(out, "\u202e") || strings.Contains(out, "\x1b[2J") || !strings.Contains(out, `\u202e\x1b[2J`) {
			t.Errorf("hostile value reached the terminal:\n%q", out)
		}
	}
}
