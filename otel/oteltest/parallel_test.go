package oteltest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	gotel "go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/httpmw"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
	"github.com/otelkit/otelkit/otel/oteltest"
	"github.com/otelkit/otelkit/tracing"
)

// The code under test: it uses only the globals. Each request names its
// test in the "who" query parameter, and every span, line, record and
// measurement it makes carries it.
var (
	ordersServed, _ = gotel.Meter("app").Int64Counter("orders.served")
	appLogger       = gotel.GetLoggerProvider().Logger("app")
)

func appMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		who := r.URL.Query().Get("who")
		ctx, span := tracing.Start(r.Context(), "load_order")
		span.SetAttributes(attribute.String("who", who))
		_, inner := gotel.Tracer("app").Start(ctx, "query")
		inner.SetAttributes(attribute.String("who", who))
		inner.End()
		logging.FromContext(ctx).Info("order_loaded", zap.String("who", who))
		ordersServed.Add(ctx, 1, metric.WithAttributes(attribute.String("who", who)))
		var rec otellog.Record
		rec.SetBody(attribute.StringValue("app_record"))
		rec.AddAttributes(attribute.String("who", who))
		appLogger.Emit(ctx, rec)
		span.End()
		_, _ = io.WriteString(w, "ok")
	})
	return mux
}

// TestParallelTestsSeeOnlyTheirOwn: tests in parallel, each through the
// globals only, directly and over the network, see only their own spans,
// lines, records and metrics, and all of them.
func TestParallelTestsSeeOnlyTheirOwn(t *testing.T) {
	// One service for all the tests, reached over the network through
	// httpmw.Transport: its spans and lines reach each test by the trace
	// its request carries.
	server := httptest.NewServer(httpmw.Handler(appMux()))
	t.Cleanup(server.Close)
	var started atomic.Int32
	const tests, requests = 4, 3
	for i := range tests {
		who := fmt.Sprintf("test-%d", i)
		t.Run(who, func(t *testing.T) {
			t.Parallel()
			tel := oteltest.New(t)
			// Wait for another test to be live, so that routing, not "the
			// only test running", decides (bounded: -parallel 1 runs them
			// one by one).
			started.Add(1)
			for end := time.Now().Add(2 * time.Second); started.Load() < 2 && time.Now().Before(end); {
				time.Sleep(time.Millisecond)
			}
			direct := httpmw.Handler(appMux())
			client := &http.Client{Transport: httpmw.Transport(http.DefaultTransport)}
			defer client.CloseIdleConnections()
			for n := range requests {
				rec := httptest.NewRecorder()
				direct.ServeHTTP(rec, tel.NewRequest(http.MethodGet, fmt.Sprintf("/orders/%d?who=%s", n, who), nil))
				req, _ := http.NewRequestWithContext(tel.Context(), http.MethodGet, fmt.Sprintf("%s/orders/%d?who=%s", server.URL, n, who), nil)
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
			checkOwn(t, tel, who, 2*requests)
		})
	}
}

// checkOwn checks that tel holds exactly n requests' worth of who's
// telemetry and nothing of another test's.
func checkOwn(t *testing.T, tel *oteltest.Telemetry, who string, n int) {
	t.Helper()
	// The server side ends its span after the client has its answer.
	var names map[string]int
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		names = map[string]int{}
		for _, s := range tel.Spans() {
			names[s.Name()]++
			for _, kv := range s.Attributes() {
				if kv.Key == "who" && kv.Value.AsString() != who {
					t.Fatalf("span %q of %s seen by %s", s.Name(), kv.Value.AsString(), who)
				}
			}
		}
		if names["GET /orders/{id}"] >= n || time.Now().After(end) {
			break
		}
	}
	if names["load_order"] != n || names["query"] != n || names["GET /orders/{id}"] != n || names["HTTP GET"] != n/2 {
		t.Errorf("%s: spans %v, want %d load_order, query and server spans and %d client spans", who, names, n, n/2)
	}
	lines := 0
	for _, l := range tel.LogLines(t) {
		if l["msg"] == "order_loaded" {
			lines++
			if l["who"] != who {
				t.Errorf("%s sees a line of %v", who, l["who"])
			}
		}
		if l["msg"] == "http_request" && l["route"] != "/orders/{id}" {
			t.Errorf("%s: access line %v", who, l)
		}
	}
	records := 0
	for _, r := range tel.LogRecords() {
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			if kv.Key == "who" {
				records++
				if kv.Value.AsString() != who {
					t.Errorf("%s sees a record of %s", who, kv.Value.AsString())
				}
			}
			return true
		})
	}
	if lines != n || records != 2*n { // order_loaded lines and app_record records, both bridged
		t.Errorf("%s: %d lines and %d records, want %d and %d", who, lines, records, n, 2*n)
	}
	rm, err := tel.Metrics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	served, requestsSeen := int64(0), uint64(0)
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					if v, _ := p.Attributes.Value("who"); v.AsString() != who {
						t.Errorf("%s sees %s of %s", who, m.Name, v.AsString())
					}
					served += p.Value
				}
			case metricdata.Histogram[float64]:
				if m.Name == "http.server.request.duration" {
					for _, p := range d.DataPoints {
						requestsSeen += p.Count
					}
				}
			}
		}
	}
	if served != int64(n) || requestsSeen != uint64(n) {
		t.Errorf("%s: orders.served %d and %d requests in http.server.request.duration, want %d", who, served, requestsSeen, n)
	}
}

// TestWithoutGlobalsKeepsSpans: the advice ErrAlreadyInitialized used to
// give, WithoutGlobals, no longer loses what tracing.Start records.
func TestWithoutGlobalsKeepsSpans(t *testing.T) {
	t.Parallel()
	tel := oteltest.New(t, otel.WithoutGlobals())
	_, span := tracing.Start(tel.Context(), "work")
	span.End()
	if got := len(tel.Spans()); got != 1 {
		t.Errorf("%d spans, want 1", got)
	}
}
