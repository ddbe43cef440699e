package httpmw

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/logging"
)

// TestTwoServicesShareTraceAndRequestID runs service A, which calls service
// B through Transport, and checks that both services' log lines carry one
// trace ID and one request ID.
func TestTwoServicesShareTraceAndRequestID(t *testing.T) {
	ea, eb := newTestEnv(t), newTestEnv(t)

	muxB := http.NewServeMux()
	muxB.HandleFunc("GET /stock/{sku}", func(w http.ResponseWriter, r *http.Request) {
		logging.FromContext(r.Context()).Info("stock_checked", zap.String("sku", r.PathValue("sku")))
		if r.Header.Get("baggage") != "tenant=acme" {
			t.Errorf("baggage not propagated: %q", r.Header.Get("baggage"))
		}
		_, _ = io.WriteString(w, "7")
	})
	srvB := httptest.NewServer(Handler(muxB, eb.opts()...))
	defer srvB.Close()

	client := &http.Client{Transport: Transport(srvB.Client().Transport, ea.opts()...)}
	defer client.CloseIdleConnections()
	muxA := http.NewServeMux()
	muxA.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		req, _ := http.NewRequestWithContext(ctx, "GET", srvB.URL+"/stock/abc", nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("call B: %v", err)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if req.Header.Get("X-Request-ID") != "" || req.Header.Get("traceparent") != "" {
			t.Error("Transport modified the caller's request")
		}
		logging.FromContext(ctx).Info("order_loaded")
	})
	srvA := httptest.NewServer(Handler(muxA, ea.opts()...))
	defer srvA.Close()

	req, _ := http.NewRequest("GET", srvA.URL+"/orders/1", nil)
	req.Header.Set("X-Request-ID", "edge-42")
	req.Header.Set("baggage", "tenant=acme")
	resp, err := srvA.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	srvA.Close()
	srvB.Close()

	lines := append(ea.lines(t), eb.lines(t)...)
	if len(lines) != 4 { // order_loaded + access on A, stock_checked + access on B
		t.Fatalf("want 4 lines, got %d:\nA:\n%s\nB:\n%s", len(lines), ea.out, eb.out)
	}
	traceID := lines[0]["trace_id"]
	for _, l := range lines {
		if l["trace_id"] != traceID || traceID == nil {
			t.Errorf("trace_id %v, want %v: %v", l["trace_id"], traceID, l)
		}
		if l["request_id"] != "edge-42" {
			t.Errorf("request_id %v: %v", l["request_id"], l)
		}
	}
	if eb.oneLine(t, "http_request")["route"] != "/stock/{sku}" {
		t.Error("B access line route")
	}
	// A's client span is the parent of B's server span.
	var clientSpanID string
	for _, s := range ea.sr.Ended() {
		if s.Name() == "HTTP GET" || s.Name() == "GET" {
			if s.SpanKind().String() == "client" {
				clientSpanID = s.SpanContext().SpanID().String()
			}
		}
	}
	bs := eb.onlySpan(t)
	if clientSpanID == "" || bs.Parent().SpanID().String() != clientSpanID {
		t.Errorf("B's parent %s, A's client span %q", bs.Parent().SpanID(), clientSpanID)
	}
}

func TestTransportKeepsExplicitHeaderAndWorksWithoutID(t *testing.T) {
	e := newTestEnv(t)
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("X-Request-ID")+"|"+r.Header.Get("traceparent"))
	}))
	defer srv.Close()
	c := &http.Client{Transport: Transport(nil, e.opts()...)}
	defer c.CloseIdleConnections()

	do := func(ctx context.Context, hdr string) {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		if hdr != "" {
			req.Header.Set("X-Request-ID", hdr)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	do(context.Background(), "")
	do(ContextWithRequestID(context.Background(), "job-7"), "")
	do(ContextWithRequestID(context.Background(), "job-7"), "explicit")
	if len(got) != 3 {
		t.Fatalf("%d requests", len(got))
	}
	for i, want := range []string{"", "job-7", "explicit"} {
		id, tp, _ := strings.Cut(got[i], "|")
		if id != want {
			t.Errorf("request %d: X-Request-ID %q, want %q", i, id, want)
		}
		if len(tp) != 55 {
			t.Errorf("request %d: traceparent %q", i, tp)
		}
	}
}

// TestTransportNilRequestFields sends requests a direct caller of RoundTrip
// may build: without a Header (http.Client adds one, RoundTrip's callers
// need not), with a nil URL, and no request at all. None panics; each
// started span ends.
func TestTransportNilRequestFields(t *testing.T) {
	e := newTestEnv(t)
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("X-Request-ID")+"|"+r.Header.Get("traceparent"))
	}))
	defer srv.Close()
	tr := Transport(nil, e.opts()...)
	defer tr.(interface{ CloseIdleConnections() }).CloseIdleConnections()
	u, err := url.Parse(srv.URL + "/p?token=T")
	if err != nil {
		t.Fatal(err)
	}

	req := (&http.Request{Method: http.MethodGet, URL: u}).WithContext(ContextWithRequestID(context.Background(), "job-1"))
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("nil Header: %v", err)
	}
	_ = resp.Body.Close()
	if req.Header != nil {
		t.Errorf("the caller's request got a Header: %v", req.Header)
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "job-1|00-") {
		t.Errorf("server got %q, want the request ID and a traceparent", got)
	}

	if _, err := tr.RoundTrip(&http.Request{Method: http.MethodGet, Header: http.Header{}}); err == nil {
		t.Error("nil URL: no error")
	}
	if _, err := tr.RoundTrip(nil); err == nil || !strings.Contains(err.Error(), "nil *http.Request") {
		t.Errorf("nil request: %v", err)
	}
	if s, n := len(e.sr.Started()), len(e.sr.Ended()); s != 2 || n != 2 {
		t.Errorf("%d spans started, %d ended; want 2 and 2", s, n)
	}
}

// roundTripFunc is a RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestTransportBasePanics: a base RoundTripper that panics ends the client
// span as an error with an exception event, the duration is recorded, the
// request body is closed, and the caller gets the same panic.
func TestTransportBasePanics(t *testing.T) {
	e := newTestEnv(t)
	body := &closeCounter{Reader: strings.NewReader("x")}
	tr := Transport(roundTripFunc(func(*http.Request) (*http.Response, error) { panic("boom") }), e.opts()...)
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/p", body)
	if err != nil {
		t.Fatal(err)
	}
	var got any
	func() {
		defer func() { got = recover() }()
		_, _ = tr.RoundTrip(req)
	}()
	if got != "boom" {
		t.Fatalf("caller recovered %v, want the base's panic", got)
	}
	s := e.onlySpan(t)
	if s.Status().Code != codes.Error || !strings.Contains(s.Status().Description, "boom") {
		t.Errorf("span status %v", s.Status())
	}
	if ev := s.Events(); len(ev) != 1 || ev[0].Name != "exception" {
		t.Errorf("span events %v, want one exception", ev)
	}
	if body.closed != 1 {
		t.Errorf("request body closed %d times, want 1", body.closed)
	}
	if n := clientDurationPoints(t, e); n != 1 {
		t.Errorf("%d http.client.request.duration points, want 1", n)
	}
}

// TestTransportBaseBreaksContract: a base RoundTripper that returns neither
// a response nor an error gets an error naming it, not otelkit's wrapper.
func TestTransportBaseBreaksContract(t *testing.T) {
	e := newTestEnv(t)
	tr := Transport(roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, nil }), e.opts()...)
	req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:1/p", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tr.RoundTrip(req)
	if resp != nil || err == nil || !strings.Contains(err.Error(), "httpmw.roundTripFunc") {
		t.Fatalf("got %v, %v; want an error naming httpmw.roundTripFunc", resp, err)
	}
	if s := e.onlySpan(t); s.Status().Code != codes.Error {
		t.Errorf("span status %v", s.Status())
	}
}

type closeCounter struct {
	io.Reader
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }

// clientDurationPoints counts the data points of http.client.request.duration.
func clientDurationPoints(t *testing.T, e *testEnv) int {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if h, ok := m.Data.(metricdata.Histogram[float64]); ok && m.Name == "http.client.request.duration" {
				for _, dp := range h.DataPoints {
					n += int(dp.Count)
				}
			}
		}
	}
	return n
}

// TestTransportSpanNameBounded: the client span is named by the standard
// method ("HTTP GET", also for "get"); any other method, such as one a
// proxy forwards from its clients, makes the span "HTTP", not "HTTP <method>".
func TestTransportSpanNameBounded(t *testing.T) {
	e := newTestEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	tr := Transport(nil, e.opts()...)
	defer tr.(interface{ CloseIdleConnections() }).CloseIdleConnections()
	cases := []struct{ method, want string }{
		{"GET", "HTTP GET"}, {"get", "HTTP GET"}, {"DELETE", "HTTP DELETE"},
		{"PURGE-8412", "HTTP"}, {strings.Repeat("X", 4000), "HTTP"}, {"BAD\x01", "HTTP"},
	}
	for _, c := range cases {
		req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Method = c.method
		if resp, err := tr.RoundTrip(req); err == nil {
			_ = resp.Body.Close()
		}
	}
	spans := e.sr.Ended()
	if len(spans) != len(cases) {
		t.Fatalf("%d spans, want %d", len(spans), len(cases))
	}
	for i, c := range cases {
		if got := spans[i].Name(); got != c.want {
			t.Errorf("method %.20q: span %.40q, want %q", c.method, got, c.want)
		}
	}
}

// TestTransportTypedNilBase: a nil *http.Transport (or nil func) as base
// means the default transport, as a nil base does, not a panic per request.
func TestTransportTypedNilBase(t *testing.T) {
	e := newTestEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	defer http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	for _, base := range []http.RoundTripper{(*http.Transport)(nil), roundTripFunc(nil)} {
		req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := Transport(base, e.opts()...).RoundTrip(req)
		if err != nil {
			t.Fatalf("%T: %v", base, err)
		}
		_ = resp.Body.Close()
	}
}
