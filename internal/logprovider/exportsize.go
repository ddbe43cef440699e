package logprovider

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/otelkit/otelkit/internal/otlpconf"
)

// DropTooLarge is the drop reason of a log record too large for an OTLP
// export on its own (see MaxExportBytes).
const DropTooLarge = "too_large"

// MaxExportBytes returns the estimated size in bytes of the records one
// OTLP export of protocol may carry (exportSize estimates it from above),
// 0 for no bound: a collector's OTLP receiver refuses a gRPC message over
// 4 MiB and an HTTP body over 20 MiB by default, and refuses the whole
// export, every record in it. Each bound leaves 1 MiB or more for the
// resource, the scopes and what the estimate misses.
func MaxExportBytes(protocol string) int {
	switch protocol {
	case otlpconf.ProtocolGRPC:
		return 3 << 20
	case otlpconf.ProtocolHTTPProtobuf:
		return 16 << 20
	}
	return 0
}

// sizeBounded is the outermost exporter NewLoggerProvider builds over
// OTLP: it splits a batch whose records would make an export larger than
// limit into exports under it, in order, so that a batch of large records
// (512 stack traces of 16 KiB) is not refused whole; a record over limit
// on its own is not exported but reported to drop as DropTooLarge, and
// its neighbours go. The export-health wrapper inside counts each export.
type sizeBounded struct {
	sdklog.Exporter
	limit int
	drop  func(reason string, n int)
}

// Export exports records in as few exports under the limit as their
// order allows; the errors of all of them, joined. A batch under the
// limit is one export of the same slice.
func (e sizeBounded) Export(ctx context.Context, records []sdklog.Record) error {
	var errs []error
	start, size := 0, 0
	for i := range records {
		n := exportSize(&records[i])
		if n > e.limit || size+n > e.limit {
			if i > start {
				errs = append(errs, e.Exporter.Export(ctx, records[start:i]))
			}
			start, size = i, 0
		}
		if n > e.limit {
			e.drop(DropTooLarge, 1)
			start = i + 1
			continue
		}
		size += n
	}
	if start < len(records) {
		errs = append(errs, e.Exporter.Export(ctx, records[start:]))
	}
	return errors.Join(errs...)
}

// recordFraming bounds the protobuf bytes of a record besides its body,
// attributes and text fields (times, severity, trace and span ID, flags,
// dropped count, framing), with room to spare.
const recordFraming = 96

// exportSize estimates from above the bytes r adds to an OTLP export.
// Its scope is counted with every record, although an export carries it
// once per scope.
func exportSize(r *sdklog.Record) int {
	scope := r.InstrumentationScope()
	n := recordFraming + len(r.SeverityText()) + len(r.EventName()) + valueSize(r.Body()) +
		len(scope.Name) + len(scope.Version) + len(scope.SchemaURL)
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		n += keyValueSize(kv)
		return true
	})
	return n
}

// valueFraming bounds the protobuf framing of a value or a key-value pair
// (tags and length prefixes, each at most a few bytes).
const valueFraming = 12

func keyValueSize(kv attribute.KeyValue) int {
	return valueFraming + len(kv.Key) + valueSize(kv.Value)
}

func valueSize(v attribute.Value) int {
	switch v.Type() {
	case attribute.STRING, attribute.BYTESLICE: // a byte slice's length is its string's
		return valueFraming + len(v.AsString())
	case attribute.SLICE:
		n := valueFraming
		for _, e := range v.AsSlice() {
			n += valueSize(e)
		}
		return n
	case attribute.MAP:
		n := valueFraming
		for _, kv := range v.AsMap() {
			n += keyValueSize(kv)
		}
		return n
	case attribute.STRINGSLICE:
		n := valueFraming
		for _, s := range v.AsStringSlice() {
			n += valueFraming + len(s)
		}
		return n
	case attribute.BOOLSLICE:
		return valueFraming * (1 + len(v.AsBoolSlice()))
	case attribute.INT64SLICE:
		return valueFraming * (1 + len(v.AsInt64Slice()))
	case attribute.FLOAT64SLICE:
		return valueFraming * (1 + len(v.AsFloat64Slice()))
	}
	return valueFraming // a number or bool: at most 10 bytes and a tag
}
