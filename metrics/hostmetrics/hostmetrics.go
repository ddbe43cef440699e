// Package hostmetrics adds host and process metrics to a meter provider
// that package metrics (or otel.Init) builds:
//
//	process.cpu.time           cpu.mode=user|system
//	system.cpu.time            cpu.mode=user|system|other|idle
//	system.memory.usage        system.memory.state=used|free (free: available)
//	system.memory.utilization  system.memory.state=used|free
//	system.network.io          network.io.direction=transmit|receive
//
// from the OpenTelemetry contrib host instrumentation
// (go.opentelemetry.io/contrib/instrumentation/host), which reads them
// through gopsutil when a reader collects.
//
// # Turning it on
//
//	tel, err := otel.Init(ctx, otel.WithMetricsOptions(hostmetrics.Enable()))
//
// or metrics.NewMeterProvider(ctx, hostmetrics.Enable()); Enable given
// twice to one provider starts them once. Host metrics are
// off by default, and they live in this package of their own so that a
// program links gopsutil and its modules only when it imports
// hostmetrics: package metrics and otel do not.
//
// A collector's hostmetrics receiver, running as an agent, collects the
// same and more; use this package where no such agent runs.
package hostmetrics

import (
	"fmt"

	"go.opentelemetry.io/contrib/instrumentation/host"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelkit/otelkit/metrics"
)

// Enable returns the metrics option that starts the host instrumentation on
// the meter provider metrics.NewMeterProvider builds (pass it to otel.Init
// through otel.WithMetricsOptions). Given more than once to one provider
// (in an options list a program shares, and by the program), it starts
// the instrumentation once: a second start would count every point twice.
// If the instrumentation cannot start, NewMeterProvider (and so Init)
// fails with that error.
func Enable() metrics.Option {
	return metrics.WithNamedInstrumentation(host.ScopeName, start)
}

func start(mp metric.MeterProvider) error {
	if err := host.Start(host.WithMeterProvider(mp)); err != nil {
		return fmt.Errorf("otelkit: starting host metrics: %w", err)
	}
	return nil
}
