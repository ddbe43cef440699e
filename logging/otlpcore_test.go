package logging

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/otelkit/otelkit/internal/testutil/logrec"
	"go.opentelemetry.io/contrib/bridges/otelzap"
	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/multierr"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// The OTLP bridge (otlpCore) must make the records the contrib otelzap
// bridge makes. These tests feed both the same entries and fields, bound
// and per line, and compare every record: body, severity number and text,
// timestamp, trace context, scope, attributes in order, dropped count and
// event name. Deliberate differences: none. Not compared: the observed
// timestamp, which the SDK sets to its own clock on Emit.

// bridgePair returns otelzap's core and ours, each on a provider of its
// own, and a function returning the records each has emitted so far.
func bridgePair(t *testing.T) (theirs, ours zapcore.Core, records func() (a, b []sdklog.Record)) {
	t.Helper()
	pa, pb := &logrec.Processor{}, &logrec.Processor{}
	lpa := sdklog.NewLoggerProvider(sdklog.WithProcessor(pa))
	lpb := sdklog.NewLoggerProvider(sdklog.WithProcessor(pb))
	t.Cleanup(func() { _ = lpa.Shutdown(context.Background()); _ = lpb.Shutdown(context.Background()) })
	get := func() (a, b []sdklog.Record) { return pa.Records(), pb.Records() }
	return otelzap.NewCore(DefaultName, otelzap.WithLoggerProvider(lpa)), newOTLPCore(DefaultName, lpb), get
}

// recordDiff describes how b differs from a, "" when they are equal.
func recordDiff(a, b sdklog.Record) string {
	var d []string
	cmp := func(what string, x, y any) {
		if !reflect.DeepEqual(x, y) {
			d = append(d, fmt.Sprintf("%s: otelzap %v, ours %v", what, x, y))
		}
	}
	cmp("timestamp", a.Timestamp(), b.Timestamp())
	cmp("body", a.Body(), b.Body())
	cmp("severity", a.Severity(), b.Severity())
	cmp("severity text", a.SeverityText(), b.SeverityText())
	cmp("event name", a.EventName(), b.EventName())
	cmp("trace id", a.TraceID(), b.TraceID())
	cmp("span id", a.SpanID(), b.SpanID())
	cmp("trace flags", a.TraceFlags(), b.TraceFlags())
	cmp("scope", a.InstrumentationScope(), b.InstrumentationScope())
	cmp("dropped attributes", a.DroppedAttributes(), b.DroppedAttributes())
	aa, ba := recordAttrs(a), recordAttrs(b)
	if !reflect.DeepEqual(aa, ba) {
		d = append(d, fmt.Sprintf("attributes:\n  otelzap %s\n  ours    %s", emitAttrs(aa), emitAttrs(ba)))
	}
	return strings.Join(d, "\n")
}

func recordAttrs(r sdklog.Record) []attribute.KeyValue {
	var out []attribute.KeyValue
	r.WalkAttributes(func(kv attribute.KeyValue) bool { out = append(out, kv); return true })
	return out
}

func emitAttrs(kvs []attribute.KeyValue) string {
	parts := make([]string, len(kvs))
	for i, kv := range kvs {
		parts[i] = fmt.Sprintf("%s=%s(%s)", kv.Key, kv.Value.Type(), kv.Value.String())
	}
	return strings.Join(parts, " ")
}

// Values for the corpus.
type (
	point struct{ X, Y int }
	deep  struct{ Next *deep }

	verboseErr struct{}
)

func (verboseErr) Error() string { return "verbose" }
func (verboseErr) Format(s fmt.State, _ rune) {
	_, _ = fmt.Fprint(s, "verbose with detail")
}

type userObj struct {
	name string
	tags []string
	ns   bool
}

func (u userObj) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("name", u.name)
	if u.ns {
		enc.OpenNamespace("inner")
		enc.AddInt("depth", 2)
	}
	return enc.AddArray("tags", zapcore.ArrayMarshalerFunc(func(a zapcore.ArrayEncoder) error {
		for _, t := range u.tags {
			a.AppendString(t)
		}
		return a.AppendObject(zapcore.ObjectMarshalerFunc(func(o zapcore.ObjectEncoder) error {
			o.AddBool("last", true)
			return nil
		}))
	}))
}

// holder is a struct the bridge prints with %+v, holding what fmt
// descends into (map, slice, array, interface) and what it prints with
// its own method (String, Error).
type holder struct {
	M map[string]any
	D time.Duration
	E error
	A [1]any
}

func deepChain(n int) *deep {
	var d *deep
	for range n {
		d = &deep{Next: d}
	}
	return d
}

// bridgeCorpus is every zap field type, and the ways fields nest.
func bridgeCorpus(ctx context.Context) map[string][]zapcore.Field {
	t0 := time.Date(2026, 11, 28, 7, 30, 0, 123456789, time.UTC)
	failing := zapcore.ArrayMarshalerFunc(func(a zapcore.ArrayEncoder) error {
		a.AppendInt(1)
		return errors.New("array failed")
	})
	var nilPoint *point
	return map[string][]zapcore.Field{
		"none": nil,
		"scalars": {
			zap.Binary("bin", []byte{0, 1, 2}), zap.ByteString("bs", []byte("bytes")), zap.Bool("b", true),
			zap.Complex128("c128", 1+2i), zap.Complex64("c64", 3+4i), zap.Duration("d", 1500*time.Microsecond),
			zap.Float64("f64", 1.5), zap.Float32("f32", 2.5), zap.Int("i", -1), zap.Int64("i64", math.MinInt64),
			zap.Int32("i32", 32), zap.Int16("i16", 16), zap.Int8("i8", 8), zap.String("s", "str"),
			zap.Time("t", t0), zap.Uint("u", 7), zap.Uint64("u64", 64), zap.Uint64("u64big", math.MaxUint64),
			zap.Uint32("u32", 32), zap.Uint16("u16", 16), zap.Uint8("u8", 8), zap.Uintptr("uptr", 0xff),
			zap.Stringer("stringer", time.Second), zap.Timep("timep", &t0), zap.Skip(),
		},
		// Only plain values: converted on the stack, not by the encoder.
		// Only plain values, few enough to be converted on the stack, not
		// by the encoder (otlpCore.plainAttrs).
		"plain": {
			zap.String("s", "str"), zap.Bool("t", true), zap.Bool("f", false), zap.Duration("d", -time.Second),
			zap.Int64("i64", math.MaxInt64), zap.Int32("i32", math.MinInt32), zap.Int16("i16", -16), zap.Int8("i8", -8),
			zap.Skip(), zap.Error(nil),
		},
		"plain unsigned": {
			zap.Uint64("u64", 64), zap.Uint64("u64big", math.MaxUint64), zap.Uint32("u32", math.MaxUint32),
			zap.Uint16("u16", math.MaxUint16), zap.Uint8("u8", math.MaxUint8), zap.Uintptr("uptr", ^uintptr(0)),
		},
		"plain float and time": {
			zap.Float64("f64", math.Inf(-1)), zap.Float64("nan", math.NaN()), zap.Float32("f32", -2.5),
			zap.Time("t0", t0), zap.Time("tloc", t0.In(time.FixedZone("x", 3600))),
		},
		"arrays": {
			zap.Bools("bools", []bool{true, false}), zap.ByteStrings("bss", [][]byte{[]byte("a")}),
			zap.Complex128s("c128s", []complex128{1i}), zap.Durations("ds", []time.Duration{time.Millisecond}),
			zap.Float64s("f64s", []float64{1, 2}), zap.Ints("ints", []int{1, 2, 3}), zap.Int64s("i64s", []int64{4}),
			zap.Strings("strs", []string{"x", "y"}), zap.Times("ts", []time.Time{t0}),
			zap.Uint64s("u64s", []uint64{1, math.MaxUint64}), zap.Uintptrs("uptrs", []uintptr{1}),
			zap.Stringers("stringers", []time.Duration{time.Second}), zap.Strings("empty", nil),
			zap.Array("nested", zapcore.ArrayMarshalerFunc(func(a zapcore.ArrayEncoder) error {
				_ = a.AppendArray(zapcore.ArrayMarshalerFunc(func(b zapcore.ArrayEncoder) error { b.AppendInt(1); return nil }))
				return a.AppendReflected(map[string]int{"k": 1})
			})),
			zap.Array("failing", failing),
		},
		"objects": {
			zap.Object("user", userObj{name: "ada", tags: []string{"a", "b"}}),
			zap.Object("user_ns", userObj{name: "bob", ns: true}),
			zap.Dict("dict", zap.String("a", "1"), zap.Dict("in", zap.Int("b", 2))),
			zap.Objects("objs", []userObj{{name: "c"}, {name: "d", ns: true}}),
			zap.Inline(userObj{name: "inline"}),
			zap.Object("empty", zapcore.ObjectMarshalerFunc(func(zapcore.ObjectEncoder) error { return nil })),
		},
		"reflected": {
			zap.Any("struct", point{1, 2}), zap.Any("map", map[string]int{"a": 1, "b": 2}),
			zap.Any("intkeys", map[int]string{1: "one"}), zap.Any("slice", []any{1, "two", nil, 3.5}),
			zap.Any("ptr", &point{3, 4}), zap.Any("nilptr", nilPoint), zap.Reflect("nil", nil),
			zap.Reflect("uintbig", uint64(math.MaxUint64)), zap.Reflect("uint8", uint8(8)),
			zap.Reflect("dur", time.Second), zap.Reflect("time", t0), zap.Reflect("bytes", []byte("b")),
			zap.Reflect("c64", complex64(1)), zap.Reflect("err", errors.New("boom")),
			zap.Reflect("attr", attribute.StringValue("v")), zap.Reflect("chan", make(chan int)),
			zap.Reflect("deep", deepChain(120)), zap.Reflect("nested", map[string][]map[string]int{"x": {{"y": 1}}}),
			zap.Reflect("array", [2]string{"a", "b"}), zap.Reflect("emptymap", map[string]int{}),
			zap.Any("holder", holder{M: map[string]any{"k": []any{1, point{5, 6}}}, D: time.Second, E: errors.New("e"), A: [1]any{"x"}}),
		},
		"namespaces": {
			zap.String("before", "b"), zap.Namespace("ns1"), zap.Int("in1", 1),
			zap.Namespace("ns2"), zap.Int("in2", 2), zap.Object("obj", userObj{name: "n", ns: true}),
		},
		"empty namespace": {zap.String("a", "b"), zap.Namespace("ns")},
		"errors": {
			zap.Error(errors.New("main failure")), zap.NamedError("cause", errors.New("other")),
			zap.NamedError("verbose", verboseErr{}), zap.NamedError("multi", multierr.Combine(errors.New("x"), errors.New("y"))),
			zap.Errors("errs", []error{errors.New("e1"), nil}), zap.NamedError("nilerr", nil),
		},
		"nil error":            {zap.Error(nil), zap.String("k", "v")},
		"exception attributes": {zap.String("exception.message", "m"), zap.String("exception.type", "t")},
		"context":              {zap.String("before", "x"), zap.Any("ctx", ctx), zap.Int("after", 1)},
		"duplicate keys":       {zap.String("k", "1"), zap.Int("k", 2)},
		"inline error":         {Err(errors.New("typed"))},
	}
}

func TestOTLPBridgeMatchesOtelzap(t *testing.T) {
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, SpanID: trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8},
		TraceFlags: trace.FlagsSampled,
	})
	ctx := trace.ContextWithSpanContext(context.Background(), sc)
	sc2 := trace.NewSpanContext(trace.SpanContextConfig{TraceID: sc.TraceID(), SpanID: trace.SpanID{9, 9, 9, 9, 9, 9, 9, 9}})
	ctx2 := trace.ContextWithSpanContext(context.Background(), sc2)

	bounds := map[string][]zapcore.Field{
		"unbound":      nil,
		"request":      {zap.String("request_id", "req-1"), {Key: "context", Type: zapcore.SkipType, Interface: ctx2}},
		"bound error":  {zap.Error(errors.New("bound failure")), zap.Int("n", 1)},
		"bound ns":     {zap.String("svc", "a"), zap.Namespace("bound"), zap.String("x", "y")},
		"bound object": {zap.Object("user", userObj{name: "u", tags: []string{"t"}})},
	}
	caller := zapcore.NewEntryCaller(0, "/src/app/handler.go", 42, true)
	caller.Function = "example.com/app.Handler"
	entries := map[string]zapcore.Entry{
		"info":           {Level: zapcore.InfoLevel, Time: time.Unix(1700000000, 5), Message: "order_loaded", Caller: caller},
		"debug no time":  {Level: zapcore.DebugLevel, Message: "dbg"},
		"warn":           {Level: zapcore.WarnLevel, Time: time.Unix(1, 0), Message: "w"},
		"error stack":    {Level: zapcore.ErrorLevel, Time: time.Unix(2, 0), Message: "e", Caller: caller, Stack: "goroutine 1 [running]:\nmain.main()"},
		"dpanic":         {Level: zapcore.DPanicLevel, Message: "dp"},
		"panic":          {Level: zapcore.PanicLevel, Message: "p"},
		"fatal":          {Level: zapcore.FatalLevel, Message: "f"},
		"named":          {Level: zapcore.InfoLevel, Message: "n", LoggerName: "payments"},
		"unknown level":  {Level: zapcore.Level(9), Message: "odd"},
		"empty message":  {Level: zapcore.InfoLevel},
		"stack no error": {Level: zapcore.WarnLevel, Message: "s", Stack: "stack"},
	}
	n := 0
	for bname, bf := range bounds {
		for fname, fields := range bridgeCorpus(ctx) {
			for ename, ent := range entries {
				theirs, ours, records := bridgePair(t)
				if len(bf) > 0 {
					theirs, ours = theirs.With(bf), ours.With(bf)
				}
				if theirs.Enabled(ent.Level) != ours.Enabled(ent.Level) {
					t.Fatalf("%s/%s/%s: Enabled differs", bname, fname, ename)
				}
				if e1, e2 := theirs.Write(ent, fields), ours.Write(ent, fields); (e1 == nil) != (e2 == nil) {
					t.Fatalf("%s/%s/%s: Write errors differ: %v, %v", bname, fname, ename, e1, e2)
				}
				a, b := records()
				if len(a) != 1 || len(b) != 1 {
					t.Fatalf("%s/%s/%s: records: otelzap %d, ours %d", bname, fname, ename, len(a), len(b))
				}
				if d := recordDiff(a[0], b[0]); d != "" {
					t.Errorf("%s / fields %s / entry %s:\n%s", bname, fname, ename, d)
				}
				n++
			}
		}
	}
	t.Logf("%d records compared", n)
}

// TestOTLPBridgeWithChains: With on With, and a core written to many
// times (the pooled encoder reused), still match otelzap.
func TestOTLPBridgeWithChains(t *testing.T) {
	theirs, ours, records := bridgePair(t)
	steps := [][]zapcore.Field{
		{zap.String("a", "1")},
		{zap.Namespace("ns"), zap.Int("b", 2)},
		nil,
		{zap.Error(errors.New("late")), zap.Any("m", map[string]int{"z": 1})},
	}
	ent := zapcore.Entry{Level: zapcore.InfoLevel, Time: time.Unix(3, 0), Message: "m"}
	corpus := bridgeCorpus(context.Background())
	for _, s := range steps {
		theirs, ours = theirs.With(s), ours.With(s)
		for _, fs := range corpus {
			_ = theirs.Write(ent, fs)
			_ = ours.Write(ent, fs)
		}
	}
	a, b := records()
	if len(a) != len(b) || len(a) != len(steps)*len(corpus) {
		t.Fatalf("records: otelzap %d, ours %d", len(a), len(b))
	}
	for i := range a {
		if d := recordDiff(a[i], b[i]); d != "" {
			t.Errorf("record %d:\n%s", i, d)
		}
	}
}

// TestOTLPBridgeKeepsNoReference: a record queued by a processor keeps its
// values when the pooled encoder is reused by later lines.
func TestOTLPBridgeKeepsNoReference(t *testing.T) {
	_, ours, records := bridgePair(t)
	obj := func(v string) zapcore.Field {
		return zap.Object("o", zapcore.ObjectMarshalerFunc(func(e zapcore.ObjectEncoder) error {
			e.AddString("v", v)
			return e.AddArray("a", zapcore.ArrayMarshalerFunc(func(a zapcore.ArrayEncoder) error { a.AppendString(v); return nil }))
		}))
	}
	ent := zapcore.Entry{Level: zapcore.InfoLevel, Message: "m"}
	for _, v := range []string{"first", "second", "third"} {
		_ = ours.Write(ent, []zapcore.Field{obj(v), zap.Namespace("n"), zap.String("k", v)})
	}
	_, recs := records()
	words := []string{"first", "second", "third"}
	for i, v := range words {
		got := emitAttrs(recordAttrs(recs[i]))
		for _, w := range words {
			if n := strings.Count(got, w); (w == v && n != 3) || (w != v && n != 0) {
				t.Errorf("record %d holds %s, want %q three times and no other line's value", i, got, v)
			}
		}
	}
}

// TestOTLPEncoderPoolKeepsNoReference: an encoder back in the pool holds
// no attribute, value or namespace of the lines it encoded (they would
// stay reachable, and a later line could see them).
func TestOTLPEncoderPoolKeepsNoReference(t *testing.T) {
	for name, fields := range bridgeCorpus(context.Background()) {
		e := getAttrEncoder()
		_, _ = e.convert(fields)
		e.free()
		kvs, vals, ns := e.kvs[:cap(e.kvs)], e.vals[:cap(e.vals)], e.ns[:cap(e.ns)]
		for i := range kvs {
			if kvs[i] != (attribute.KeyValue{}) {
				t.Errorf("%s: pooled kvs[%d] = %v", name, i, kvs[i])
			}
		}
		for i := range vals {
			if vals[i] != (attribute.Value{}) {
				t.Errorf("%s: pooled vals[%d] = %v", name, i, vals[i])
			}
		}
		for i := range ns {
			if ns[i] != (nsMark{}) {
				t.Errorf("%s: pooled ns[%d] = %v", name, i, ns[i])
			}
		}
	}
}
