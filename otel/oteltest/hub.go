package oteltest

import (
	"context"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelkit/otelkit/internal/logroute"
	"github.com/otelkit/otelkit/internal/w3c"
)

// The hub is the one set of globals every Telemetry of the test binary
// shares. The first New installs it as the OpenTelemetry tracer, meter and
// logger providers, the propagator and zap's global logger, and it stays
// for the rest of the binary. Each Telemetry is a full otel.Init of its
// own, without globals; the hub hands what code emits through the globals
// to the Telemetry it belongs to (route):
//
//  1. the Telemetry whose Context the context derives from;
//  2. the Telemetry whose trace the context's span (local or remote) is
//     in: every root span a Telemetry starts registers its trace;
//  3. the only Telemetry alive, when there is exactly one;
//
// and otherwise to none: then it is counted (Unrouted). A context of a
// Telemetry that has ended, or of a trace it started, goes to none, never
// to a later test.

// sessionKey is the context key of the Telemetry a context belongs to.
type sessionKey struct{}

// ended stands for a Telemetry that has ended in hub.traces (so that its
// traces are not routed to another test, and its data is not kept).
var ended = &Telemetry{}

type hub struct {
	mu   sync.Mutex
	live map[*Telemetry]struct{}
	only atomic.Pointer[Telemetry] // the one live Telemetry; nil when none or several

	traces sync.Map // trace.TraceID -> *Telemetry (ended when it has ended)

	forgetMu sync.Mutex
	forget   []func(*Telemetry) // drop what routed instruments keep per Telemetry

	zap  *zap.Logger // the global zap logger the hub installed
	drop *zap.Logger // counts the lines of ended tests as unrouted

	unrouted struct{ spans, measurements, logs, unended atomic.Int64 }
}

var (
	hubOnce sync.Once
	theHub  *hub
)

// sharedHub returns the hub, installing it on first use.
func sharedHub() *hub {
	hubOnce.Do(func() {
		h := &hub{live: map[*Telemetry]struct{}{}}
		h.zap = zap.New(&routeCore{h: h}, zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel))
		h.drop = zap.New(&routeCore{h: h, drop: true})
		otel.SetTracerProvider(&tracerRouter{h: h})
		otel.SetMeterProvider(&meterRouter{h: h})
		otel.SetLoggerProvider(&loggerRouter{h: h})
		otel.SetTextMapPropagator(w3c.Propagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})))
		zap.ReplaceGlobals(h.zap)
		logroute.Set(h.routeLogger)
		theHub = h
	})
	return theHub
}

// add makes t live.
func (h *hub) add(t *Telemetry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t.live.Store(true)
	h.live[t] = struct{}{}
	h.setOnly()
}

// remove ends t: its contexts and traces route to nothing from now on.
func (h *hub) remove(t *Telemetry) {
	h.mu.Lock()
	t.live.Store(false)
	delete(h.live, t)
	h.setOnly()
	h.mu.Unlock()
	for _, id := range t.takeTraces() {
		h.traces.Store(id, ended)
	}
	h.forgetMu.Lock()
	fs := h.forget
	h.forgetMu.Unlock()
	for _, f := range fs {
		f(t)
	}
}

func (h *hub) setOnly() {
	var only *Telemetry
	if len(h.live) == 1 {
		for t := range h.live {
			only = t
		}
	}
	h.only.Store(only)
}

// onForget registers f, called with each Telemetry that ends.
func (h *hub) onForget(f func(*Telemetry)) {
	h.forgetMu.Lock()
	h.forget = append(h.forget, f)
	h.forgetMu.Unlock()
}

// route returns the live Telemetry ctx belongs to, or nil (see above).
func (h *hub) route(ctx context.Context) *Telemetry {
	if t, known := h.owner(ctx); known {
		return t
	}
	return h.only.Load()
}

// owner returns the Telemetry ctx belongs to by its Context or its trace
// (nil when that one has ended), and whether ctx tells at all.
func (h *hub) owner(ctx context.Context) (t *Telemetry, known bool) {
	if ctx == nil {
		return nil, false
	}
	if t, ok := ctx.Value(sessionKey{}).(*Telemetry); ok {
		return liveOrNil(t), true
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		if v, ok := h.traces.Load(sc.TraceID()); ok {
			return liveOrNil(v.(*Telemetry)), true
		}
	}
	return nil, false
}

func liveOrNil(t *Telemetry) *Telemetry {
	if t.live.Load() {
		return t
	}
	return nil
}

// routeLogger is the logroute.Router: a context's lines go to its
// Telemetry's logger where they would go to the hub's global one; those
// of a Telemetry that has ended are counted and dropped. A context that
// tells nothing keeps the global logger, whose core finds the only live
// Telemetry per line.
func (h *hub) routeLogger(ctx context.Context, base *zap.Logger) *zap.Logger {
	if base != h.zap {
		return nil // a logger the code chose itself
	}
	switch t, known := h.owner(ctx); {
	case t != nil:
		return t.Logger()
	case known:
		return h.drop
	}
	return nil
}

// registrar is a span processor of each Telemetry: it registers the
// trace of every root span the Telemetry starts. A trace that began
// elsewhere (a traceparent the test wrote, the same in many tests) is
// nobody's: the first test to see it would keep it, and the later tests
// that send it would lose their spans.
type registrar struct {
	h *hub
	t *Telemetry
}

var _ sdktrace.SpanProcessor = registrar{}

func (r registrar) OnStart(_ context.Context, s sdktrace.ReadWriteSpan) {
	r.t.open.Add(1)
	if s.Parent().IsValid() {
		return // in a trace registered at its root, or in one from outside
	}
	id := s.SpanContext().TraceID()
	if _, loaded := r.h.traces.LoadOrStore(id, r.t); !loaded {
		r.t.addTrace(id)
	}
}

// OnEnd counts the span as ended: what is still open after Shutdown is
// lost, and counted (unended).
func (r registrar) OnEnd(sdktrace.ReadOnlySpan) { r.t.open.Add(-1) }

func (registrar) Shutdown(context.Context) error   { return nil }
func (registrar) ForceFlush(context.Context) error { return nil }

// routeCore is the core of the hub's global zap logger: a line written
// straight to zap.L() (no context) goes to the only live Telemetry, or is
// counted as unrouted.
type routeCore struct {
	h      *hub
	fields []zapcore.Field
	drop   bool // count every line as unrouted
}

func (c *routeCore) Enabled(zapcore.Level) bool { return true }

func (c *routeCore) With(fields []zapcore.Field) zapcore.Core {
	return &routeCore{h: c.h, fields: append(append([]zapcore.Field(nil), c.fields...), fields...), drop: c.drop}
}

func (c *routeCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return ce.AddCore(e, c)
}

func (c *routeCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	t := c.h.only.Load()
	if t == nil || c.drop {
		c.h.unrouted.logs.Add(1)
		return nil
	}
	core := t.Logger().Core().With(c.fields)
	if !core.Enabled(e.Level) {
		return nil
	}
	return core.Write(e, fields)
}

func (c *routeCore) Sync() error { return nil }

// UnroutedCounts counts what code emitted through the globals (tracing.Start,
// otel.Tracer, otel.Meter, zap.L, logging.FromContext without a logger)
// that no Telemetry could be found for, since the test binary started.
type UnroutedCounts struct {
	Spans        int64 // spans started (not recorded)
	Measurements int64 // synchronous measurements
	Logs         int64 // log lines and OpenTelemetry log records
	Unended      int64 // spans still open when their test ended (never recorded)
}

// Unrouted returns what was emitted through the globals without a
// Telemetry to go to: from a context that derives from no Telemetry's
// Context nor carries a span of one, while several tests ran, or after
// the test it belonged to ended; and, as Unended, the spans a test
// started (through the globals or its own providers) and had not ended
// when it ended. What is emitted after its test ended on that test's own
// providers (tel.TracerProvider(), tel.MeterProvider(),
// tel.LoggerProvider(), kept past the test) is not counted: they are
// otel's, shut down, and drop it (start such work through the globals, or
// end it before the test returns). Lines on tel.Logger() still reach
// LogLines (see the package documentation).
func Unrouted() UnroutedCounts {
	h := sharedHub()
	return UnroutedCounts{h.unrouted.spans.Load(), h.unrouted.measurements.Load(), h.unrouted.logs.Load(), h.unrouted.unended.Load()}
}
