package sanitize

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelkit/otelkit/internal/redact"
)

// The benchmarks export one batch of benchBatch items per op to an
// exporter that does nothing, bare (what the SDK does without otelkit) and
// through the guard, with valid text and with one invalid attribute value
// per item. ns/item is the guard's cost per span or record; a real OTLP
// exporter then spends several microseconds per item marshalling.
const benchBatch = 128

// addedKeys is a non-default rule, as otel.WithRedactedKeys makes one:
// the default keys and a program's own.
var addedKeys = redact.Setting{Added: []string{"ssn", "pin", "iban"}}.Rule()

type discardSpans struct{}

func (discardSpans) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardSpans) Shutdown(context.Context) error                             { return nil }

type discardLogs struct{}

func (discardLogs) Export(context.Context, []sdklog.Record) error { return nil }
func (discardLogs) Shutdown(context.Context) error                { return nil }
func (discardLogs) ForceFlush(context.Context) error              { return nil }

// benchResource is what otel.Init's resource looks like with detectors.
func benchResource() *resource.Resource {
	return resource.NewSchemaless(
		attribute.String("service.name", "checkout"), attribute.String("service.version", "1.4.2"),
		attribute.String("deployment.environment.name", "production"), attribute.String("host.name", "checkout-7d9f8b6c5-x2x9k"),
		attribute.String("os.type", "linux"), attribute.Int("process.pid", 4242),
		attribute.String("process.executable.name", "checkout"), attribute.String("process.runtime.name", "go"),
		attribute.String("process.runtime.version", "go1.26.8"), attribute.String("telemetry.sdk.name", "opentelemetry"),
		attribute.String("telemetry.sdk.language", "go"), attribute.String("telemetry.sdk.version", "1.47.0"),
	)
}

// serverSpans ends benchBatch spans shaped like httpmw's server spans (the
// attributes otelhttp sets); with invalid, url.path has an invalid byte;
// with credential, a db.password attribute is added (redacted on export).
func serverSpans(b *testing.B, invalid, credential bool) []sdktrace.ReadOnlySpan {
	rec := &spanRecorder{}
	tp := sdktrace.NewTracerProvider(sdktrace.WithResource(benchResource()), sdktrace.WithSpanProcessor(rec))
	tracer := tp.Tracer("go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", trace.WithInstrumentationVersion("0.72.0"))
	path := "/orders/42"
	if invalid {
		path = "/orders/\xff"
	}
	for i := 0; i < benchBatch; i++ {
		_, span := tracer.Start(context.Background(), "GET /orders/{id}", trace.WithSpanKind(trace.SpanKindServer))
		span.SetAttributes(
			attribute.String("http.request.method", "GET"), attribute.String("url.scheme", "http"),
			attribute.String("server.address", "checkout"), attribute.Int("server.port", 8080),
			attribute.String("network.peer.address", "10.0.0.7"), attribute.Int("network.peer.port", 51234),
			attribute.String("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"),
			attribute.String("client.address", "10.0.0.7"), attribute.String("url.path", path),
			attribute.String("network.protocol.version", "1.1"), attribute.String("http.route", "/orders/{id}"),
			attribute.String("request.id", "req-0123456789"), attribute.Int("http.response.status_code", 200),
			attribute.Int("http.response.body.size", 2),
		)
		if credential {
			span.SetAttributes(attribute.String("db.password", "hunter2"))
		}
		span.End()
	}
	_ = tp.Shutdown(context.Background())
	return rec.spans
}

func BenchmarkSpanExporter(b *testing.B) {
	for _, tc := range []struct {
		name                string
		exp                 sdktrace.SpanExporter
		invalid, credential bool
	}{
		{"bare", discardSpans{}, false, false},
		{"guarded-valid", SpanExporter(discardSpans{}, redact.Keys()), false, false},
		{"guarded-invalid", SpanExporter(discardSpans{}, redact.Keys()), true, false},
		{"guarded-credential", SpanExporter(discardSpans{}, redact.Keys()), false, true},
		// A program's own keys (otel.WithRedactedKeys) and redaction off:
		// with nothing to redact, the same work and no allocation.
		{"guarded-valid-added-keys", SpanExporter(discardSpans{}, addedKeys), false, false},
		{"guarded-credential-added-keys", SpanExporter(discardSpans{}, addedKeys), false, true},
		{"guarded-valid-no-redaction", SpanExporter(discardSpans{}, nil), false, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			spans := serverSpans(b, tc.invalid, tc.credential)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := tc.exp.ExportSpans(ctx, spans); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchBatch), "ns/span")
		})
	}
}

// handlerRecords emits benchBatch records shaped like what the zap bridge
// makes of a handler's line (message body, the request's bound fields and
// the call's fields); with invalid, the path field has an invalid byte.
func handlerRecords(b *testing.B, invalid bool) []sdklog.Record {
	var out []sdklog.Record
	p := captureFunc(func(r *sdklog.Record) { out = append(out, r.Clone()) })
	lp := sdklog.NewLoggerProvider(sdklog.WithResource(benchResource()), sdklog.WithProcessor(p))
	logger := lp.Logger("checkout")
	path := "/orders/42"
	if invalid {
		path = "/orders/\xff"
	}
	for i := 0; i < benchBatch; i++ {
		var r log.Record
		r.SetTimestamp(time.Now())
		r.SetSeverity(log.SeverityInfo)
		r.SetSeverityText("info")
		r.SetBody(attribute.StringValue("order_loaded"))
		r.AddAttributes(
			attribute.String("request_id", "req-0123456789"), attribute.String("method", "GET"),
			attribute.String("path", path), attribute.String("order_id", "42"),
			attribute.String("code.function", "main.loadOrder"), attribute.String("code.filepath", "/src/checkout/orders.go"),
			attribute.Int("code.lineno", 87),
		)
		logger.Emit(context.Background(), r)
	}
	_ = lp.Shutdown(context.Background())
	return out
}

func BenchmarkLogExporter(b *testing.B) {
	for _, tc := range []struct {
		name    string
		exp     sdklog.Exporter
		invalid bool
	}{
		{"bare", discardLogs{}, false},
		{"guarded-valid", LogExporter(discardLogs{}, redact.Keys()), false},
		{"guarded-invalid", LogExporter(discardLogs{}, redact.Keys()), true},
		{"guarded-valid-added-keys", LogExporter(discardLogs{}, addedKeys), false},
		{"guarded-valid-no-redaction", LogExporter(discardLogs{}, nil), false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			records := handlerRecords(b, tc.invalid)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := tc.exp.Export(ctx, records); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchBatch), "ns/record")
		})
	}
}

// BenchmarkSpanCheck is the check every exported span passes on the fast
// path, for a server span of 14 attributes without invalid text or
// credential: the UTF-8 check alone (what it was before key redaction),
// and with the key check (what it is).
func BenchmarkSpanCheck(b *testing.B) {
	s := serverSpans(b, false, false)[0]
	e := &spanExporter{}
	b.Run("utf8", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !e.valid(s) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("utf8+keys", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !e.valid(s) || credentials(s, redact.Keys()) {
				b.Fatal("invalid")
			}
		}
	})
}
