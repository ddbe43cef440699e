package collector

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// pollInterval is how often the Wait methods re-read the exporter files.
const pollInterval = 50 * time.Millisecond

// WaitSpans polls Spans until done returns true for everything read so far
// and returns it. On timeout it fails the test with the last read error and a
// summary of the spans it saw.
func (c *Collector) WaitSpans(tb testing.TB, timeout time.Duration, done func([]Span) bool) []Span {
	tb.Helper()
	return wait(tb, "spans", timeout, c.Spans, done, func(s Span) string {
		return fmt.Sprintf("%s (trace %s span %s parent %q kind %s status %s) %v",
			s.Name, s.TraceID, s.SpanID, s.ParentSpanID, s.Kind, s.StatusCode, s.Attributes)
	})
}

// WaitMetrics polls Metrics until done returns true for everything read so
// far and returns it. On timeout it fails the test with the last read error
// and a summary of the metrics it saw.
func (c *Collector) WaitMetrics(tb testing.TB, timeout time.Duration, done func([]Metric) bool) []Metric {
	tb.Helper()
	return wait(tb, "metrics", timeout, c.Metrics, done, func(m Metric) string {
		return fmt.Sprintf("%s (%s, unit %q, %d points)", m.Name, m.Type, m.Unit, len(m.DataPoints))
	})
}

// WaitLogs polls Logs until done returns true for everything read so far and
// returns it. On timeout it fails the test with the last read error and a
// summary of the records it saw.
func (c *Collector) WaitLogs(tb testing.TB, timeout time.Duration, done func([]LogRecord) bool) []LogRecord {
	tb.Helper()
	return wait(tb, "logs", timeout, c.Logs, done, func(l LogRecord) string {
		return fmt.Sprintf("%s %v (trace %s span %s) %v", l.SeverityText, l.Body, l.TraceID, l.SpanID, l.Attributes)
	})
}

// maxShown bounds how many items a timeout message lists.
const maxShown = 50

func wait[T any](tb testing.TB, what string, timeout time.Duration, read func() ([]T, error),
	done func([]T) bool, describe func(T) string) []T {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	var (
		got     []T
		lastErr error
	)
	for {
		items, err := read()
		if err != nil {
			lastErr = err
		} else {
			got = items
			if done(got) {
				return got
			}
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(pollInterval)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "internal/testkit/collector: %s not as expected after %s; saw %d:", what, timeout, len(got))
	for i, it := range got {
		if i == maxShown {
			fmt.Fprintf(&b, "\n  … and %d more", len(got)-maxShown)
			break
		}
		b.WriteString("\n  ")
		b.WriteString(describe(it))
	}
	if lastErr != nil {
		fmt.Fprintf(&b, "\nlast read error: %v", lastErr)
	}
	tb.Fatal(b.String())
	return nil
}
