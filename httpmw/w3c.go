package httpmw

import (
	"encoding/hex"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelkit/otelkit/internal/w3c"
)

// propagatorOf is what Handler, Middleware and Transport give otelhttp: the
// configured propagators (the global one, looked up per request, by
// default) behind internal/w3c, which reads every traceparent, tracestate
// and baggage line as W3C Trace Context Level 2 and W3C Baggage say, drops
// oversized fields before they are parsed, and bounds what is sent on. See
// the package documentation, "Trace context".
func propagatorOf(cfg config) propagation.TextMapPropagator {
	return w3c.Configured(cfg.Propagators)
}

// TraceResponseHeader is the W3C Trace Context level 2 response header that
// WithTraceResponse adds.
const TraceResponseHeader = "Traceresponse"

// traceResponse formats 00-<trace-id>-<span-id>-<flags>.
func traceResponse(sc trace.SpanContext) string {
	var b [2 + 1 + 32 + 1 + 16 + 1 + 2]byte
	b[0], b[1], b[2] = '0', '0', '-'
	tid := sc.TraceID()
	sid := sc.SpanID()
	hex.Encode(b[3:35], tid[:])
	b[35] = '-'
	hex.Encode(b[36:52], sid[:])
	b[52] = '-'
	hex.Encode(b[53:55], []byte{byte(sc.TraceFlags())})
	return string(b[:])
}
