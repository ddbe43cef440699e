package logprovider

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"

	"github.com/otelkit/otelkit/internal/otlpconf"
)

// TestRedactionOptions: the exporter (console, its output read back)
// receives records redacted by the rule of the options, as tracing's: the
// credential keys by default, the program's own added (WithRedactedKeys),
// nothing with WithoutKeyRedaction.
func TestRedactionOptions(t *testing.T) {
	for _, tc := range []struct {
		name        string
		opts        []Option
		raw, hidden []string
	}{
		{"default", nil, []string{"078-05-1120"}, []string{"hunter2"}},
		{"added", []Option{WithRedactedKeys("ssn")}, nil, []string{"078-05-1120", "hunter2"}},
		{"off", []Option{WithRedactedKeys("ssn"), WithoutKeyRedaction()}, []string{"078-05-1120", "hunter2"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := &syncBuffer{}
			opts := append([]Option{lookup(nil), WithOTLPOverrides(otlpconf.Overrides{Exporter: "console", Console: out})}, tc.opts...)
			p, err := NewLoggerProvider(context.Background(), opts...)
			if err != nil {
				t.Fatal(err)
			}
			emit(p.LoggerProvider(), "signed_up", attribute.String("customer_ssn", "078-05-1120"), attribute.String("db.password", "hunter2"))
			if err := p.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			text := out.String()
			for _, v := range tc.raw {
				if !strings.Contains(text, v) {
					t.Errorf("%s is not exported as it was set:\n%s", v, text)
				}
			}
			for _, v := range tc.hidden {
				if strings.Contains(text, v) {
					t.Errorf("%s is exported:\n%s", v, text)
				}
			}
			if strings.Count(text, "REDACTED") != len(tc.hidden) {
				t.Errorf("want %d REDACTED:\n%s", len(tc.hidden), text)
			}
		})
	}
}
