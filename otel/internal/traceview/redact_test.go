package traceview

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/trace"
)

// TestViewerRedactsCredentials: the viewer reads spans and records before
// any exporter, so it applies the exporters' key rule itself: a value
// under a key that names a credential is shown as REDACTED, in span,
// event and log attributes.
func TestViewerRedactsCredentials(t *testing.T) {
	f := newFixture(t, Config{})
	ctx, span := f.tp.Tracer("t").Start(context.Background(), "s",
		trace.WithAttributes(attribute.String("db.password", "span-secret"), attribute.String("db.system.name", "postgresql")))
	span.AddEvent("login", trace.WithAttributes(attribute.String("user.password", "event-secret")))
	f.log(ctx, otellog.SeverityInfo, "calling_upstream", attribute.String("authorization", "Bearer log-secret"),
		attribute.KeyValue{Key: "cfg", Value: attribute.MapValue(attribute.String("api_key", "map-secret"))})
	span.End()
	_, body, _ := get(t, f.store.Handler("", testHosts), "/trace/"+span.SpanContext().TraceID().String())
	for _, s := range []string{"span-secret", "event-secret", "log-secret", "map-secret"} {
		if strings.Contains(body, s) {
			t.Errorf("the trace page shows %s", s)
		}
	}
	if strings.Count(body, "REDACTED") < 4 || !strings.Contains(body, "postgresql") {
		t.Errorf("trace page:\n%s", body)
	}
}
