// Command twoservices shows one trace and one request ID crossing two
// services: a frontend calls a backend through httpmw.Transport, and the log
// lines of both carry the same trace_id and request_id.
//
//	go run ./examples/twoservices                       # both in one process, exercise, exit
//	go run ./examples/twoservices -role backend -addr :8081 -serve
//	go run ./examples/twoservices -role frontend -addr :8080 -backend http://localhost:8081 -serve
//
// Unlike the quick start, it exports over OTLP to the SDK's default
// endpoint, https://localhost:4318, unless told otherwise. With no
// collector there the exports fail (otel_sdk_error, telemetry_dropped
// lines), and the program waits for them to time out before it exits with
// status 1.
// Point it at a collector (OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318
// with the docker-compose stack), or run it with
// OTEL_TRACES_EXPORTER=console OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "twoservices:", err)
		os.Exit(1)
	}
}

type options struct {
	role, addr, backendAddr, backendURL string
	serve                               bool
}

func run(ctx context.Context, args []string, out io.Writer) (err error) {
	fs := flag.NewFlagSet("twoservices", flag.ContinueOnError)
	fs.SetOutput(out)
	var o options
	fs.StringVar(&o.role, "role", "both", "frontend, backend, or both in one process")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:0", "frontend (or single role) listen address")
	fs.StringVar(&o.backendAddr, "backend-addr", "127.0.0.1:0", "backend listen address with -role both")
	fs.StringVar(&o.backendURL, "backend", "http://localhost:8081", "backend base URL for -role frontend")
	fs.BoolVar(&o.serve, "serve", false, "keep serving until interrupted")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch o.role {
	case "frontend", "backend", "both":
	default:
		return fmt.Errorf("-role %q: allowed: frontend, backend, both", o.role)
	}

	p, err := start(ctx, o, out)
	defer func() { err = errors.Join(err, p.close()) }()
	if err != nil {
		return err
	}

	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var exerciseErr error
	exercised := make(chan struct{})
	if o.serve || p.frontendURL == "" {
		close(exercised)
	} else {
		go func() {
			defer close(exercised)
			defer stop() // the exercise is over: stop as a signal would
			exerciseErr = checkout(ctx, p.frontendURL)
		}()
	}
	// Run serves until SIGINT or SIGTERM (or the end of the exercise), lets
	// the requests in flight finish, then flushes the telemetry.
	p.ran = true
	err = p.owner.Run(ctx, otel.Servers(p.servers...))
	<-exercised
	return errors.Join(err, exerciseErr)
}

// process is what this process runs: its servers, the one taking outside
// traffic first (Run stops them in this order), and the Telemetry Run
// flushes.
type process struct {
	servers     []otel.Server
	owner       *otel.Telemetry
	frontendURL string
	cleanup     []func() error
	ran         bool // Run was called: it flushed owner and returned its error
}

// close shuts down what Run does not: the backend's Telemetry with -role
// both, after Run has drained both servers, and everything when start
// failed half way. It returns the flushes that failed, each naming its
// service: telemetry was lost.
func (p *process) close() error {
	var errs []error
	for i := len(p.cleanup) - 1; i >= 0; i-- {
		errs = append(errs, p.cleanup[i]())
	}
	return errors.Join(errs...)
}

// shutdown flushes and shuts down tel within 5 s, unless Run has (Run
// returned its error already).
func (p *process) shutdown(tel *otel.Telemetry, service string) error {
	if p.ran && tel == p.owner {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tel.Shutdown(ctx); err != nil {
		return fmt.Errorf("%s telemetry: %w", service, err)
	}
	return nil
}

func start(ctx context.Context, o options, out io.Writer) (*process, error) {
	p := &process{}
	common := []otel.Option{otel.WithLogOutput(zapcore.AddSync(out))}
	backendURL := o.backendURL
	if o.role == "backend" || o.role == "both" {
		addr := o.addr
		opts := append(nameUnlessEnv("backend", o.role == "both"), common...)
		if o.role == "both" {
			// One process, two services: only the frontend owns the globals;
			// the backend's middleware gets its providers explicitly.
			addr = o.backendAddr
			opts = append(opts, otel.WithoutGlobals())
		}
		tel, err := otel.Init(ctx, opts...)
		if err != nil {
			return p, err
		}
		p.cleanup = append(p.cleanup, func() error { return p.shutdown(tel, "backend") })
		h := httpmw.Handler(backendMux(),
			httpmw.WithTracerProvider(tel.TracerProvider()),
			httpmw.WithMeterProvider(tel.MeterProvider()),
			httpmw.WithLogger(tel.Logger().With(zap.String("service", "backend"))),
		)
		if backendURL, err = p.listen(addr, h); err != nil {
			return p, err
		}
		p.owner = tel
	}
	if o.role == "frontend" || o.role == "both" {
		tel, err := otel.Init(ctx, append(nameUnlessEnv("frontend", o.role == "both"), common...)...)
		if err != nil {
			return p, err
		}
		p.cleanup = append(p.cleanup, func() error { return p.shutdown(tel, "frontend") })
		client := &http.Client{Transport: httpmw.Transport(nil), Timeout: 5 * time.Second}
		h := httpmw.Handler(frontendMux(client, backendURL),
			httpmw.WithLogger(tel.Logger().With(zap.String("service", "frontend"))))
		if p.frontendURL, err = p.listen(o.addr, h); err != nil {
			return p, err
		}
		p.owner = tel
	}
	return p, nil
}

// listen binds addr for h, puts the server first in p.servers, and returns
// its base URL.
func (p *process) listen(addr string, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	p.cleanup = append(p.cleanup, func() error { _ = ln.Close(); return nil }) // Run has closed it already
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	p.servers = append([]otel.Server{otel.HTTPServerOn(srv, ln)}, p.servers...)
	return "http://" + ln.Addr().String(), nil
}

// checkout is the exercise: one checkout, with a request ID chosen by the
// caller.
func checkout(ctx context.Context, frontendURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, frontendURL+"/checkout/cart-7", nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Request-ID", "demo-checkout-0001")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("checkout: %s: %s", resp.Status, body)
	}
	return nil
}

func frontendMux(client *http.Client, backend string) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /checkout/{cart}", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		cart := r.PathValue("cart")
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, backend+"/prices/"+cart, nil)
		if err != nil {
			http.Error(w, "bad backend URL", http.StatusInternalServerError)
			return
		}
		resp, err := client.Do(req)
		if err != nil {
			logging.FromContext(ctx).Error("price_lookup_failed", logging.Err(err))
			http.Error(w, "backend unavailable", http.StatusBadGateway)
			return
		}
		price, err := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		_ = resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("backend: %s", resp.Status) // its body is not a price
		}
		if err != nil {
			logging.FromContext(ctx).Error("price_lookup_failed", logging.Err(err))
			http.Error(w, "backend unavailable", http.StatusBadGateway)
			return
		}
		logging.FromContext(ctx).Info("checkout_priced", zap.String("cart_id", cart), zap.ByteString("price", price))
		_, _ = fmt.Fprintf(w, "cart %s costs %s\n", cart, price)
	})
	return mux
}

func backendMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /prices/{cart}", func(w http.ResponseWriter, r *http.Request) {
		logging.FromContext(r.Context()).Info("price_computed", zap.String("cart_id", r.PathValue("cart")), zap.Int("cents", 4200))
		_, _ = io.WriteString(w, "42.00")
	})
	return mux
}

// nameUnlessEnv names the service name in code unless OTEL_SERVICE_NAME or
// a configuration file (OTEL_CONFIG_FILE) does (an option would win over
// them) and the process runs one service only.
func nameUnlessEnv(name string, force bool) []otel.Option {
	if !force && (strings.TrimSpace(os.Getenv("OTEL_SERVICE_NAME")) != "" || strings.TrimSpace(os.Getenv(otel.EnvConfigFile)) != "") {
		return nil
	}
	return []otel.Option{otel.WithServiceName(name)}
}
