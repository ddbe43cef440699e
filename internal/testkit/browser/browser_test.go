package browser

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testkit/process"
	"github.com/otelkit/otelkit/internal/testkit/syspkg"
)

// Step is one thing the driver does (see driver/main.go for the ops).
type Step struct {
	Op   string `json:"op"`
	URL  string `json:"url,omitempty"`
	Sel  string `json:"sel,omitempty"`
	Text string `json:"text,omitempty"`
	Name string `json:"name,omitempty"`
	Path string `json:"path,omitempty"`
}

// Answer is what the driver answers to a step.
type Answer struct {
	OK    bool     `json:"ok"`
	Count int      `json:"count"`
	Texts []string `json:"texts"`
	URL   string   `json:"url"`
	Error string   `json:"error"`
}

// Browser is a running driver with its Chromium.
type Browser struct {
	tb     testing.TB
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Scanner
	stderr *lockedBuffer
}

// Start installs Chromium if needed (or skips the test saying how), builds
// the driver and starts it with a new, empty profile. The browser stops
// when the test ends.
func Start(tb testing.TB) *Browser {
	tb.Helper()
	chromium := syspkg.LookPathOrInstall(tb, "chromium", "chromium")
	driver := buildDriver(tb)
	cmd := exec.Command(driver, "-chromium", chromium, "-user-data-dir", tb.TempDir())
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	b := &Browser{tb: tb, cmd: cmd, in: in, out: bufio.NewScanner(out), stderr: &lockedBuffer{}}
	b.out.Buffer(make([]byte, 64<<10), 4<<20)
	cmd.Stderr = b.stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(b.stop)
	return b
}

// Do runs one step and returns the answer; a step the driver could not do
// fails the test with the browser's output.
func (b *Browser) Do(s Step) Answer {
	b.tb.Helper()
	a, err := b.try(s)
	if err != nil {
		b.tb.Fatalf("browser step %+v: %v\nchromium and driver said:\n%s", s, err, process.Tail([]byte(b.stderr.String()), 4<<10))
	}
	return a
}

func (b *Browser) try(s Step) (Answer, error) {
	line, _ := json.Marshal(s)
	if _, err := b.in.Write(append(line, '\n')); err != nil {
		return Answer{}, err
	}
	if !b.out.Scan() {
		return Answer{}, fmt.Errorf("the driver stopped: %v", b.out.Err())
	}
	var a Answer
	if err := json.Unmarshal(b.out.Bytes(), &a); err != nil {
		return a, fmt.Errorf("driver answered %q: %v", b.out.Text(), err)
	}
	if a.Error != "" {
		return a, fmt.Errorf("%s", a.Error)
	}
	return a, nil
}

// stop closes the driver's input, which stops Chromium and the driver;
// it is killed if it has not exited after ten seconds.
func (b *Browser) stop() {
	_ = b.in.Close()
	done := make(chan error, 1)
	go func() { done <- b.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			b.tb.Errorf("driver: %v\n%s", err, process.Tail([]byte(b.stderr.String()), 4<<10))
		}
	case <-time.After(10 * time.Second):
		_ = b.cmd.Process.Kill()
		<-done
		b.tb.Errorf("driver did not stop within 10s; killed")
	}
}

// lockedBuffer keeps what the driver and Chromium write on stderr.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Repo returns the repository's root directory.
func Repo(tb testing.TB) string {
	tb.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

var driverBuild struct {
	once sync.Once
	path string
	err  error
}

// buildDriver builds ./driver (its own module) once per test binary.
func buildDriver(tb testing.TB) string {
	tb.Helper()
	driverBuild.once.Do(func() {
		driverBuild.path, driverBuild.err = goBuild(filepath.Join(Repo(tb), "internal", "testkit", "browser", "driver"), ".", "driver")
	})
	if driverBuild.err != nil {
		tb.Fatal(driverBuild.err)
	}
	return driverBuild.path
}

// goBuild builds pkg in dir into a temporary directory (which outlives the
// test; the OS cleans it) and returns the binary's path.
func goBuild(dir, pkg, name string) (string, error) {
	out, err := os.MkdirTemp("", "otelkit-browser-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(out, name)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s in %s: %v\n%s", pkg, dir, err, b)
	}
	return bin, nil
}
