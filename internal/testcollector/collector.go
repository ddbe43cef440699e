package testcollector

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Collector is a running collector started by Start. It receives OTLP over
// gRPC and HTTP on loopback and writes what it receives, one file per signal,
// as OTLP/JSON lines that Spans, Metrics and Logs read back.
type Collector struct {
	grpcAddr string
	httpAddr string
	dir      string
	cfg      config // what Start was given, for Restart
	cfgPath  string // the configuration file the process runs
	bin      string
	cmd      *exec.Cmd
	stderr   *tailBuffer
	exited   chan struct{} // closed when the process has exited
	waitErr  error         // set before exited is closed
}

// Option configures Start.
type Option interface {
	apply(config) config
}

type config struct {
	startTimeout  time.Duration
	stopTimeout   time.Duration
	flushInterval time.Duration
	custom        func(grpcAddr, httpAddr string) string
}

func newConfig(opts []Option) config {
	c := config{
		startTimeout:  30 * time.Second,
		stopTimeout:   10 * time.Second,
		flushInterval: 100 * time.Millisecond,
	}
	for _, o := range opts {
		if o != nil {
			c = o.apply(c)
		}
	}
	return c
}

type optionFunc func(config) config

func (f optionFunc) apply(c config) config { return f(c) }

// WithStartTimeout bounds how long Start waits for both OTLP ports to accept
// connections. Default 30s. A non-positive value keeps the default.
func WithStartTimeout(d time.Duration) Option {
	return optionFunc(func(c config) config {
		if d > 0 {
			c.startTimeout = d
		}
		return c
	})
}

// WithStopTimeout bounds how long the test cleanup waits for the collector to
// exit after SIGTERM before it kills it. Default 10s. A non-positive value
// keeps the default.
func WithStopTimeout(d time.Duration) Option {
	return optionFunc(func(c config) config {
		if d > 0 {
			c.stopTimeout = d
		}
		return c
	})
}

// WithFlushInterval sets how often the file exporters flush to disk, which
// bounds how long received data takes to become visible to Spans, Metrics
// and Logs. Default 100ms. A non-positive value keeps the default.
func WithFlushInterval(d time.Duration) Option {
	return optionFunc(func(c config) config {
		if d > 0 {
			c.flushInterval = d
		}
		return c
	})
}

// WithConfig replaces the generated collector configuration by the YAML
// that render returns for the two loopback addresses ("127.0.0.1:PORT") Start
// picked. The configuration must run the OTLP receiver's gRPC and HTTP
// protocols on exactly those addresses: Start waits for both. Use it to run a
// configuration of your own, such as the local stack's, against test
// back ends. Spans, Metrics and Logs read the file exporters of the generated
// configuration, so with WithConfig they return nothing.
func WithConfig(render func(grpcAddr, httpAddr string) string) Option {
	return optionFunc(func(c config) config {
		c.custom = render
		return c
	})
}

// startAttempts is how many times Start retries when a port it picked was
// taken by someone else before the collector could bind it.
const startAttempts = 3

// Start starts the collector from Binary with an OTLP receiver (gRPC and
// HTTP) on free 127.0.0.1 ports and file exporters writing OTLP/JSON into
// tb.TempDir(). It returns once both ports accept connections, and fails the
// test, with the collector's output, if they do not within the start timeout.
// The collector is stopped by tb.Cleanup: SIGTERM, a bounded wait, then kill.
func Start(tb testing.TB, opts ...Option) *Collector {
	tb.Helper()
	cfg := newConfig(opts)
	bin := Binary(tb)
	var lastErr error
	for attempt := 1; attempt <= startAttempts; attempt++ {
		c, err := start(tb, bin, cfg)
		if err == nil {
			return c
		}
		lastErr = err
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	tb.Fatalf("testcollector: %v", lastErr)
	return nil
}

var errPortTaken = errors.New("port already in use")

func start(tb testing.TB, bin string, cfg config) (*Collector, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	dir := tb.TempDir()
	c := &Collector{
		grpcAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])),
		httpAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1])),
		dir:      dir,
		cfg:      cfg,
		bin:      bin,
	}
	cfgPath := filepath.Join(dir, "config.yaml")
	c.cfgPath = cfgPath
	yml := c.config(cfg)
	if cfg.custom != nil {
		yml = cfg.custom(c.grpcAddr, c.httpAddr)
	}
	if err := os.WriteFile(cfgPath, []byte(yml), 0o644); err != nil {
		return nil, fmt.Errorf("write collector config: %w", err)
	}
	if err := c.launch(c.command()); err != nil {
		return nil, fmt.Errorf("start collector %s: %w", bin, err)
	}
	if err := c.waitReady(cfg.startTimeout); err != nil {
		c.stop(cfg.stopTimeout)
		out := c.stderr.String()
		if strings.Contains(out, "address already in use") {
			return nil, fmt.Errorf("%w: %v\ncollector output:\n%s", errPortTaken, err, out)
		}
		return nil, fmt.Errorf("%v\ncollector output:\n%s", err, out)
	}
	tb.Cleanup(func() {
		if err := c.stop(cfg.stopTimeout); err != nil {
			tb.Errorf("testcollector: %v\ncollector output:\n%s", err, c.stderr.String())
		}
	})
	return c, nil
}

// command is the collector's command line; Restart runs it again.
func (c *Collector) command() *exec.Cmd {
	cmd := exec.Command(c.bin, "--config="+c.cfgPath)
	cmd.Dir = c.dir
	return cmd
}

// config renders the collector configuration for this instance.
func (c *Collector) config(cfg config) string {
	var b strings.Builder
	fmt.Fprintf(&b, `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %q
      http:
        endpoint: %q
exporters:
`, c.grpcAddr, c.httpAddr)
	for _, s := range signals {
		fmt.Fprintf(&b, `  file/%s:
    path: %q
    format: json
    append: true
    flush_interval: %s
`, s, c.file(s), cfg.flushInterval)
	}
	b.WriteString(`service:
  telemetry:
    metrics:
      level: none
    logs:
      level: info
  pipelines:
`)
	for _, s := range signals {
		fmt.Fprintf(&b, `    %s:
      receivers: [otlp]
      exporters: [file/%s]
`, s, s)
	}
	return b.String()
}

var signals = []string{"traces", "metrics", "logs"}

func (c *Collector) file(signal string) string {
	return filepath.Join(c.dir, signal+".jsonl")
}

// GRPCEndpoint returns the OTLP/gRPC address, "127.0.0.1:PORT", as
// otlptracegrpc.WithEndpoint and OTEL_EXPORTER_OTLP_ENDPOINT (with an
// http:// scheme) expect it.
func (c *Collector) GRPCEndpoint() string { return c.grpcAddr }

// HTTPEndpoint returns the OTLP/HTTP base URL, "http://127.0.0.1:PORT"; the
// signal paths (/v1/traces, /v1/metrics, /v1/logs) go after it.
func (c *Collector) HTTPEndpoint() string { return "http://" + c.httpAddr }

// Output returns what the collector has written to stdout and stderr so far
// (at most the last 256 KiB), for test failure messages.
func (c *Collector) Output() string { return c.stderr.String() }

// launch starts cmd with its output going to c.stderr and reaps it in the
// background; c.exited is closed once it has exited. It must not be called
// while an earlier process of c still runs (Restart stops it first).
func (c *Collector) launch(cmd *exec.Cmd) error {
	if c.stderr == nil {
		c.stderr = &tailBuffer{max: 256 << 10}
	}
	exited := make(chan struct{})
	cmd.Stdout = c.stderr
	cmd.Stderr = c.stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	c.cmd, c.exited = cmd, exited
	go func() {
		c.waitErr = cmd.Wait()
		close(exited)
	}()
	return nil
}

// waitReady polls both ports until they accept a connection, the process
// exits, or the timeout passes.
func (c *Collector) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	pending := []string{c.grpcAddr, c.httpAddr}
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
		case <-c.exited:
			return fmt.Errorf("collector exited before accepting connections: %v", c.waitErr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("collector did not accept connections on %s within %s",
				strings.Join(pending, ", "), timeout)
		}
	}
}

// stop sends SIGTERM, waits up to timeout and then kills the process. It
// reports an error if the collector had to be killed or exited with an error
// after SIGTERM.
func (c *Collector) stop(timeout time.Duration) error {
	select {
	case <-c.exited:
		return nil
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
		var ee *exec.ExitError
		if c.waitErr != nil && !errors.As(c.waitErr, &ee) {
			return fmt.Errorf("collector: %w", c.waitErr)
		}
		if ee != nil && !ee.Exited() {
			// Killed by our SIGTERM before it installed its handler.
			return nil
		}
		if c.waitErr != nil {
			return fmt.Errorf("collector exited after SIGTERM: %w", c.waitErr)
		}
		return nil
	case <-time.After(timeout):
		_ = c.cmd.Process.Kill()
		<-c.exited
		return fmt.Errorf("collector did not stop within %s of SIGTERM; killed it", timeout)
	}
}

// freePorts reserves n distinct loopback ports by listening on port 0, then
// releases them for the collector to bind. Start retries if another process
// takes one in between.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
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
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
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
