package collector

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testkit/process"
)

// Collector is a running collector started by Start. It receives OTLP over
// gRPC and HTTP on loopback and writes what it receives, one file per signal,
// as OTLP/JSON lines that Spans, Metrics and Logs read back.
type Collector struct {
	grpcAddr string
	httpAddr string
	dir      string // where the file exporters write
	proc     *process.Process
}

// Option configures Start.
type Option interface {
	apply(config) config
}

type config struct {
	startTimeout time.Duration
	custom       func(grpcAddr, httpAddr string) string
}

type optionFunc func(config) config

func (f optionFunc) apply(c config) config { return f(c) }

// WithStartTimeout bounds how long Start waits for both OTLP ports to accept
// connections. Default 30s. A non-positive value keeps the default.
func WithStartTimeout(d time.Duration) Option {
	return optionFunc(func(c config) config { c.startTimeout = d; return c })
}

// WithConfig replaces the generated collector configuration by the YAML
// that render returns for the two loopback addresses ("127.0.0.1:PORT") Start
// picked. The configuration must run the OTLP receiver's gRPC and HTTP
// protocols on exactly those addresses: Start waits for both. Use it to run a
// configuration of your own, such as the local stack's, against test
// back ends. Spans, Metrics and Logs read the file exporters of the generated
// configuration, so with WithConfig they return nothing.
func WithConfig(render func(grpcAddr, httpAddr string) string) Option {
	return optionFunc(func(c config) config { c.custom = render; return c })
}

// Start starts the collector from Binary with an OTLP receiver (gRPC and
// HTTP) on free 127.0.0.1 ports and file exporters writing OTLP/JSON into
// a directory of the test's. It returns once both ports accept connections,
// and fails the test, with the collector's output, if they do not within the
// start timeout. The collector is stopped by tb.Cleanup: SIGTERM, up to 10s,
// then kill.
func Start(tb testing.TB, opts ...Option) *Collector {
	tb.Helper()
	var cfg config
	for _, o := range opts {
		if o != nil {
			cfg = o.apply(cfg)
		}
	}
	bin := Binary(tb)
	proc := process.Run(tb, process.Spec{
		Name:         "collector",
		Ports:        2, // OTLP gRPC, OTLP HTTP
		StartTimeout: cfg.startTimeout,
		Command: func(dir string, addrs []string) (*exec.Cmd, error) {
			c := &Collector{grpcAddr: addrs[0], httpAddr: addrs[1], dir: dir}
			yml := c.config()
			if cfg.custom != nil {
				yml = cfg.custom(c.grpcAddr, c.httpAddr)
			}
			cfgPath := filepath.Join(dir, "config.yaml")
			if err := os.WriteFile(cfgPath, []byte(yml), 0o644); err != nil {
				return nil, fmt.Errorf("write collector config: %w", err)
			}
			cmd := exec.Command(bin, "--config="+cfgPath)
			cmd.Dir = dir
			return cmd, nil
		},
	})
	if proc == nil {
		return nil // tb is not a *testing.T, and its Fatalf returned
	}
	addrs := proc.Addrs()
	return &Collector{grpcAddr: addrs[0], httpAddr: addrs[1], dir: proc.Dir(), proc: proc}
}

// flushInterval is how often the file exporters flush to disk, which bounds
// how long received data takes to become visible to Spans, Metrics and Logs.
const flushInterval = 100 * time.Millisecond

// config renders the collector configuration for this instance.
func (c *Collector) config() string {
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
`, s, c.file(s), flushInterval)
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
func (c *Collector) Output() string { return c.proc.Output() }
