package tracing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/otelkit/otelkit/internal/batch"
	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
	"github.com/otelkit/otelkit/internal/testutil/hang"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func lookup(vars map[string]string) Option {
	return WithEnvLookup(func(k string) (string, bool) { v, ok := vars[k]; return v, ok })
}

// newTP builds a provider reading only vars and shuts it down with the test.
func newTP(t *testing.T, vars map[string]string, opts ...Option) *sdktrace.TracerProvider {
	t.Helper()
	tp, err := NewTracerProvider(context.Background(), append([]Option{lookup(vars)}, opts...)...)
	if err != nil {
		t.Fatalf("NewTracerProvider: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = tp.Shutdown(ctx)
	})
	return tp.TracerProvider()
}

// oneSpan creates and ends one span with attrs, flushes, and returns what exp got.
func oneSpan(t *testing.T, tp *sdktrace.TracerProvider, exp *tracetest.InMemoryExporter, attrs ...attribute.KeyValue) tracetest.SpanStub {
	t.Helper()
	_, span := tp.Tracer("test").Start(context.Background(), "op")
	span.SetAttributes(attrs...)
	span.End()
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := exp.GetSpans()
	if len(got) != 1 {
		t.Fatalf("exported %d spans, want 1", len(got))
	}
	return got[0]
}

func TestProviderExportsThroughBatch(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	res := resource.NewSchemaless(attribute.String("service.name", "checkout"))
	tp := newTP(t, nil, WithSpanExporter(exp), WithResource(res))
	s := oneSpan(t, tp, exp)
	if s.Name != "op" || !s.SpanContext.IsSampled() {
		t.Fatalf("span %+v", s)
	}
	if v, _ := s.Resource.Set().Value("service.name"); v.AsString() != "checkout" {
		t.Fatalf("resource %v", s.Resource)
	}
}

func TestScheduleDelayFromEnv(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := newTP(t, map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "10"}, WithSpanExporter(exp))
	_, span := tp.Tracer("test").Start(context.Background(), "op")
	span.End()
	deadline := time.Now().Add(3 * time.Second) // default delay would be 5s
	for len(exp.GetSpans()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("span not exported within 3s with a 10ms schedule delay")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestExporterNone(t *testing.T) {
	for name, tc := range map[string]struct {
		vars map[string]string
		opts []Option
	}{
		"env":    {map[string]string{"OTEL_TRACES_EXPORTER": "none"}, nil},
		"option": {map[string]string{"OTEL_TRACES_EXPORTER": "console"}, []Option{WithExporter("none"), WithConsoleWriter(failWriter{t})}},
	} {
		t.Run(name, func(t *testing.T) {
			rec := tracetest.NewSpanRecorder()
			tp := newTP(t, tc.vars, append(tc.opts, WithSpanProcessor(rec))...)
			ctx, span := tp.Tracer("t").Start(context.Background(), "op")
			if len(TraceID(ctx)) != 32 || len(SpanID(ctx)) != 16 {
				t.Fatalf("no IDs without exporter: %q %q", TraceID(ctx), SpanID(ctx))
			}
			span.End()
			if len(rec.Ended()) != 1 {
				t.Fatal("extra processor not called")
			}
		})
	}
}

type failWriter struct{ t *testing.T }

func (w failWriter) Write(p []byte) (int, error) {
	w.t.Errorf("console exporter wrote although not chosen: %s", p)
	return len(p), nil
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

func TestConsoleExporter(t *testing.T) {
	var buf syncBuffer
	tp := newTP(t, map[string]string{"OTEL_TRACES_EXPORTER": "console"}, WithConsoleWriter(&buf))
	_, span := tp.Tracer("t").Start(context.Background(), "console-op")
	span.End()
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "console-op") {
		t.Fatalf("console output %q", buf.String())
	}
}

func TestSpanExporterReplacesEnvExporter(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := newTP(t, map[string]string{"OTEL_TRACES_EXPORTER": "console"}, WithSpanExporter(exp), WithConsoleWriter(failWriter{t}))
	oneSpan(t, tp, exp)
}

func TestSampling(t *testing.T) {
	tests := []struct {
		vars    map[string]string
		opts    []Option
		sampled bool
	}{
		{nil, nil, true},
		{map[string]string{"OTEL_TRACES_SAMPLER": "always_off"}, nil, false},
		{map[string]string{"OTEL_TRACES_SAMPLER": "parentbased_always_off"}, nil, false},
		{map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"}, nil, false},
		{map[string]string{"OTEL_TRACES_SAMPLER": "PARENTBASED_TRACEIDRATIO", "OTEL_TRACES_SAMPLER_ARG": "1"}, nil, true},
		{map[string]string{"OTEL_TRACES_SAMPLER": "always_off"}, []Option{WithSampler(sdktrace.AlwaysSample())}, true},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			tp := newTP(t, tt.vars, append(tt.opts, WithExporter("none"))...)
			ctx, span := tp.Tracer("t").Start(context.Background(), "op")
			defer span.End()
			if got := span.SpanContext().IsSampled(); got != tt.sampled {
				t.Fatalf("sampled = %v, want %v", got, tt.sampled)
			}
			if TraceID(ctx) == "" {
				t.Fatal("unsampled spans must still carry IDs")
			}
		})
	}
}

func TestSamplerFromEnvDescriptions(t *testing.T) {
	tests := map[string]string{
		"always_on":                    "AlwaysOnSampler",
		"always_off":                   "AlwaysOffSampler",
		"traceidratio":                 "TraceIDRatioBased{1}",
		"traceidratio:0.25":            "TraceIDRatioBased{0.25}",
		"parentbased_always_on":        "ParentBased{root:AlwaysOnSampler",
		"parentbased_always_off":       "ParentBased{root:AlwaysOffSampler",
		"parentbased_traceidratio:0.5": "ParentBased{root:TraceIDRatioBased{0.5}",
		"":                             "ParentBased{root:AlwaysOnSampler",
		" Always_On ":                  "AlwaysOnSampler",
	}
	for in, want := range tests {
		name, arg, hasArg := strings.Cut(in, ":")
		vars := map[string]string{"OTEL_TRACES_SAMPLER": name}
		if hasArg {
			vars["OTEL_TRACES_SAMPLER_ARG"] = arg
		}
		s, err := samplerFromEnv(env.FromMap(vars), func(err error) { t.Errorf("%s: unexpected warning %v", in, err) }, false)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if !strings.HasPrefix(s.Description(), want) {
			t.Errorf("%s: sampler %s, want %s", in, s.Description(), want)
		}
	}
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		vars map[string]string
		opts []Option
		want string // substring of the single warning; "" = none
	}{
		{map[string]string{"OTEL_TRACES_SAMPLER_ARG": "0.5"}, nil, "OTEL_TRACES_SAMPLER_ARG"},
		{map[string]string{"OTEL_TRACES_SAMPLER": "always_on", "OTEL_TRACES_SAMPLER_ARG": "0.5"}, nil, "ignored"},
		{map[string]string{"OTEL_TRACES_SAMPLER": "always_on", "OTEL_TRACES_SAMPLER_ARG": "0.5"}, []Option{WithSampler(sdktrace.NeverSample())}, ""},
		{map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "100", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "200"}, nil, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE=200"},
		{map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "100"}, nil, ""}, // default batch clamped silently, as the SDK does
		{nil, nil, ""},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			var warnings []string
			newTP(t, tt.vars, append(tt.opts, WithExporter("none"), WithWarningHandler(func(err error) { warnings = append(warnings, err.Error()) }))...)
			switch {
			case tt.want == "" && len(warnings) > 0:
				t.Fatalf("unexpected warnings %q", warnings)
			case tt.want != "" && (len(warnings) != 1 || !strings.Contains(warnings[0], tt.want)):
				t.Fatalf("warnings %q, want one containing %q", warnings, tt.want)
			}
		})
	}
}

// TestBatchVariablesReachTheProcessor: with a schedule delay of an hour a
// span is exported only because OTEL_BSP_MAX_EXPORT_BATCH_SIZE=1 makes
// one span a full batch.
func TestBatchVariablesReachTheProcessor(t *testing.T) {
	mem := tracetest.NewInMemoryExporter()
	tp := newTP(t, map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "3600000", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "1"}, WithSpanExporter(mem))
	_, span := tp.Tracer("t").Start(context.Background(), "op")
	span.End()
	for deadline := time.Now().Add(3 * time.Second); len(mem.GetSpans()) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a full batch of one span was not exported")
		}
	}
}

// TestInvalidEnv checks that every variable rejects bad values with an error
// naming it, and that nothing panics.
func TestInvalidEnv(t *testing.T) {
	numeric := []string{"-1", "ten", "1.5", "99999999999999999999", "0x10"}
	tests := map[string][]string{
		"OTEL_TRACES_EXPORTER":                   {"jaeger", "zipkin", "otlp,console", "prometheus"},
		"OTEL_TRACES_SAMPLER":                    {"sometimes", "jaeger_remote", "parentbased_jaeger_remote", "xray", "1"},
		"OTEL_BSP_SCHEDULE_DELAY":                append([]string{"0"}, numeric...),
		"OTEL_BSP_EXPORT_TIMEOUT":                append([]string{"0"}, numeric...),
		"OTEL_BSP_MAX_QUEUE_SIZE":                append([]string{"0", "2000000"}, numeric...),
		"OTEL_BSP_MAX_EXPORT_BATCH_SIZE":         append([]string{"0", "2000000"}, numeric...),
		"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT": numeric,
		"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT":        numeric,
		"OTEL_SPAN_EVENT_COUNT_LIMIT":            numeric,
		"OTEL_SPAN_LINK_COUNT_LIMIT":             numeric,
		"OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT":       numeric,
		"OTEL_LINK_ATTRIBUTE_COUNT_LIMIT":        numeric,
		"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT":      numeric,
		"OTEL_ATTRIBUTE_COUNT_LIMIT":             numeric,
		"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT":      numeric,
		"OTEL_EXPORTER_OTLP_ENDPOINT":            {"collector:4318", "ftp://x"},
	}
	for name, values := range tests {
		for _, v := range values {
			t.Run(name+"="+v, func(t *testing.T) {
				vars := map[string]string{name: v}
				if name == "OTEL_TRACES_SAMPLER" {
					vars["OTEL_TRACES_SAMPLER_ARG"] = "0.5"
				}
				tp, err := NewTracerProvider(context.Background(), lookup(vars))
				if err == nil {
					_ = tp.Shutdown(context.Background())
					t.Fatal("no error")
				}
				if !env.IsEnvError(err) || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "allowed") {
					t.Fatalf("error %q does not name %s and what is allowed", err, name)
				}
			})
		}
	}
	for _, arg := range []string{"-0.1", "1.5", "half", "NaN", "Inf"} {
		for _, s := range []string{"traceidratio", "parentbased_traceidratio"} {
			_, err := NewTracerProvider(context.Background(), lookup(map[string]string{"OTEL_TRACES_SAMPLER": s, "OTEL_TRACES_SAMPLER_ARG": arg}))
			if err == nil || !strings.Contains(err.Error(), "OTEL_TRACES_SAMPLER_ARG") {
				t.Errorf("%s arg %q: %v", s, arg, err)
			}
		}
	}
	_, err := NewTracerProvider(context.Background(), lookup(map[string]string{"OTEL_TRACES_SAMPLER": "xray"}))
	if err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Errorf("xray: %v", err)
	}
	// Several problems are reported together.
	_, err = NewTracerProvider(context.Background(), lookup(map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "-5", "OTEL_SPAN_LINK_COUNT_LIMIT": "x"}))
	if err == nil || !strings.Contains(err.Error(), "OTEL_BSP_MAX_QUEUE_SIZE") || !strings.Contains(err.Error(), "OTEL_SPAN_LINK_COUNT_LIMIT") {
		t.Errorf("joined: %v", err)
	}
}

func TestInvalidOptions(t *testing.T) {
	for _, o := range []Option{WithExporter("jaeger"), WithProtocol("http"), WithEndpoint("ftp://x:1"), WithTimeout(-time.Second),
		WithCompression("br"), WithHeaders(map[string]string{"a b": "c"})} {
		tp, err := NewTracerProvider(context.Background(), lookup(nil), o)
		if err == nil {
			_ = tp.Shutdown(context.Background())
			t.Errorf("option accepted")
		}
	}
	// Invalid exporter variables are reported even when WithSpanExporter replaces them.
	_, err := NewTracerProvider(context.Background(), lookup(map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "novalue"}), WithSpanExporter(tracetest.NewInMemoryExporter()))
	if !env.IsEnvError(err) {
		t.Errorf("want env error, got %v", err)
	}
}

func TestSpanLimits(t *testing.T) {
	long := strings.Repeat("x", 5000)
	attrs := []attribute.KeyValue{attribute.String("a", long), attribute.String("b", "1"), attribute.String("c", "2")}
	tests := []struct {
		vars      map[string]string
		opts      []Option
		wantLen   int
		wantCount int
	}{
		{nil, nil, DefaultAttributeValueLengthLimit, 3},
		{map[string]string{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "10"}, nil, 10, 3},
		{map[string]string{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "10", "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT": "20"}, nil, 20, 3},
		{map[string]string{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT": "2", "OTEL_ATTRIBUTE_COUNT_LIMIT": "1"}, nil, DefaultAttributeValueLengthLimit, 2},
		{map[string]string{"OTEL_ATTRIBUTE_COUNT_LIMIT": "1"}, nil, DefaultAttributeValueLengthLimit, 1},
		{map[string]string{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "10"}, []Option{WithSpanLimits(func() sdktrace.SpanLimits {
			l := DefaultSpanLimits()
			l.AttributeValueLengthLimit = -1
			return l
		}())}, 5000, 3},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			exp := tracetest.NewInMemoryExporter()
			tp := newTP(t, tt.vars, append(tt.opts, WithSpanExporter(exp))...)
			s := oneSpan(t, tp, exp, attrs...)
			if len(s.Attributes) != tt.wantCount {
				t.Fatalf("%d attributes, want %d", len(s.Attributes), tt.wantCount)
			}
			if got := len(s.Attributes[0].Value.AsString()); got != tt.wantLen {
				t.Fatalf("value length %d, want %d", got, tt.wantLen)
			}
		})
	}
}

func TestShutdownBoundedWithDeadCollector(t *testing.T) {
	tp, err := NewTracerProvider(context.Background(), lookup(nil), WithEndpoint("http://127.0.0.1:1"), WithTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, span := tp.TracerProvider().Tracer("t").Start(context.Background(), "op")
	span.End()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_ = tp.Shutdown(ctx)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Shutdown took %v", d)
	}
}

// TestShutdownBoundedDespiteHungExport: an exporter that ignores its
// context and holds the scheduled export does not hold Shutdown past its
// context: Shutdown returns soon after, the spans still queued reported
// as dropped (shutdown) and those of the hung export named in its error,
// which said only that the deadline passed. Once the export returns, the
// exporter is shut down and nothing is left running; it got no export
// beside the hung one nor after.
func TestShutdownBoundedDespiteHungExport(t *testing.T) {
	before := goleak.IgnoreCurrent()
	gate := hang.New()
	defer gate.Release() // also when the test fails early
	var drops dropCounts
	tp, err := NewTracerProvider(context.Background(), lookup(map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "10"}),
		WithSpanExporter(tracetest.NewInMemoryExporter()), WithExporterWrapper(gate.Spans), WithDropHandler(drops.handle))
	if err != nil {
		t.Fatal(err)
	}
	gate.Arm()
	const spans = 5
	for range spans {
		_, span := tp.TracerProvider().Tracer("t").Start(context.Background(), "op")
		span.End()
	}
	held := gate.Entered(t, 10*time.Second) // the first scheduled export: some or all of them

	err = hang.Shutdown(t, tp.Shutdown, gate.Release)
	want := fmt.Sprintf("%d items not known to be exported", held)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, batch.ErrExportInProgress) || !strings.Contains(err.Error(), want) {
		t.Errorf("Shutdown = %v, want its deadline and %q", err, want)
	}
	if got := drops.get(); got[DropShutdown] != spans-held {
		t.Errorf("drops %v, want the %d spans still queued as shutdown", got, spans-held)
	}
	gate.Release()
	goleak.VerifyNone(t, before) // the worker shut the exporter down and ended
	if gate.Calls() != 1 || gate.Overlapped() {
		t.Errorf("%d exports (overlapping: %v), want the hung one only", gate.Calls(), gate.Overlapped())
	}
}

// TestOTLPOverridesWinWithTheirNames: what otel.Init hands over wins over
// the package's own options field by field, and an invalid value is
// reported under the option the user wrote.
func TestOTLPOverridesWinWithTheirNames(t *testing.T) {
	ctx := context.Background()
	tp, err := NewTracerProvider(ctx, lookup(nil), WithExporter("console"), WithConsoleWriter(io.Discard),
		WithEndpoint("http://a:4318"), WithOTLPOverrides(otlpconf.Overrides{Endpoint: "http://b:4318"}))
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Shutdown(ctx)
	if cfg := tp.ExporterConfig(); cfg.Exporter != "console" || !strings.Contains(cfg.Endpoint, "//b:4318") || cfg.Sources["endpoint"] != "option" {
		t.Errorf("config %v", cfg)
	}
	_, err = NewTracerProvider(ctx, lookup(nil), WithEndpoint("ftp://a:1"),
		WithOTLPOverrides(otlpconf.Overrides{Timeout: -time.Second, Names: otlpconf.Names{Timeout: "WithOTLPTimeout"}}))
	for _, name := range []string{"invalid option WithEndpoint(", "invalid option WithOTLPTimeout("} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not contain %q", err, name)
		}
	}
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Option == "" {
		t.Errorf("error %v is not a ConfigError for an option", err)
	}
}

// TestShutdownCountsOpenSpans: sampled spans still open at Shutdown, which
// end when nothing exports any more, are reported lost (after_shutdown);
// ended spans are exported, unsampled ones are not counted, and the
// provider behaves as the SDK's afterwards (a second Shutdown and
// ForceFlush do nothing).
func TestShutdownCountsOpenSpans(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	var mu sync.Mutex
	drops := map[string]int{}
	tp, err := NewTracerProvider(context.Background(), WithSpanExporter(exp),
		WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
		WithDropHandler(func(reason string, n int) { mu.Lock(); drops[reason] += n; mu.Unlock() }),
		WithEnvLookup(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatal(err)
	}
	tracer := tp.TracerProvider().Tracer("t")
	_, ended := tracer.Start(context.Background(), "ended")
	ended.End()
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := exp.GetSpans(); len(got) != 1 || got[0].Name != "ended" {
		t.Errorf("exported %v, want the ended span", got)
	}
	_, open := tracer.Start(context.Background(), "open")
	unsampledCtx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}}))
	_, unsampled := tracer.Start(unsampledCtx, "unsampled")
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	open.End()
	unsampled.End()
	mu.Lock()
	defer mu.Unlock()
	if drops[DropAfterShutdown] != 1 || len(drops) != 1 {
		t.Errorf("drops %v, want the open span as after_shutdown", drops)
	}
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Errorf("ForceFlush after Shutdown: %v", err)
	}
}

// TestStandaloneExportErrorsScrubbed: a provider built without otel.Init
// never returns a header value in an export's error, though the collector
// quotes the one it rejects.
func TestStandaloneExportErrorsScrubbed(t *testing.T) {
	const key = "sk-STANDALONEKEY123456"
	endpoint := fakeotlp.NewQuotingHTTP(t, "api-key")
	tp, err := NewTracerProvider(context.Background(), WithEnvLookup(func(string) (string, bool) { return "", false }),
		WithExporter("otlp"), WithProtocol("http/protobuf"), WithEndpoint(endpoint), WithHeaders(map[string]string{"api-key": key}))
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Shutdown(context.Background())
	_, span := tp.TracerProvider().Tracer("t").Start(context.Background(), "work")
	span.End()
	ferr := tp.ForceFlush(context.Background())
	if ferr == nil || strings.Contains(ferr.Error(), key) || !strings.Contains(ferr.Error(), "REDACTED") {
		t.Errorf("ForceFlush = %v, want the collector's answer without the header value", ferr)
	}
}

// TestNilProviderIsSafe: like metrics.Provider, a nil (or zero) *Provider
// has nothing to flush or shut down, for a `defer p.Shutdown(ctx)` written
// before the error of NewTracerProvider is checked.
func TestNilProviderIsSafe(t *testing.T) {
	for name, p := range map[string]*Provider{"nil": nil, "zero": {}} {
		if p.TracerProvider() != nil {
			t.Errorf("%s: TracerProvider() = %v, want nil", name, p.TracerProvider())
		}
		if err := p.ForceFlush(context.Background()); err != nil {
			t.Errorf("%s: ForceFlush = %v", name, err)
		}
		if err := p.Shutdown(context.Background()); err != nil {
			t.Errorf("%s: Shutdown = %v", name, err)
		}
		if c := p.ExporterConfig(); c.Exporter != "" {
			t.Errorf("%s: ExporterConfig().Exporter = %q, want empty", name, c.Exporter)
		}
	}
}

type nilSampler struct{ d string }

func (s *nilSampler) ShouldSample(sdktrace.SamplingParameters) sdktrace.SamplingResult {
	return sdktrace.SamplingResult{Decision: sdktrace.RecordAndSample}
}
func (s *nilSampler) Description() string { return s.d }

// A typed nil given to an option means what nil means, the default:
// before, the first span (or its export, on the batch goroutine) panicked.
func TestTypedNilOptionsMeanDefault(t *testing.T) {
	tp := newTP(t, map[string]string{"OTEL_TRACES_EXPORTER": "console"},
		WithSpanExporter((*tracetest.InMemoryExporter)(nil)), WithSampler((*nilSampler)(nil)),
		WithSpanProcessor((*tracetest.SpanRecorder)(nil)), WithConsoleWriter((*os.File)(nil)))
	_, span := tp.Tracer("test").Start(context.Background(), "op")
	span.End()
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// panickingExporter panics in every export, as a buggy exporter would.
type panickingExporter struct{ tracetest.InMemoryExporter }

func (*panickingExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error {
	panic("encoder: unsupported value")
}

// A panicking exporter costs its batch, reported as the export's error,
// not the process: the export runs on the batch processor's goroutine,
// where the panic ended the program.
func TestExporterPanicIsTheExportsError(t *testing.T) {
	tp := newTP(t, nil, WithSpanExporter(&panickingExporter{}))
	_, span := tp.Tracer("test").Start(context.Background(), "op")
	span.End()
	err := tp.ForceFlush(context.Background())
	if err == nil || !strings.Contains(err.Error(), "the exporter panicked: encoder: unsupported value") {
		t.Fatalf("ForceFlush: %v", err)
	}
	// The provider goes on: the next batch is tried too.
	_, span = tp.Tracer("test").Start(context.Background(), "op2")
	span.End()
	if err := tp.ForceFlush(context.Background()); err == nil {
		t.Fatal("second ForceFlush: no error")
	}
}

// shutdownPanickingExporter panics in Shutdown, as an exporter closing a
// connection twice would.
type shutdownPanickingExporter struct{ tracetest.InMemoryExporter }

func (*shutdownPanickingExporter) Shutdown(context.Context) error { panic("exporter: double close") }

// A panic in the exporter's Shutdown is Shutdown's error: the batch
// processor calls it on its own goroutine, where it ended the process.
func TestExporterShutdownPanicIsShutdownsError(t *testing.T) {
	tp := newTP(t, nil, WithSpanExporter(&shutdownPanickingExporter{}))
	err := tp.Shutdown(context.Background())
	if err == nil || !strings.Contains(err.Error(), "the exporter's Shutdown panicked: exporter: double close") {
		t.Fatalf("Shutdown: %v", err)
	}
}

// TestNilContextFlushAndShutdown: ForceFlush and Shutdown take a nil ctx
// as NewTracerProvider does, for context.Background(): the SDK provider
// dereferenced it, so both panicked, and the batch processor's goroutine
// was left running (goleak).
func TestNilContextFlushAndShutdown(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	//lint:ignore SA1012 a nil context is tolerated, on purpose
	p, err := NewTracerProvider(nil, lookup(nil), WithSpanExporter(exp))
	if err != nil {
		t.Fatal(err)
	}
	_, span := p.Tracer("t").Start(context.Background(), "op")
	span.End()
	//lint:ignore SA1012 a nil context is tolerated, on purpose
	if err := p.ForceFlush(nil); err != nil {
		t.Errorf("ForceFlush(nil) = %v", err)
	}
	if got := exp.GetSpans(); len(got) != 1 {
		t.Errorf("exported %d spans, want 1", len(got))
	}
	//lint:ignore SA1012 a nil context is tolerated, on purpose
	if err := p.Shutdown(nil); err != nil {
		t.Errorf("Shutdown(nil) = %v", err)
	}
}

// TestValidateReportsWhatNewTracerProviderWould: Validate returns the
// errors NewTracerProvider returns, and nil for valid settings.
func TestValidateReportsWhatNewTracerProviderWould(t *testing.T) {
	bad := []Option{lookup(map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "abc",
		"OTEL_EXPORTER_OTLP_ENDPOINT": "ftp://collector"}), WithTimeout(-time.Second)}
	_, want := NewTracerProvider(context.Background(), bad...)
	if err := Validate(bad...); err == nil || want == nil || err.Error() != want.Error() {
		t.Errorf("Validate: %v\nNewTracerProvider: %v", err, want)
	}
	if err := Validate(lookup(map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.5"})); err != nil {
		t.Errorf("Validate of valid settings: %v", err)
	}
}
