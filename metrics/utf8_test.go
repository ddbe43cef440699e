package metrics

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
)

const invalid = "\xff\xfe"

// TestOTLPExportSurvivesInvalidUTF8: through the real OTLP/HTTP exporter,
// a data point attribute, an exemplar's filtered attribute, a description,
// the scope and the resource with invalid UTF-8 no longer fail the export:
// every metric arrives, with U+FFFD for the invalid bytes.
func TestOTLPExportSurvivesInvalidUTF8(t *testing.T) {
	rec, url := httpReceiver(t)
	// The view filters "client" out, so the exemplar keeps it as a filtered
	// attribute.
	view := sdkmetric.NewView(sdkmetric.Instrument{Name: "work.duration"},
		sdkmetric.Stream{AttributeFilter: attribute.NewDenyKeysFilter("client")})
	p, err := NewMeterProvider(context.Background(), WithEnvLookup(envMap(nil)), WithExporter("otlp"),
		WithProtocol("http/protobuf"), WithEndpoint(url), WithoutRuntimeMetrics(), WithView(view),
		WithResource(resource.NewSchemaless(attribute.String("service.name", "svc"+invalid))))
	if err != nil {
		t.Fatal(err)
	}
	meter := p.MeterProvider().Meter("scope"+invalid, metric.WithInstrumentationVersion(invalid))
	ok, _ := meter.Int64Counter("ok.count")
	ok.Add(context.Background(), 1, metric.WithAttributes(attribute.String("route", "/orders/{id}")))
	h, _ := meter.Float64Histogram("work.duration", metric.WithDescription("work"+invalid))
	ctx, span := tracer(t, true).Start(context.Background(), "work")
	h.Record(ctx, 0.25, metric.WithAttributes(attribute.String("path", "/orders/"+invalid), attribute.String("client", invalid)))
	span.End()

	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Shutdown(sctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	got := rec.metrics()
	if got["ok.count"] == nil || got["work.duration"] == nil {
		t.Fatalf("received %d metrics, want ok.count and work.duration", len(got))
	}
	m := got["work.duration"]
	dp := m.GetHistogram().GetDataPoints()[0]
	if m.Description != "work\uFFFD\uFFFD" || dp.Attributes[0].Value.GetStringValue() != "/orders/\uFFFD\uFFFD" {
		t.Errorf("description %q, attributes %v", m.Description, dp.Attributes)
	}
	if len(dp.Exemplars) != 1 || dp.Exemplars[0].FilteredAttributes[0].Value.GetStringValue() != "\uFFFD\uFFFD" {
		t.Errorf("exemplars %v", dp.Exemplars)
	}
}
