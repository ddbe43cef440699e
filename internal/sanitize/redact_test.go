package sanitize

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

func attrMap(kvs []attribute.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.String()
	}
	return m
}

// TestSpanExporterRedactsCredentials: a value the program set under a key
// that names a credential is exported as REDACTED, in the span's
// attributes, its events' and its links'; other keys, among them
// semantic-convention headers that are not credentials, are kept.
func TestSpanExporterRedactsCredentials(t *testing.T) {
	spans := recordSpans(t, resource.Empty(), func(tp trace.TracerProvider) {
		linked := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}})
		_, span := tp.Tracer("t").Start(context.Background(), "call",
			trace.WithLinks(trace.Link{SpanContext: linked, Attributes: []attribute.KeyValue{attribute.String("api_key", "k1")}}))
		span.SetAttributes(
			attribute.String("db.password", "hunter2"),
			attribute.StringSlice("http.request.header.authorization", []string{"Bearer eyJ"}),
			attribute.StringSlice("http.request.header.content-type", []string{"text/plain"}),
			attribute.Int("pinToken", 4321),
			attribute.String("db.system.name", "postgresql"),
		)
		span.AddEvent("login", trace.WithAttributes(attribute.String("user.password", "pw-ev"), attribute.String("user.name", "bob")))
		span.End()
	})
	sink := &spanSink{}
	if err := SpanExporter(sink).ExportSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	s := sink.got[0][0]
	a := attrMap(s.Attributes())
	if a["db.password"] != "REDACTED" || a["http.request.header.authorization"] != "REDACTED" || a["pinToken"] != "REDACTED" ||
		a["http.request.header.content-type"] != `["text/plain"]` || a["db.system.name"] != "postgresql" {
		t.Errorf("span attributes: %v", a)
	}
	if ev := attrMap(s.Events()[0].Attributes); ev["user.password"] != "REDACTED" || ev["user.name"] != "bob" {
		t.Errorf("event attributes: %v", ev)
	}
	if lk := attrMap(s.Links()[0].Attributes); lk["api_key"] != "REDACTED" {
		t.Errorf("link attributes: %v", lk)
	}
	if orig := attrMap(spans[0].Attributes()); orig["db.password"] != "hunter2" {
		t.Error("the SDK's span was modified")
	}
}

// TestLogExporterRedactsCredentials: the same for log records from any
// bridge (here the API directly), nested map members included.
func TestLogExporterRedactsCredentials(t *testing.T) {
	recs := captureRecords(t, resource.Empty(), func(lp log.LoggerProvider) {
		var r log.Record
		r.SetBody(attribute.StringValue("calling_upstream"))
		r.AddAttributes(attribute.String("authorization", "Bearer eyJ"), attribute.String("order_id", "42"),
			attribute.KeyValue{Key: "cfg", Value: attribute.MapValue(attribute.String("client_secret", "cs-1"), attribute.String("region", "eu"))})
		lp.Logger("t").Emit(context.Background(), r)
	})
	sink := &logSink{}
	if err := LogExporter(sink).Export(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	sink.got[0][0].WalkAttributes(func(kv attribute.KeyValue) bool { got[string(kv.Key)] = kv.Value.String(); return true })
	if got["authorization"] != "REDACTED" || got["order_id"] != "42" ||
		!strings.Contains(got["cfg"], "REDACTED") || strings.Contains(got["cfg"], "cs-1") {
		t.Errorf("record attributes: %v", got)
	}
}

var _ sdktrace.SpanExporter = (*spanSink)(nil)
