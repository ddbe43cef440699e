package faults

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"

	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
	"github.com/otelkit/otelkit/otel"
)

// What HealthHandler shows is what the SDK does: for each OTLP variable,
// with values in the case the specification allows (it is
// case-insensitive about enum values, the SDK's own reading of some is
// not), the configuration HealthHandler shows is compared with what a fake
// collector received: compression, headers, protocol, path, timeout,
// insecure transport, temporality and histogram aggregation.

// truthCase is one setting: the variables, the signal it is read for, and
// the check of the health document against the requests received.
type truthCase struct {
	name   string
	grpc   bool
	signal string // traces (default), metrics or logs
	env    map[string]string
	delay  time.Duration // the fake holds every answer back this long
	check  func(t *testing.T, sc otel.SignalConfig, reqs []fakeotlp.Request)
}

// endpointVar stands for the fake's endpoint in truthCase.env values.
const endpointVar = "{endpoint}"

func TestHealthShowsWhatTheSDKDoes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts fake collectors")
	}
	for _, tc := range truthCases() {
		t.Run(tc.name, func(t *testing.T) { runTruthCase(t, tc) })
	}
}

func truthCases() []truthCase {
	compressed := func(want string) func(*testing.T, otel.SignalConfig, []fakeotlp.Request) {
		return func(t *testing.T, sc otel.SignalConfig, reqs []fakeotlp.Request) {
			wire := reqs[0].Encoding
			if wire == "" {
				wire = "none"
			}
			if sc.Compression != want || wire != want {
				t.Errorf("health shows compression %q, the collector received %q, want %q", sc.Compression, wire, want)
			}
		}
	}
	return []truthCase{
		{name: "compression GZIP over HTTP", env: map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "GZIP"}, check: compressed("gzip")},
		{name: "compression gzip over HTTP", env: map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip"}, check: compressed("gzip")},
		{name: "compression Gzip per signal", env: map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "none", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "Gzip"}, check: compressed("gzip")},
		{name: "compression NONE per signal over gzip", env: map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "gzip", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "NONE"}, check: compressed("none")},
		{name: "compression GZIP over gRPC", grpc: true, env: map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "GZIP"}, check: compressed("gzip")},
		{name: "compression GZIP for logs", signal: fakeotlp.Logs, env: map[string]string{"OTEL_EXPORTER_OTLP_LOGS_COMPRESSION": "GZIP"}, check: compressed("gzip")},
		{name: "compression GZIP for metrics over gRPC", grpc: true, signal: fakeotlp.Metrics, env: map[string]string{"OTEL_EXPORTER_OTLP_METRICS_COMPRESSION": "GZIP"}, check: compressed("gzip")},
		{name: "protocol HTTP/PROTOBUF", env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "HTTP/PROTOBUF"}, check: protocolIs("http/protobuf", "http", "application/x-protobuf")},
		{name: "protocol GRPC", grpc: true, env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "GRPC"}, check: protocolIs("grpc", "grpc", "application/grpc")},
		{name: "protocol Http/Json for traces", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "Http/Json"}, check: protocolIs("http/json", "http", "application/json")},
		{name: "headers over HTTP", env: map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "api-key=k1,x-tenant=a%20b"}, check: headersAre(map[string]string{"Api-Key": "k1", "X-Tenant": "a b"})},
		{name: "headers per signal win", env: map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "api-key=generic", "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "api-key=traces"}, check: headersAre(map[string]string{"Api-Key": "traces"})},
		{name: "headers over gRPC", grpc: true, env: map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "api-key=k1,x-tenant=a%20b"}, check: headersAre(map[string]string{"Api-Key": "k1", "X-Tenant": "a b"})},
		{name: "endpoint with a base path", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": endpointVar + "/base/"}, check: pathIs("/base/v1/traces")},
		{name: "endpoint scheme in capitals", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": strings.ToUpper("http") + "://" + endpointVar}, check: pathIs("/v1/traces")},
		{name: "per-signal endpoint used as it is", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": endpointVar + "/custom/traces"}, check: pathIs("/custom/traces")},
		{name: "per-signal logs endpoint", signal: fakeotlp.Logs, env: map[string]string{"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": endpointVar + "/elsewhere/logs"}, check: pathIs("/elsewhere/logs")},
		{name: "insecure TRUE over an https endpoint, gRPC", grpc: true, env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://" + endpointVar, "OTEL_EXPORTER_OTLP_INSECURE": "TRUE"}, check: insecureDelivered},
		{name: "insecure True over an https endpoint, HTTP", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://" + endpointVar, "OTEL_EXPORTER_OTLP_INSECURE": "True"}, check: insecureDelivered},
		{name: "timeout over HTTP", env: map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "300"}, delay: 20 * time.Second, check: timedOut(300 * time.Millisecond)},
		{name: "timeout per signal over gRPC", grpc: true, env: map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "20000", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "300"}, delay: 20 * time.Second, check: timedOut(300 * time.Millisecond)},
		{name: "temporality DELTA", signal: fakeotlp.Metrics, env: map[string]string{"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "DELTA"}, check: temporalityIs("delta", metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA)},
		{name: "temporality LowMemory over gRPC", grpc: true, signal: fakeotlp.Metrics, env: map[string]string{"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "LowMemory"}, check: temporalityIs("lowmemory", metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA)},
		{name: "histogram BASE2_EXPONENTIAL_BUCKET_HISTOGRAM", signal: fakeotlp.Metrics, env: map[string]string{"OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION": "BASE2_EXPONENTIAL_BUCKET_HISTOGRAM"}, check: exponentialHistogram},
	}
}

func runTruthCase(t *testing.T, tc truthCase) {
	signal := tc.signal
	if signal == "" {
		signal = fakeotlp.Traces
	}
	b := fakeotlp.Behaviour{Keep: true, Delay: tc.delay}
	var (
		c        *fakeotlp.Collector
		endpoint string
	)
	if tc.grpc {
		g := fakeotlp.NewGRPC(t, b)
		c, endpoint = g.Collector, g.Endpoint
		t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", protoGRPC)
	} else {
		h := fakeotlp.NewHTTP(t, b)
		c, endpoint = h.Collector, h.Endpoint
		t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", protoHTTP)
	}
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
	for _, sig := range []string{fakeotlp.Traces, fakeotlp.Metrics, fakeotlp.Logs} {
		exp := "none"
		if sig == signal {
			exp = "otlp"
		}
		t.Setenv("OTEL_"+strings.ToUpper(sig)+"_EXPORTER", exp)
	}
	hostPort := strings.TrimPrefix(endpoint, "http://")
	for k, v := range tc.env {
		if strings.HasPrefix(v, endpointVar) {
			v = strings.Replace(v, endpointVar, endpoint, 1)
		} else {
			v = strings.Replace(v, endpointVar, hostPort, 1)
		}
		t.Setenv(k, v)
	}
	tel := initTel(t, discard{}, otel.WithoutGlobals(), otel.WithServiceName("truth"))
	emitOne(t, tel, signal)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	flushErr := tel.ForceFlush(ctx)
	reqs := requestsFor(c, signal)
	// A client that gave up is seen by the fake a moment later.
	for end := time.Now().Add(5 * time.Second); tc.delay > 0 && len(reqs) > 0 && !reqs[0].Abandoned && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
		reqs = requestsFor(c, signal)
	}
	if len(reqs) == 0 {
		t.Fatalf("the collector received no %s export (ForceFlush: %v)", signal, flushErr)
	}
	tc.check(t, tel.Health().Config[signal], reqs)
}

// emitOne makes one item of signal: a span, a histogram measurement and a
// counter, or a log line.
func emitOne(t *testing.T, tel *otel.Telemetry, signal string) {
	t.Helper()
	switch signal {
	case fakeotlp.Traces:
		_, span := tel.TracerProvider().Tracer("truth").Start(context.Background(), "work")
		span.End()
	case fakeotlp.Metrics:
		m := tel.MeterProvider().Meter("truth")
		h, _ := m.Float64Histogram("truth.duration")
		h.Record(context.Background(), 1.5)
		n, _ := m.Int64Counter("truth.count")
		n.Add(context.Background(), 1)
	case fakeotlp.Logs:
		tel.Logger().Info("truth_line")
	}
}

func requestsFor(c *fakeotlp.Collector, signal string) []fakeotlp.Request {
	var out []fakeotlp.Request
	for _, r := range c.Requests() {
		if r.Signal == signal {
			out = append(out, r)
		}
	}
	return out
}

func protocolIs(health, wire, contentType string) func(*testing.T, otel.SignalConfig, []fakeotlp.Request) {
	return func(t *testing.T, sc otel.SignalConfig, reqs []fakeotlp.Request) {
		r := reqs[0]
		if sc.Protocol != health || r.Protocol != wire || !strings.HasPrefix(r.ContentType, contentType) {
			t.Errorf("health shows protocol %q; the collector received %s with Content-Type %q, want %s %q",
				sc.Protocol, r.Protocol, r.ContentType, wire, contentType)
		}
		if r.Items == 0 && wire != "http" || r.Items == 0 && contentType != "application/json" {
			t.Errorf("the collector could not decode the export (%d items)", r.Items)
		}
	}
}

func headersAre(want map[string]string) func(*testing.T, otel.SignalConfig, []fakeotlp.Request) {
	return func(t *testing.T, sc otel.SignalConfig, reqs []fakeotlp.Request) {
		var names []string
		for k, v := range want {
			names = append(names, strings.ToLower(k))
			if got := reqs[0].Header.Get(k); got != v {
				t.Errorf("the collector received %s: %q, want %q", k, got, v)
			}
		}
		slices.Sort(names)
		got := slices.Clone(sc.HeaderNames)
		for i := range got {
			got[i] = strings.ToLower(got[i])
		}
		slices.Sort(got)
		if !slices.Equal(got, names) {
			t.Errorf("health shows header names %v, want %v", sc.HeaderNames, names)
		}
	}
}

func pathIs(want string) func(*testing.T, otel.SignalConfig, []fakeotlp.Request) {
	return func(t *testing.T, sc otel.SignalConfig, reqs []fakeotlp.Request) {
		if got := reqs[0].Path; got != want || !strings.HasSuffix(sc.Endpoint, want) {
			t.Errorf("health shows endpoint %q; the collector received the path %q, want %q", sc.Endpoint, got, want)
		}
		if reqs[0].Items == 0 {
			t.Error("the export carried nothing the collector could decode")
		}
	}
}

func insecureDelivered(t *testing.T, sc otel.SignalConfig, reqs []fakeotlp.Request) {
	if !sc.Insecure || !strings.HasPrefix(sc.Endpoint, "http://") {
		t.Errorf("health shows insecure %v endpoint %q, want insecure http://", sc.Insecure, sc.Endpoint)
	}
	if reqs[0].Items == 0 || reqs[0].Failed {
		t.Errorf("the plaintext collector did not get the export: %+v", reqs[0])
	}
}

// timedOut: the collector holds the answer back far longer than the
// timeout health shows; the exporter must give up (the request is
// abandoned), and gRPC carries the deadline on the wire.
func timedOut(want time.Duration) func(*testing.T, otel.SignalConfig, []fakeotlp.Request) {
	return func(t *testing.T, sc otel.SignalConfig, reqs []fakeotlp.Request) {
		if sc.Timeout != want.String() {
			t.Errorf("health shows timeout %q, want %s", sc.Timeout, want)
		}
		r := reqs[0]
		if !r.Abandoned {
			t.Errorf("the exporter did not give up on an answer held back 20 s: %+v", r)
		}
		if r.Protocol == "grpc" && (r.Deadline <= 0 || r.Deadline > want) {
			t.Errorf("gRPC deadline %s on the wire, want at most %s", r.Deadline, want)
		}
	}
}

func temporalityIs(health string, want metricspb.AggregationTemporality) func(*testing.T, otel.SignalConfig, []fakeotlp.Request) {
	return func(t *testing.T, sc otel.SignalConfig, reqs []fakeotlp.Request) {
		if sc.Temporality != health {
			t.Errorf("health shows temporality %q, want %q", sc.Temporality, health)
		}
		for _, m := range metricsIn(t, reqs) {
			if m.GetName() != "truth.count" {
				continue
			}
			if got := m.GetSum().GetAggregationTemporality(); got != want {
				t.Errorf("counter exported with temporality %v, want %v", got, want)
			}
			return
		}
		t.Error("the counter was not exported")
	}
}

func exponentialHistogram(t *testing.T, sc otel.SignalConfig, reqs []fakeotlp.Request) {
	if sc.HistogramAggregation != "base2_exponential_bucket_histogram" {
		t.Errorf("health shows histogram aggregation %q", sc.HistogramAggregation)
	}
	for _, m := range metricsIn(t, reqs) {
		if m.GetName() == "truth.duration" {
			if m.GetExponentialHistogram() == nil {
				t.Errorf("histogram exported as %T, want an exponential histogram", m.GetData())
			}
			return
		}
	}
	t.Error("the histogram was not exported")
}

func metricsIn(t *testing.T, reqs []fakeotlp.Request) []*metricspb.Metric {
	t.Helper()
	var out []*metricspb.Metric
	for _, r := range reqs {
		req, ok := r.Message.(*colmetricspb.ExportMetricsServiceRequest)
		if !ok {
			t.Fatalf("metrics request kept as %T", r.Message)
		}
		for _, rm := range req.GetResourceMetrics() {
			for _, sm := range rm.GetScopeMetrics() {
				out = append(out, sm.GetMetrics()...)
			}
		}
	}
	return out
}
