package httpmw

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// BenchmarkClientError is what a failed request costs (the base returns
// an error; a request that succeeds does not reach spanErrorOf), against
// otelhttp around the same base in the same run: "plain" quotes nothing
// and sends no credential, "authorized" sends an Authorization header and
// a cookie its error does not quote (the usual authenticated failure),
// "quoted" has an error that quotes the bearer token.
func BenchmarkClientError(b *testing.B) {
	p := newBenchProviders(b, sdktrace.AlwaysSample())
	ctx, span := p.tp.Tracer("bench").Start(ContextWithRequestID(context.Background(), "req-0123456789"), "parent")
	defer span.End()
	plainErr := errors.New("dial tcp 10.0.0.7:443: connect: connection refused")
	quotedErr := errors.New("proxy refused Authorization: Bearer ya29.a0AfB_byC-0123456789abcdef")
	for _, c := range []struct {
		name string
		auth bool
		err  error
	}{{"plain", false, plainErr}, {"authorized", true, plainErr}, {"quoted", true, quotedErr}} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://svc.local/stock/1", nil)
		if c.auth {
			req.Header.Set("Authorization", "Bearer ya29.a0AfB_byC-0123456789abcdef")
			req.Header.Set("Cookie", "session=0123456789abcdef")
		}
		base := roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, c.err })
		oo := []otelhttp.Option{otelhttp.WithTracerProvider(p.tp), otelhttp.WithMeterProvider(p.mp),
			otelhttp.WithPropagators(benchPropagator), otelhttp.WithSpanNameFormatter(clientSpanName)}
		for name, rt := range map[string]http.RoundTripper{
			"otelhttp": otelhttp.NewTransport(base, oo...),
			"httpmw":   Transport(base, WithTracerProvider(p.tp), WithMeterProvider(p.mp), WithPropagators(benchPropagator)),
		} {
			b.Run(name+"-"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := rt.RoundTrip(req); err != c.err {
						b.Fatalf("error %v, want the base's", err)
					}
				}
			})
		}
	}
}
