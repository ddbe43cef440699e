package exportsize

import (
	"context"
	"fmt"
	"strings"
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
		{otlpconf.ExporterOTLP, otlpconf.ProtocolHTTPJSON, 16 << 20 / 6},
		{otlpconf.ExporterConsole, otlpconf.ProtocolGRPC, 0},
		{otlpconf.ExporterNone, "", 0},
	} {
		if got := Limit(otlpconf.Resolved{Exporter: tc.exporter, Protocol: tc.protocol}); got != tc.want {
			t.Errorf("Limit(%s, %s) = %d, want %d", tc.exporter, tc.protocol, got, tc.want)
		}
	}
}

// TestAroundMarksParts: the parts of a cut batch tell their place
// (PartOf), the last one too when the batch ends in an item dropped as too
// large; a batch exported whole is its first and last part, its context
// unchanged. The export-health wrapper adds up what the parts of one
// batch leave unsent by this.
func TestAroundMarksParts(t *testing.T) {
	b := Bound[int]{Limit: 10, Size: func(n *int) int { return *n }, Drop: func(string, int) {}}
	for _, tc := range []struct {
		items []int
		want  string // each part's items and place
	}{
		{[]int{4, 4}, "[4 4] first last"},
		{[]int{4, 4, 4, 20, 4}, "[4 4] first | [4] | [4] last"},
		{[]int{4, 4, 4, 20}, "[4 4] first | [4] last"},
		{[]int{20, 4}, "[4] first last"},
		{[]int{20}, ""},
	} {
		ctx := context.Background()
		var got []string
		_ = b.Around(ctx, tc.items, func(pctx context.Context, part []int) error {
			p := PartOf(pctx)
			s := fmt.Sprint(part)
			if p.First {
				s += " first"
			}
			if p.Last {
				s += " last"
			}
			if p.First && p.Last && pctx != ctx {
				s += " (context changed)"
			}
			got = append(got, s)
			return nil
		})
		if strings.Join(got, " | ") != tc.want {
			t.Errorf("%v: parts %q, want %q", tc.items, strings.Join(got, " | "), tc.want)
		}
	}
}
