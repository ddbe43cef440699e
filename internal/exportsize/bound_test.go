package exportsize

import (
	"strings"
	"testing"

	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/internal/sanitize"
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

// TestTextCountsCleanedBytes: a string is counted as the exporter sends
// it, after internal/sanitize turned each invalid byte into U+FFFD (three
// bytes): 1000 invalid bytes were counted as 1000, and a batch of them
// went out at three times its estimate.
func TestTextCountsCleanedBytes(t *testing.T) {
	for _, s := range []string{"", "abc", "héllo", strings.Repeat("\xff", 1000), "ok\xc3", "\xe2\x82"} {
		clean, _ := sanitize.String(s)
		if got := Text(s); got < len(clean) || got > Framing+len(clean) {
			t.Errorf("Text(%.20q) = %d, want %d and framing", s, got, len(clean))
		}
	}
}
