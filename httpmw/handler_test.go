package httpmw

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/internal/requestid"
	"github.com/otelkit/otelkit/logging"
)

func ordersMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		logging.FromContext(r.Context()).Info("order_loaded", zap.String("order_id", r.PathValue("id")))
		_, _ = io.WriteString(w, "order "+r.PathValue("id"))
	})
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	mux.HandleFunc("GET /bad", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad", http.StatusBadRequest)
	})
	return mux
}

func TestRouteFromServeMuxWrappedFromOutside(t *testing.T) {
	e := newTestEnv(t)
	h := Handler(ordersMux(), e.opts()...)
	w := e.serve(h, httptest.NewRequest("GET", "/orders/42?x=1", nil))
	if w.Code != 200 || w.Body.String() != "order 42" {
		t.Fatalf("got %d %q", w.Code, w.Body.String())
	}
	s := e.onlySpan(t)
	if s.Name() != "GET /orders/{id}" {
		t.Errorf("span name %q, want %q", s.Name(), "GET /orders/{id}")
	}
	if s.SpanKind() != trace.SpanKindServer {
		t.Errorf("span kind %v", s.SpanKind())
	}
	if v, ok := spanAttr(s, "http.route"); !ok || v.AsString() != "/orders/{id}" {
		t.Errorf("span http.route = %v %v", v, ok)
	}
	sets := e.durationSeries(t)
	if len(sets) != 1 {
		t.Fatalf("want 1 duration series, got %d", len(sets))
	}
	if v, ok := sets[0].Value("http.route"); !ok || v.AsString() != "/orders/{id}" {
		t.Errorf("metric http.route = %v %v", v, ok)
	}
	for _, kv := range sets[0].ToSlice() {
		if strings.Contains(kv.Value.String(), "/orders/42") {
			t.Errorf("raw path in metric attribute %s", kv.Key)
		}
	}
	if v, _ := sets[0].Value("server.address"); v.AsString() != "test-server" {
		t.Errorf("server.address = %q, want the configured server name", v.AsString())
	}
}

func TestUnknownRouteCollapsesToMethod(t *testing.T) {
	e := newTestEnv(t)
	h := Handler(ordersMux(), e.opts()...)
	w := e.serve(h, httptest.NewRequest("GET", "/no/such/path/123", nil))
	if w.Code != 404 {
		t.Fatalf("code %d", w.Code)
	}
	s := e.onlySpan(t)
	if s.Name() != "GET" {
		t.Errorf("span name %q, want GET", s.Name())
	}
	if _, ok := spanAttr(s, "http.route"); ok {
		t.Error("404 span has http.route")
	}
	for _, set := range e.durationSeries(t) {
		if _, ok := set.Value("http.route"); ok {
			t.Error("404 series has http.route")
		}
	}
	access := e.oneLine(t, "http_request")
	if access["level"] != "warn" || access["status"] != float64(404) {
		t.Errorf("404 access line: %v", access)
	}
	if _, ok := access["route"]; ok {
		t.Errorf("404 access line has a route: %v", access)
	}
}

func TestRouteFunc(t *testing.T) {
	e := newTestEnv(t)
	// A stand-in for another router: it records its route in a context value
	// the route func reads after the handler returns.
	type routeBox struct{ route string }
	type boxKey struct{}
	router := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		box := r.Context().Value(boxKey{}).(*routeBox)
		if strings.HasPrefix(r.URL.Path, "/users/") {
			box.route = "/users/{name}"
			logging.FromContext(r.Context()).Info("user_seen")
		}
	})
	setBox := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(contextWithBox(r, boxKey{}, &routeBox{})))
		})
	}
	rf := func(r *http.Request) string {
		if b, ok := r.Context().Value(boxKey{}).(*routeBox); ok {
			return b.route
		}
		return ""
	}
	h := setBox(Middleware(e.opts(WithRouteFunc(rf))...)(router))
	e.serve(h, httptest.NewRequest("GET", "/users/alice", nil))
	s := e.onlySpan(t)
	if s.Name() != "GET /users/{name}" {
		t.Errorf("span name %q", s.Name())
	}
	if v, _ := e.durationSeries(t)[0].Value("http.route"); v.AsString() != "/users/{name}" {
		t.Errorf("metric route %q", v.AsString())
	}
	if got := e.oneLine(t, "user_seen")["route"]; got != "/users/{name}" {
		t.Errorf("handler line route %v", got)
	}
	if got := e.oneLine(t, "http_request")["route"]; got != "/users/{name}" {
		t.Errorf("access line route %v", got)
	}
}

func TestLogLinesCarryTraceAndRequest(t *testing.T) {
	e := newTestEnv(t)
	h := Handler(ordersMux(), e.opts()...)
	r := httptest.NewRequest("GET", "/orders/7?token=secret", nil)
	r.Header.Set("X-Request-ID", "req-abc")
	r.Header.Set("Authorization", "Bearer topsecret")
	r.Header.Set("Cookie", "session=cookiesecret")
	w := e.serve(h, r)
	if got := w.Header().Get("X-Request-ID"); got != "req-abc" {
		t.Errorf("echoed request ID %q", got)
	}
	s := e.onlySpan(t)
	if v, _ := spanAttr(s, RequestIDAttribute); v.AsString() != "req-abc" {
		t.Errorf("span request.id %q", v.AsString())
	}
	tid, sid := s.SpanContext().TraceID().String(), s.SpanContext().SpanID().String()
	for _, msg := range []string{"order_loaded", "http_request"} {
		l := e.oneLine(t, msg)
		want := map[string]any{
			"trace_id": tid, "span_id": sid, "trace_flags": "01", "request_id": "req-abc",
			"method": "GET", "path": "/orders/7", "route": "/orders/{id}",
		}
		for k, v := range want {
			if l[k] != v {
				t.Errorf("%s: %s = %v, want %v", msg, k, l[k], v)
			}
		}
	}
	a := e.oneLine(t, "http_request")
	if a["level"] != "info" || a["status"] != float64(200) || a["bytes"] != float64(len("order 7")) {
		t.Errorf("access line %v", a)
	}
	if _, ok := a["duration_ms"].(float64); !ok {
		t.Errorf("duration_ms missing: %v", a)
	}
	if _, ok := a["query"]; ok {
		t.Error("query logged without WithQueryLogging")
	}
	for _, secret := range []string{"topsecret", "cookiesecret", "token=secret"} {
		if strings.Contains(e.out.String(), secret) {
			t.Errorf("log output contains %q", secret)
		}
	}
}

func TestAccessLevels(t *testing.T) {
	for _, c := range []struct {
		method, path string
		status       int
		level        string
	}{
		{"GET", "/orders/1", 200, "info"},
		{"POST", "/orders", 201, "info"},
		{"GET", "/bad", 400, "warn"},
		{"GET", "/fail", 500, "error"},
	} {
		e := newTestEnv(t)
		e.serve(Handler(ordersMux(), e.opts()...), httptest.NewRequest(c.method, c.path, nil))
		a := e.oneLine(t, "http_request")
		if a["status"] != float64(c.status) || a["level"] != c.level {
			t.Errorf("%s %s: status %v level %v, want %d %s", c.method, c.path, a["status"], a["level"], c.status, c.level)
		}
		if s := e.onlySpan(t); (c.status >= 500) != (s.Status().Code == codes.Error) {
			t.Errorf("%s: span status %v", c.path, s.Status())
		}
	}
}

func TestSkipPathsSamplingAndNoAccessLog(t *testing.T) {
	mux := ordersMux()
	mux.HandleFunc("GET /healthz", func(http.ResponseWriter, *http.Request) {})

	e := newTestEnv(t)
	h := Handler(mux, e.opts(WithSkipPaths("/healthz"))...)
	e.serve(h, httptest.NewRequest("GET", "/healthz", nil))
	if n := len(e.linesWithMsg(t, "http_request")); n != 0 {
		t.Errorf("skipped path logged %d lines", n)
	}
	if len(e.sr.Ended()) != 1 {
		t.Error("skipped path must still be traced")
	}
	e.serve(h, httptest.NewRequest("GET", "/orders/1", nil))
	if n := len(e.linesWithMsg(t, "http_request")); n != 1 {
		t.Errorf("other path: %d lines", n)
	}

	e = newTestEnv(t)
	h = Handler(mux, e.opts(WithAccessLogSampling(10))...)
	for i := 0; i < 100; i++ {
		e.serve(h, httptest.NewRequest("GET", "/orders/1", nil))
	}
	for i := 0; i < 5; i++ {
		e.serve(h, httptest.NewRequest("GET", "/fail", nil))
		e.serve(h, httptest.NewRequest("GET", "/bad", nil))
	}
	var info, errs int
	for _, l := range e.linesWithMsg(t, "http_request") {
		if l["level"] == "info" {
			info++
		} else {
			errs++
		}
	}
	if info != 10 || errs != 10 {
		t.Errorf("sampling 1/10: %d info lines (want 10), %d warn/error lines (want 10)", info, errs)
	}

	e = newTestEnv(t)
	e.serve(Handler(mux, e.opts(WithoutAccessLog())...), httptest.NewRequest("GET", "/fail", nil))
	if n := len(e.linesWithMsg(t, "http_request")); n != 0 {
		t.Errorf("WithoutAccessLog: %d lines", n)
	}
}

func TestQueryLogging(t *testing.T) {
	e := newTestEnv(t)
	h := Handler(ordersMux(), e.opts(WithQueryLogging("api_key"))...)
	q := "page=2&X-Amz-Signature=abc123&sig=s1g&Signature=s2&x-goog-signature=g00g&AWSAccessKeyId=AKIA&X-Amz-Credential=cred&X-Amz-Security-Token=tok&API_KEY=k3y&flag&X%2DAmz%2DSignature=enc"
	e.serve(h, httptest.NewRequest("GET", "/orders/1?"+q, nil))
	got := e.oneLine(t, "http_request")["query"]
	want := "page=2&X-Amz-Signature=REDACTED&sig=REDACTED&Signature=REDACTED&x-goog-signature=REDACTED&AWSAccessKeyId=REDACTED&X-Amz-Credential=REDACTED&X-Amz-Security-Token=REDACTED&API_KEY=REDACTED&flag&X%2DAmz%2DSignature=REDACTED"
	if got != want {
		t.Errorf("query\n got %v\nwant %v", got, want)
	}
	for _, secret := range []string{"abc123", "s1g", "g00g", "AKIA", "k3y", "=enc", "=tok", "=cred"} {
		if strings.Contains(e.out.String(), secret) {
			t.Errorf("output contains %q", secret)
		}
	}
}

func TestQueryLoggingIsBounded(t *testing.T) {
	e := newTestEnv(t)
	h := Handler(ordersMux(), e.opts(WithQueryLogging())...)
	e.serve(h, httptest.NewRequest("GET", "/orders/1?q="+strings.Repeat("a", 10000), nil))
	if q := e.oneLine(t, "http_request")["query"].(string); len(q) > maxLogged {
		t.Errorf("query logged with %d bytes", len(q))
	}
}

func TestRequestIDIncomingAndHostile(t *testing.T) {
	hostile := map[string][]string{
		"crlf":        {"abc\r\nX-Injected: 1"},
		"lf":          {"abc\n{\"level\":\"error\",\"msg\":\"forged\"}"},
		"quotes":      {`abc","msg":"forged`},
		"json":        {`{"request_id":"forged"}`},
		"ansi":        {"\x1b[31mred\x1b[0m"},
		"10KB":        {strings.Repeat("a", 10<<10)},
		"129":         {strings.Repeat("b", 129)},
		"non-ascii":   {"caf\u00e9-\u202e"},
		"nul":         {"a\x00b"},
		"space":       {"a b"},
		"empty":       {""},
		"repeated":    {"one", "two"},
		"repeatedDup": {"same", "same"},
	}
	for name, vals := range hostile {
		t.Run(name, func(t *testing.T) {
			e := newTestEnv(t)
			var seen string
			h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = RequestID(r.Context())
				logging.FromContext(r.Context()).Info("handled")
			}), e.opts()...)
			r := httptest.NewRequest("GET", "/x", nil)
			r.Header["X-Request-Id"] = vals
			w := e.serve(h, r)
			got := w.Header().Values("X-Request-ID")
			if len(got) != 1 || !requestid.Valid(got[0]) || len(got[0]) != 32 {
				t.Fatalf("echoed %q, want one fresh ID", got)
			}
			if seen != got[0] {
				t.Errorf("RequestID(ctx) %q != echoed %q", seen, got[0])
			}
			for _, v := range vals {
				if got[0] == v {
					t.Errorf("hostile value kept")
				}
			}
			lines := e.lines(t) // fails on anything but one JSON object per line
			if len(lines) != 2 {
				t.Fatalf("want 2 lines, got %d:\n%s", len(lines), e.out.String())
			}
			for _, l := range lines {
				if l["request_id"] != got[0] {
					t.Errorf("line request_id %v", l["request_id"])
				}
				if l["msg"] == "forged" || l["level"] == "error" {
					t.Errorf("forged line: %v", l)
				}
			}
			if v, _ := spanAttr(e.onlySpan(t), RequestIDAttribute); v.AsString() != got[0] {
				t.Errorf("span request.id %q", v.AsString())
			}
		})
	}
}

func TestRequestIDCustomHeader(t *testing.T) {
	e := newTestEnv(t)
	h := Handler(http.NotFoundHandler(), e.opts(WithRequestIDHeader("x-correlation-id"))...)
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Correlation-ID", "corr-1")
	r.Header.Set("X-Request-ID", "ignored")
	w := e.serve(h, r)
	if got := w.Header().Get("X-Correlation-Id"); got != "corr-1" {
		t.Errorf("custom header echoed %q", got)
	}
	if w.Header().Get("X-Request-ID") != "" {
		t.Error("default header echoed as well")
	}
}

// TestNestedHandlersOneRequestID: a Handler inside another (a router's
// middleware around a mux that has its own) gives the request one ID, as
// two sets of grpcmw ServerOptions give an RPC one: both access lines, the
// handler's lines and the response header carry the outer one's, whether
// the client sent it or the outer Handler made it.
func TestNestedHandlersOneRequestID(t *testing.T) {
	for _, incoming := range []string{"", "req-nested"} {
		e := newTestEnv(t)
		next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			logging.FromContext(r.Context()).Info("hello")
		})
		inner := Handler(next, e.opts(WithRequestIDHeader("X-Inner-ID"))...)
		h := Handler(inner, e.opts()...)
		// An ID the server's context carries for other work is no request's.
		r := httptest.NewRequestWithContext(ContextWithRequestID(context.Background(), "not-a-request"), "GET", "/x", nil)
		if incoming != "" {
			r.Header.Set("X-Request-ID", incoming)
		}
		w := e.serve(h, r)
		id := w.Header().Get("X-Request-ID")
		if id == "not-a-request" {
			t.Errorf("the request took the ID of its server's context")
		}
		if !requestid.Valid(id) || (incoming != "" && id != incoming) {
			t.Fatalf("incoming %q: response header %q", incoming, id)
		}
		if got := w.Header().Get("X-Inner-ID"); got != id {
			t.Errorf("incoming %q: inner header %q, want %q", incoming, got, id)
		}
		lines := e.lines(t)
		if len(lines) != 3 {
			t.Fatalf("want hello and two access lines, got:\n%s", e.out.String())
		}
		for _, l := range lines {
			if l["request_id"] != id {
				t.Errorf("incoming %q: %v line has request_id %v, want %q", incoming, l["msg"], l["request_id"], id)
			}
		}
	}
}

func TestNewRequestIDsDiffer(t *testing.T) {
	e := newTestEnv(t)
	h := Handler(http.NotFoundHandler(), e.opts()...)
	a := e.serve(h, httptest.NewRequest("GET", "/", nil)).Header().Get("X-Request-ID")
	b := e.serve(h, httptest.NewRequest("GET", "/", nil)).Header().Get("X-Request-ID")
	if a == b || !requestid.Valid(a) || !requestid.Valid(b) {
		t.Errorf("generated %q and %q", a, b)
	}
}

func TestRequestIDOutsideHandler(t *testing.T) {
	if got := RequestID(t.Context()); got != "" {
		t.Errorf("RequestID of a bare context = %q", got)
	}
	//lint:ignore SA1012 a nil context must not panic
	if got := RequestID(ContextWithRequestID(nil, "job-0")); got != "job-0" {
		t.Errorf("ContextWithRequestID(nil): %q", got)
	}
	//lint:ignore SA1012 a nil context on purpose
	if got := RequestID(nil); got != "" {
		t.Errorf("RequestID(nil) = %q", got)
	}
	if got := RequestID(ContextWithRequestID(t.Context(), "job-1")); got != "job-1" {
		t.Errorf("ContextWithRequestID valid: %q", got)
	}
	if got := RequestID(ContextWithRequestID(t.Context(), "bad id\n")); !requestid.Valid(got) || got == "bad id\n" {
		t.Errorf("ContextWithRequestID invalid: %q", got)
	}
}

const validParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

func TestContinuesIncomingTrace(t *testing.T) {
	e := newTestEnv(t)
	h := Handler(ordersMux(), e.opts()...)
	r := httptest.NewRequest("GET", "/orders/1", nil)
	r.Header.Set("traceparent", validParent)
	e.serve(h, r)
	s := e.onlySpan(t)
	if s.SpanContext().TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("trace not continued: %s", s.SpanContext().TraceID())
	}
	if s.Parent().SpanID().String() != "00f067aa0ba902b7" || !s.Parent().IsRemote() {
		t.Errorf("parent %v", s.Parent())
	}
}

func TestInvalidTraceparentStartsFreshTrace(t *testing.T) {
	for name, tp := range map[string]string{
		"bad hex":       "00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01",
		"zero trace":    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
		"zero span":     "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
		"version ff":    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"oversized":     validParent + strings.Repeat("-ab", 5000),
		"short":         "00-4bf92f35-00f067aa-01",
		"uppercase hex": "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
		"garbage":       "\x1b[31m\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			e := newTestEnv(t)
			r := httptest.NewRequest("GET", "/orders/1", nil)
			r.Header.Set("traceparent", tp)
			e.serve(Handler(ordersMux(), e.opts()...), r)
			s := e.onlySpan(t)
			if !s.SpanContext().IsValid() {
				t.Fatal("no valid span")
			}
			if s.SpanContext().TraceID().String() == "4bf92f3577b34da6a3ce929d0e0e4736" || s.Parent().IsValid() {
				t.Errorf("invalid traceparent %q was continued (parent %v)", tp, s.Parent())
			}
			e.lines(t)
		})
	}
}

func TestPublicEndpointStartsLinkedTrace(t *testing.T) {
	e := newTestEnv(t)
	r := httptest.NewRequest("GET", "/orders/1", nil)
	r.Header.Set("traceparent", validParent)
	e.serve(Handler(ordersMux(), e.opts(WithPublicEndpoint())...), r)
	s := e.onlySpan(t)
	if s.SpanContext().TraceID().String() == "4bf92f3577b34da6a3ce929d0e0e4736" || s.Parent().IsValid() {
		t.Fatal("public endpoint continued the incoming trace")
	}
	if len(s.Links()) != 1 || s.Links()[0].SpanContext.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("links %v", s.Links())
	}
}

func TestTraceResponseHeader(t *testing.T) {
	e := newTestEnv(t)
	w := e.serve(Handler(ordersMux(), e.opts(WithTraceResponse())...), httptest.NewRequest("GET", "/orders/1", nil))
	s := e.onlySpan(t)
	want := "00-" + s.SpanContext().TraceID().String() + "-" + s.SpanContext().SpanID().String() + "-01"
	if got := w.Header().Get("traceresponse"); got != want {
		t.Errorf("traceresponse %q, want %q", got, want)
	}
	if !regexp.MustCompile(`^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$`).MatchString(want) {
		t.Errorf("bad format %q", want)
	}
	e2 := newTestEnv(t)
	if got := e2.serve(Handler(ordersMux(), e2.opts()...), httptest.NewRequest("GET", "/orders/1", nil)).Header().Get("traceresponse"); got != "" {
		t.Errorf("traceresponse without the option: %q", got)
	}
}

func TestPanicRecovered(t *testing.T) {
	e := newTestEnv(t)
	mux := ordersMux()
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic(errors.New("kaboom")) })
	mux.HandleFunc("GET /panic-late", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "partial")
		panic("late")
	})
	h := Handler(mux, e.opts()...)
	w := e.serve(h, httptest.NewRequest("GET", "/panic", nil))
	if w.Code != 500 {
		t.Errorf("status %d, want 500", w.Code)
	}
	p := e.oneLine(t, "panic_recovered")
	if p["level"] != "error" || p["panic"] != "kaboom" || p["error_type"] != "*errors.errorString" {
		t.Errorf("panic line %v", p)
	}
	if st, _ := p["stack"].(string); !strings.Contains(st, "handler_test.go") {
		t.Errorf("stack does not show the handler: %.200s", st)
	}
	if p["route"] != "/panic" || p["trace_id"] == nil || p["request_id"] == nil {
		t.Errorf("panic line lacks request fields: %v", p)
	}
	a := e.oneLine(t, "http_request")
	if a["level"] != "error" || a["status"] != float64(500) {
		t.Errorf("access line after panic %v", a)
	}
	s := e.onlySpan(t)
	if s.Status().Code != codes.Error {
		t.Errorf("span status %v", s.Status())
	}
	var exc bool
	for _, ev := range s.Events() {
		if ev.Name == "exception" {
			for _, kv := range ev.Attributes {
				if kv.Key == "exception.message" && kv.Value.AsString() == "kaboom" {
					exc = true
				}
			}
		}
	}
	if !exc {
		t.Errorf("no exception event: %v", s.Events())
	}
	if v, _ := e.durationSeries(t)[0].Value("http.response.status_code"); v.AsInt64() != 500 {
		t.Errorf("metric status %v", v)
	}

	// A panic after the header went out keeps the status; the line is an error.
	e = newTestEnv(t)
	w = e.serve(Handler(mux, e.opts()...), httptest.NewRequest("GET", "/panic-late", nil))
	if w.Code != 200 || w.Body.String() != "partial" {
		t.Errorf("late panic response %d %q", w.Code, w.Body.String())
	}
	if a := e.oneLine(t, "http_request"); a["level"] != "error" {
		t.Errorf("late panic access line %v", a)
	}
	e.oneLine(t, "panic_recovered")
}

func TestServerKeepsServingAfterPanics(t *testing.T) {
	e := newTestEnv(t)
	mux := ordersMux()
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	mux.HandleFunc("GET /abort", func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
	srv := httptest.NewServer(Handler(mux, e.opts()...))
	defer srv.Close()
	c := srv.Client()
	get := func(p string) (*http.Response, error) {
		resp, err := c.Get(srv.URL + p)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		return resp, err
	}
	if resp, err := get("/panic"); err != nil || resp.StatusCode != 500 {
		t.Fatalf("panic: %v %v", resp, err)
	}
	if _, err := get("/abort"); err == nil {
		t.Error("ErrAbortHandler: want the connection aborted")
	}
	if resp, err := get("/orders/5"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("after panics: %v %v", resp, err)
	}
	if n := len(e.linesWithMsg(t, "panic_recovered")); n != 1 {
		t.Errorf("%d panic_recovered lines, want 1 (ErrAbortHandler is not logged)", n)
	}
}

func TestNilNextAndNilOptions(t *testing.T) {
	e := newTestEnv(t)
	h := Handler(nil, append(e.opts(), nil)...)
	if w := e.serve(h, httptest.NewRequest("GET", "/definitely-not-registered-xyz", nil)); w.Code != 404 {
		t.Errorf("nil next: %d", w.Code)
	}
}

func TestDefaultsUseGlobalsAtRequestTime(t *testing.T) {
	e := newTestEnv(t)
	h := Handler(ordersMux()) // built before the globals are set
	restore := setGlobals(t, e)
	defer restore()
	r := httptest.NewRequest("GET", "/orders/3", nil)
	r.Header.Set("traceparent", validParent)
	e.serve(h, r)
	s := e.onlySpan(t)
	if s.SpanContext().TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Error("global propagator not used at request time")
	}
	if l := e.oneLine(t, "order_loaded"); l["trace_id"] != s.SpanContext().TraceID().String() {
		t.Errorf("global logger line %v", l)
	}
}

func TestSpanNameMethods(t *testing.T) {
	for in, want := range map[string]string{"GET": "GET", "get": "GET", "PoSt": "POST", "BREW": "HTTP", "": "HTTP"} {
		if got := standardMethod(in); got != want {
			t.Errorf("standardMethod(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHandlerSeesRealHostAndRequestIsNotChangedAfterward(t *testing.T) {
	e := newTestEnv(t)
	mux := http.NewServeMux()
	var seen *http.Request
	mux.HandleFunc("GET api.example/orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		seen = r
	})
	r := httptest.NewRequest("GET", "/orders/9", nil)
	r.Host = "api.example:8443"
	w := e.serve(Handler(mux, e.opts()...), r)
	if w.Code != 200 || seen == nil {
		t.Fatalf("host pattern did not match: %d", w.Code)
	}
	if seen.Host != "api.example:8443" || r.Host != "api.example:8443" {
		t.Errorf("Host seen %q, original now %q", seen.Host, r.Host)
	}
	if seen.Pattern != "GET api.example/orders/{id}" {
		t.Errorf("pattern %q", seen.Pattern)
	}
	if s := e.onlySpan(t); s.Name() != "GET /orders/{id}" {
		t.Errorf("span name %q", s.Name())
	}
	set := e.durationSeries(t)[0]
	if v, _ := set.Value("server.address"); v.AsString() != "test-server" {
		t.Errorf("metric server.address %q", v.AsString())
	}
	if _, ok := set.Value("server.port"); ok {
		t.Error("metric server.port taken from Host")
	}
}

func TestHostilePathAndMethodStayOneBoundedJSONLine(t *testing.T) {
	e := newTestEnv(t)
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logging.FromContext(r.Context()).Info("handled")
	}), e.opts()...)
	r := httptest.NewRequest("GET", "/", nil)
	r.Method = strings.Repeat("M", 5000)
	r.URL.Path = "/a\r\n{\"level\":\"error\",\"msg\":\"forged\"}\x1b[31m\"" + strings.Repeat("p", 5000)
	e.serve(h, r)
	lines := e.lines(t)
	if len(lines) != 2 {
		t.Fatalf("%d lines:\n%s", len(lines), e.out.String())
	}
	for _, l := range lines {
		if l["msg"] == "forged" {
			t.Errorf("forged line %v", l)
		}
		if p, _ := l["path"].(string); len(p) > maxLogged || !strings.HasPrefix(p, "/a\r\n{") {
			t.Errorf("path %d bytes: %.40q", len(p), p)
		}
		if m, _ := l["method"].(string); len(m) != maxMethodLen {
			t.Errorf("method %d bytes", len(m))
		}
	}
	if s := e.onlySpan(t); s.Name() != "HTTP" {
		t.Errorf("span name %q", s.Name())
	}
}

func TestPublicEndpointFuncIsPerRequest(t *testing.T) {
	e := newTestEnv(t)
	public := func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/orders/9") }
	h := Handler(ordersMux(), e.opts(WithPublicEndpointFunc(public))...)
	for _, p := range []string{"/orders/1", "/orders/9"} {
		r := httptest.NewRequest("GET", p, nil)
		r.Header.Set("traceparent", validParent)
		e.serve(h, r)
	}
	spans := e.sr.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans", len(spans))
	}
	if spans[0].Parent().SpanID().String() != "00f067aa0ba902b7" {
		t.Error("internal request did not continue the trace")
	}
	if spans[1].Parent().IsValid() || len(spans[1].Links()) != 1 {
		t.Error("public request continued the trace or lacks the link")
	}
}
