package sanitize

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
)

// maxRescopeProviders bounds the providers a rescoper keeps (one per clean
// resource; a process normally has one).
const maxRescopeProviders = 8

// rescoper rebuilds a log record under another resource and scope. The SDK
// gives a record its resource and scope from the provider and logger that
// emitted it, with no setter, so the record is emitted again, empty, by a
// logger of a private provider that has the clean ones, captured by that
// provider's only processor, and given the original's fields. Only records
// whose resource or scope was not valid UTF-8 take this path.
type rescoper struct {
	mu        sync.Mutex
	providers map[*resource.Resource]*sdklog.LoggerProvider
	captured  sdklog.Record
}

// record returns a copy of r under res and scope. The copy's count of
// dropped attributes starts at zero (see LogExporter).
func (rs *rescoper) record(r *sdklog.Record, res *resource.Resource, scope instrumentation.Scope) sdklog.Record {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	lp := rs.provider(res)
	logger := lp.Logger(scope.Name, log.WithInstrumentationVersion(scope.Version),
		log.WithSchemaURL(scope.SchemaURL), log.WithInstrumentationAttributeSet(scope.Attributes))
	rs.captured = sdklog.Record{}
	logger.Emit(context.Background(), log.Record{})
	c := rs.captured
	rs.captured = sdklog.Record{}

	c.SetTimestamp(r.Timestamp())
	c.SetObservedTimestamp(r.ObservedTimestamp())
	c.SetSeverity(r.Severity())
	c.SetSeverityText(r.SeverityText())
	c.SetEventName(r.EventName())
	c.SetBody(r.Body())
	c.SetTraceID(r.TraceID())
	c.SetSpanID(r.SpanID())
	c.SetTraceFlags(r.TraceFlags())
	var attrs []attribute.KeyValue
	r.WalkAttributes(func(kv attribute.KeyValue) bool { attrs = append(attrs, kv); return true })
	c.SetAttributes(attrs...)
	return c
}

// provider returns the private provider for res, creating it on first use.
// Its limits are off: the record was limited when it was first emitted.
func (rs *rescoper) provider(res *resource.Resource) *sdklog.LoggerProvider {
	key := res
	if lp, ok := rs.providers[key]; ok {
		return lp
	}
	if rs.providers == nil || len(rs.providers) >= maxRescopeProviders {
		rs.providers = map[*resource.Resource]*sdklog.LoggerProvider{}
	}
	if res == nil {
		res = resource.Empty() // not the SDK's default resource
	}
	opts := []sdklog.LoggerProviderOption{
		sdklog.WithResource(res),
		sdklog.WithProcessor(captureProcessor{rs}),
		sdklog.WithAttributeCountLimit(-1),
		sdklog.WithAttributeValueLengthLimit(-1),
		sdklog.WithAttributeValueDepthLimit(-1),
	}
	lp := sdklog.NewLoggerProvider(opts...)
	rs.providers[key] = lp
	return lp
}

// captureProcessor keeps the record the rescoper's logger emits.
type captureProcessor struct{ rs *rescoper }

func (p captureProcessor) OnEmit(_ context.Context, r *sdklog.Record) error {
	p.rs.captured = r.Clone()
	return nil
}

func (captureProcessor) Enabled(context.Context, sdklog.EnabledParameters) bool { return true }
func (captureProcessor) Shutdown(context.Context) error                         { return nil }
func (captureProcessor) ForceFlush(context.Context) error                       { return nil }
