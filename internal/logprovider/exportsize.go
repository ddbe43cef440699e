package logprovider

import (
	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/otelkit/otelkit/internal/exportsize"
	"github.com/otelkit/otelkit/internal/exportwrap"
)

// sizeBounded returns exp with each export cut into parts under limit
// bytes (exportsize.Bound), so that a batch of large records (512 stack
// traces of 16 KiB) is not refused whole; a record over limit on its own
// is not exported but reported to drop as exportsize.TooLarge, and its
// neighbours go. NewLoggerProvider puts it outermost, so that the
// export-health wrapper inside counts each part.
func sizeBounded(exp sdklog.Exporter, limit int, drop func(reason string, n int)) sdklog.Exporter {
	return exportwrap.Logs(exp, exportsize.Bound[sdklog.Record]{Limit: limit, Size: recordSize, Drop: drop}.Around)
}

// recordFraming bounds the protobuf bytes of a record besides its body,
// attributes and text fields (times, severity, trace and span ID, flags,
// dropped count, framing), with room to spare.
const recordFraming = 96

// recordSize estimates from above the bytes r adds to an OTLP export.
// Its scope is counted with every record, although an export carries it
// once per scope.
func recordSize(r *sdklog.Record) int {
	n := recordFraming + exportsize.Text(r.SeverityText()) + exportsize.Text(r.EventName()) +
		exportsize.Value(r.Body()) + exportsize.Scope(r.InstrumentationScope())
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		n += exportsize.KeyValue(kv)
		return true
	})
	return n
}
