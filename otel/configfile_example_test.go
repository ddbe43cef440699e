package otel_test

import (
	"context"
	"errors"
	"fmt"
	"io"

	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/otel"
)

// A declarative configuration file builds everything; HealthHandler shows
// the file and line each setting came from. OTEL_CONFIG_FILE or
// WithConfigFile name a file on disk the same way.
func ExampleWithConfigYAML() {
	file := []byte(`file_format: "1.0"
resource:
  attributes:
    - name: service.name
      value: checkout
propagator:
  composite_list: tracecontext,baggage
tracer_provider:
  processors:
    - batch:
        exporter:
          console:
`)
	tel, err := otel.Init(context.Background(), otel.WithConfigYAML(file), otel.WithoutGlobals(),
		otel.WithLogOutput(zapcore.AddSync(io.Discard)))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = tel.Shutdown(context.Background()) }()
	h := tel.Health()
	fmt.Println(h.Service, h.Config["traces"].Exporter, h.Config["traces"].Sources["exporter"])
	// Output: checkout console file:WithConfigYAML:12
}

// A bad file is an Init error naming the file, the line and the key.
func ExampleWithConfigYAML_error() {
	file := []byte(`file_format: "1.0"
tracer_provider:
  processors:
    - batch:
        max_queue_size: 0
        exporter: {console: }
`)
	_, err := otel.Init(context.Background(), otel.WithConfigYAML(file), otel.WithoutGlobals())
	var ce *otel.ConfigError
	if errors.As(err, &ce) {
		fmt.Println(ce.File, ce.Line, ce.Key)
	}
	// Output: WithConfigYAML 5 tracer_provider.processors[0].batch.max_queue_size
}
