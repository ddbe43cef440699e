package tracing

import (
	"math"
	"sync"
	"sync/atomic"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/otelkit/otelkit/internal/batch"
)

// Spans at and after Shutdown. The SDK provider forgets its processors at
// Shutdown and its Tracer gives no-op tracers from then on, so a span that
// ends later, or begins later, reaches no processor and would vanish
// uncounted. With an exporter, otelkit counts each sampled span once, in
// one counter (openSpans) that three parts share:
//
//   - the provider's sampler (countingSampler) counts a span in when it is
//     sampled: the SDK consults it for every span of its tracers, also of
//     those obtained before Shutdown and used after it;
//   - the batch processor counts it out when it ends (spanProcessor.OnEnd),
//     and queues it unless the count is closed;
//   - the batch processor's Shutdown closes the count: the spans counted
//     in then are lost, and from then on each sampled span is lost as it
//     begins (after_shutdown).
//
// Counting in at the sampler, not in the processor's OnStart, is what makes
// the count exact: a span the sampler saw before the close is among those
// the close reports, one it saw after is reported by the sampler, whatever
// the SDK does with its processors in between.
//
// Provider.Tracer, which otel.Init installs as the global provider, covers
// the tracers obtained after Shutdown (the middleware asks the global
// provider for one per request): it gives them from afterShutdown, a
// provider without processors that shares the counting sampler.

var (
	_ trace.TracerProvider = (*Provider)(nil)
	_ sdktrace.Sampler     = countingSampler{}
)

// closedMark is added to openSpans.n at Shutdown: negative from then on,
// however many spans begin or end after it.
const closedMark = math.MinInt64 / 2

// openSpans counts the sampled spans begun and not yet ended.
type openSpans struct {
	n      atomic.Int64               // closedMark plus what came after, once closed
	onDrop func(reason string, n int) // the batch processor's Drop
}

// begin counts a sampled span in; once closed, the span is lost.
func (o *openSpans) begin() {
	if o.n.Add(1) < 0 {
		o.drop(1)
	}
}

// end counts a sampled span out and reports whether it may be queued:
// false once closed, when it was counted lost already (at the close, or as
// it began).
func (o *openSpans) end() bool { return o.n.Add(-1) >= 0 }

// close reports the spans still open as lost. A second close finds the
// count negative and reports nothing.
func (o *openSpans) close() {
	if n := o.n.Swap(closedMark); n > 0 {
		o.drop(n)
	}
}

func (o *openSpans) drop(n int64) { o.onDrop(batch.AfterShutdown, int(n)) }

// countingSampler is the provider's sampler with each span it samples
// counted in. Its Description is the sampler's.
type countingSampler struct {
	sdktrace.Sampler
	open *openSpans
}

func (s countingSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	r := s.Sampler.ShouldSample(p)
	if r.Decision == sdktrace.RecordAndSample {
		s.open.begin()
	}
	return r
}

// afterShutdown is the provider Provider.Tracer gives tracers from once
// the SDK provider is shut down: the SDK's, without processors, with the
// counting sampler, built on first use. Its spans carry IDs and the sampled
// flag as before, so log lines still correlate and the next service still
// samples the trace; none is exported, and each sampled one is counted
// lost.
type afterShutdown struct {
	once    sync.Once
	sampler sdktrace.Sampler
	limits  sdktrace.SpanLimits
	tp      *sdktrace.TracerProvider
}

func (a *afterShutdown) provider() *sdktrace.TracerProvider {
	a.once.Do(func() {
		a.tp = sdktrace.NewTracerProvider(sdktrace.WithSampler(a.sampler), sdktrace.WithRawSpanLimits(a.limits))
	})
	return a.tp
}

// Tracer returns the SDK provider's tracer (TracerProvider().Tracer), so
// that a Provider is a trace.TracerProvider; otel.Init installs it as the
// global one. After Shutdown, where the SDK provider gives a no-op tracer,
// and the provider has an exporter, it gives one whose spans still get IDs
// and are sampled as before, and each sampled span is reported to
// WithDropHandler's handler as lost (DropAfterShutdown). A nil *Provider
// gives a no-op tracer.
func (p *Provider) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	if p == nil || p.tp == nil {
		return noop.Tracer{}
	}
	t := p.tp.Tracer(name, opts...)
	if _, shut := t.(noop.Tracer); shut && p.after != nil {
		return p.after.provider().Tracer(name, opts...)
	}
	return t
}
