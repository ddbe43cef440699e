package otel

import (
	"net/http"

	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/otelkit/otelkit/otel/internal/traceview"
)

// Trace viewer defaults (WithTraceViewerLimits).
const (
	DefaultTraceViewerTraces = traceview.DefaultMaxTraces // 200
	DefaultTraceViewerBytes  = traceview.DefaultMaxBytes  // 8 MiB
)

// WithTraceViewer turns on the built-in trace viewer: Init keeps the last
// DefaultTraceViewerTraces traces (about DefaultTraceViewerBytes at most)
// in memory, their spans and the log lines that carry their trace ID, and
// TraceViewerHandler serves them. It works with every exporter off (the
// OTLP log bridge is then on for the viewer alone). Default: off, and then
// nothing of it is installed and nothing costs. No environment variable
// turns it on: mounting the handler is code anyway.
func WithTraceViewer() Option {
	return WithTraceViewerLimits(0, 0)
}

// WithTraceViewerLimits turns on the trace viewer (see WithTraceViewer)
// keeping at most maxTraces traces and about maxBytes bytes of them (0 or
// less: the defaults, DefaultTraceViewerTraces and
// DefaultTraceViewerBytes). The oldest trace goes first.
func WithTraceViewerLimits(maxTraces int, maxBytes int64) Option {
	return optionFunc(func(c config) config {
		c.traceViewer = &traceview.Config{MaxTraces: maxTraces, MaxBytes: maxBytes}
		return c
	})
}

// withTraceViewer returns c with the viewer's span and log processors
// added, and the viewer's store; c itself and nil when the viewer is off.
func (c config) withTraceViewer() (config, *traceview.Store) {
	if c.traceViewer == nil {
		return c, nil
	}
	cfg := *c.traceViewer
	cfg.Redact = c.redaction() // the pages show what the exporters send
	s := traceview.New(cfg)
	c.spanProcessors = append(append([]sdktrace.SpanProcessor(nil), c.spanProcessors...), s.SpanProcessor())
	c.logProcessors = append(append([]sdklog.Processor(nil), c.logProcessors...), s.LogProcessor())
	return c, s
}

// TraceViewerHandler returns the trace viewer (WithTraceViewer) as an
// http.Handler: at the path it is mounted under, "<mount>/" lists the
// recent traces newest first (trace ID, root span, duration, status,
// start time, request ID; ?q= filters by trace ID or request ID prefix,
// so the 8 hex digits of a console line's trace= will do), and
// "<mount>/trace/<trace_id>" shows one trace's spans as a waterfall with
// its log lines under it. Mount it with or without http.StripPrefix:
//
//	admin := http.NewServeMux()
//	admin.Handle("/debug/otel/", tel.TraceViewerHandler())
//	go http.ListenAndServe("127.0.0.1:6060", admin)
//
// The pages need no external asset (they work offline) and run no script.
// There is no authentication: serve it on an admin port or a loopback
// address, never on the public listener, and outside httpmw (or each page
// view becomes a trace of its own). It answers only requests whose Host is
// an IP address, localhost or a name WithAllowedHosts gives, so that no
// web page can read it by DNS rebinding; others get 403 saying which
// option to use. Without WithTraceViewer, or on a nil Telemetry, it
// answers 404 saying how to turn the viewer on.
func (t *Telemetry) TraceViewerHandler() http.Handler {
	if t == nil || t.viewer == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "the trace viewer is off: pass otel.WithTraceViewer() to otel.Init", http.StatusNotFound)
		})
	}
	service := ""
	if v, ok := t.res.Set().Value(semconv.ServiceNameKey); ok {
		service = v.AsString()
	}
	return t.viewer.Handler(service, t.hosts)
}
