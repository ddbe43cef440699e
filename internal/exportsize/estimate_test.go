package exportsize

import (
	"strings"
	"testing"

	"github.com/otelkit/otelkit/internal/sanitize"
)

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
