package exportsize

import (
	"testing"

	"github.com/otelkit/otelkit/internal/otlpconf"
)

// TestLimit: OTLP over gRPC and HTTP/protobuf are bounded under the
// collector's defaults (4 MiB, 20 MiB); what is not OTLP protobuf is not.
func TestLimit(t *testing.T) {
	for _, tc := range []struct {
		exporter, protocol string
		want               int
	}{
		{otlpconf.ExporterOTLP, otlpconf.ProtocolGRPC, 3 << 20},
		{otlpconf.ExporterOTLP, otlpconf.ProtocolHTTPProtobuf, 16 << 20},
		{otlpconf.ExporterOTLP, otlpconf.ProtocolHTTPJSON, 0},
		{otlpconf.ExporterConsole, otlpconf.ProtocolGRPC, 0},
		{otlpconf.ExporterNone, "", 0},
	} {
		if got := Limit(otlpconf.Resolved{Exporter: tc.exporter, Protocol: tc.protocol}); got != tc.want {
			t.Errorf("Limit(%s, %s) = %d, want %d", tc.exporter, tc.protocol, got, tc.want)
		}
	}
}
