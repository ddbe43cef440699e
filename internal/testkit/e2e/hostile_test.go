package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/internal/testkit/collector"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
)

const (
	ordinaryRequests = 20
	hostileRequests  = 2
	replacement      = "\uFFFD"
)

// pathLoggingApp logs every request's path from inside the handler, as a
// service that logs what it was asked for does.
func pathLoggingApp() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		logging.FromContext(r.Context()).Info("order_requested", zap.String("path", r.URL.Path))
		_, _ = io.WriteString(w, "ok")
	})
	return httpmw.Handler(mux)
}

// getWith sends GET url with the given headers and fails the test unless
// it answers 200.
func getWith(t *testing.T, url string, header map[string]string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
}

// TestHostileBytesCostNoTelemetry: one request for /orders/%ff and one with
// a raw 0xff byte in User-Agent and X-Forwarded-For among 20 ordinary ones.
// Every server span and every handler log record reaches the real
// collector, over gRPC and HTTP/protobuf, with the invalid bytes replaced by
// U+FFFD. Before the exporters cleaned text, the exporter failed whole
// batches ("string field contains invalid UTF-8") and 0 of 22 arrived.
func TestHostileBytesCostNoTelemetry(t *testing.T) {
	for _, protocol := range []string{"grpc", "http/protobuf"} {
		t.Run(strings.ReplaceAll(protocol, "/", "_"), func(t *testing.T) {
			col := collector.Start(t)
			pointAt(t, col, protocol)
			service := "e2e-hostile-" + strings.ReplaceAll(protocol, "/", "-")
			tel, err := otel.Init(context.Background(), otel.WithServiceName(service),
				otel.WithLogFormat("json"), otel.WithLogOutput(&lineBuffer{}))
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(pathLoggingApp())
			for i := 0; i < ordinaryRequests/2; i++ {
				getWith(t, srv.URL+"/orders/"+string(rune('a'+i)), nil)
			}
			getWith(t, srv.URL+"/orders/%ff", nil)
			getWith(t, srv.URL+"/orders/raw", map[string]string{
				"User-Agent": "agent\xff/1.0", "X-Forwarded-For": "10.0.0.\xff",
			})
			for i := ordinaryRequests / 2; i < ordinaryRequests; i++ {
				getWith(t, srv.URL+"/orders/"+string(rune('a'+i)), nil)
			}
			srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := tel.Shutdown(ctx); err != nil {
				t.Errorf("Shutdown: %v", err) // go on: count what arrived
			}

			const want = ordinaryRequests + hostileRequests
			spans := col.WaitSpans(t, 20*time.Second, func(s []collector.Span) bool {
				return countSpans(s, "GET /orders/{id}") >= want
			})
			if n := countSpans(spans, "GET /orders/{id}"); n != want {
				t.Errorf("%d server spans arrived, want %d", n, want)
			}
			var badPath, badAgent, badForwarded bool
			for _, s := range spans {
				if p, _ := s.Attributes["url.path"].(string); p == "/orders/"+replacement {
					badPath = true
				}
				if ua, _ := s.Attributes["user_agent.original"].(string); ua == "agent"+replacement+"/1.0" {
					badAgent = true
				}
				// otelhttp takes client.address from X-Forwarded-For.
				if ca, _ := s.Attributes["client.address"].(string); ca == "10.0.0."+replacement {
					badForwarded = true
				}
			}
			if !badPath || !badAgent || !badForwarded {
				t.Errorf("the hostile spans did not arrive cleaned: url.path %v, user_agent.original %v, client.address %v",
					badPath, badAgent, badForwarded)
			}

			logs := col.WaitLogs(t, 20*time.Second, func(l []collector.LogRecord) bool {
				return countLogs(l, "order_requested") >= want
			})
			if n := countLogs(logs, "order_requested"); n != want {
				t.Errorf("%d handler log records arrived, want %d", n, want)
			}
			cleaned := false
			for _, r := range logs {
				if r.Body == "order_requested" && r.Attributes["path"] == "/orders/"+replacement {
					cleaned = true
				}
			}
			if !cleaned {
				t.Errorf("the /orders/%%ff log record did not arrive with its path cleaned")
			}
		})
	}
}

func countSpans(spans []collector.Span, name string) int {
	n := 0
	for _, s := range spans {
		if s.Name == name {
			n++
		}
	}
	return n
}

func countLogs(logs []collector.LogRecord, body string) int {
	n := 0
	for _, r := range logs {
		if r.Body == body {
			n++
		}
	}
	return n
}
