package metrics

import (
	"context"
	"strings"
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

// TestPrometheusScrapeSurvivesInvalidUTF8: on the Prometheus endpoint a
// series whose attribute, or whose exemplar's filtered attribute, holds
// invalid UTF-8, and target_info for a resource that does, are served with
// U+FFFD for the invalid bytes. client_golang refuses such label values,
// and each refused series used to vanish from every scrape without a word.
func TestPrometheusScrapeSurvivesInvalidUTF8(t *testing.T) {
	view := sdkmetric.NewView(sdkmetric.Instrument{Name: "work.duration"},
		sdkmetric.Stream{AttributeFilter: attribute.NewDenyKeysFilter("client")})
	p := newProm(t, WithView(view), WithResource(resource.NewSchemaless(attribute.String("service.name", "svc"+invalid))))
	meter := p.MeterProvider().Meter("scope" + invalid)
	c, _ := meter.Int64Counter("jobs")
	c.Add(context.Background(), 3, metric.WithAttributes(attribute.String("path", "/orders/"+invalid)))
	c.Add(context.Background(), 4, metric.WithAttributes(attribute.String("path", "/orders/1")))
	h, _ := meter.Float64Histogram("work.duration", metric.WithUnit("s"))
	ctx, span := tracer(t, true).Start(context.Background(), "work")
	h.Record(ctx, 0.25, metric.WithAttributes(attribute.String("client", invalid)))
	span.End()

	body, _ := scrape(t, "http://"+p.PrometheusAddr()+"/metrics", openMetricsAccept)
	for _, want := range []string{
		"jobs_total{otel_scope_name=\"scope\uFFFD\uFFFD\",otel_scope_schema_url=\"\",otel_scope_version=\"\",path=\"/orders/\uFFFD\uFFFD\"} 3",
		`path="/orders/1"} 4`,
		"target_info{service_name=\"svc\uFFFD\uFFFD\"",
		`work_duration_seconds_count{`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %s:\n%s", want, body)
		}
	}
	// The exemplar, with its filtered attribute (labels in any order).
	_, exemplar, _ := strings.Cut(body, " # {")
	exemplar, _, _ = strings.Cut(exemplar, "}")
	if !strings.Contains(exemplar, "client=\"\uFFFD\uFFFD\"") || !strings.Contains(exemplar, span.SpanContext().TraceID().String()) {
		t.Errorf("exemplar {%s}, want the trace ID and client=U+FFFD U+FFFD", exemplar)
	}
}
