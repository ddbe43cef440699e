package logprovider

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/log/noop"

	"github.com/otelkit/otelkit/internal/env"
	"github.com/otelkit/otelkit/internal/otlpconf"
)

// BenchmarkEmitNone compares the bridge's path (Enabled, then Emit) on the
// provider New returns for "none" with the OpenTelemetry no-op logger.
func BenchmarkEmitNone(b *testing.B) {
	lp, _, err := New(context.Background(), env.FromMap(nil), nil, otlpconf.Overrides{Exporter: "none"})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = lp.Shutdown(context.Background()) }()
	ctx := context.Background()
	run := func(b *testing.B, l otellog.Logger) {
		b.ReportAllocs()
		for b.Loop() {
			if l.Enabled(ctx, otellog.EnabledParameters{Severity: otellog.SeverityInfo}) {
				var rec otellog.Record
				rec.SetBody(attribute.StringValue("m"))
				l.Emit(ctx, rec)
			}
		}
	}
	b.Run("baseline_noop", func(b *testing.B) { run(b, noop.NewLoggerProvider().Logger("b")) })
	b.Run("provider_none", func(b *testing.B) { run(b, lp.Logger("b")) })
}
