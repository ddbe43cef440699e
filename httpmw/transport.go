package httpmw

import (
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// Transport wraps base (http.DefaultTransport when nil) for outgoing
// requests: a client span from otelhttp, the trace context and baggage
// injected by the propagators (see WithPropagators), and the request ID of the
// request's context (RequestID) forwarded in the request-ID header (see
// WithRequestIDHeader) unless the request already sets that header.
//
// Server-side options are ignored.
func Transport(base http.RoundTripper, opts ...Option) http.RoundTripper {
	cfg := newConfig(opts)
	if base == nil {
		base = http.DefaultTransport
	}
	oo := []otelhttp.Option{otelhttp.WithPropagators(propagatorOf(cfg))}
	if cfg.tracerProvider != nil {
		oo = append(oo, otelhttp.WithTracerProvider(cfg.tracerProvider))
	}
	if cfg.meterProvider != nil {
		oo = append(oo, otelhttp.WithMeterProvider(cfg.meterProvider))
	}
	return otelhttp.NewTransport(&ridTransport{base: base, header: cfg.requestIDHeader}, oo...)
}

// ridTransport runs inside otelhttp.Transport, which hands it a clone of the
// caller's request; setting a header on that clone leaves the caller's
// request untouched.
type ridTransport struct {
	base   http.RoundTripper
	header string
}

func (t *ridTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	st, ok := r.Context().Value(ctxKey{}).(*state)
	if ok && st.rid != "" && len(r.Header[t.header]) == 0 {
		if r.Header == nil {
			r.Header = make(http.Header, 1)
		}
		// The state's one-element array holds the ID; the full slice
		// expression makes an append copy instead of writing into it.
		r.Header[t.header] = st.ridHeader[:1:1]
	}
	return t.base.RoundTrip(r)
}

// CloseIdleConnections closes the idle connections of base, when it can.
func (t *ridTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
