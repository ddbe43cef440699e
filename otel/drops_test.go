package otel

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelkit/otelkit/internal/scrub"
	"github.com/otelkit/otelkit/internal/testutil/fakeotlp"
)

// fakeTimers records what dropLog schedules, to fire it by hand.
type fakeTimers struct {
	mu    sync.Mutex
	waits []time.Duration
	fns   []func()
}

type fakeStop struct{}

func (fakeStop) Stop() bool { return true }

func (f *fakeTimers) afterFunc(d time.Duration, fn func()) stopper {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.waits, f.fns = append(f.waits, d), append(f.fns, fn)
	return fakeStop{}
}

// fire runs the i-th scheduled function.
func (f *fakeTimers) fire(t *testing.T, i int) {
	t.Helper()
	f.mu.Lock()
	if i >= len(f.fns) {
		f.mu.Unlock()
		t.Fatalf("timer %d was never scheduled (%d were)", i, len(f.fns))
	}
	fn := f.fns[i]
	f.mu.Unlock()
	fn()
}

func (f *fakeTimers) scheduled() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.waits...)
}

func newTestDropLog(t *testing.T) (*dropLog, *fakeTimers, *observer.ObservedLogs, *time.Time) {
	t.Helper()
	core, logs := observer.New(zapcore.WarnLevel)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ft := &fakeTimers{}
	d := newDropLog(10 * time.Second)
	d.now = func() time.Time { return now }
	d.afterFunc = ft.afterFunc
	d.start(zap.New(core))
	return d, ft, logs, &now
}

func droppedField(t *testing.T, e observer.LoggedEntry) map[string]map[string]int64 {
	t.Helper()
	v, ok := e.ContextMap()["dropped"].(map[string]map[string]int64)
	if !ok {
		t.Fatalf("dropped field %#v", e.ContextMap()["dropped"])
	}
	return v
}

// TestDropLogRateLimited: the first drop is reported at once; drops within
// the next 10 s wait for the interval to end and go out in one line with
// their counts by signal and reason; no drop, no line.
func TestDropLogRateLimited(t *testing.T) {
	d, ft, logs, now := newTestDropLog(t)
	d.add(sigTraces, DropQueueFull, 5)
	if w := ft.scheduled(); len(w) != 1 || w[0] != 0 {
		t.Fatalf("scheduled %v, want one line at once", w)
	}
	ft.fire(t, 0)
	if logs.Len() != 1 {
		t.Fatalf("%d lines, want 1", logs.Len())
	}
	e := logs.All()[0]
	if e.Message != "telemetry_dropped" || e.Level != zapcore.WarnLevel {
		t.Errorf("line %q at %v", e.Message, e.Level)
	}
	if got := droppedField(t, e); got["traces"][DropQueueFull] != 5 || len(got) != 1 {
		t.Errorf("dropped %v", got)
	}

	*now = now.Add(3 * time.Second)
	d.add(sigLogs, DropShutdown, 2)
	d.add(sigTraces, DropQueueFull, 3)
	d.add(sigMetrics, DropRejected, 1)
	if w := ft.scheduled(); len(w) != 2 || w[1] != 7*time.Second {
		t.Fatalf("scheduled %v, want one more line 7 s later", w)
	}
	if logs.Len() != 1 {
		t.Fatalf("%d lines before the interval ended, want 1", logs.Len())
	}
	ft.fire(t, 1)
	e = logs.All()[1]
	want := map[string]map[string]int64{"traces": {DropQueueFull: 3}, "logs": {DropShutdown: 2}, "metrics": {DropRejected: 1}}
	if got := droppedField(t, e); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("second line dropped %v, want %v", got, want)
	}
	if m := e.ContextMap(); m["dropped_since_last"] != int64(6) || m["dropped_total"] != int64(11) {
		t.Errorf("second line counts %v", m)
	}

	ft.fire(t, 1) // a late timer with nothing pending writes nothing
	d.add(sigTraces, "no_such_reason", 4)
	d.add(sigTraces, DropQueueFull, 0)
	if logs.Len() != 2 || len(ft.scheduled()) != 2 {
		t.Errorf("%d lines, %d timers after nothing new was dropped", logs.Len(), len(ft.scheduled()))
	}
}

// TestDropLogBeforeStartAndAfterClose: drops before the logger exists are
// reported once it does; close writes what is pending, and a drop after
// close is written at once.
func TestDropLogBeforeStartAndAfterClose(t *testing.T) {
	core, logs := observer.New(zapcore.WarnLevel)
	ft := &fakeTimers{}
	d := newDropLog(10 * time.Second)
	d.afterFunc = ft.afterFunc
	d.add(sigLogs, DropQueueFull, 7)
	if len(ft.scheduled()) != 0 {
		t.Fatal("a line was scheduled without a logger")
	}
	d.start(zap.New(core))
	ft.fire(t, 0)
	if logs.Len() != 1 || droppedField(t, logs.All()[0])["logs"][DropQueueFull] != 7 {
		t.Fatalf("lines %v", logs.All())
	}

	d.add(sigTraces, DropExportFailed, 512) // within the interval: waits
	d.close()
	if logs.Len() != 2 || droppedField(t, logs.All()[1])["traces"][DropExportFailed] != 512 {
		t.Fatalf("close did not write the pending drops: %v", logs.All())
	}
	d.add(sigTraces, DropExportFailed, 3) // an export cut off by Shutdown
	if logs.Len() != 3 || droppedField(t, logs.All()[2])["traces"][DropExportFailed] != 3 {
		t.Fatalf("a drop after close was not written: %v", logs.All())
	}
	d.close()
	var nilLog *dropLog
	nilLog.add(sigTraces, DropQueueFull, 1)
	nilLog.close()
}

// PartialSuccess has the shape of the SDK exporters' internal type.
type PartialSuccess struct {
	ErrorMessage  string
	RejectedItems int64
	RejectedKind  string
}

func (p PartialSuccess) Error() string { return "OTLP partial success: " + p.ErrorMessage }

func TestRejectedItems(t *testing.T) {
	ps := PartialSuccess{ErrorMessage: "bad", RejectedItems: 3, RejectedKind: "spans"}
	for _, tc := range []struct {
		name  string
		err   error
		n     int64
		found bool
	}{
		{"plain error", errors.New("boom"), 0, false},
		{"partial success", ps, 3, true},
		{"wrapped", fmt.Errorf("traces export: %w", ps), 3, true},
		{"joined with another error", errors.Join(errors.New("close body"), ps), 3, true},
		{"pointer", &ps, 3, true},
		{"message only", PartialSuccess{ErrorMessage: "warning"}, 0, true},
		{"scrubbed (quoting a header value)", scrub.New([]string{"tenant-4711"}).Error(errors.Join(errors.New("close body"),
			PartialSuccess{ErrorMessage: "tenant tenant-4711 over its limit", RejectedItems: 3})), 3, true},
		{"nil", nil, 0, false},
	} {
		n, found := rejectedItems(tc.err)
		if n != tc.n || found != tc.found {
			t.Errorf("%s: rejectedItems = %d, %v; want %d, %v", tc.name, n, found, tc.n, tc.found)
		}
	}
}

// TestHealthShowsQueueFullDrops: with small batch queues and a collector
// that holds every export for a second, spans and log records are dropped
// on full queues. HealthHandler counts them (failed is never 0 after a
// loss), a telemetry_dropped warning says so, and every item is accounted
// for: accepted by the collector or dropped.
func TestHealthShowsQueueFullDrops(t *testing.T) {
	for _, k := range []string{"OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BLRP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE"} {
		t.Setenv(k, "10")
	}
	c := fakeotlp.NewHTTP(t, fakeotlp.Behaviour{Delay: time.Second})
	out := &lineBuffer{}
	tel := initHealth(t, out, WithoutGlobals(), WithOTLPEndpoint(c.Endpoint), WithOTLPProtocol("http/protobuf"),
		WithMetricsExporter("none"), WithLogLevel(zapcore.InfoLevel))
	const n = 100
	tracer := tel.TracerProvider().Tracer("drops")
	for range n {
		_, span := tracer.Start(context.Background(), "work")
		span.End()
		tel.Logger().Info("work_done")
	}
	h, _ := getHealth(t, tel)
	for _, sig := range []string{"traces", "logs"} {
		ex := h.Export[sig]
		if ex.Dropped[DropQueueFull] == 0 || ex.Failed < ex.Dropped[DropQueueFull] {
			t.Errorf("%s while the collector is slow: %+v, want queue_full drops counted in failed", sig, ex)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tel.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	h, _ = getHealth(t, tel)
	for sig, fake := range map[string]string{"traces": fakeotlp.Traces, "logs": fakeotlp.Logs} {
		ex := h.Export[sig]
		got := c.Accepted(fake)
		var dropped int64
		for _, v := range ex.Dropped {
			dropped += v
		}
		t.Logf("%s: %d accepted, dropped %v", sig, got, ex.Dropped)
		// Logs: the telemetry_dropped line itself may be a record too.
		if int64(got)+dropped < n || int64(got)+dropped > n+2 || dropped != ex.Failed || int64(got) != ex.Exported {
			t.Errorf("%s: collector accepted %d, health %+v; want accepted + dropped = %d", sig, got, ex, n)
		}
	}
	lines := out.String()
	if !strings.Contains(lines, `"msg":"telemetry_dropped"`) || !strings.Contains(lines, `"queue_full":`) {
		t.Errorf("no telemetry_dropped line with the reason:\n%s", lines)
	}
}

// TestHealthShowsRejected: a collector that answers with a partial success
// (2 items rejected per request) for every signal: HealthHandler counts
// the rejected items as lost ("rejected") and the rest as exported, as the
// collector counted them. Also when the collector's message quotes a
// configured header value (a tenant), which the last error shows
// redacted: the scrubbed error still carries the partial success.
func TestHealthShowsRejected(t *testing.T) {
	const tenant = "tenant-4711"
	for _, tc := range []struct {
		name    string
		message string
		want    string // in the last error
	}{
		{"", "", "rejected on purpose"},
		{"/quoting a header", "tenant " + tenant + " is over its ingestion limit", "is over its ingestion limit"},
	} {
		for _, protocol := range []string{"http/protobuf", "grpc"} {
			t.Run(protocol+tc.name, func(t *testing.T) {
				var (
					c  *fakeotlp.Collector
					ep string
				)
				b := fakeotlp.Behaviour{Rejected: 2, RejectedMessage: tc.message}
				if protocol == "grpc" {
					g := fakeotlp.NewGRPC(t, b)
					c, ep = g.Collector, g.Endpoint
				} else {
					h := fakeotlp.NewHTTP(t, b)
					c, ep = h.Collector, h.Endpoint
				}
				tel := initHealth(t, &lineBuffer{}, WithoutGlobals(), WithOTLPEndpoint(ep), WithOTLPProtocol(protocol),
					WithOTLPHeaders(map[string]string{"x-scope-orgid": tenant}))
				tracer := tel.TracerProvider().Tracer("rejected")
				counter, _ := tel.MeterProvider().Meter("rejected").Int64Counter("jobs")
				for i := range 10 {
					_, span := tracer.Start(context.Background(), "work")
					span.End()
					tel.Logger().Warn("job_failed")
					counter.Add(context.Background(), 1, metric.WithAttributes(attribute.Int("kind", i%4)))
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := tel.ForceFlush(ctx); err == nil {
					t.Error("ForceFlush hid the rejections")
				}
				h, body := getHealth(t, tel)
				for sig, fake := range map[string]string{"traces": fakeotlp.Traces, "metrics": fakeotlp.Metrics, "logs": fakeotlp.Logs} {
					ex := h.Export[sig]
					rejected := 0
					for _, r := range c.Requests() {
						if r.Signal == fake {
							rejected += r.Rejected
						}
					}
					if rejected == 0 || ex.Dropped[DropRejected] != int64(rejected) || ex.Failed != int64(rejected) ||
						ex.Exported != int64(c.Accepted(fake)) || ex.FailedBatches == 0 || !strings.Contains(ex.LastError, tc.want) {
						t.Errorf("%s: %+v; the collector rejected %d and accepted %d", sig, ex, rejected, c.Accepted(fake))
					}
				}
				if strings.Contains(body, tenant) {
					t.Errorf("the health document shows the header value %q:\n%s", tenant, body)
				}
			})
		}
	}
}

// TestDroppedTotalNeverBelowItsLines: while drops are added from two
// goroutines, no telemetry_dropped line's dropped_total is below what the
// lines so far reported as dropped_since_last.
func TestDroppedTotalNeverBelowItsLines(t *testing.T) {
	core, logs := observer.New(zapcore.WarnLevel)
	d := newDropLog(time.Hour)
	d.afterFunc = func(time.Duration, func()) stopper { return fakeStop{} }
	d.start(zap.New(core))
	var wg, started sync.WaitGroup
	var added atomic.Int64
	stop := make(chan struct{})
	for range 2 {
		wg.Add(1)
		started.Add(1)
		go func() {
			defer wg.Done()
			started.Done()
			for {
				select {
				case <-stop:
					return
				default:
					d.add(sigTraces, DropQueueFull, 1)
					added.Add(1)
				}
			}
		}()
	}
	started.Wait()
	for range 50000 {
		d.write()
	}
	close(stop)
	wg.Wait()
	d.write()
	var reported int64
	for i, e := range logs.All() {
		m := e.ContextMap()
		reported += m["dropped_since_last"].(int64)
		if total := m["dropped_total"].(int64); total < reported {
			t.Fatalf("line %d: dropped_total %d below the %d the lines so far reported", i, total, reported)
		}
	}
	if reported != added.Load() {
		t.Fatalf("the lines reported %d drops, %d were added", reported, added.Load())
	}
}

// blockingCore holds its first Write until release is closed, telling
// entered when it begins: a logger slow to write the line.
type blockingCore struct {
	zapcore.Core
	entered, release chan struct{}
	once             sync.Once
}

func (c *blockingCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return ce.AddCore(e, c)
}

func (c *blockingCore) Write(e zapcore.Entry, fs []zapcore.Field) error {
	c.once.Do(func() { close(c.entered); <-c.release })
	return c.Core.Write(e, fs)
}

// TestDropLogCloseWaitsForTimersLine: when close comes while a timer is
// writing a line (it has taken the counts, the logger has not finished),
// close returns only once that line is written, so Shutdown never returns
// before the last telemetry_dropped line.
func TestDropLogCloseWaitsForTimersLine(t *testing.T) {
	obs, logs := observer.New(zapcore.WarnLevel)
	core := &blockingCore{Core: obs, entered: make(chan struct{}), release: make(chan struct{})}
	d := newDropLog(10 * time.Second)
	d.start(zap.New(core)) // real timers
	d.add(sigTraces, DropAfterShutdown, 1)
	<-core.entered // the timer's write is in the logger
	closed := make(chan struct{})
	go func() { d.close(); close(closed) }()
	select {
	case <-closed:
		t.Fatalf("close returned while the timer's line was still being written (%d lines)", logs.Len())
	case <-time.After(50 * time.Millisecond):
	}
	close(core.release)
	<-closed
	if logs.Len() != 1 {
		t.Fatalf("%d lines after close, want the one", logs.Len())
	}
}

// TestDropLogConcurrentDropsAfterClose: a drop after close while another
// goroutine is writing its own after-close line is written too (once that
// line is out), not left counted and unreported.
func TestDropLogConcurrentDropsAfterClose(t *testing.T) {
	obs, logs := observer.New(zapcore.WarnLevel)
	core := &blockingCore{Core: obs, entered: make(chan struct{}), release: make(chan struct{})}
	d := newDropLog(10 * time.Second)
	d.afterFunc = func(time.Duration, func()) stopper { return fakeStop{} }
	d.start(zap.New(core))
	d.close()
	first := make(chan struct{})
	go func() { d.add(sigTraces, DropExportFailed, 1); close(first) }()
	<-core.entered                         // the first drop's line is in the logger
	d.add(sigTraces, DropAfterShutdown, 2) // another goroutine's drop meanwhile
	close(core.release)
	<-first
	var got int64
	for _, e := range logs.All() {
		got += e.ContextMap()["dropped_since_last"].(int64)
	}
	if got != 3 {
		t.Fatalf("lines after close reported %d drops, want 3: %v", got, logs.All())
	}
}

// addingCore notes a drop in d at every line it writes, as other
// goroutines ending spans after Shutdown would during each line.
type addingCore struct {
	zapcore.Core
	d *dropLog
}

func (c *addingCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return ce.AddCore(e, c)
}

func (c *addingCore) Write(e zapcore.Entry, fs []zapcore.Field) error {
	c.d.add(sigTraces, DropAfterShutdown, 1)
	return c.Core.Write(e, fs)
}

// TestDropLogAfterCloseKeepsReporting: when drops keep coming while the
// lines after close are written, the writer stops after its bound and a
// later drop still writes a line with everything pending; no drop stays
// unreported for good.
func TestDropLogAfterCloseKeepsReporting(t *testing.T) {
	obs, logs := observer.New(zapcore.WarnLevel)
	d := newDropLog(10 * time.Second)
	d.afterFunc = func(time.Duration, func()) stopper { return fakeStop{} }
	core := &addingCore{Core: obs, d: d}
	d.start(zap.New(core))
	d.close()
	d.add(sigTraces, DropExportFailed, 1) // writes its bound of lines, each adding one
	core.d = newDropLog(time.Hour)        // the writer stops adding
	d.add(sigTraces, DropExportFailed, 5)
	var got int64
	for _, e := range logs.All() {
		got += e.ContextMap()["dropped_since_last"].(int64)
	}
	if total := d.total.Load(); got != total {
		t.Fatalf("lines reported %d drops of %d", got, total)
	}
}
