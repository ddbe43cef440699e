package traceview

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelkit/otelkit/internal/redact"
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

// TestViewerTakesTheRule: the viewer hides by Config.Redact, the
// Telemetry's setting: a program's added key is hidden too, and with
// redaction off every value is shown as it was set.
func TestViewerTakesTheRule(t *testing.T) {
	for _, tc := range []struct {
		name        string
		setting     redact.Setting
		raw, hidden []string
	}{
		{"default", redact.Setting{}, []string{"ssn-span", "ssn-log"}, []string{"pw-span", "pw-log"}},
		{"added", redact.Setting{Added: []string{"ssn"}}, nil, []string{"ssn-span", "ssn-log", "pw-span", "pw-log"}},
		{"off", redact.Setting{Off: true}, []string{"ssn-span", "ssn-log", "pw-span", "pw-log"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, Config{Redact: tc.setting})
			ctx, span := f.tp.Tracer("t").Start(context.Background(), "s",
				trace.WithAttributes(attribute.String("customer_ssn", "ssn-span"), attribute.String("db.password", "pw-span")))
			f.log(ctx, otellog.SeverityInfo, "signed_up", attribute.String("customer_ssn", "ssn-log"), attribute.String("password", "pw-log"))
			span.End()
			_, body, _ := get(t, f.store.Handler("", testHosts), "/trace/"+span.SpanContext().TraceID().String())
			for _, s := range tc.raw {
				if !strings.Contains(body, s) {
					t.Errorf("the trace page does not show %s", s)
				}
			}
			for _, s := range tc.hidden {
				if strings.Contains(body, s) {
					t.Errorf("the trace page shows %s", s)
				}
			}
			if n := strings.Count(body, "REDACTED"); n != len(tc.hidden) {
				t.Errorf("REDACTED %d times, want %d:\n%s", n, len(tc.hidden), body)
			}
		})
	}
}

// TestViewerRedactsMapBody: a log record whose body is a map shows its
// members under credential keys as REDACTED, as the exporters send them.
func TestViewerRedactsMapBody(t *testing.T) {
	f := newFixture(t, Config{})
	ctx, span := f.tp.Tracer("t").Start(context.Background(), "s")
	var r otellog.Record
	r.SetTimestamp(time.Now())
	r.SetBody(attribute.MapValue(attribute.String("event", "login"), attribute.String("password", "body-secret")))
	f.lp.Logger("test").Emit(ctx, r)
	span.End()
	_, body, _ := get(t, f.store.Handler("", testHosts), "/trace/"+span.SpanContext().TraceID().String())
	if strings.Contains(body, "body-secret") || !strings.Contains(body, "login") {
		t.Errorf("trace page:\n%s", body)
	}
}
