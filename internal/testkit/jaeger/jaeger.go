package jaeger

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

// Addrs are the loopback addresses ("127.0.0.1:PORT") that Start picked for
// Jaeger's listeners, one free port each.
type Addrs struct {
	OTLPGRPC    string // OTLP receiver, gRPC
	OTLPHTTP    string // OTLP receiver, HTTP
	QueryHTTP   string // jaeger_query: UI and the HTTP APIs
	QueryGRPC   string // jaeger_query: the gRPC API
	HealthCheck string // healthcheckv2 extension, HTTP
}

// Jaeger is a running Jaeger v2 started by Start.
type Jaeger struct {
	addrs Addrs
	proc  *process.Process
}

// Option configures Start.
type Option interface {
	apply(config) config
}

type config struct {
	startTimeout time.Duration
	render       func(Addrs) string
}

type optionFunc func(config) config

func (f optionFunc) apply(c config) config { return f(c) }

// WithStartTimeout bounds how long Start waits for the OTLP gRPC receiver
// and the query HTTP server to accept connections. Default 1 minute. A
// non-positive value keeps the default.
func WithStartTimeout(d time.Duration) Option {
	return optionFunc(func(c config) config { c.startTimeout = d; return c })
}

// WithConfig replaces the generated configuration by the YAML that render
// returns for the addresses Start picked. The configuration must run the
// OTLP receiver's gRPC protocol on Addrs.OTLPGRPC and jaeger_query's HTTP
// server on Addrs.QueryHTTP (Start waits for both) and should put every
// other listener on its address in Addrs, so that parallel tests do not
// collide. Use it to run a configuration of your own, such as the local
// stack's. A nil render keeps the generated configuration.
func WithConfig(render func(Addrs) string) Option {
	return optionFunc(func(c config) config {
		if render != nil {
			c.render = render
		}
		return c
	})
}

// defaultConfig is a single-node Jaeger: OTLP in, memory storage, query.
// enable_tracing is off: on, jaeger_query traces itself through an OTLP
// exporter configured from the OTEL_EXPORTER_OTLP_* environment, which by
// default sends to localhost:4317, whatever listens there on the machine.
func defaultConfig(a Addrs) string {
	return fmt.Sprintf(`service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics: {level: none}
    logs: {level: info}
extensions:
  jaeger_storage:
    backends:
      memstore: {memory: {max_traces: 10000}}
  jaeger_query:
    storage: {traces: memstore}
    enable_tracing: false
    http: {endpoint: %q}
    grpc: {endpoint: %q}
  healthcheckv2:
    use_v2: true
    http: {endpoint: %q}
receivers:
  otlp:
    protocols:
      grpc: {endpoint: %q}
      http: {endpoint: %q}
exporters:
  jaeger_storage_exporter: {trace_storage: memstore}
`, a.QueryHTTP, a.QueryGRPC, a.HealthCheck, a.OTLPGRPC, a.OTLPHTTP)
}

// Start starts Jaeger v2 from Binary on free 127.0.0.1 ports, with the
// generated single-node configuration (OTLP receiver, memory storage, query
// on HTTP and gRPC) unless WithConfig replaces it. It returns once the OTLP
// gRPC receiver and the query HTTP server accept connections, and fails the
// test with Jaeger's output if they do not within the start timeout.
// Jaeger is stopped by tb.Cleanup: SIGTERM, up to 10s, then kill.
func Start(tb testing.TB, opts ...Option) *Jaeger {
	tb.Helper()
	cfg := config{startTimeout: time.Minute, render: defaultConfig}
	for _, o := range opts {
		if o != nil {
			cfg = o.apply(cfg)
		}
	}
	if cfg.startTimeout <= 0 {
		cfg.startTimeout = time.Minute
	}
	bin := Binary(tb)
	proc := process.Run(tb, process.Spec{
		Name:         "Jaeger",
		Ports:        5,
		StartTimeout: cfg.startTimeout,
		Command: func(dir string, addrs []string) (*exec.Cmd, error) {
			cfgPath := filepath.Join(dir, "jaeger.yaml")
			if err := os.WriteFile(cfgPath, []byte(cfg.render(addrsOf(addrs))), 0o644); err != nil {
				return nil, fmt.Errorf("write Jaeger config: %w", err)
			}
			cmd := exec.Command(bin, "--config="+cfgPath)
			cmd.Dir = dir
			cmd.Env = jaegerEnv(os.Environ())
			return cmd, nil
		},
		Ready: func(addrs []string) []string {
			a := addrsOf(addrs)
			return []string{a.OTLPGRPC, a.QueryHTTP}
		},
	})
	if proc == nil {
		return nil // tb is not a *testing.T, and its Fatalf returned
	}
	return &Jaeger{addrs: addrsOf(proc.Addrs()), proc: proc}
}

func addrsOf(ports []string) Addrs {
	return Addrs{OTLPGRPC: ports[0], OTLPHTTP: ports[1], QueryHTTP: ports[2], QueryGRPC: ports[3], HealthCheck: ports[4]}
}

// jaegerEnv is the test's environment without its OTEL_ variables, which
// may point the code under test at a collector, plus a sampler that records
// nothing: a configuration that leaves jaeger_query's enable_tracing on then
// neither sends Jaeger's own spans to that collector or to localhost:4317,
// nor waits for them on shutdown.
func jaegerEnv(environ []string) []string {
	env := make([]string, 0, len(environ)+1)
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "OTEL_") {
			env = append(env, kv)
		}
	}
	return append(env, "OTEL_TRACES_SAMPLER=always_off")
}

// Addrs returns the loopback addresses Jaeger was configured with.
func (j *Jaeger) Addrs() Addrs { return j.addrs }

// OTLPGRPCEndpoint returns the OTLP/gRPC receiver's address,
// "127.0.0.1:PORT", as otlptracegrpc.WithEndpoint and a collector's
// otlp_grpc exporter expect it.
func (j *Jaeger) OTLPGRPCEndpoint() string { return j.addrs.OTLPGRPC }

// QueryURL returns the base URL of Jaeger's UI and HTTP APIs,
// "http://127.0.0.1:PORT".
func (j *Jaeger) QueryURL() string { return "http://" + j.addrs.QueryHTTP }

// Output returns what Jaeger has written to stdout and stderr so far (at
// most the last 256 KiB), for test failure messages.
func (j *Jaeger) Output() string { return j.proc.Output() }
