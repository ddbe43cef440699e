package jaeger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testkit/process"
)

// Span is one span of a trace as Jaeger's query API returns it. IDs are
// lowercase hex, as in W3C traceparent and otelkit's log lines.
type Span struct {
	Service      string // resource attribute service.name
	Name         string
	TraceID      string // 32 hex digits
	SpanID       string // 16 hex digits
	ParentSpanID string // "" for a root span
	Kind         string // "internal", "server", "client", "producer", "consumer" or "unspecified"
	Attributes   map[string]any
}

// Trace is what Jaeger holds for one trace ID.
type Trace struct {
	ID    string
	Spans []Span
}

// Services returns the sorted, distinct service names of the trace's spans.
func (t Trace) Services() []string {
	var s []string
	for _, sp := range t.Spans {
		if !slices.Contains(s, sp.Service) {
			s = append(s, sp.Service)
		}
	}
	slices.Sort(s)
	return s
}

// Span returns the span with the given ID.
func (t Trace) Span(id string) (Span, bool) {
	for _, sp := range t.Spans {
		if sp.SpanID == id {
			return sp, true
		}
	}
	return Span{}, false
}

// ErrTraceNotFound is returned by Trace when Jaeger holds no span of the
// trace (yet).
var ErrTraceNotFound = errors.New("trace not found")

// maxResponse bounds one query API response read into memory.
const maxResponse = 32 << 20

// Trace fetches a trace through Jaeger's query API, GET
// /api/v3/traces/{traceID} on the query HTTP server, as a user's tool would.
// traceID is 32 hex digits. It returns ErrTraceNotFound (wrapped) while
// Jaeger has no span of the trace.
func (j *Jaeger) Trace(ctx context.Context, traceID string) (Trace, error) {
	if err := checkTraceID(traceID); err != nil {
		return Trace{}, err
	}
	u := j.QueryURL() + "/api/v3/traces/" + strings.ToLower(traceID)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Trace{}, err
	}
	req.Close = true // no idle connection outlives the call
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Trace{}, fmt.Errorf("query Jaeger: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return Trace{}, fmt.Errorf("read %s: %w", u, err)
	}
	if len(body) > maxResponse {
		return Trace{}, fmt.Errorf("%s: response larger than %d bytes", u, maxResponse)
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return Trace{}, fmt.Errorf("GET %s: %w", u, ErrTraceNotFound)
	default:
		return Trace{}, fmt.Errorf("GET %s: %s: %s", u, resp.Status, strings.TrimSpace(process.Tail(body, 1<<10)))
	}
	spans, err := parseTrace(body)
	if err != nil {
		return Trace{}, fmt.Errorf("GET %s: %w", u, err)
	}
	return Trace{ID: strings.ToLower(traceID), Spans: spans}, nil
}

func checkTraceID(id string) error {
	if len(id) != 32 {
		return fmt.Errorf("trace ID %q: want 32 hex digits, got %d characters", id, len(id))
	}
	if _, err := strconv.ParseUint(id[:16], 16, 64); err != nil {
		return fmt.Errorf("trace ID %q: not hex", id)
	}
	if _, err := strconv.ParseUint(id[16:], 16, 64); err != nil {
		return fmt.Errorf("trace ID %q: not hex", id)
	}
	if strings.Trim(id, "0") == "" {
		return fmt.Errorf("trace ID %q: all zeros is not a valid trace ID", id)
	}
	return nil
}

// pollInterval is how often WaitTrace asks again.
const pollInterval = 100 * time.Millisecond

// WaitTrace polls Trace until done returns true for what Jaeger holds and
// returns it. On timeout it fails the test with the last error and the spans
// it saw.
func (j *Jaeger) WaitTrace(tb testing.TB, timeout time.Duration, traceID string, done func(Trace) bool) Trace {
	tb.Helper()
	if err := checkTraceID(traceID); err != nil {
		tb.Fatalf("internal/testkit/jaeger: %v", err)
	}
	deadline := time.Now().Add(timeout)
	var (
		last    Trace
		lastErr error
	)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		t, err := j.Trace(ctx, traceID)
		cancel()
		if err == nil {
			last, lastErr = t, nil
			if done(t) {
				return t
			}
		} else {
			lastErr = err
		}
		if time.Now().After(deadline) {
			tb.Fatalf("internal/testkit/jaeger: trace %s not as expected within %s; last error: %v; spans:\n%s",
				traceID, timeout, lastErr, describe(last))
			return last
		}
		time.Sleep(pollInterval)
	}
}

func describe(t Trace) string {
	if len(t.Spans) == 0 {
		return "  (none)"
	}
	var b strings.Builder
	for _, s := range t.Spans {
		fmt.Fprintf(&b, "  %s: %s (span %s parent %q kind %s)\n", s.Service, s.Name, s.SpanID, s.ParentSpanID, s.Kind)
	}
	return b.String()
}
