package faults

import (
	"context"
	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// TestHostileBytesDelivered: 20 ordinary requests, one for /orders/%ff and
// one with a raw 0xff byte in User-Agent and X-Forwarded-For, through
// httpmw.Handler and Init's real OTLP exporters to a fake collector, over
// both protocols. Every span (server and child) and every log record
// (handler line and access line) is accepted. Before the exporters cleaned
// invalid UTF-8, the batch that carried a hostile request failed whole.
func TestHostileBytesDelivered(t *testing.T) {
	const ordinary, hostile = 20, 2
	for _, protocol := range []string{protoHTTP, protoGRPC} {
		t.Run(protocol, func(t *testing.T) {
			fake, endpoint := fakeFor(t, protocol, fakeotlp.Behaviour{})
			faultEnv(t, endpoint, protocol, 2*time.Second)
			out := &lineBuffer{}
			tel := initTel(t, out)
			h := app(tel)
			serve := func(path string, header map[string]string) {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				for k, v := range header {
					req.Header.Set(k, v)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					t.Fatalf("GET %s: status %d", path, rec.Code)
				}
			}
			for i := 0; i < ordinary; i++ {
				serve("/orders/"+strconv.Itoa(i), nil)
				if i == ordinary/2 {
					serve("/orders/%ff", nil)
					serve("/orders/raw", map[string]string{"User-Agent": "agent\xff", "X-Forwarded-For": "10.0.0.\xff"})
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := tel.ForceFlush(ctx); err != nil {
				t.Errorf("ForceFlush: %v", err)
			}
			// Per request: the server span and load_order; the handler's
			// line and the access line. Every other line the logger wrote
			// (an otel_sdk_error warning on a loaded machine) is a log
			// record too: at most that many more may arrive.
			const want = 2 * (ordinary + hostile)
			_, spans := fake.Count(fakeotlp.Traces)
			_, logs := fake.Count(fakeotlp.Logs)
			requestLines := len(out.lines(`"msg":"order_loaded"`)) + len(out.lines(`"msg":"http_request"`))
			otherLines := len(out.lines(`"msg":`)) - requestLines
			record(t, "Hostile bytes", "%s: %d/%d spans and %d/%d log records accepted (%d ordinary requests, /orders/%%ff, 0xff in User-Agent and X-Forwarded-For)",
				protocol, spans, want, logs-otherLines, want, ordinary)
			if requestLines != want {
				t.Fatalf("%d request lines written, want %d", requestLines, want)
			}
			if spans != want || logs < want || logs > want+otherLines {
				t.Errorf("accepted %d spans and %d log records, want %d spans and %d records (+ up to %d other lines)",
					spans, logs, want, want, otherLines)
			}
		})
	}
}
