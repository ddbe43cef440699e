package logprovider

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
)

const invalid = "\xff\xfe"

// TestOTLPExportSurvivesInvalidUTF8: through the real OTLP/HTTP exporter
// to a fake collector, records with invalid UTF-8 in the body, the
// attributes (nested too), the event name, the severity text, the scope and
// the resource no longer fail the batch they are exported with.
func TestOTLPExportSurvivesInvalidUTF8(t *testing.T) {
	fake := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{})
	res := resource.NewSchemaless(attribute.String("service.name", "svc"+invalid))
	p, err := NewLoggerProvider(context.Background(), lookup(nil), WithResource(res),
		WithOTLPOverrides(otlpconf.Overrides{Exporter: "otlp", Protocol: "http/protobuf", Endpoint: fake.Endpoint}))
	lp := p.LoggerProvider()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	defer func() { _ = lp.Shutdown(ctx) }()

	for i := 0; i < 10; i++ {
		emit(lp, "order_loaded", attribute.String("path", "/orders/1"))
	}
	emit(lp, "order_loaded", attribute.String("path", "/orders/"+invalid))
	emit(lp, "body"+invalid, attribute.String("key"+invalid, "v"),
		attribute.KeyValue{Key: "m", Value: attribute.MapValue(attribute.String(invalid, invalid))})
	var rec otellog.Record
	rec.SetBody(attribute.SliceValue(attribute.StringValue(invalid)))
	rec.SetEventName("event" + invalid)
	rec.SetSeverityText("INFO" + invalid)
	lp.Logger("scope"+invalid, otellog.WithInstrumentationVersion(invalid)).Emit(context.Background(), rec)

	if err := lp.ForceFlush(ctx); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
	if _, items := fake.Count(fakeotlp.Logs); items != 13 {
		t.Errorf("the collector accepted %d log records, want 13", items)
	}
}
