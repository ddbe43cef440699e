package otel_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"

	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/testutil/logbuf"
	"github.com/otelkit/otelkit/otel"
)

// The trace viewer on an admin mux, with every exporter off: one request
// later it lists one trace, whose page shows its span.
func ExampleTelemetry_TraceViewerHandler() {
	tel, err := otel.Init(context.Background(), otel.WithServiceName("shop"), otel.WithoutGlobals(), otel.WithTraceViewer(),
		otel.WithTracesExporter("none"), otel.WithMetricsExporter("none"), otel.WithLogsExporter("none"),
		otel.WithLogOutput(zapcore.AddSync(&logbuf.Buffer{})))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tel.Shutdown(context.Background())

	admin := http.NewServeMux()
	admin.Handle("/debug/otel/", tel.TraceViewerHandler())

	_, span := tel.TracerProvider().Tracer("shop").Start(context.Background(), "checkout")
	span.End()

	rec := httptest.NewRecorder()
	admin.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://localhost:6060/debug/otel/", nil))
	ids := regexp.MustCompile(`data-trace-id="([0-9a-f]{32})"`).FindAllStringSubmatch(rec.Body.String(), -1)
	fmt.Println(rec.Code, len(ids), ids[0][1] == span.SpanContext().TraceID().String())

	rec = httptest.NewRecorder()
	admin.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://localhost:6060/debug/otel/trace/"+ids[0][1], nil))
	fmt.Println(rec.Code, regexp.MustCompile(`title="checkout">checkout</span>`).MatchString(rec.Body.String()))
	// Output:
	// 200 1 true
	// 200 true
}
