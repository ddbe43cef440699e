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

	"github.com/otelkit/otelkit/internal/redact"
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
	if err := SpanExporter(sink, redact.Keys()).ExportSpans(context.Background(), spans); err != nil {
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
	if err := LogExporter(sink, redact.Keys()).Export(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	sink.got[0][0].WalkAttributes(func(kv attribute.KeyValue) bool { got[string(kv.Key)] = kv.Value.String(); return true })
	if got["authorization"] != "REDACTED" || got["order_id"] != "42" ||
		!strings.Contains(got["cfg"], "REDACTED") || strings.Contains(got["cfg"], "cs-1") {
		t.Errorf("record attributes: %v", got)
	}
}

// TestLogExporterRedactsMapBody: a record whose body is a map (a bridge
// that logs structured bodies) has the members under credential keys
// REDACTED, as its attributes do; the body was exported as given.
func TestLogExporterRedactsMapBody(t *testing.T) {
	recs := captureRecords(t, resource.Empty(), func(lp log.LoggerProvider) {
		var r log.Record
		r.SetBody(attribute.MapValue(attribute.String("event", "login"), attribute.String("password", "hunter2")))
		lp.Logger("t").Emit(context.Background(), r)
	})
	sink := &logSink{}
	if err := LogExporter(sink, redact.Keys()).Export(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	if body := sink.got[0][0].Body().String(); strings.Contains(body, "hunter2") || !strings.Contains(body, "login") {
		t.Errorf("body = %s, want the password REDACTED and the rest kept", body)
	}
	if body := recs[0].Body().String(); !strings.Contains(body, "hunter2") {
		t.Errorf("the batch's own record changed: %s", body)
	}
}

var _ sdktrace.SpanExporter = (*spanSink)(nil)

// TestExportersTakeTheRule: the exporters redact by the rule they are
// given, not by the default one: a program's added key (customer_ssn
// under "ssn") is REDACTED in spans and log records, nil redacts nothing,
// and the default rule leaves the added key alone.
func TestExportersTakeTheRule(t *testing.T) {
	kvs := []attribute.KeyValue{attribute.String("customer_ssn", "078-05-1120"), attribute.String("db.password", "hunter2"),
		attribute.String("order_id", "42")}
	spans := recordSpans(t, resource.Empty(), func(tp trace.TracerProvider) {
		_, span := tp.Tracer("t").Start(context.Background(), "call", trace.WithAttributes(kvs...))
		span.End()
	})
	recs := captureRecords(t, resource.Empty(), func(lp log.LoggerProvider) {
		var r log.Record
		r.AddAttributes(kvs...)
		lp.Logger("t").Emit(context.Background(), r)
	})
	for _, tc := range []struct {
		name          string
		rule          *redact.Rule
		ssn, password string
	}{
		{"default", redact.Keys(), "078-05-1120", "REDACTED"},
		{"added", redact.Setting{Added: []string{"ssn"}}.Rule(), "REDACTED", "REDACTED"},
		{"off", nil, "078-05-1120", "hunter2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ss := &spanSink{}
			if err := SpanExporter(ss, tc.rule).ExportSpans(context.Background(), spans); err != nil {
				t.Fatal(err)
			}
			ls := &logSink{}
			if err := LogExporter(ls, tc.rule).Export(context.Background(), recs); err != nil {
				t.Fatal(err)
			}
			rec := map[string]string{}
			ls.got[0][0].WalkAttributes(func(kv attribute.KeyValue) bool { rec[string(kv.Key)] = kv.Value.String(); return true })
			for what, a := range map[string]map[string]string{"span": attrMap(ss.got[0][0].Attributes()), "record": rec} {
				if a["customer_ssn"] != tc.ssn || a["db.password"] != tc.password || a["order_id"] != "42" {
					t.Errorf("%s attributes: %v", what, a)
				}
			}
		})
	}
}

// TestExportWithAddedKeysAllocatesNothing: with a program's own keys
// added to the rule, a batch in which no key matches is passed on as it
// came, without an allocation (the rule is built once, not per export).
func TestExportWithAddedKeysAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocations are counted without -race")
	}
	spans := recordSpans(t, resource.Empty(), func(tp trace.TracerProvider) {
		_, span := tp.Tracer("t").Start(context.Background(), "call",
			trace.WithAttributes(attribute.String("order_id", "42"), attribute.String("http.route", "/orders/{id}")))
		span.End()
	})
	recs := captureRecords(t, resource.Empty(), func(lp log.LoggerProvider) {
		var r log.Record
		r.AddAttributes(attribute.String("order_id", "42"))
		lp.Logger("t").Emit(context.Background(), r)
	})
	rule := redact.Setting{Added: []string{"ssn", "pin"}}.Rule()
	se, le := SpanExporter(discardSpans{}, rule), LogExporter(discardLogs{}, rule)
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() {
		_ = se.ExportSpans(ctx, spans)
		_ = le.Export(ctx, recs)
	}); n != 0 {
		t.Errorf("export allocates %v times", n)
	}
}
