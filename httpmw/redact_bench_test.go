package httpmw

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// BenchmarkRedaction measures what redaction costs, against the same path
// without it, in one run:
//
//   - Client/*: the client span's url.full. "unredacted" is Transport as it
//     was before redaction (otelhttp around the request-ID RoundTripper);
//     "httpmw" is Transport. "signed" is a pre-signed URL with user info and
//     five credentials in its query; "plain" a URL of the same length
//     without any (redaction scans the query and changes nothing); "bare"
//     a URL without query or user info, the usual case.
//   - Access/*: the access line with WithQueryLogging, "unredacted" with
//     the redactor removed, "httpmw" as shipped, on the same two queries.
func BenchmarkRedaction(b *testing.B) {
	const (
		signed = "page=2&X-Amz-Credential=AKIA%2F20250101&X-Amz-Signature=0123456789abcdef0123456789abcdef&access_token=eyJhbGciOi&sig=s1g&q=keep"
		plain  = "page=2&X-Mas-Crediting=AKIA%2F20250101&X-Mas-Significan=0123456789abcdef0123456789abcdef&accession_tokes=eyJhbGciOi&siq=s1g&q=keep"
	)
	p := newBenchProviders(b, sdktrace.AlwaysSample())
	tracer := p.tp.Tracer("bench")
	ctx, span := tracer.Start(ContextWithRequestID(context.Background(), "req-0123456789"), "parent")
	defer span.End()
	opts := []Option{WithTracerProvider(p.tp), WithMeterProvider(p.mp), WithPropagators(benchPropagator)}
	oo := []otelhttp.Option{otelhttp.WithTracerProvider(p.tp), otelhttp.WithMeterProvider(p.mp), otelhttp.WithPropagators(benchPropagator)}
	unredacted := otelhttp.NewTransport(&ridTransport{base: cannedTransport{}, header: "X-Request-Id"}, oo...)
	redacting := Transport(cannedTransport{}, opts...)
	for name, q := range map[string]string{"signed": signed, "plain": plain, "bare": ""} {
		host := "svc.local"
		if name == "signed" {
			host = "user:pw@svc.local"
		}
		u := "http://" + host + "/files/a"
		if q != "" {
			u += "?" + q
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
		b.Run("Client/unredacted-"+name, func(b *testing.B) { runClient(b, unredacted, req) })
		b.Run("Client/httpmw-"+name, func(b *testing.B) { runClient(b, redacting, req) })
	}

	logger := benchLogger()
	cfg := newConfig(append([]Option{WithLogger(logger), WithServerName("bench"), WithQueryLogging()}, opts...))
	shipped := newHandler(cfg, benchMux())
	cfg.redact = nil
	bare := newHandler(cfg, benchMux())
	for name, q := range map[string]string{"signed": signed, "plain": plain} {
		r, _ := http.NewRequest("GET", "http://svc.local/orders/42?"+q, nil)
		r.Header.Set("X-Request-ID", "req-0123456789")
		r.Header.Set("traceparent", validParent)
		b.Run("Access/unredacted-"+name, func(b *testing.B) { runServer(b, bare, r) })
		b.Run("Access/httpmw-"+name, func(b *testing.B) { runServer(b, shipped, r) })
	}
}
