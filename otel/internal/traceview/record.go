package traceview

import (
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelkit/otelkit/internal/redact"
	"github.com/otelkit/otelkit/internal/visible"
)

// The keys a request ID is found under: the span attribute httpmw and
// grpcmw set on the server span (internal/reqscope.IDAttribute) and the
// log field the request's lines carry.
const (
	requestIDAttribute = attribute.Key("request.id")
	requestIDField     = "request_id"
)

const statusError = codes.Error

// spanRecord is what the store keeps of an ended span.
type spanRecord struct {
	SpanID, Parent trace.SpanID
	Name           string
	Kind           trace.SpanKind
	Start, End     time.Time
	StatusCode     codes.Code
	StatusDesc     string
	Scope          string
	Attrs          []attribute.KeyValue
	Events         []eventRecord
	DroppedAttrs   int
	DroppedEvents  int
}

type eventRecord struct {
	Name         string
	Time         time.Time
	Attrs        []attribute.KeyValue
	DroppedAttrs int
}

// logRecord is what the store keeps of a log record.
type logRecord struct {
	Time         time.Time
	SpanID       trace.SpanID
	Severity     string
	Body         string
	Attrs        []attribute.KeyValue
	DroppedAttrs int // by the SDK's limits
}

// Estimated sizes of what a record holds besides its strings.
const (
	spanOverhead  = 320
	eventOverhead = 64
	logOverhead   = 200
	attrOverhead  = 64
)

// newSpanRecord copies what the pages show of s, cutting long strings and
// hiding the values under the keys keys matches, and returns the request
// ID among its attributes (cut too).
func newSpanRecord(s sdktrace.ReadOnlySpan, keys *redact.Rule) (spanRecord, string) {
	sc := s.SpanContext()
	r := spanRecord{
		SpanID: sc.SpanID(), Parent: s.Parent().SpanID(), Name: cut(s.Name()), Kind: s.SpanKind(),
		Start: s.StartTime(), End: s.EndTime(), StatusCode: s.Status().Code, StatusDesc: cut(s.Status().Description),
		Scope: s.InstrumentationScope().Name, DroppedAttrs: s.DroppedAttributes(), DroppedEvents: s.DroppedEvents(),
	}
	attrs, _ := keys.KeyValues(s.Attributes()) // as the exporters send them (internal/sanitize)
	r.Attrs = cutAttrs(make([]attribute.KeyValue, len(attrs)), attrs)
	if evs := s.Events(); len(evs) > 0 {
		r.Events = make([]eventRecord, len(evs))
		for i, e := range evs {
			r.Events[i] = eventRecord{Name: cut(e.Name), Time: e.Time, DroppedAttrs: e.DroppedAttributeCount}
			ea, _ := keys.KeyValues(e.Attributes)
			r.Events[i].Attrs = cutAttrs(make([]attribute.KeyValue, len(ea)), ea)
		}
	}
	for c := (copier{}); c.more(); {
		c.pass(&r.Name)
		c.pass(&r.StatusDesc)
		c.attrs(r.Attrs)
		for i := range r.Events {
			c.pass(&r.Events[i].Name)
			c.attrs(r.Events[i].Attrs)
		}
	}
	return r, stringOf(r.Attrs, requestIDAttribute)
}

// newLogRecord copies what the pages show of r, hiding as newSpanRecord
// does, and returns its request ID (cut: any code may log a request_id
// field).
func newLogRecord(r *sdklog.Record, keys *redact.Rule) (logRecord, string) {
	body, _ := keys.Value(r.Body()) // a map body's members, as the exporters send them
	l := logRecord{Time: r.Timestamp(), SpanID: r.SpanID(), Severity: cut(r.SeverityText()), Body: cut(body.String()), DroppedAttrs: r.DroppedAttributes()}
	if l.Time.IsZero() {
		l.Time = r.ObservedTimestamp()
	}
	if l.Severity == "" {
		l.Severity = r.Severity().String()
	}
	if n := r.AttributesLen(); n > 0 {
		l.Attrs = make([]attribute.KeyValue, 0, n)
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			l.Attrs = append(l.Attrs, kv)
			return true
		})
		l.Attrs, _ = keys.KeyValues(l.Attrs)
		l.Attrs = cutAttrs(l.Attrs, l.Attrs)
	}
	for c := (copier{}); c.more(); {
		c.pass(&l.Severity)
		c.pass(&l.Body)
		c.attrs(l.Attrs)
	}
	return l, stringOf(l.Attrs, requestIDField)
}

// cutAttrs writes into out (as long as kvs; it may be kvs itself) kvs with
// their keys and values cut (cutValue), and other slices and maps, which
// may hold strings too, as their text.
func cutAttrs(out, kvs []attribute.KeyValue) []attribute.KeyValue {
	for i, kv := range kvs {
		kv = cutValue(kv)
		switch kv.Value.Type() {
		case attribute.SLICE, attribute.MAP:
			kv.Value = attribute.StringValue(kv.Value.String()) // a new string, cut if it was long
		}
		out[i] = kv
	}
	return out
}

// copier replaces the strings a record keeps (names, bodies, string
// attribute values and the strings of string slices) by copies, all in one
// new string: one allocation per span, its events included, or log
// record. No string kept is then part of one the program holds: the SDK's
// attribute value length limits cut a value by slicing it, and a program
// may slice a name or a message out of a request body, so that a value of
// 4 KiB may be the start of a body of 10 MiB, which the store would hold
// while counting 4 KiB. A record is passed through it three times (while
// more says so): to count the bytes, to write them, and to take the
// copies.
type copier struct {
	step int // 0 before the first pass, then counting, writing, taking
	n    int // bytes counted
	b    strings.Builder
	text string // what is left to take
}

const (
	counting = iota + 1
	writing
	taking
)

// more begins the next pass, and reports whether there is one.
func (c *copier) more() bool {
	switch c.step {
	case counting:
		if c.n == 0 {
			return false // nothing to copy
		}
		c.b.Grow(c.n)
	case writing:
		c.text = c.b.String()
	case taking:
		return false
	}
	c.step++
	return true
}

// pass counts, writes or takes *s.
func (c *copier) pass(s *string) {
	switch c.step {
	case counting:
		c.n += len(*s)
	case writing:
		c.b.WriteString(*s)
	case taking:
		*s, c.text = c.text[:len(*s)], c.text[len(*s):]
	}
}

// attrs passes the strings of kvs.
func (c *copier) attrs(kvs []attribute.KeyValue) {
	for i, kv := range kvs {
		switch kv.Value.Type() {
		case attribute.STRING:
			s := kv.Value.AsString()
			c.pass(&s)
			if c.step == taking {
				kvs[i].Value = attribute.StringValue(s)
			}
		case attribute.STRINGSLICE:
			ss := kv.Value.AsStringSlice() // a new slice
			for j := range ss {
				c.pass(&ss[j])
			}
			if c.step == taking {
				kvs[i].Value = attribute.StringSliceValue(ss)
			}
		}
	}
}

// stringOf returns the string value of the last key among kvs, "" for
// none.
func stringOf(kvs []attribute.KeyValue, key attribute.Key) string {
	for i := len(kvs) - 1; i >= 0; i-- {
		if kvs[i].Key == key {
			if kvs[i].Value.Type() != attribute.STRING {
				return ""
			}
			return kvs[i].Value.AsString()
		}
	}
	return ""
}

// cut returns s cut to at most MaxValue bytes at a rune boundary, marked
// with an ellipsis when cut.
func cut(s string) string {
	if len(s) <= MaxValue {
		return s
	}
	return visible.Cut(s, MaxValue) + "…"
}

// isLong reports whether kv's key or value is longer than MaxValue bytes:
// a string's, or the text of a slice or map (rare on spans and logs).
func isLong(kv attribute.KeyValue) bool {
	switch kv.Value.Type() {
	case attribute.STRING:
		return len(kv.Key) > MaxValue || len(kv.Value.AsString()) > MaxValue
	case attribute.BOOL, attribute.INT64, attribute.FLOAT64, attribute.EMPTY:
		return len(kv.Key) > MaxValue
	}
	return len(kv.Key) > MaxValue || len(kv.Value.String()) > MaxValue
}

// cutValue returns kv with its key and value cut to MaxValue bytes; a
// slice or map too long becomes its text, cut.
func cutValue(kv attribute.KeyValue) attribute.KeyValue {
	if !isLong(kv) {
		return kv
	}
	kv.Key = attribute.Key(cut(string(kv.Key)))
	switch kv.Value.Type() {
	case attribute.STRING:
		kv.Value = attribute.StringValue(cut(kv.Value.AsString()))
	case attribute.BOOL, attribute.INT64, attribute.FLOAT64, attribute.EMPTY:
	default:
		if text := kv.Value.String(); len(text) > MaxValue {
			kv.Value = attribute.StringValue(cut(text))
		}
	}
	return kv
}

func (r *spanRecord) size() int64 {
	n := int64(spanOverhead+len(r.Name)+len(r.StatusDesc)+len(r.Scope)) + attrsSize(r.Attrs)
	for _, e := range r.Events {
		n += int64(eventOverhead+len(e.Name)) + attrsSize(e.Attrs)
	}
	return n
}

func (r *logRecord) size() int64 {
	return int64(logOverhead+len(r.Body)+len(r.Severity)) + attrsSize(r.Attrs)
}

func attrsSize(kvs []attribute.KeyValue) int64 {
	n := int64(0)
	for _, kv := range kvs {
		n += int64(attrOverhead + len(kv.Key))
		switch kv.Value.Type() {
		case attribute.STRING:
			n += int64(len(kv.Value.AsString()))
		case attribute.BOOL, attribute.INT64, attribute.FLOAT64, attribute.EMPTY:
		default: // slices and maps: rare, measured by their text
			n += int64(len(kv.Value.String()))
		}
	}
	return n
}

// status names the span's status as the pages show it.
func (r *spanRecord) status() string {
	switch r.StatusCode {
	case codes.Error:
		return "error"
	case codes.Ok:
		return "ok"
	}
	return "unset"
}

// Duration is how long the span took.
func (r *spanRecord) Duration() time.Duration { return r.End.Sub(r.Start) }
