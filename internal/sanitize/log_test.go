package sanitize

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/otelkit/otelkit/internal/redact"
)

// logSink keeps copies of what it is given and fails, like the OTLP
// exporter, on invalid text.
type logSink struct {
	mu  sync.Mutex
	got [][]sdklog.Record
	raw [][]sdklog.Record // the slices as given
}

func (s *logSink) Export(_ context.Context, records []sdklog.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.raw = append(s.raw, records)
	cp := make([]sdklog.Record, len(records))
	var errs []error
	for i := range records {
		cp[i] = records[i].Clone()
		errs = append(errs, checkRecord(&records[i]))
	}
	s.got = append(s.got, cp)
	return errors.Join(errs...)
}

func (*logSink) Shutdown(context.Context) error   { return nil }
func (*logSink) ForceFlush(context.Context) error { return nil }

func checkRecord(r *sdklog.Record) error {
	errs := []error{
		checkValue(r.Body()),
		checkString("event name", r.EventName()),
		checkString("severity text", r.SeverityText()),
		checkScope(r.InstrumentationScope()),
		checkResource(r.Resource()),
	}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		errs = append(errs, checkKVs([]attribute.KeyValue{kv}))
		return true
	})
	return errors.Join(errs...)
}

// captureRecords returns the records emitted by run on a real SDK provider.
func captureRecords(t *testing.T, res *resource.Resource, run func(log.LoggerProvider), opts ...sdklog.LoggerProviderOption) []sdklog.Record {
	t.Helper()
	var out []sdklog.Record
	p := captureFunc(func(r *sdklog.Record) { out = append(out, r.Clone()) })
	lp := sdklog.NewLoggerProvider(append([]sdklog.LoggerProviderOption{sdklog.WithResource(res), sdklog.WithProcessor(p)}, opts...)...)
	run(lp)
	_ = lp.Shutdown(context.Background())
	return out
}

type captureFunc func(*sdklog.Record)

func (f captureFunc) OnEmit(_ context.Context, r *sdklog.Record) error { f(r); return nil }
func (captureFunc) Enabled(context.Context, sdklog.EnabledParameters) bool {
	return true
}
func (captureFunc) Shutdown(context.Context) error   { return nil }
func (captureFunc) ForceFlush(context.Context) error { return nil }

var (
	logTime   = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	hostileKV = []attribute.KeyValue{
		attribute.String("path", "/orders/"+bad),
		attribute.String("k"+bad, "v"),
		{Key: "m", Value: attribute.MapValue(attribute.String(bad, bad),
			attribute.KeyValue{Key: "s", Value: attribute.SliceValue(attribute.StringValue(bad), attribute.Int64Value(1))})},
		{Key: "bytes", Value: attribute.ByteSliceValue([]byte(bad))},
		attribute.Int("n", 1),
	}
)

// hostileRecord emits a record with invalid text in every field a log
// exporter reads.
func hostileRecord(lp log.LoggerProvider, scope string) {
	logger := lp.Logger(scope, log.WithInstrumentationVersion(bad), log.WithSchemaURL(bad),
		log.WithInstrumentationAttributes(attribute.String("scope", bad)))
	var r log.Record
	r.SetTimestamp(logTime)
	r.SetObservedTimestamp(logTime.Add(time.Second))
	r.SetSeverity(log.SeverityWarn)
	r.SetSeverityText("WARN" + bad)
	r.SetEventName("event" + bad)
	r.SetBody(attribute.MapValue(attribute.String("msg", bad),
		attribute.KeyValue{Key: "list", Value: attribute.SliceValue(attribute.StringValue(bad))}))
	r.AddAttributes(hostileKV...)
	logger.Emit(context.Background(), r)
}

func TestLogExporterCleansEveryField(t *testing.T) {
	res := resource.NewSchemaless(attribute.String("service.name", bad))
	records := captureRecords(t, res, func(lp log.LoggerProvider) { hostileRecord(lp, "scope"+bad) })
	records[0].SetTraceID([16]byte{9})
	records[0].SetSpanID([8]byte{8})
	records[0].SetTraceFlags(1)
	if checkRecord(&records[0]) == nil {
		t.Fatal("the hostile record is valid: the test proves nothing")
	}
	sink := &logSink{}
	if err := LogExporter(sink, redact.Keys()).Export(context.Background(), records); err != nil {
		t.Fatalf("export failed: %v", err)
	}
	r := sink.got[0][0]
	if r.EventName() != "event"+good || r.SeverityText() != "WARN"+good || r.Severity() != log.SeverityWarn {
		t.Errorf("event %q severity %q/%v", r.EventName(), r.SeverityText(), r.Severity())
	}
	if got := r.Body().String(); got != attribute.MapValue(attribute.String("msg", good),
		attribute.KeyValue{Key: "list", Value: attribute.SliceValue(attribute.StringValue(good))}).String() {
		t.Errorf("body = %s", got)
	}
	attrs := map[attribute.Key]attribute.Value{}
	r.WalkAttributes(func(kv attribute.KeyValue) bool { attrs[kv.Key] = kv.Value; return true })
	if attrs["path"].AsString() != "/orders/"+good || attrs["k"+good].AsString() != "v" ||
		string(attrs["bytes"].AsByteSlice()) != bad || attrs["n"].AsInt64() != 1 || len(attrs) != 5 {
		t.Errorf("attributes = %v", attrs)
	}
	if sc := r.InstrumentationScope(); sc.Name != "scope"+good || sc.Version != good || sc.SchemaURL != good {
		t.Errorf("scope = %+v", sc)
	}
	if v, _ := r.Resource().Set().Value("service.name"); v.AsString() != good {
		t.Errorf("resource = %v", r.Resource())
	}
	// Rebuilt under a clean scope, the record keeps everything else.
	if !r.Timestamp().Equal(logTime) || !r.ObservedTimestamp().Equal(logTime.Add(time.Second)) ||
		r.TraceID() != records[0].TraceID() || r.SpanID() != records[0].SpanID() || r.TraceFlags() != 1 {
		t.Errorf("times or trace context changed: %v %v %v %v", r.Timestamp(), r.ObservedTimestamp(), r.TraceID(), r.SpanID())
	}
	if records[0].EventName() != "event"+bad {
		t.Error("the batch processor's record was modified")
	}
}

// TestLogExporterKeepsDroppedCount: cleaning a value must not reset the
// count of attributes the limits dropped (it is the only trace of them).
func TestLogExporterKeepsDroppedCount(t *testing.T) {
	res := resource.NewSchemaless(attribute.String("service.name", "ok"))
	records := captureRecords(t, res, func(lp log.LoggerProvider) {
		var r log.Record
		r.SetBody(attribute.StringValue("body"))
		r.AddAttributes(attribute.String("a", bad), attribute.String("b", "ok"), attribute.String("c", "dropped"))
		lp.Logger("ok").Emit(context.Background(), r)
	}, sdklog.WithAttributeCountLimit(2))
	if records[0].DroppedAttributes() != 1 {
		t.Fatalf("setup: dropped = %d, want 1", records[0].DroppedAttributes())
	}
	sink := &logSink{}
	if err := LogExporter(sink, redact.Keys()).Export(context.Background(), records); err != nil {
		t.Fatal(err)
	}
	r := sink.got[0][0]
	if r.DroppedAttributes() != 1 || r.AttributesLen() != 2 {
		t.Errorf("dropped = %d, attributes = %d; want 1, 2", r.DroppedAttributes(), r.AttributesLen())
	}
}

func TestLogExporterPassesValidBatchAsIs(t *testing.T) {
	res := resource.NewSchemaless(attribute.String("service.name", "ok"))
	records := captureRecords(t, res, func(lp log.LoggerProvider) {
		var r log.Record
		r.SetBody(attribute.StringValue("ünïcödé"))
		r.AddAttributes(attribute.String("a", "b"), attribute.KeyValue{Key: "m", Value: attribute.MapValue(attribute.String("k", "v"))})
		lp.Logger("ok").Emit(context.Background(), r)
		lp.Logger("ok").Emit(context.Background(), r)
	})
	sink := &logSink{}
	if err := LogExporter(sink, redact.Keys()).Export(context.Background(), records); err != nil {
		t.Fatal(err)
	}
	if &sink.raw[0][0] != &records[0] {
		t.Error("a valid batch was copied")
	}
	if LogExporter(nil, redact.Keys()) != nil {
		t.Error("LogExporter(nil, …) is not nil")
	}
}

// TestLogExporterConcurrent: the batch processor may export from several
// goroutines (ForceFlush beside the timer); the rescoping path is shared.
func TestLogExporterConcurrent(t *testing.T) {
	res := resource.NewSchemaless(attribute.String("service.name", bad))
	records := captureRecords(t, res, func(lp log.LoggerProvider) { hostileRecord(lp, bad) })
	exp := LogExporter(&logSink{}, redact.Keys())
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if err := exp.Export(context.Background(), records); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestLogExporterAttributePaths: an invalid key (the list is set anew) and
// a provider that allows duplicate keys (adding would append, not
// overwrite) both end with exactly the cleaned attributes.
func TestLogExporterAttributePaths(t *testing.T) {
	res := resource.NewSchemaless(attribute.String("service.name", "ok"))
	emit := func(lp log.LoggerProvider) {
		var r log.Record
		r.AddAttributes(attribute.String("k"+bad, "v"), attribute.String("a", bad), attribute.Int("n", 1))
		lp.Logger("ok").Emit(context.Background(), r)
		r = log.Record{}
		r.AddAttributes(attribute.String("a", bad), attribute.Int("n", 1))
		lp.Logger("ok").Emit(context.Background(), r)
		r = log.Record{}
		r.AddAttributes(attribute.String("a", bad), attribute.Int("n", 1), attribute.String("b", "ok"), attribute.String("c", "cut"))
		lp.Logger("ok").Emit(context.Background(), r)
	}
	for name, opts := range map[string][]sdklog.LoggerProviderOption{
		"default":    nil,
		"duplicates": {sdklog.WithAllowKeyDuplication()},
		// With a dropped attribute, values are overwritten in place (to
		// keep the count); a provider that allows duplicates appends
		// instead, and the list is then set anew.
		"dropped":            {sdklog.WithAttributeCountLimit(3)},
		"dropped-duplicates": {sdklog.WithAttributeCountLimit(3), sdklog.WithAllowKeyDuplication()},
	} {
		t.Run(name, func(t *testing.T) {
			records := captureRecords(t, res, emit, opts...)
			sink := &logSink{}
			if err := LogExporter(sink, redact.Keys()).Export(context.Background(), records); err != nil {
				t.Fatal(err)
			}
			wants := []map[attribute.Key]string{
				{"k" + good: "v", "a": good, "n": "1"},
				{"a": good, "n": "1"},
				{"a": good, "n": "1", "b": "ok", "c": "cut"},
			}
			if strings.HasPrefix(name, "dropped") {
				wants[2] = map[attribute.Key]string{"a": good, "n": "1", "b": "ok"}
				if name == "dropped" && sink.got[0][2].DroppedAttributes() != 1 {
					t.Errorf("dropped count %d, want 1", sink.got[0][2].DroppedAttributes())
				}
			}
			for i, want := range wants {
				r := sink.got[0][i]
				got := map[attribute.Key]string{}
				r.WalkAttributes(func(kv attribute.KeyValue) bool { got[kv.Key] = kv.Value.String(); return true })
				if len(got) != len(want) || r.AttributesLen() != len(want) {
					t.Errorf("record %d: attributes %v, want %v", i, got, want)
				}
				for k, v := range want {
					if got[k] != v {
						t.Errorf("record %d: %s = %q, want %q", i, k, got[k], v)
					}
				}
			}
		})
	}
}
