package oteltest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/otelkit/otelkit/logging"
	"github.com/otelkit/otelkit/otel"
	"github.com/otelkit/otelkit/otel/oteltest"
	"github.com/otelkit/otelkit/tracing"
)

// TestRedactionSetting: New hands the key rule options to Init as they
// are, so a test sees its lines (also those that reach it through the
// globals) and its trace viewer as the service writes them: a program's
// added key hidden, everything raw with the off switch, the credential
// keys alone by default.
func TestRedactionSetting(t *testing.T) {
	for _, tc := range []struct {
		name        string
		opt         otel.Option
		ssn, pwd    string // on the line
		raw, hidden []string
	}{
		{"default", nil, "078-05-1120", "REDACTED", []string{"ssn-span"}, []string{"pw-span"}},
		{"added", otel.WithRedactedKeys("ssn"), "REDACTED", "REDACTED", nil, []string{"ssn-span", "pw-span"}},
		{"off", otel.WithoutKeyRedaction(), "078-05-1120", "hunter2", []string{"ssn-span", "pw-span"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := []otel.Option{otel.WithTraceViewer()}
			if tc.opt != nil {
				opts = append(opts, tc.opt)
			}
			tel := oteltest.New(t, opts...)
			ctx, span := tracing.Start(tel.Context(), "sign_up",
				trace.WithAttributes(attribute.String("customer_ssn", "ssn-span"), attribute.String("db.password", "pw-span")))
			logging.FromContext(ctx).Info("signed_up", zap.String("customer_ssn", "078-05-1120"), zap.String("password", "hunter2"))
			span.End()
			var line map[string]any
			for _, l := range tel.LogLines(t) {
				if l["msg"] == "signed_up" {
					line = l
				}
			}
			if line["customer_ssn"] != tc.ssn || line["password"] != tc.pwd {
				t.Errorf("line %v", line)
			}
			rec := httptest.NewRecorder()
			tel.TraceViewerHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet,
				"http://localhost/trace/"+span.SpanContext().TraceID().String(), nil))
			page := rec.Body.String()
			for _, v := range tc.raw {
				if !strings.Contains(page, v) {
					t.Errorf("the trace viewer hides %s", v)
				}
			}
			for _, v := range tc.hidden {
				if strings.Contains(page, v) {
					t.Errorf("the trace viewer shows %s", v)
				}
			}
		})
	}
}
