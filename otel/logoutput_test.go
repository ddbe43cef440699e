package otel

import (
	"errors"
	"strings"
	"testing"
)

// fullDisk is a log output every write to which fails.
type fullDisk struct{}

func (fullDisk) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }
func (fullDisk) Sync() error               { return nil }

// TestHealthShowsLogOutputErrors: lines the log output failed to take are
// shown in the health document.
func TestHealthShowsLogOutputErrors(t *testing.T) {
	tel := initHealth(t, fullDisk{}, WithoutGlobals(), WithTracesExporter("none"), WithMetricsExporter("none"), WithLogsExporter("none"))
	before := tel.Logging().OutputErrors() // Init's own lines, if any
	for range 3 {
		tel.Logger().Info("lost")
	}
	hd, body := getHealth(t, tel)
	if hd.LogOutputErrors != before+3 || !strings.Contains(body, `"log_output_errors"`) {
		t.Errorf("log_output_errors %d, want %d:\n%s", hd.LogOutputErrors, before+3, body)
	}
}
