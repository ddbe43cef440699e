package otlpconf

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/otelkit/otelkit/internal/env"
)

func spans() []sdktrace.ReadOnlySpan {
	tid, _ := trace.TraceIDFromHex("0102030405060708090a0b0c0d0e0f10")
	sid, _ := trace.SpanIDFromHex("0102030405060708")
	return tracetest.SpanStubs{{
		Name:        "test-span",
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}),
		StartTime:   time.Unix(1, 0),
		EndTime:     time.Unix(2, 0),
	}}.Snapshots()
}

func shutdown(t *testing.T, f func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = f(ctx)
}

func TestExportersNone(t *testing.T) {
	ctx := context.Background()
	o := Overrides{Exporter: "none"}
	if e, r, err := spanExporter(ctx, env.FromMap(nil), o); e != nil || err != nil || r.Exporter != "none" {
		t.Fatalf("span: %v %v %v", e, r.Exporter, err)
	}
	if e, r, err := metricExporter(ctx, env.FromMap(nil), o); e != nil || err != nil || r.Exporter != "none" {
		t.Fatalf("metric: %v %v %v", e, r.Exporter, err)
	}
	if e, r, err := logExporter(ctx, env.FromMap(nil), o); e != nil || err != nil || r.Exporter != "none" {
		t.Fatalf("log: %v %v %v", e, r.Exporter, err)
	}
	e, r, err := metricExporter(ctx, env.FromMap(map[string]string{"OTEL_METRICS_EXPORTER": "prometheus"}), Overrides{})
	if e != nil || err != nil || r.Exporter != "prometheus" {
		t.Fatalf("prometheus: %v %v %v", e, r.Exporter, err)
	}
}

func TestExportersInvalidConfig(t *testing.T) {
	ctx := context.Background()
	src := env.FromMap(map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "soon"})
	if _, _, err := spanExporter(ctx, src, Overrides{}); !env.IsEnvError(err) {
		t.Errorf("span: %v", err)
	}
	if _, _, err := metricExporter(ctx, src, Overrides{}); !env.IsEnvError(err) {
		t.Errorf("metric: %v", err)
	}
	if _, _, err := logExporter(ctx, src, Overrides{}); !env.IsEnvError(err) {
		t.Errorf("log: %v", err)
	}
}

func TestConsoleExporters(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	o := Overrides{Exporter: "console", Console: &buf}

	se, _, err := spanExporter(ctx, env.FromMap(nil), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := se.ExportSpans(ctx, spans()); err != nil {
		t.Fatal(err)
	}
	shutdown(t, se.Shutdown)
	if !strings.Contains(buf.String(), "test-span") {
		t.Fatalf("span not written: %q", buf.String())
	}

	buf.Reset()
	le, _, err := logExporter(ctx, env.FromMap(nil), o)
	if err != nil {
		t.Fatal(err)
	}
	var rec sdklog.Record
	rec.SetBody(attribute.StringValue("hello-log"))
	if err := le.Export(ctx, []sdklog.Record{rec}); err != nil {
		t.Fatal(err)
	}
	shutdown(t, le.Shutdown)
	if !strings.Contains(buf.String(), "hello-log") {
		t.Fatalf("log not written: %q", buf.String())
	}

	buf.Reset()
	me, _, err := metricExporter(ctx, env.FromMap(map[string]string{"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "delta"}), o)
	if err != nil {
		t.Fatal(err)
	}
	if got := me.Temporality(sdkmetric.InstrumentKindCounter); got != metricdata.DeltaTemporality {
		t.Fatalf("temporality from env not applied: %v", got)
	}
	if err := me.Export(ctx, &metricdata.ResourceMetrics{ScopeMetrics: []metricdata.ScopeMetrics{{Metrics: []metricdata.Metrics{{Name: "hello-metric", Data: metricdata.Gauge[int64]{DataPoints: []metricdata.DataPoint[int64]{{Value: 1}}}}}}}}); err != nil {
		t.Fatal(err)
	}
	shutdown(t, me.Shutdown)
	if !strings.Contains(buf.String(), "hello-metric") {
		t.Fatalf("metric not written: %q", buf.String())
	}
}

func TestTemporalitySelectorKinds(t *testing.T) {
	d, c := metricdata.DeltaTemporality, metricdata.CumulativeTemporality
	want := map[string]map[sdkmetric.InstrumentKind]metricdata.Temporality{
		"cumulative": {sdkmetric.InstrumentKindCounter: c, sdkmetric.InstrumentKindHistogram: c, sdkmetric.InstrumentKindUpDownCounter: c},
		"delta": {sdkmetric.InstrumentKindCounter: d, sdkmetric.InstrumentKindHistogram: d, sdkmetric.InstrumentKindObservableCounter: d,
			sdkmetric.InstrumentKindUpDownCounter: c, sdkmetric.InstrumentKindObservableUpDownCounter: c},
		"lowmemory": {sdkmetric.InstrumentKindCounter: d, sdkmetric.InstrumentKindHistogram: d, sdkmetric.InstrumentKindObservableCounter: c,
			sdkmetric.InstrumentKindUpDownCounter: c, sdkmetric.InstrumentKindObservableUpDownCounter: c},
	}
	for pref, kinds := range want {
		sel := TemporalitySelector(pref)
		for k, w := range kinds {
			if got := sel(k); got != w {
				t.Errorf("%s: %v -> %v, want %v", pref, k, got, w)
			}
		}
	}
	if TemporalitySelector("bogus") != nil {
		t.Error("unknown preference must give nil")
	}
}

// TestConstructorsDoNotBlock builds OTLP exporters against a port nobody
// listens on (and a black hole) and checks that construction returns at once.
func TestConstructorsDoNotBlock(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	blackhole := l.Addr().String() // accepts at the kernel level, never answers
	defer l.Close()
	ctx := context.Background()
	for _, proto := range []string{"grpc", "http/protobuf"} {
		for _, ep := range []string{"http://127.0.0.1:1", "http://" + blackhole} {
			o := Overrides{Protocol: proto, Endpoint: ep, Timeout: 200 * time.Millisecond}
			start := time.Now()
			se, _, err := spanExporter(ctx, env.FromMap(nil), o)
			if err != nil {
				t.Fatal(err)
			}
			me, _, err := metricExporter(ctx, env.FromMap(nil), o)
			if err != nil {
				t.Fatal(err)
			}
			le, _, err := logExporter(ctx, env.FromMap(nil), o)
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("%s %s: constructors took %v", proto, ep, d)
			}
			// An export fails within the timeout rather than hanging.
			start = time.Now()
			ectx, cancel := context.WithTimeout(ctx, time.Second)
			if err := se.ExportSpans(ectx, spans()); err == nil {
				t.Errorf("%s %s: export to nowhere succeeded", proto, ep)
			}
			cancel()
			if d := time.Since(start); d > 1500*time.Millisecond {
				t.Errorf("%s %s: export took %v", proto, ep, d)
			}
			shutdown(t, se.Shutdown)
			shutdown(t, me.Shutdown)
			shutdown(t, le.Shutdown)
		}
	}
}

type request struct {
	path, ctype, encoding, auth string
	n                           int
}

func receiver(t *testing.T) (*httptest.Server, func() []request) {
	var mu sync.Mutex
	var got []request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		mu.Lock()
		got = append(got, request{r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Content-Encoding"), r.Header.Get("Authorization"), len(b)})
		mu.Unlock()
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []request { mu.Lock(); defer mu.Unlock(); return append([]request(nil), got...) }
}

func TestHTTPExportersReachReceiver(t *testing.T) {
	ctx := context.Background()
	srv, got := receiver(t)
	o := Overrides{Endpoint: srv.URL, Headers: map[string]string{"Authorization": "Bearer t"}, Compression: "gzip"}

	se, r, err := spanExporter(ctx, env.FromMap(map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}), o)
	if err != nil {
		t.Fatal(err)
	}
	if r.Protocol != "http/json" || !r.Insecure {
		t.Fatalf("resolved %+v", r)
	}
	if err := se.ExportSpans(ctx, spans()); err != nil {
		t.Fatal(err)
	}
	shutdown(t, se.Shutdown)

	le, _, err := logExporter(ctx, env.FromMap(nil), o)
	if err != nil {
		t.Fatal(err)
	}
	var rec sdklog.Record
	rec.SetBody(attribute.StringValue("x"))
	if err := le.Export(ctx, []sdklog.Record{rec}); err != nil {
		t.Fatal(err)
	}
	shutdown(t, le.Shutdown)

	me, _, err := metricExporter(ctx, env.FromMap(nil), Overrides{Endpoint: srv.URL + "/custom/path"})
	if err != nil {
		t.Fatal(err)
	}
	if err := me.Export(ctx, &metricdata.ResourceMetrics{}); err != nil {
		t.Fatal(err)
	}
	shutdown(t, me.Shutdown)

	reqs := got()
	want := []request{
		{path: "/v1/traces", ctype: "application/json", encoding: "gzip", auth: "Bearer t"},
		{path: "/v1/logs", ctype: "application/x-protobuf", encoding: "gzip", auth: "Bearer t"},
		{path: "/custom/path", ctype: "application/x-protobuf"},
	}
	if len(reqs) != len(want) {
		t.Fatalf("requests %+v", reqs)
	}
	for i, w := range want {
		g := reqs[i]
		g.n = 0
		if g != w {
			t.Errorf("request %d = %+v, want %+v", i, g, w)
		}
	}
}

type traceService struct {
	collectortrace.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans int
	auth  []string
}

func (s *traceService) Export(ctx context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			s.spans += len(ss.Spans)
		}
	}
	md, _ := metadata.FromIncomingContext(ctx)
	s.auth = append(s.auth, md.Get("authorization")...)
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

func TestGRPCSpanExporterReachesReceiver(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	svc := &traceService{}
	collectortrace.RegisterTraceServiceServer(gs, svc)
	go func() { _ = gs.Serve(l) }()
	defer gs.Stop()

	ctx := context.Background()
	src := env.FromMap(map[string]string{
		"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc",
		"OTEL_EXPORTER_OTLP_TRACES_INSECURE": "false",
	})
	se, r, err := spanExporter(ctx, src, Overrides{Endpoint: "http://" + l.Addr().String(), Headers: map[string]string{"authorization": "Bearer g"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Protocol != "grpc" || !r.Insecure {
		t.Fatalf("resolved %+v", r)
	}
	ectx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := se.ExportSpans(ectx, spans()); err != nil {
		t.Fatal(err)
	}
	shutdown(t, se.Shutdown)
	svc.mu.Lock()
	defer svc.mu.Unlock()
	if svc.spans != 1 || len(svc.auth) != 1 || svc.auth[0] != "Bearer g" {
		t.Fatalf("receiver got %d spans, auth %v", svc.spans, svc.auth)
	}
}
