package httpmw

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/logging"
)

func panickingRoute(*http.Request) string { panic("route func boom") }

// TestRouteFuncPanicRecovered: a panic in the WithRouteFunc function is
// recovered like a handler's: the client gets a 500 (over a real
// connection, not EOF), one panic_recovered line with the route func's
// stack, the access line at error level, and the span an exception event
// and error status. The handler's own lines are still written.
func TestRouteFuncPanicRecovered(t *testing.T) {
	e := newTestEnv(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		logging.FromContext(r.Context()).Info("order_loaded", zap.String("id", r.PathValue("id")))
	})
	srv := httptest.NewServer(Handler(mux, e.opts(WithRouteFunc(panickingRoute))...))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/orders/7")
	if err != nil {
		t.Fatalf("client got %v, want a 500", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", resp.StatusCode)
	}
	srv.Close()

	if l := e.oneLine(t, "order_loaded"); l["route"] != nil {
		t.Errorf("handler line %v: no route expected", l)
	}
	p := e.oneLine(t, "panic_recovered")
	if p["panic"] != "route func boom" || !strings.Contains(p["stack"].(string), "panickingRoute") {
		t.Errorf("panic line %v", p)
	}
	if a := e.oneLine(t, "http_request"); a["level"] != "error" || a["status"] != float64(500) {
		t.Errorf("access line %v", a)
	}
	s := e.onlySpan(t)
	if s.Status().Code != codes.Error || len(s.Events()) == 0 || s.Events()[0].Name != "exception" {
		t.Errorf("span status %v events %v", s.Status(), s.Events())
	}
}

// TestRouteFuncPanicAfterWrite: the response already went out, so it keeps
// its status; the panic is still reported.
func TestRouteFuncPanicAfterWrite(t *testing.T) {
	e := newTestEnv(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	w := e.serve(Handler(mux, e.opts(WithRouteFunc(panickingRoute))...), httptest.NewRequest("GET", "/orders/1", nil))
	if w.Code != 200 || w.Body.String() != "ok" {
		t.Errorf("response %d %q", w.Code, w.Body.String())
	}
	e.oneLine(t, "panic_recovered")
	if a := e.oneLine(t, "http_request"); a["level"] != "error" {
		t.Errorf("access line %v", a)
	}
}

// panickingPropagator's Extract panics, as a buggy propagator may on a
// header it does not expect.
type panickingPropagator struct{ propagation.TraceContext }

func (panickingPropagator) Extract(context.Context, propagation.TextMapCarrier) context.Context {
	panic("extract boom")
}

// TestPanicBeforeHandlerRecovered: a panic in what otelhttp calls before
// the handler (a WithPublicEndpointFunc function, a propagator) is
// recovered like a handler's: the client gets a 500 over a live
// connection (it got EOF), with its request ID, and there is one
// panic_recovered line and an access line at error. There is no span:
// otelhttp had not started one. http.ErrAbortHandler still aborts.
func TestPanicBeforeHandlerRecovered(t *testing.T) {
	handlerRan := func(w http.ResponseWriter, r *http.Request) { t.Error("the handler ran") }
	for name, opt := range map[string]Option{
		"public endpoint func": WithPublicEndpointFunc(func(*http.Request) bool { panic("public boom") }),
		"propagator":           WithPropagators(panickingPropagator{}),
	} {
		t.Run(name, func(t *testing.T) {
			e := newTestEnv(t)
			srv := httptest.NewServer(Handler(http.HandlerFunc(handlerRan), append(e.opts(), opt)...))
			defer srv.Close()
			resp, err := srv.Client().Get(srv.URL + "/orders/7")
			if err != nil {
				t.Fatalf("client got %v, want a 500", err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("X-Request-ID") == "" {
				t.Errorf("status %d, X-Request-ID %q", resp.StatusCode, resp.Header.Get("X-Request-ID"))
			}
			srv.Close()
			p := e.oneLine(t, "panic_recovered")
			if !strings.Contains(p["panic"].(string), "boom") || p["request_id"] != resp.Header.Get("X-Request-ID") {
				t.Errorf("panic line %v", p)
			}
			if a := e.oneLine(t, "http_request"); a["level"] != "error" || a["status"] != float64(500) || a["path"] != "/orders/7" {
				t.Errorf("access line %v", a)
			}
		})
	}
	t.Run("abort", func(t *testing.T) {
		e := newTestEnv(t)
		h := Handler(http.HandlerFunc(handlerRan), e.opts(WithPublicEndpointFunc(func(*http.Request) bool {
			panic(http.ErrAbortHandler)
		}))...)
		defer func() {
			if v := recover(); v != http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
				t.Errorf("recovered %v, want http.ErrAbortHandler", v)
			}
		}()
		e.serve(h, httptest.NewRequest("GET", "/", nil))
	})
}
