package httpmw_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/httpmw"
)

// spanNames serves each "METHOD path" through h and prints the status and
// the span's name.
func spanNames(h http.Handler, rec *tracetest.SpanRecorder, requests ...[2]string) {
	for _, mp := range requests {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(mp[0], mp[1], nil))
		spans := rec.Ended()
		fmt.Println(w.Code, spans[len(spans)-1].Name())
	}
}

// gorilla/mux runs Use middleware only for requests that match a route, so
// 404 and 405 would leave no span, metric or access line: wrap the router
// instead, and let the route function match the request again. (The route
// function most write first, mux.CurrentRoute(r).GetPathTemplate(), panics
// on the nil route of a 404.)
func ExampleWithRouteFunc_gorillaMux() {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	router := mux.NewRouter()
	router.HandleFunc("/orders/{id}", func(http.ResponseWriter, *http.Request) {}).Methods(http.MethodGet)
	route := func(r *http.Request) string {
		var m mux.RouteMatch
		if !router.Match(r, &m) || m.MatchErr != nil || m.Route == nil {
			return "" // 404, 405: the span is named by the method
		}
		tpl, _ := m.Route.GetPathTemplate()
		return tpl
	}
	h := httpmw.Handler(router, httpmw.WithRouteFunc(route), httpmw.WithTracerProvider(tp), httpmw.WithLogger(zap.NewNop()))

	spanNames(h, rec, [2]string{"GET", "/orders/7"}, [2]string{"GET", "/nowhere"}, [2]string{"DELETE", "/orders/7"})
	// Output:
	// 200 GET /orders/{id}
	// 404 GET
	// 405 DELETE
}

// chi runs Use middleware for every request, matched or not, and knows the
// route once it has routed: use the middleware inside the router.
func ExampleWithRouteFunc_chi() {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	r := chi.NewRouter()
	r.Use(httpmw.Middleware(httpmw.WithRouteFunc(func(r *http.Request) string {
		return chi.RouteContext(r.Context()).RoutePattern()
	}), httpmw.WithTracerProvider(tp), httpmw.WithLogger(zap.NewNop())))
	r.Get("/orders/{id}", func(http.ResponseWriter, *http.Request) {})

	spanNames(r, rec, [2]string{"GET", "/orders/7"}, [2]string{"GET", "/nowhere"}, [2]string{"DELETE", "/orders/7"})
	// Output:
	// 200 GET /orders/{id}
	// 404 GET
	// 405 DELETE
}

// A ServeMux nested behind StripPrefix: httpmw.StripPrefix keeps the full
// route, where http.StripPrefix would leave "/api/" for every sub-route.
func ExampleStripPrefix() {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	api := http.NewServeMux()
	api.HandleFunc("GET /users/{id}", func(http.ResponseWriter, *http.Request) {})
	root := http.NewServeMux()
	root.Handle("/api/", httpmw.StripPrefix("/api", api))
	h := httpmw.Handler(root, httpmw.WithTracerProvider(tp), httpmw.WithLogger(zap.NewNop()))

	spanNames(h, rec, [2]string{"GET", "/api/users/7"})
	// Output:
	// 200 GET /api/users/{id}
}
