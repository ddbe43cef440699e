package logprovider

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.uber.org/goleak"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// memExporter keeps what it is given.
type memExporter struct {
	mu      sync.Mutex
	records []sdklog.Record
}

func (e *memExporter) Export(_ context.Context, rs []sdklog.Record) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range rs {
		e.records = append(e.records, r.Clone())
	}
	return nil
}
func (e *memExporter) Shutdown(context.Context) error   { return nil }
func (e *memExporter) ForceFlush(context.Context) error { return nil }
func (e *memExporter) got() []sdklog.Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]sdklog.Record(nil), e.records...)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// lookup reads only vars.
func lookup(vars map[string]string) Option {
	return WithEnvLookup(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
}

func newProvider(t *testing.T, vars map[string]string, o otlpconf.Overrides, extra ...sdklog.Processor) (*sdklog.LoggerProvider, otlpconf.Resolved) {
	t.Helper()
	opts := []Option{lookup(vars), WithOTLPOverrides(o), WithResource(resource.NewSchemaless(attribute.String("service.name", "svc")))}
	for _, p := range extra {
		opts = append(opts, WithProcessor(p))
	}
	p, err := NewLoggerProvider(context.Background(), opts...)
	if err != nil {
		t.Fatalf("NewLoggerProvider: %v", err)
	}
	if p.LoggerProvider() == nil {
		t.Fatal("nil provider")
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = p.Shutdown(ctx)
	})
	return p.LoggerProvider(), p.ExporterConfig()
}

func emit(lp *sdklog.LoggerProvider, body string, attrs ...attribute.KeyValue) {
	var rec otellog.Record
	rec.SetBody(attribute.StringValue(body))
	rec.SetSeverity(otellog.SeverityInfo)
	rec.AddAttributes(attrs...)
	lp.Logger("test").Emit(context.Background(), rec)
}

func TestConsoleExporter(t *testing.T) {
	var buf syncBuffer
	lp, r := newProvider(t, map[string]string{"OTEL_LOGS_EXPORTER": "console"}, otlpconf.Overrides{Console: &buf})
	if r.Exporter != "console" || r.Sources[otlpconf.KeyExporter] != "env:OTEL_LOGS_EXPORTER" {
		t.Fatalf("resolved %+v", r)
	}
	emit(lp, "order_loaded")
	if err := lp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "order_loaded") || !strings.Contains(buf.String(), "svc") {
		t.Fatalf("console output %q", buf.String())
	}
}

func TestNone(t *testing.T) {
	lp, r := newProvider(t, map[string]string{"OTEL_LOGS_EXPORTER": "none"}, otlpconf.Overrides{})
	if r.Exporter != "none" {
		t.Fatalf("exporter %q", r.Exporter)
	}
	if lp.Logger("x").Enabled(context.Background(), otellog.EnabledParameters{Severity: otellog.SeverityError}) {
		t.Fatal("a provider without exporter must report Enabled false")
	}
	// An extra processor still receives records.
	exp := &memExporter{}
	lp2, _ := newProvider(t, nil, otlpconf.Overrides{Exporter: "none"}, nil, sdklog.NewSimpleProcessor(exp))
	emit(lp2, "hello")
	if got := exp.got(); len(got) != 1 || got[0].Body().AsString() != "hello" {
		t.Fatalf("extra processor got %v", got)
	}
}

func TestBatchSettingsReachSDK(t *testing.T) {
	// A batch size of 1 makes the processor export at once although the
	// schedule delay is a minute: proof that the variables reach the SDK.
	var buf syncBuffer
	lp, _ := newProvider(t, map[string]string{
		"OTEL_LOGS_EXPORTER":              "console",
		"OTEL_BLRP_SCHEDULE_DELAY":        "60000",
		"OTEL_BLRP_MAX_EXPORT_BATCH_SIZE": "1",
	}, otlpconf.Overrides{Console: &buf})
	emit(lp, "prompt")
	deadline := time.Now().Add(3 * time.Second)
	for !strings.Contains(buf.String(), "prompt") {
		if time.Now().After(deadline) {
			t.Fatal("record not exported with batch size 1")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestClampWarningGoesToOtelHandle(t *testing.T) {
	var mu sync.Mutex
	var got []string
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { mu.Lock(); got = append(got, err.Error()); mu.Unlock() }))
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	newProvider(t, map[string]string{"OTEL_BLRP_MAX_QUEUE_SIZE": "5", "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE": "6"}, otlpconf.Overrides{Exporter: "none"})
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || !strings.Contains(got[0], "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE") {
		t.Fatalf("handled %q", got)
	}
}

func TestLimits(t *testing.T) {
	long := strings.Repeat("x", 20000)
	tests := []struct {
		vars      map[string]string
		wantLen   int
		wantCount int
	}{
		{nil, DefaultAttributeValueLengthLimit, 2},
		{map[string]string{"OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT": "10"}, 10, 2},
		{map[string]string{"OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT": "1"}, DefaultAttributeValueLengthLimit, 1},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			exp := &memExporter{}
			lp, _ := newProvider(t, tt.vars, otlpconf.Overrides{Exporter: "none"}, sdklog.NewSimpleProcessor(exp))
			emit(lp, "m", attribute.String("a", long), attribute.String("b", "1"))
			recs := exp.got()
			if len(recs) != 1 {
				t.Fatalf("%d records", len(recs))
			}
			var attrs []attribute.KeyValue
			recs[0].WalkAttributes(func(kv attribute.KeyValue) bool { attrs = append(attrs, kv); return true })
			if len(attrs) != tt.wantCount || len(attrs[0].Value.AsString()) != tt.wantLen {
				t.Fatalf("%d attributes, first %d long; want %d, %d", len(attrs), len(attrs[0].Value.AsString()), tt.wantCount, tt.wantLen)
			}
		})
	}
}

func TestInvalidEnv(t *testing.T) {
	numeric := []string{"-1", "ten", "1.5", "99999999999999999999"}
	tests := map[string][]string{
		"OTEL_BLRP_SCHEDULE_DELAY":                    append([]string{"0"}, numeric...),
		"OTEL_BLRP_EXPORT_TIMEOUT":                    append([]string{"0"}, numeric...),
		"OTEL_BLRP_MAX_QUEUE_SIZE":                    append([]string{"0", "2000000"}, numeric...),
		"OTEL_BLRP_MAX_EXPORT_BATCH_SIZE":             append([]string{"0", "2000000"}, numeric...),
		"OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT":        numeric,
		"OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT": numeric,
		"OTEL_LOGS_EXPORTER":                          {"loki", "otlp,console", "prometheus"},
		"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL":            {"http/json", "udp"},
		"OTEL_EXPORTER_OTLP_LOGS_HEADERS":             {"secret-without-key"},
	}
	for name, values := range tests {
		for _, v := range values {
			t.Run(name+"="+v, func(t *testing.T) {
				lp, err := NewLoggerProvider(context.Background(), lookup(map[string]string{name: v}))
				if err == nil {
					_ = lp.Shutdown(context.Background())
					t.Fatal("no error")
				}
				if lp != nil || !env.IsEnvError(err) || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "allowed") {
					t.Fatalf("provider %v, error %q", lp, err)
				}
			})
		}
	}
	// Batch and exporter problems are reported together.
	_, err := NewLoggerProvider(context.Background(), lookup(map[string]string{"OTEL_BLRP_MAX_QUEUE_SIZE": "x", "OTEL_LOGS_EXPORTER": "x"}))
	if err == nil || !strings.Contains(err.Error(), "OTEL_BLRP_MAX_QUEUE_SIZE") || !strings.Contains(err.Error(), "OTEL_LOGS_EXPORTER") {
		t.Fatalf("joined: %v", err)
	}
	if strings.Contains(fmt.Sprint(err), "secret-without-key") {
		t.Fatal("header value shown")
	}
}

func TestOverridesWin(t *testing.T) {
	var buf syncBuffer
	_, r := newProvider(t, map[string]string{"OTEL_LOGS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "grpc"},
		otlpconf.Overrides{Exporter: "console", Protocol: "http/protobuf", Console: &buf})
	if r.Exporter != "console" || r.Protocol != "http/protobuf" || r.Sources[otlpconf.KeyProtocol] != otlpconf.SourceOption {
		t.Fatalf("resolved %+v", r)
	}
}

// TestStandaloneExportErrorsScrubbed: the provider's export errors never
// carry a header value, though the collector quotes the one it rejects.
func TestStandaloneExportErrorsScrubbed(t *testing.T) {
	const key = "sk-STANDALONEKEY123456"
	endpoint := fakeotlp.NewQuotingHTTP(t, "api-key")
	p, err := NewLoggerProvider(context.Background(), lookup(nil), WithOTLPOverrides(otlpconf.Overrides{
		Exporter: "otlp", Protocol: "http/protobuf", Endpoint: endpoint, Headers: map[string]string{"api-key": key}}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(context.Background())
	var rec otellog.Record
	rec.SetBody(attribute.StringValue("x"))
	p.LoggerProvider().Logger("t").Emit(context.Background(), rec)
	ferr := p.ForceFlush(context.Background())
	if ferr == nil || strings.Contains(ferr.Error(), key) || !strings.Contains(ferr.Error(), "REDACTED") {
		t.Errorf("ForceFlush = %v, want the collector's answer without the header value", ferr)
	}
}

// TestNilContextFlushAndShutdown: ForceFlush and Shutdown take a nil ctx
// as context.Background(), as tracing's and metrics' providers do; the
// SDK would dereference it.
func TestNilContextFlushAndShutdown(t *testing.T) {
	var buf syncBuffer
	p, err := NewLoggerProvider(context.Background(), lookup(map[string]string{"OTEL_LOGS_EXPORTER": "console"}),
		WithOTLPOverrides(otlpconf.Overrides{Console: &buf}))
	if err != nil {
		t.Fatal(err)
	}
	emit(p.LoggerProvider(), "order_loaded")
	//lint:ignore SA1012 a nil context is tolerated, on purpose
	if err := p.ForceFlush(nil); err != nil {
		t.Errorf("ForceFlush(nil): %v", err)
	}
	if !strings.Contains(buf.String(), "order_loaded") {
		t.Errorf("nothing flushed: %q", buf.String())
	}
	//lint:ignore SA1012 a nil context is tolerated, on purpose
	if err := p.Shutdown(nil); err != nil {
		t.Errorf("Shutdown(nil): %v", err)
	}
}
