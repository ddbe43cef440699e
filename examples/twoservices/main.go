// Command twoservices shows one trace and one request ID crossing two
// services: a frontend calls a backend through httpmw.Transport, and the log
// lines of both carry the same trace_id and request_id.
//
//	go run ./examples/twoservices                       # both in one process, exercise, exit
//	go run ./examples/twoservices -role backend -addr :8081 -serve
//	go run ./examples/twoservices -role frontend -addr :8080 -backend http://localhost:8081 -serve
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
	"os/signal"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "twoservices:", err)
		os.Exit(1)
	}
}

type options struct {
	role, addr, backendAddr, backendURL string
	serve                               bool
}

func run(ctx context.Context, args []string, out io.Writer) error {
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

	common := []otel.Option{otel.WithLogOutput(zapcore.AddSync(out))}
	var stops []func()
	defer func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}()

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
			return err
		}
		stops = append(stops, shutdownFunc(tel))
		h := httpmw.Handler(backendMux(),
			httpmw.WithTracerProvider(tel.TracerProvider()),
			httpmw.WithMeterProvider(tel.MeterProvider()),
			httpmw.WithLogger(tel.Logger().With(zap.String("service", "backend"))),
		)
		url, stop, err := serve(addr, h, tel.Logger())
		if err != nil {
			return err
		}
		stops = append(stops, stop)
		backendURL = url
	}
	var frontendURL string
	if o.role == "frontend" || o.role == "both" {
		tel, err := otel.Init(ctx, append(nameUnlessEnv("frontend", o.role == "both"), common...)...)
		if err != nil {
			return err
		}
		stops = append(stops, shutdownFunc(tel))
		client := &http.Client{Transport: httpmw.Transport(nil), Timeout: 5 * time.Second}
		h := httpmw.Handler(frontendMux(client, backendURL),
			httpmw.WithLogger(tel.Logger().With(zap.String("service", "frontend"))))
		url, stop, err := serve(o.addr, h, tel.Logger())
		if err != nil {
			return err
		}
		stops = append(stops, stop)
		frontendURL = url
	}

	if o.serve || frontendURL == "" {
		<-ctx.Done()
		return nil
	}
	// Exercise: one checkout, with a request ID chosen by the caller.
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
		price, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		_ = resp.Body.Close()
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

func serve(addr string, h http.Handler, log *zap.Logger) (string, func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("server_failed", logging.Err(err))
		}
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// nameUnlessEnv names the service name in code unless OTEL_SERVICE_NAME
// does (an option would win over it) and the process runs one service only.
func nameUnlessEnv(name string, force bool) []otel.Option {
	if !force && strings.TrimSpace(os.Getenv("OTEL_SERVICE_NAME")) != "" {
		return nil
	}
	return []otel.Option{otel.WithServiceName(name)}
}

func shutdownFunc(tel *otel.Telemetry) func() {
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tel.Shutdown(ctx)
	}
}
