package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
	"github.com/otelkit/otelkit/metrics"
	"github.com/otelkit/otelkit/otel"
	"github.com/otelkit/otelkit/tracing"
)

// echoAnswer is what a collector that rejects credentials says: it quotes
// the headers it was sent, as some real ones do.
func echoAnswer(auth, tenant string) string {
	return fmt.Sprintf("unauthenticated: invalid credentials %q (tenant %s); quoted again: %s", auth, tenant, auth)
}

// newEchoHTTP starts an OTLP/HTTP collector that answers every export with
// 401 and a body quoting the Authorization and X-Tenant headers.
func newEchoHTTP(t *testing.T) string {
	t.Helper()
	l := fakeotlp.LoopbackListener(t)
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, fakeotlp.MaxRequestBody))
		http.Error(w, echoAnswer(r.Header.Get("Authorization"), r.Header.Get("X-Tenant")), http.StatusUnauthorized)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
	})
	return "http://" + l.Addr().String()
}

// echoGRPC answers every export with Unauthenticated quoting the
// authorization and x-tenant metadata.
type echoGRPC struct {
	coltracepb.UnimplementedTraceServiceServer
	colmetricspb.UnimplementedMetricsServiceServer
	collogspb.UnimplementedLogsServiceServer
}

func (echoGRPC) reject(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	first := func(k string) string {
		if v := md.Get(k); len(v) > 0 {
			return v[0]
		}
		return ""
	}
	return status.Error(codes.Unauthenticated, echoAnswer(first("authorization"), first("x-tenant")))
}

func (e echoGRPC) Export(ctx context.Context, _ *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	return nil, e.reject(ctx)
}

type echoMetrics struct{ echoGRPC }

func (e echoMetrics) Export(ctx context.Context, _ *colmetricspb.ExportMetricsServiceRequest) (*colmetricspb.ExportMetricsServiceResponse, error) {
	return nil, e.reject(ctx)
}

type echoLogs struct{ echoGRPC }

func (e echoLogs) Export(ctx context.Context, _ *collogspb.ExportLogsServiceRequest) (*collogspb.ExportLogsServiceResponse, error) {
	return nil, e.reject(ctx)
}

func newEchoGRPC(t *testing.T) string {
	t.Helper()
	l := fakeotlp.LoopbackListener(t)
	srv := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(srv, echoGRPC{})
	colmetricspb.RegisterMetricsServiceServer(srv, echoMetrics{})
	collogspb.RegisterLogsServiceServer(srv, echoLogs{})
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return "http://" + l.Addr().String()
}

// TestEchoedHeadersNeverShown: a collector that answers 401 /
// Unauthenticated quoting the Authorization header it got. Whichever way
// the headers were configured (generic and per-signal variables, Init's
// option, the tracing and metrics options passed through), no header value
// may reach the otel_sdk_error line, HealthHandler's last_error or the
// errors ForceFlush and Shutdown return; the answer itself must arrive
// there, scrubbed (REDACTED), so the test cannot pass by seeing nothing.
func TestEchoedHeadersNeverShown(t *testing.T) {
	const (
		tokEnv     = "envTok3n+/=="
		tokLogs    = "logsT0ken.abc"
		tokOption  = "optT0ken_xyz"
		tokTracing = "tracingT0ken"
		tokMetrics = "metricsT0ken"
		tenant     = "t1"
	)
	secrets := []string{tokEnv, tokLogs, tokOption, tokTracing, tokMetrics}
	cases := []struct {
		name string
		env  map[string]string
		opts []otel.Option
	}{
		{"env", map[string]string{
			"OTEL_EXPORTER_OTLP_HEADERS":      "authorization=Bearer%20" + tokEnv + ",x-tenant=" + tenant,
			"OTEL_EXPORTER_OTLP_LOGS_HEADERS": "authorization=Bearer%20" + tokLogs + ",x-tenant=" + tenant,
		}, nil},
		{"option", nil, []otel.Option{otel.WithOTLPHeaders(map[string]string{"authorization": "Bearer " + tokOption, "x-tenant": tenant})}},
		{"signal-options", nil, []otel.Option{
			otel.WithTracingOptions(tracing.WithHeaders(map[string]string{"authorization": "Bearer " + tokTracing})),
			otel.WithMetricsOptions(metrics.WithHeaders(map[string]string{"authorization": "Bearer " + tokMetrics})),
		}},
	}
	for _, proto := range []string{protoHTTP, protoGRPC} {
		for _, c := range cases {
			t.Run(proto+"/"+c.name, func(t *testing.T) {
				endpoint := newEchoHTTP(t)
				if proto == protoGRPC {
					endpoint = newEchoGRPC(t)
				}
				faultEnv(t, endpoint, proto, 2*time.Second)
				t.Setenv("OTEL_EXPORTER_OTLP_INSECURE", "true")
				for k, v := range c.env {
					t.Setenv(k, v)
				}
				out := &lineBuffer{}
				tel := initTel(t, out, c.opts...)
				emit(tel, 3)

				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				flushErr := tel.ForceFlush(ctx)
				cancel()
				health := tel.Health()
				rec := httptest.NewRecorder()
				tel.HealthHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1:9091/", nil))
				ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
				emit(tel, 1)
				shutdownErr := tel.Shutdown(ctx)
				cancel()

				outputs := map[string]string{
					"log":            out.String(),
					"health":         rec.Body.String(),
					"ForceFlush err": fmt.Sprint(flushErr),
					"Shutdown err":   fmt.Sprint(shutdownErr),
				}
				for name, text := range outputs {
					for _, s := range secrets {
						if strings.Contains(text, s) {
							t.Errorf("%s shows the header value %q:\n%s", name, s, text)
						}
					}
				}
				// The answer got through, scrubbed: in the health document
				// for every signal, in a log line and in the returned error.
				for sig, st := range health.Export {
					if sig == "logs" && c.name == "signal-options" {
						continue // no header configured for logs
					}
					if !strings.Contains(st.LastError, "unauthenticated") || !strings.Contains(st.LastError, scrubMark) {
						t.Errorf("%s last_error %q: want the collector's answer with %s", sig, st.LastError, scrubMark)
					}
				}
				if !strings.Contains(out.String(), `"msg":"otel_sdk_error"`) || !strings.Contains(out.String(), scrubMark) {
					t.Errorf("no scrubbed otel_sdk_error line:\n%s", out.String())
				}
				if flushErr == nil || !strings.Contains(flushErr.Error(), scrubMark) {
					t.Errorf("ForceFlush error %v: want the scrubbed answer", flushErr)
				}
				// A short header value is replaced only where it stands alone.
				var doc struct {
					Export map[string]otel.ExportStatus `json:"export"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
					t.Fatalf("health JSON: %v", err)
				}
				if c.name != "signal-options" && !strings.Contains(doc.Export["traces"].LastError, "(tenant "+scrubMark+")") {
					t.Errorf("traces last_error %q: the short tenant header is not scrubbed", doc.Export["traces"].LastError)
				}
			})
		}
	}
}

// scrubMark is what otel puts in place of a secret.
const scrubMark = "REDACTED"
