package metrics

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
)

// received collects what a fake OTLP receiver got.
type received struct {
	mu       sync.Mutex
	reqs     []*colmetricpb.ExportMetricsServiceRequest
	headers  []string // value of x-token per request
	encoding []string
}

func (r *received) add(req *colmetricpb.ExportMetricsServiceRequest, token, enc string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req)
	r.headers = append(r.headers, token)
	r.encoding = append(r.encoding, enc)
}

// metrics returns every metric received, by name.
func (r *received) metrics() map[string]*metricpb.Metric {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]*metricpb.Metric{}
	for _, req := range r.reqs {
		for _, rm := range req.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					out[m.Name] = m
				}
			}
		}
	}
	return out
}

func httpReceiver(t *testing.T) (*received, string) {
	rec := &received{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = io.LimitReader(r.Body, 8<<20)
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		b, _ := io.ReadAll(body)
		req := &colmetricpb.ExportMetricsServiceRequest{}
		if r.URL.Path != "/v1/metrics" || proto.Unmarshal(b, req) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		rec.add(req, r.Header.Get("X-Token"), r.Header.Get("Content-Encoding"))
		out, _ := proto.Marshal(&colmetricpb.ExportMetricsServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

type grpcReceiver struct {
	colmetricpb.UnimplementedMetricsServiceServer
	rec *received
}

func (g grpcReceiver) Export(ctx context.Context, req *colmetricpb.ExportMetricsServiceRequest) (*colmetricpb.ExportMetricsServiceResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	tok := ""
	if v := md.Get("x-token"); len(v) > 0 {
		tok = v[0]
	}
	g.rec.add(req, tok, "")
	return &colmetricpb.ExportMetricsServiceResponse{}, nil
}

func newGRPCReceiver(t *testing.T) (*received, string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec := &received{}
	srv := grpc.NewServer()
	colmetricpb.RegisterMetricsServiceServer(srv, grpcReceiver{rec: rec})
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Stop(); <-done })
	return rec, ln.Addr().String()
}

func TestOTLPExportsRuntimeMetricsAndExemplars(t *testing.T) {
	httpRec, httpURL := httpReceiver(t)
	grpcRec, grpcAddr := newGRPCReceiver(t)
	for _, tc := range []struct {
		name string
		rec  *received
		opts []Option
		env  map[string]string
		gzip bool
	}{
		{"http option", httpRec, []Option{WithProtocol("http/protobuf"), WithEndpoint(httpURL), WithCompression("gzip")}, nil, true},
		{"grpc option", grpcRec, []Option{WithProtocol("grpc"), WithEndpoint(grpcAddr), WithInsecure(true)}, nil, false},
		{"grpc from env", grpcRec, []Option{WithEndpoint(grpcAddr), WithInsecure(true)}, map[string]string{envMetricsProtocol: "grpc", envProtocol: "http/protobuf"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.rec.mu.Lock()
			tc.rec.reqs, tc.rec.headers, tc.rec.encoding = nil, nil, nil
			tc.rec.mu.Unlock()
			opts := append([]Option{
				WithEnvLookup(envMap(tc.env)), WithExporter("otlp"), WithHeaders(map[string]string{"x-token": "secret"}),
				WithResource(resource.NewSchemaless(semconv.ServiceName("checkout"))),
			}, tc.opts...)
			p, err := NewMeterProvider(context.Background(), opts...)
			if err != nil {
				t.Fatal(err)
			}
			h, _ := p.Meter().Float64Histogram("work.duration", metric.WithUnit("s"))
			ctx, span := tracer(t, true).Start(context.Background(), "work")
			h.Record(ctx, 0.25)
			span.End()

			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := p.Shutdown(sctx); err != nil { // flushes
				t.Fatal(err)
			}
			got := tc.rec.metrics()
			for _, name := range []string{"go.memory.used", "go.goroutine.count", "work.duration"} {
				if _, ok := got[name]; !ok {
					t.Errorf("%s not received", name)
				}
			}
			if m := got["work.duration"]; m != nil {
				dps := m.GetHistogram().GetDataPoints()
				if len(dps) != 1 || len(dps[0].Exemplars) != 1 || !bytes.Equal(dps[0].Exemplars[0].TraceId, traceIDBytes(span.SpanContext().TraceID())) {
					t.Errorf("histogram points %v: want one exemplar with trace %s", dps, span.SpanContext().TraceID())
				}
			}
			tc.rec.mu.Lock()
			defer tc.rec.mu.Unlock()
			if len(tc.rec.headers) == 0 || tc.rec.headers[0] != "secret" {
				t.Errorf("x-token headers %v, want secret", tc.rec.headers)
			}
			if tc.gzip && tc.rec.encoding[0] != "gzip" {
				t.Errorf("content encoding %q, want gzip", tc.rec.encoding[0])
			}
		})
	}
}

func traceIDBytes(id [16]byte) []byte { return id[:] }

func TestOTLPBlackHoleDoesNotHoldShutdown(t *testing.T) {
	// A listener that accepts and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	conns.Add(1)
	go func() {
		defer conns.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
		}
	}()
	defer func() {
		ln.Close()
		conns.Wait()
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
	}()

	start := time.Now()
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter("otlp"),
		WithEndpoint("http://"+ln.Addr().String()), WithTimeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("New took %v with a black-holed collector", d)
	}
	c, _ := p.Meter().Int64Counter("jobs")
	c.Add(context.Background(), 1)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start = time.Now()
	err = p.Shutdown(ctx)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Shutdown took %v past its 300ms deadline", d)
	}
	if err == nil {
		t.Error("Shutdown reported no error though the export could not finish")
	}
}

func TestConsoleExporter(t *testing.T) {
	var buf syncBuffer
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter("console"), WithConsoleWriter(&buf))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := p.Meter("test").Int64Counter("jobs.done")
	c.Add(context.Background(), 1)
	if err := p.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, `"jobs.done"`) || !strings.Contains(out, `"go.goroutine.count"`) {
		t.Errorf("console output lacks the metrics:\n%.2000s", out)
	}
	if got := p.Exporters(); len(got) != 1 || got[0] != "console" {
		t.Errorf("Exporters() = %v", got)
	}
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

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestTemporalityPreferenceFromEnv(t *testing.T) {
	for _, tc := range []struct{ env, want string }{
		{"", "CumulativeTemporality"},
		{"delta", "DeltaTemporality"},
		{"Cumulative", "CumulativeTemporality"},
	} {
		var buf syncBuffer
		p, err := NewMeterProvider(context.Background(), WithEnvLookup(envMap(map[string]string{envTemporality: tc.env})),
			WithExporter("console"), WithConsoleWriter(&buf), WithoutRuntimeMetrics())
		if err != nil {
			t.Fatal(err)
		}
		c, _ := p.Meter("test").Int64Counter("jobs.done")
		c.Add(context.Background(), 1)
		if err := p.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), `"Temporality":"`+tc.want+`"`) {
			t.Errorf("%s=%q: output lacks %s:\n%.1000s", envTemporality, tc.env, tc.want, buf.String())
		}
	}
}

// TestStandaloneExportErrorsScrubbed: a provider built without otel.Init
// never returns a header value in an export's error, though the collector
// quotes the one it rejects.
func TestStandaloneExportErrorsScrubbed(t *testing.T) {
	const key = "sk-STANDALONEKEY123456"
	endpoint := fakeotlp.NewQuotingHTTP(t, "api-key")
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(noEnv), WithExporter("otlp"), WithProtocol("http/protobuf"),
		WithEndpoint(endpoint), WithHeaders(map[string]string{"api-key": key}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Shutdown(context.Background())
	c, _ := p.Meter().Int64Counter("jobs")
	c.Add(context.Background(), 1)
	ferr := p.ForceFlush(context.Background())
	if ferr == nil || strings.Contains(ferr.Error(), key) || !strings.Contains(ferr.Error(), "REDACTED") {
		t.Errorf("ForceFlush = %v, want the collector's answer without the header value", ferr)
	}
}
