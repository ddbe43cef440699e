package logprovider

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/otelkit/otelkit/internal/exportsize"
	"github.com/otelkit/otelkit/internal/otlpconf"
	"github.com/otelkit/otelkit/internal/testutil/logrec"
)

// batchRecorder keeps the bodies of each export it gets; the first
// failFirst exports fail.
type batchRecorder struct {
	sdklog.Exporter
	exports   [][]string
	sizes     []int
	failFirst int
}

func (e *batchRecorder) Export(_ context.Context, rs []sdklog.Record) error {
	var bodies []string
	size := 0
	for i := range rs {
		bodies = append(bodies, rs[i].Body().AsString())
		size += recordSize(&rs[i])
	}
	e.exports, e.sizes = append(e.exports, bodies), append(e.sizes, size)
	if len(e.exports) <= e.failFirst {
		return errors.New("refused")
	}
	return nil
}

// grpcLimit is the bound over OTLP/gRPC.
var grpcLimit = exportsize.Limit(otlpconf.Resolved{Exporter: otlpconf.ExporterOTLP, Protocol: otlpconf.ProtocolGRPC})

func bodyRecord(body string) sdklog.Record {
	var r sdklog.Record
	r.SetBody(attribute.StringValue(body))
	return r
}

// TestSizeBoundedSplitsAndDropsOnlyTheHugeRecord: a batch whose records
// together exceed the limit goes in several exports under it, in order;
// a record over the limit alone is not exported but counted as
// too_large, and its neighbours go; an export that fails does not stop
// the others. Exported whole, the collector refused the batch and every
// record in it was lost.
func TestSizeBoundedSplitsAndDropsOnlyTheHugeRecord(t *testing.T) {
	const limit = 1000
	var want []string
	var records []sdklog.Record
	add := func(name string, size int) {
		body := name + strings.Repeat(".", size)
		records = append(records, bodyRecord(body))
		if size < limit {
			want = append(want, body)
		}
	}
	for i := range 6 {
		add(string(rune('a'+i)), 300)
	}
	add("huge", 5000)
	for i := range 4 {
		add(string(rune('p'+i)), 10)
	}
	rec := &batchRecorder{failFirst: 1}
	drops := map[string]int{}
	exp := sizeBounded(rec, limit, func(reason string, n int) { drops[reason] += n })

	err := exp.Export(context.Background(), records)

	var got []string
	for i, bodies := range rec.exports {
		if rec.sizes[i] > limit {
			t.Errorf("export %d: %d bytes estimated, over the limit %d", i, rec.sizes[i], limit)
		}
		got = append(got, bodies...)
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("exported %d records %.80q…, want the %d but the huge one, in order", len(got), got, len(want))
	}
	if len(rec.exports) < 3 || drops[exportsize.TooLarge] != 1 || len(drops) != 1 {
		t.Errorf("%d exports, drops %v; want several and one too_large", len(rec.exports), drops)
	}
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("error %v, want the failed export's", err)
	}
}

// TestSizeBoundedOneExportUnderTheLimit: a batch under the limit is one
// export of the same records.
func TestSizeBoundedOneExportUnderTheLimit(t *testing.T) {
	records := []sdklog.Record{bodyRecord("a"), bodyRecord("b")}
	rec := &batchRecorder{}
	exp := sizeBounded(rec, grpcLimit, func(string, int) { t.Error("dropped") })
	if err := exp.Export(context.Background(), records); err != nil || len(rec.exports) != 1 || len(rec.exports[0]) != 2 {
		t.Errorf("err %v, exports %v", err, rec.exports)
	}
}

// TestExportSizeCountsNestedValues: the estimate grows with every string
// of a nested body, never below the text it holds.
func TestExportSizeCountsNestedValues(t *testing.T) {
	var r sdklog.Record
	big := strings.Repeat("x", 1<<16)
	r.SetBody(attribute.MapValue(attribute.Slice("s", attribute.StringValue(big), attribute.StringValue(big)),
		attribute.String("k", big), attribute.StringSlice("ss", []string{big}), attribute.Int64Slice("n", []int64{1, 2})))
	if n := recordSize(&r); n < 4*len(big) || n > 4*len(big)+1000 {
		t.Errorf("estimate %d for 4 strings of %d", n, len(big))
	}
}

// BenchmarkSizeBoundedExport shows what the size bound costs an export of
// 512 typical records (a message and 8 attributes) that needs no split,
// next to the same export unbounded.
func BenchmarkSizeBoundedExport(b *testing.B) {
	keep := &logrec.Processor{}
	lp := sdklog.NewLoggerProvider(sdklog.WithProcessor(keep))
	for i := range 512 {
		var r otellog.Record
		r.SetBody(attribute.StringValue("order_loaded"))
		r.AddAttributes(attribute.String("request_id", "5f0e7a4c-2b1d-4e8f-9a3b-6c7d8e9f0a1b"), attribute.Int("items", i),
			attribute.String("code.file.path", "/src/app/main.go"), attribute.Int("code.line.number", 42),
			attribute.String("code.function.name", "main.handler"), attribute.Bool("ok", true),
			attribute.Float64("took", 1.5), attribute.String("order_id", "ord-1234"))
		lp.Logger("bench").Emit(context.Background(), r)
	}
	records := keep.Records()
	for _, c := range []struct {
		name string
		exp  sdklog.Exporter
	}{
		{"bounded", sizeBounded(nopExporter{}, grpcLimit, func(string, int) {})},
		{"unbounded", nopExporter{}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = c.exp.Export(context.Background(), records)
			}
		})
	}
}

type nopExporter struct{ sdklog.Exporter }

func (nopExporter) Export(context.Context, []sdklog.Record) error { return nil }
