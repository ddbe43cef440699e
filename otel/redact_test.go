package otel_test

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/internal/testutil/logbuf"
	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
	"github.com/otelkit/otelkit/tracing"
)

// redactionOutputs is what one Telemetry wrote of a span, a line and a
// record made by another bridge (straight to the log provider), each with
// a customer_ssn and a password attribute: the JSON line, the exported
// span, the exported log records (console exporter) and the trace page.
type redactionOutputs struct {
	line          map[string]any
	span          map[string]string
	records, page string
}

func redactionRun(t *testing.T, opts ...otel.Option) redactionOutputs {
	t.Helper()
	out, console, exp := &logbuf.Buffer{}, &logbuf.Buffer{}, tracetest.NewInMemoryExporter()
	tel := viewerInit(t, out, append([]otel.Option{otel.WithTraceViewer(), otel.WithSpanExporter(exp),
		otel.WithLogsExporter("console"), otel.WithConsoleWriter(console)}, opts...)...)
	ctx, span := tel.TracerProvider().Tracer("t").Start(context.Background(), "sign_up",
		trace.WithAttributes(attribute.String("customer_ssn", "ssn-span"), attribute.String("db.password", "pw-span")))
	logging.FromContext(logging.NewContext(ctx, tel.Logger())).Info("signed_up",
		zap.String("customer_ssn", "ssn-line"), zap.String("password", "pw-line"))
	var rec otellog.Record
	rec.SetBody(attribute.StringValue("signed_up"))
	rec.AddAttributes(attribute.String("customer_ssn", "ssn-rec"), attribute.String("password", "pw-rec"))
	tel.LoggerProvider().Logger("other-bridge").Emit(ctx, rec)
	span.End()
	if err := tel.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	o := redactionOutputs{span: map[string]string{}, records: console.String(),
		page: fetch(t, tel.TraceViewerHandler(), "/trace/"+span.SpanContext().TraceID().String())}
	o.line = logbuf.Find(out.JSONLines(t), "signed_up")
	for _, s := range exp.GetSpans() {
		for _, kv := range s.Attributes {
			o.span[string(kv.Key)] = kv.Value.AsString()
		}
	}
	return o
}

// check fails t unless the value of each output under the ssn key and
// under the password key is hidden or shown as wanted.
func (o redactionOutputs) check(t *testing.T, ssnHidden, passwordHidden bool) {
	t.Helper()
	for _, c := range []struct {
		hidden            bool
		lineKey, spanKey  string
		span, line, other string // the values set
	}{
		{ssnHidden, "customer_ssn", "customer_ssn", "ssn-span", "ssn-line", "ssn-rec"},
		{passwordHidden, "password", "db.password", "pw-span", "pw-line", "pw-rec"},
	} {
		shown := func(v string) string {
			if c.hidden {
				return "REDACTED"
			}
			return v
		}
		if got := o.line[c.lineKey]; got != shown(c.line) {
			t.Errorf("line: %s = %v, want %s", c.lineKey, got, shown(c.line))
		}
		if got := o.span[c.spanKey]; got != shown(c.span) {
			t.Errorf("exported span: %s = %q, want %s", c.spanKey, got, shown(c.span))
		}
		for _, v := range []string{c.line, c.other} {
			if strings.Contains(o.records, v) == c.hidden {
				t.Errorf("exported log records: %s hidden %v, want %v", v, !c.hidden, c.hidden)
			}
		}
		for _, v := range []string{c.span, c.line, c.other} {
			if strings.Contains(o.page, v) == c.hidden {
				t.Errorf("trace viewer: %s hidden %v, want %v", v, !c.hidden, c.hidden)
			}
		}
	}
}

// TestRedactionIsOneSetting: the key rule is one setting for the whole
// Telemetry, whichever option states it: the line, the exported span,
// the exported log records (also those of another bridge) and the trace
// viewer hide the same values. Keys add up from otel's, logging's and
// tracing's WithRedactedKeys; WithoutKeyRedaction, from any of them,
// wins over every WithRedactedKeys.
func TestRedactionIsOneSetting(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		opts                      []otel.Option
		ssnHidden, passwordHidden bool
	}{
		{"default", nil, false, true},
		{"otel.WithRedactedKeys", []otel.Option{otel.WithRedactedKeys("ssn")}, true, true},
		{"otel.WithoutKeyRedaction", []otel.Option{otel.WithoutKeyRedaction()}, false, false},
		{"logging.WithRedactedKeys", []otel.Option{otel.WithLoggingOptions(logging.WithRedactedKeys("ssn"))}, true, true},
		{"logging.WithoutKeyRedaction", []otel.Option{otel.WithLoggingOptions(logging.WithoutKeyRedaction())}, false, false},
		{"tracing.WithRedactedKeys", []otel.Option{otel.WithTracingOptions(tracing.WithRedactedKeys("ssn"))}, true, true},
		{"tracing.WithoutKeyRedaction", []otel.Option{otel.WithTracingOptions(tracing.WithoutKeyRedaction())}, false, false},
		{"otel keys, logging off", []otel.Option{otel.WithRedactedKeys("ssn"),
			otel.WithLoggingOptions(logging.WithoutKeyRedaction())}, false, false},
		{"otel off, tracing keys", []otel.Option{otel.WithTracingOptions(tracing.WithRedactedKeys("ssn")),
			otel.WithoutKeyRedaction()}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			redactionRun(t, tc.opts...).check(t, tc.ssnHidden, tc.passwordHidden)
		})
	}
}
