package collector

import (
	"errors"
	"testing"

	"github.com/otelkit/otelkit/internal/testkit/process"
)

// Stop stops the collector as an outage would: SIGTERM, a bounded wait (10s),
// then kill. Its ports refuse connections until Restart.
// What it received before is kept: Spans, Metrics and Logs still read it.
// Stopping a stopped collector does nothing. A collector that had to be
// killed, or exited with an error, fails the test.
func (c *Collector) Stop(tb testing.TB) {
	tb.Helper()
	if err := c.proc.Stop(); err != nil {
		tb.Errorf("internal/testkit/collector: %v\ncollector output:\n%s", err, c.proc.Output())
	}
}

// Restart starts the collector again on the same ports, with the same
// configuration, after Stop (it stops a running collector first). The file
// exporters append, so Spans, Metrics and Logs return what arrived before
// and after the restart. It returns once both ports accept connections and
// fails the test, with the collector's output, if they do not within the
// start timeout (for example because another process took a port while the
// collector was down).
func (c *Collector) Restart(tb testing.TB) {
	tb.Helper()
	c.Stop(tb)
	if err := c.proc.Start(); err != nil {
		hint := ""
		if errors.Is(err, process.ErrPortTaken) {
			hint = " (a port was taken while the collector was down)"
		}
		tb.Fatalf("internal/testkit/collector: restart%s: %v", hint, err)
	}
}
