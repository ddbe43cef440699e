package httpmw

import (
	"io"
	"net/http"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// BenchmarkNestedMux: a ServeMux nested behind httpmw.StripPrefix (full
// route, one more lookup in the nested mux) against the same behind
// http.StripPrefix (route "/api/"), in the same run.
func BenchmarkNestedMux(b *testing.B) {
	p := newBenchProviders(b, sdktrace.AlwaysSample())
	api := http.NewServeMux()
	api.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	for _, tc := range []struct {
		name  string
		strip func(string, http.Handler) http.Handler
	}{
		{"http.StripPrefix", http.StripPrefix},
		{"httpmw.StripPrefix", StripPrefix},
	} {
		b.Run(tc.name, func(b *testing.B) {
			root := http.NewServeMux()
			root.Handle("/api/", tc.strip("/api", api))
			r, _ := http.NewRequest("GET", "http://svc.local/api/orders/42", nil)
			runServer(b, withHTTPMW(p, benchLogger(), root), r)
		})
	}
}

// BenchmarkRouteFunc: a route function's route, checked against the route
// limit (one map lookup for a known route), against the same request
// routed by http.ServeMux, in the same run.
func BenchmarkRouteFunc(b *testing.B) {
	p := newBenchProviders(b, sdktrace.AlwaysSample())
	r, _ := http.NewRequest("GET", "http://svc.local/orders/42", nil)
	b.Run("ServeMux", func(b *testing.B) { runServer(b, withHTTPMW(p, benchLogger(), benchMux()), r) })
	b.Run("WithRouteFunc", func(b *testing.B) {
		route := func(*http.Request) string { return "/orders/{id}" }
		runServer(b, withHTTPMW(p, benchLogger(), benchMux(), WithRouteFunc(route)), r)
	})
}

// BenchmarkRouteSetAdmit is the route limit's own cost for a known route.
func BenchmarkRouteSetAdmit(b *testing.B) {
	s := newRouteSet(0)
	s.admit("/orders/{id}", nil)
	b.ReportAllocs()
	for b.Loop() {
		if s.admit("/orders/{id}", nil) == "" {
			b.Fatal("dropped")
		}
	}
}
