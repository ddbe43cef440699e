// Command quickstart is otelkit's first example: an HTTP API instrumented
// with one otel.Init call and the httpmw middleware.
//
//	go run ./examples/quickstart          # exercise itself, print logs, then its traces as trees, exit
//	go run ./examples/quickstart -serve   # keep serving on :8080, traces at http://localhost:8080/debug/otel/
//
// The service logs at info with per-request log buffering on: the debug
// lines of a request are printed only when it goes wrong (/fail, /panic,
// /orders/0), just before the line that says so; a request that ends well
// prints none and its access line counts them (debug_dropped).
//
// With no collector configured (no OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_TRACES_EXPORTER) nothing is exported: the terminal shows the log
// lines (structlog-like on a terminal, each with the 8 hex digits of its
// trace), and the spans are kept by the built-in trace viewer, served at
// /debug/otel with -serve. Without -serve, the traces are printed as trees
// once the exercise is over, after the log lines rather than between them.
// With OTEL_EXPORTER_OTLP_ENDPOINT set (for example to the docker-compose
// stack, http://localhost:4318) everything is exported there too.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
	"github.com/otelkit/otelkit/tracing"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(out)
	serve := fs.Bool("serve", false, "keep serving until interrupted instead of exercising the API and exiting")
	addr := fs.String("addr", "", "listen address (default 127.0.0.1:0, or :8080 with -serve)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *addr == "" {
		*addr = "127.0.0.1:0"
		if *serve {
			*addr = ":8080"
		}
	}

	opts := []otel.Option{
		otel.WithServiceVersion("1.0.0"),
		otel.WithLogOutput(zapcore.AddSync(out)),
	}
	if strings.TrimSpace(os.Getenv("OTELKIT_LOG_BUFFER_LEVEL")) == "" {
		// Per-request log buffering: the service logs at info, but a
		// request that goes wrong (an error line, a 5xx, a panic, over
		// 1s) also prints the debug lines it wrote, marked
		// "buffered":true; one that ends well prints none and counts them
		// on its access line (debug_dropped). An option would win over
		// OTELKIT_LOG_BUFFER_LEVEL, so a deployment can still turn it off.
		opts = append(opts, otel.WithLogBufferLevel(zapcore.DebugLevel))
	}
	if strings.TrimSpace(os.Getenv("OTEL_SERVICE_NAME")) == "" {
		// An option would win over OTEL_SERVICE_NAME; this example lets a
		// deployment (the compose stack) name it.
		opts = append(opts, otel.WithServiceName("quickstart"))
	}
	// The trace viewer keeps the last traces and their log lines in memory
	// for /debug/otel, with or without a collector.
	opts = append(opts, otel.WithTraceViewer())
	var traces *traceTrees
	if !collectorConfigured() {
		// Nothing to export to: keep metrics and log records local, so
		// there is no error spam about an unreachable collector.
		opts = append(opts,
			otel.WithTracesExporter("none"),
			otel.WithMetricsExporter("none"),
			otel.WithLogsExporter("none"),
		)
		if !*serve {
			traces = &traceTrees{}
			opts = append(opts, otel.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(traces)))
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	tel, err := otel.Init(ctx, opts...)
	if err != nil {
		_ = ln.Close()
		return err
	}
	// The viewer sits beside the instrumented API, not inside httpmw, so
	// looking at traces makes none. It has no authentication: a real
	// service mounts it on an admin listener, never a public one.
	root := http.NewServeMux()
	root.Handle("/debug/otel/", tel.TraceViewerHandler())
	root.Handle("/", httpmw.Handler(newMux(), httpmw.WithSkipPaths("/healthz")))
	srv := &http.Server{Handler: root, ReadHeaderTimeout: 5 * time.Second}
	viewer := viewerURL(ln.Addr())
	tel.Logger().Info("server_started", zap.String("addr", ln.Addr().String()), zap.String("trace_viewer", viewer))

	ctx, stop := context.WithCancel(ctx)
	defer stop()
	if !*serve {
		go func() {
			defer stop() // the exercise is over: stop as a signal would
			exercise(ctx, "http://"+ln.Addr().String())
		}()
	}
	// Run serves until SIGINT or SIGTERM (or, without -serve, until the
	// exercise is over), lets the requests in flight finish, then flushes
	// and shuts down the telemetry, so nothing queued is lost on exit.
	err = tel.Run(ctx, otel.HTTPServerOn(srv, ln))
	if traces != nil {
		traces.print(out)
	}
	return err
}

// viewerURL is where a browser on this machine finds the trace viewer.
func viewerURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "/debug/otel/"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/debug/otel/"
}

// collectorConfigured reports whether the environment points the exporters
// somewhere.
func collectorConfigured() bool {
	for _, k := range []string{
		"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
		"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER",
	} {
		if strings.TrimSpace(os.Getenv(k)) != "" {
			return true
		}
	}
	return false
}

func newMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", getOrder)
	mux.HandleFunc("GET /slow", slow)
	mux.HandleFunc("GET /fail", fail)
	mux.HandleFunc("GET /panic", func(_ http.ResponseWriter, r *http.Request) {
		logging.FromContext(r.Context()).Debug("inventory_lookup", zap.Int("index", 7), zap.Int("size", 3))
		panic("inventory index out of range")
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	return mux
}

func getOrder(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("id")
	logging.FromContext(ctx).Debug("cache_lookup", zap.String("order_id", id), zap.Bool("hit", false))
	order, err := loadOrder(ctx, id)
	if err != nil {
		logging.FromContext(ctx).Error("order_load_failed", zap.String("order_id", id), logging.Err(err))
		http.Error(w, "order not found", http.StatusNotFound)
		return
	}
	logging.FromContext(ctx).Info("order_loaded", zap.String("order_id", id), zap.Int("items", len(order.Items)))
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(order)
}

type order struct {
	ID    string   `json:"id"`
	Items []string `json:"items"`
}

// loadOrder stands for a database call: it has a span of its own, so its
// log line carries the child span's span_id.
func loadOrder(ctx context.Context, id string) (o order, err error) {
	ctx, span := tracing.Start(ctx, "load_order")
	defer tracing.End(span, &err)
	logging.FromContext(ctx).Debug("order_query", zap.String("order_id", id))
	if id == "0" {
		return order{}, errors.New("no order with id 0")
	}
	return order{ID: id, Items: []string{"book", "pen"}}, nil
}

func slow(w http.ResponseWriter, r *http.Request) {
	select {
	case <-time.After(300 * time.Millisecond):
	case <-r.Context().Done():
	}
	logging.FromContext(r.Context()).Info("report_generated", zap.Duration("took", 300*time.Millisecond))
	_, _ = io.WriteString(w, "done\n")
}

func fail(w http.ResponseWriter, r *http.Request) {
	log := logging.FromContext(r.Context())
	log.Debug("payment_request", zap.String("provider", "examplepay"), zap.Int("amount_cents", 4200))
	log.Debug("payment_response", zap.Int("status", 402), zap.String("code", "card_declined"))
	err := &paymentError{Code: "card_declined"}
	log.Error("payment_failed", zap.String("provider", "examplepay"), logging.Err(err))
	http.Error(w, "payment failed", http.StatusBadGateway)
}

type paymentError struct{ Code string }

func (e *paymentError) Error() string { return "payment declined: " + e.Code }

// exercise sends a few requests through an instrumented client: a normal
// one, a slow one, a failing one and one that panics in the handler.
func exercise(ctx context.Context, base string) {
	client := &http.Client{Transport: httpmw.Transport(nil), Timeout: 5 * time.Second}
	for _, path := range []string{"/orders/42", "/slow", "/fail", "/panic", "/orders/0", "/healthz"} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err != nil {
			continue
		}
		resp, err := client.Do(req)
		if err != nil {
			logging.FromContext(ctx).Warn("request_failed", zap.String("path", path), logging.Err(err))
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
}

// traceTrees is a span exporter that keeps the spans of the exercise and
// prints them as one tree per trace once it is over: what the trace viewer
// shows, for a run that does not stay to be browsed.
type traceTrees struct {
	mu    sync.Mutex
	spans []sdktrace.ReadOnlySpan
}

func (t *traceTrees) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.spans) < 1000 { // the exercise makes a dozen
		t.spans = append(t.spans, spans...)
	}
	return nil
}

func (t *traceTrees) Shutdown(context.Context) error { return nil }

// print writes each trace, in the order its first span started, as a tree:
// name, kind, duration, status and span ID of each span, children below
// their parent.
func (t *traceTrees) print(w io.Writer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	spans := append([]sdktrace.ReadOnlySpan(nil), t.spans...)
	sort.Slice(spans, func(i, j int) bool { return spans[i].StartTime().Before(spans[j].StartTime()) })
	children := map[trace.SpanID][]sdktrace.ReadOnlySpan{}
	known := map[trace.SpanID]bool{}
	for _, s := range spans {
		known[s.SpanContext().SpanID()] = true
	}
	var roots []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if p := s.Parent().SpanID(); s.Parent().IsValid() && known[p] {
			children[p] = append(children[p], s)
		} else {
			roots = append(roots, s)
		}
	}
	fmt.Fprintln(w, "\nTraces (run with -serve to browse them with their log lines at http://localhost:8080/debug/otel/):")
	var walk func(s sdktrace.ReadOnlySpan, depth int)
	walk = func(s sdktrace.ReadOnlySpan, depth int) {
		name := strings.Repeat("  ", depth) + s.Name()
		fmt.Fprintf(w, "    %-28s %-8s %9s  %-5s span=%s\n", name, s.SpanKind(),
			s.EndTime().Sub(s.StartTime()).Round(time.Microsecond), strings.ToLower(s.Status().Code.String()), s.SpanContext().SpanID())
		for _, c := range children[s.SpanContext().SpanID()] {
			walk(c, depth+1)
		}
	}
	for _, r := range roots {
		fmt.Fprintf(w, "  trace=%s\n", r.SpanContext().TraceID().String()[:8])
		walk(r, 0)
	}
}
